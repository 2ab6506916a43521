// The project schema and its forward migrations. PRAGMA user_version holds the version; opening a
// project runs every migration above it in one BEGIN IMMEDIATE transaction that also reads the
// version, so processes opening one file at once migrate it once. docs/schema.md documents the
// tables for people who query a project with the sqlite3 shell.
#pragma once

#include <string>

#include "db/database.h"

namespace prefstudio::db {

constexpr int kSchemaVersion = 5;

// Brings `db` from its user_version up to `target` (default: the latest), all steps or none. Safe
// against another process migrating the same file at the same time (it waits for the write lock,
// then sees the version that process left). Throws DbError if the file is newer than this program
// knows, naming both versions.
void migrate(Database& db, int target = kSchemaVersion);

// Opens (or creates) a project file and migrates it to the latest schema.
Database open_project(const std::string& path, bool create = true);

}  // namespace prefstudio::db

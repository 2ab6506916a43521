// A project file is in WAL mode; where WAL does not take (it needs shared memory for its index,
// which some file systems lack) the store keeps going and says so on stderr, and it syncs fully,
// because synchronous = NORMAL is only safe against a power cut with WAL.
#include <gtest/gtest.h>

#include "db/schema.h"
#include "db_test_util.h"

namespace prefstudio::db {
namespace {

// SQLite's "unix-none" VFS has no shared memory either: as the default VFS it plays such a file
// system for every connection opened while this lives.
class NoSharedMemoryFileSystem {
 public:
  NoSharedMemoryFileSystem() { sqlite3_vfs_register(sqlite3_vfs_find("unix-none"), 1); }
  ~NoSharedMemoryFileSystem() { sqlite3_vfs_register(sqlite3_vfs_find("unix"), 1); }
};

std::string pragma(Database& db, const char* name) {
  Statement statement = db.prepare(std::string("PRAGMA ") + name);
  statement.step();
  return statement.column_text(0);
}

TEST(JournalMode, ProjectFilesUseWalQuietly) {
  test::TempDir dir;
  testing::internal::CaptureStderr();
  Database db = open_project(dir.file("p.db"));
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(pragma(db, "journal_mode"), "wal");
  EXPECT_EQ(pragma(db, "synchronous"), "1");  // NORMAL: durable at each WAL checkpoint
}

TEST(JournalMode, SaysSoWhenWalDoesNotTake) {
  ASSERT_NE(sqlite3_vfs_find("unix-none"), nullptr);
  NoSharedMemoryFileSystem no_shm;
  test::TempDir dir;
  const std::string path = dir.file("p.db");
  testing::internal::CaptureStderr();
  Database db = open_project(path);
  const std::string warning = testing::internal::GetCapturedStderr();
  EXPECT_EQ(pragma(db, "journal_mode"), "delete");
  EXPECT_NE(warning.find(path), std::string::npos) << warning;
  EXPECT_NE(warning.find("WAL"), std::string::npos) << warning;
  EXPECT_NE(warning.find("'delete'"), std::string::npos) << warning;
  EXPECT_EQ(pragma(db, "synchronous"), "2");           // FULL
  db.exec("INSERT INTO prompts (text) VALUES ('p')");  // and the project works
  EXPECT_EQ(test::count_rows(db, "prompts"), 1);
}

}  // namespace
}  // namespace prefstudio::db

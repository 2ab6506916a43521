// A thin RAII layer over one SQLite connection: Database owns the sqlite3*, Statement owns a
// prepared sqlite3_stmt*, Transaction rolls back in its destructor unless committed.
// One connection per thread: a Database is not to be shared between threads.
// Every failure throws DbError with SQLite's message and the file name; DbError::busy() tells a
// lock held by another connection (worth retrying) from every other failure.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "db/db_error.h"

namespace prefstudio::db {

class Statement;

class Database {
 public:
  // Opens (creating if asked) the file, or ":memory:". Sets WAL, foreign keys on, and a busy
  // timeout so a second program on the same file waits rather than fails. Where WAL does not take
  // (a file system without shared memory), keeps the journal SQLite kept with synchronous = FULL
  // and writes a warning naming the file to stderr. Does not touch the schema.
  explicit Database(const std::string& path, bool create = true, int busy_timeout_ms = 10000);
  Database(Database&&) noexcept = default;
  Database& operator=(Database&&) noexcept = default;

  // Runs one or more statements without results (DDL, PRAGMA).
  void exec(const std::string& sql);
  Statement prepare(std::string_view sql);
  int64_t last_insert_rowid() const;
  int changes() const;
  int user_version();
  void set_user_version(int version);
  const std::string& path() const { return path_; }
  // How long a statement waits for another connection's lock before failing busy, e.g. 10000 ms.
  int busy_timeout_ms() const { return busy_timeout_ms_; }
  void set_busy_timeout(int busy_timeout_ms);
  sqlite3* handle() const { return db_.get(); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Closer> db_;
  std::string path_;
  int busy_timeout_ms_;
};

// A prepared statement. Parameters are 1-based like SQLite's; columns 0-based.
class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql, const std::string& path);
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind_null(int index);
  Statement& bind(int index, const std::optional<int64_t>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }
  // Advances; true while a row is available.
  bool step();
  // For statements without results: step once, expect done, reset.
  void run();
  void reset();  // also clears bindings

  int64_t column_int(int column) const;
  double column_double(int column) const;
  std::string column_text(int column) const;
  bool column_is_null(int column) const;

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
  };
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
  sqlite3* db_;
  std::string path_;
  void check(int rc, const char* what) const;
};

// BEGIN IMMEDIATE on construction (takes the write lock at once, so a busy database waits here
// rather than failing half-way); ROLLBACK in the destructor unless commit() ran. Never throws from
// the destructor.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

// Sets a connection's busy timeout for one scope and restores it after, e.g. 0 around a write of
// the labeling GUI: a write that finds the lock held (a long import) then fails busy at once and is
// retried later, instead of freezing the window for the whole timeout.
class ScopedBusyTimeout {
 public:
  ScopedBusyTimeout(Database& db, int busy_timeout_ms);
  ~ScopedBusyTimeout();
  ScopedBusyTimeout(const ScopedBusyTimeout&) = delete;
  ScopedBusyTimeout& operator=(const ScopedBusyTimeout&) = delete;

 private:
  Database& db_;
  int saved_ms_;
};

}  // namespace prefstudio::db

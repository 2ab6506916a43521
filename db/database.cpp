// RAII over sqlite3 (see database.h).
#include "db/database.h"

#include <chrono>
#include <iostream>
#include <thread>

namespace prefstudio::db {

namespace {

std::string where(const std::string& path) { return path.empty() ? "" : " (" + path + ")"; }

// Switches the file to WAL and returns the journal mode in force afterwards. The switch needs an
// exclusive lock, and when several connections switch one new file at once SQLite answers
// SQLITE_BUSY at once instead of calling the busy handler (waiting there could deadlock): so wait
// and retry here, for at most the busy timeout.
std::string switch_to_wal(sqlite3* db, const std::string& path, int busy_timeout_ms) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
  auto keep_mode = [](void* out, int, char** values, char**) {
    *static_cast<std::string*>(out) = values[0] ? values[0] : "";
    return 0;
  };
  for (;;) {
    std::string mode;
    char* error = nullptr;
    const int rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", keep_mode, &mode, &error);
    const std::string message = error ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    if (rc == SQLITE_OK) return mode;
    if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() > deadline)
      throw DbError("SQLite error" + where(path) + ": " + message + " (switching to WAL)");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

Database::Database(const std::string& path, bool create, int busy_timeout_ms)
    : path_(path), busy_timeout_ms_(busy_timeout_ms) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_.reset(raw);
  if (rc != SQLITE_OK) {
    std::string message = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    throw DbError("cannot open project " + path + ": " + message);
  }
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  sqlite3_extended_result_codes(raw, 1);
  exec("PRAGMA foreign_keys = ON");
  if (path != ":memory:" && !path.empty()) {
    // 16 KiB pages cut a large import's CPU by about a quarter (bench_import). Only a new, empty
    // file takes it, and only before WAL is switched on; on an existing file it is a no-op.
    exec("PRAGMA page_size = 16384");
    const std::string mode = switch_to_wal(raw, path, busy_timeout_ms);
    if (mode == "wal") {
      exec("PRAGMA synchronous = NORMAL");  // with WAL: durable at each checkpoint, never corrupt
    } else {
      // Some file systems cannot hold WAL's shared-memory index, and SQLite then keeps the old
      // journal without an error. Keep going, but say so, and sync fully: NORMAL is only safe
      // against a power cut with WAL.
      std::cerr << "warning: " << path << ": SQLite kept journal mode '" << mode
                << "', not WAL (the file system may not support it): programs sharing this "
                   "project will wait for each other longer\n";
      exec("PRAGMA synchronous = FULL");
    }
  }
}

void Database::exec(const std::string& sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    throw DbError("SQLite error" + where(path_) + ": " + message,
                  sqlite3_extended_errcode(db_.get()));
  }
}

void Database::set_busy_timeout(int busy_timeout_ms) {
  sqlite3_busy_timeout(db_.get(), busy_timeout_ms);
  busy_timeout_ms_ = busy_timeout_ms;
}

Statement Database::prepare(std::string_view sql) { return Statement(db_.get(), sql, path_); }
int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_.get()); }
int Database::changes() const { return sqlite3_changes(db_.get()); }

int Database::user_version() {
  Statement statement = prepare("PRAGMA user_version");
  statement.step();
  return static_cast<int>(statement.column_int(0));
}

void Database::set_user_version(int version) {
  exec("PRAGMA user_version = " + std::to_string(version));  // an int, never user text
}

Statement::Statement(sqlite3* db, std::string_view sql, const std::string& path)
    : db_(db), path_(path) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  stmt_.reset(raw);
  if (rc != SQLITE_OK)
    throw DbError("SQLite cannot prepare" + where(path_) + ": " + sqlite3_errmsg(db) + " in: " +
                  std::string(sql));
}

void Statement::check(int rc, const char* what) const {
  if (rc != SQLITE_OK)
    throw DbError(std::string("SQLite ") + what + " failed" + where(path_) + ": " +
                  sqlite3_errmsg(db_));
}

Statement& Statement::bind(int index, int64_t value) {
  check(sqlite3_bind_int64(stmt_.get(), index, value), "bind");
  return *this;
}
Statement& Statement::bind(int index, double value) {
  check(sqlite3_bind_double(stmt_.get(), index, value), "bind");
  return *this;
}
Statement& Statement::bind(int index, std::string_view text) {
  check(sqlite3_bind_text(stmt_.get(), index, text.data(), static_cast<int>(text.size()),
                          SQLITE_TRANSIENT),
        "bind");
  return *this;
}
Statement& Statement::bind_null(int index) {
  check(sqlite3_bind_null(stmt_.get(), index), "bind");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string message = sqlite3_errmsg(db_);
  const int code = sqlite3_extended_errcode(db_);
  sqlite3_reset(stmt_.get());
  throw DbError("SQLite step failed" + where(path_) + ": " + message, code);
}

void Statement::run() {
  step();
  reset();
}

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

int64_t Statement::column_int(int column) const { return sqlite3_column_int64(stmt_.get(), column); }
double Statement::column_double(int column) const {
  return sqlite3_column_double(stmt_.get(), column);
}
std::string Statement::column_text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_.get(), column);
  int size = sqlite3_column_bytes(stmt_.get(), column);
  return text ? std::string(reinterpret_cast<const char*>(text), size) : std::string();
}
bool Statement::column_is_null(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!done_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

ScopedBusyTimeout::ScopedBusyTimeout(Database& db, int busy_timeout_ms)
    : db_(db), saved_ms_(db.busy_timeout_ms()) {
  db_.set_busy_timeout(busy_timeout_ms);
}

ScopedBusyTimeout::~ScopedBusyTimeout() { db_.set_busy_timeout(saved_ms_); }

void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace prefstudio::db

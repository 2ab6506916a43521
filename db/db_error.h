// Errors thrown by db. The message names the file, and for imports the line and the field.
#pragma once

#include <sqlite3.h>

#include <stdexcept>
#include <string>

namespace prefstudio::db {

class DbError : public std::runtime_error {
 public:
  // sqlite_code: SQLite's (extended) result code when SQLite failed, else 0.
  explicit DbError(const std::string& message, int sqlite_code = 0)
      : std::runtime_error(message), sqlite_code_(sqlite_code) {}
  int sqlite_code() const { return sqlite_code_; }
  // Another connection holds the lock (SQLITE_BUSY or SQLITE_LOCKED, any extended code): the same
  // write can succeed later, unlike every other error.
  bool busy() const {
    return (sqlite_code_ & 0xff) == SQLITE_BUSY || (sqlite_code_ & 0xff) == SQLITE_LOCKED;
  }

 private:
  int sqlite_code_;
};

}  // namespace prefstudio::db

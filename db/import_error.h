// The importer's errors. ImportError names the file, the line and the field, in the form editors
// and compilers use ("data.jsonl:12: index 5 out of range 0..3 (ranking)"); ImportCancelled is the
// user stopping an import through its progress callback. Both mean nothing was imported.
#pragma once

#include <cstdint>
#include <string>

#include "db/db_error.h"

namespace prefstudio::db {

class ImportError : public DbError {
 public:
  ImportError(const std::string& file, int64_t line, const std::string& what,
              const std::string& field)
      : DbError(file + ":" + std::to_string(line) + ": " + what +
                (field.empty() ? "" : " (" + field + ")")),
        file_(file),
        line_(line),
        field_(field) {}
  const std::string& file() const { return file_; }
  int64_t line() const { return line_; }               // 1-based
  const std::string& field() const { return field_; }  // "" when the whole line is wrong

 private:
  std::string file_;
  int64_t line_;
  std::string field_;
};

class ImportCancelled : public DbError {
 public:
  // `action`: "import" or "export", for the message.
  explicit ImportCancelled(const std::string& file, const std::string& action = "import")
      : DbError(action + " of " + file + " cancelled; nothing was written") {}
};

}  // namespace prefstudio::db

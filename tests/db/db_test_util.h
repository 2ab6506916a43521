// Helpers shared by the db tests: a temp directory removed at the end, writing JSONL files, and a
// dump of every row of a project to prove an import left it exactly as it was.
#pragma once

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "db/database.h"

namespace prefstudio::db::test {

class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "prefstudio-db-XXXXXX").string();
    path_ = mkdtemp(pattern.data()) ? pattern : throw std::runtime_error("mkdtemp failed");
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  return path;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// Every row of every table, sorted, plus the schema version: equal dumps = same data.
inline std::string dump_rows(Database& db) {
  std::vector<std::string> tables;
  {
    Statement list = db.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name");
    while (list.step()) tables.push_back(list.column_text(0));
  }
  std::string dump = "user_version=" + std::to_string(db.user_version()) + "\n";
  for (const std::string& table : tables) {
    sqlite3_stmt* raw = nullptr;
    std::string sql = "SELECT * FROM \"" + table + "\"";
    sqlite3_prepare_v2(db.handle(), sql.c_str(), -1, &raw, nullptr);
    std::vector<std::string> rows;
    while (sqlite3_step(raw) == SQLITE_ROW) {
      std::string row;
      for (int c = 0; c < sqlite3_column_count(raw); ++c) {
        const unsigned char* text = sqlite3_column_text(raw, c);
        row += (text ? reinterpret_cast<const char*>(text) : "NULL") + std::string("|");
      }
      rows.push_back(row);
    }
    sqlite3_finalize(raw);
    std::sort(rows.begin(), rows.end());
    dump += "[" + table + "]\n";
    for (const std::string& row : rows) dump += row + "\n";
  }
  return dump;
}

inline int64_t count_rows(Database& db, const std::string& table) {
  Statement count = db.prepare("SELECT COUNT(*) FROM \"" + table + "\"");
  count.step();
  return count.column_int(0);
}

}  // namespace prefstudio::db::test

// Shared by the labeling UI tests: a temp-file project with prompts of K completions, and a second
// connection to check what the database holds (never the controller's own).
#pragma once

#include <QString>
#include <string>
#include <vector>

#include "db/database.h"
#include "db/schema.h"

namespace prefstudio::test {

// Creates `path` with one prompt per entry of `ks`, prompt i having ks[i] completions whose texts
// are "p<i> answer <j>" (Markdown: the first has a code block). Returns prompt ids.
inline std::vector<int64_t> makeProject(const QString& path, const std::vector<int>& ks) {
  db::Database db = db::open_project(path.toStdString());
  db::Transaction transaction(db);
  std::vector<int64_t> prompts;
  for (size_t i = 0; i < ks.size(); ++i) {
    db.prepare("INSERT INTO prompts (text) VALUES (?)")
        .bind(1, "Prompt " + std::to_string(i) + ": explain **WAL** mode.")
        .run();
    prompts.push_back(db.last_insert_rowid());
    for (int j = 0; j < ks[i]; ++j)
      db.prepare("INSERT INTO completions (prompt_id, text) VALUES (?, ?)")
          .bind(1, prompts.back())
          .bind(2, "p" + std::to_string(i) + " answer " + std::to_string(j) +
                       (j == 0 ? "\n\n```cpp\nint x = 1;\n```" : ""))
          .run();
  }
  transaction.commit();
  return prompts;
}

inline int64_t queryInt(db::Database& db, const std::string& sql, int64_t bind = -1) {
  db::Statement statement = db.prepare(sql);
  if (bind >= 0) statement.bind(1, bind);
  statement.step();
  return statement.column_int(0);
}

}  // namespace prefstudio::test

// Two processes import into one project file at the same time: the busy timeout makes the second
// wait for the first's transaction instead of failing, and every row of both files is there.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/jsonl_importer.h"
#include "db/schema.h"
#include "db_test_util.h"

namespace prefstudio::db {
namespace {

std::string rankings_file(const std::string& labeler, int prompts) {
  std::string lines;
  for (int i = 0; i < prompts; ++i)
    lines += "{\"prompt\": \"shared prompt " + std::to_string(i) +
             "\", \"completions\": [\"a\", \"b\", \"" + labeler + " " + std::to_string(i) +
             "\"], \"ranking\": [2, 0, 1], \"labeler\": \"" + labeler + "\"}\n";
  return lines;
}

// Child: import, then exit 0 on success, 1 on any error (message on stderr).
pid_t import_in_child(const std::string& project, const std::string& file) {
  pid_t pid = fork();
  if (pid == 0) {
    int code = 0;
    try {
      for (int round = 0; round < 3; ++round) {  // several transactions interleave
        Database db = open_project(project);
        import_jsonl(db, file);
      }
    } catch (const std::exception& e) {
      fprintf(stderr, "child %d: %s\n", getpid(), e.what());
      code = 1;
    }
    _exit(code);
  }
  return pid;
}

TEST(ConcurrentWriters, TwoProcessesImportIntoOneProject) {
  test::TempDir dir;
  std::string project = dir.file("shared.db");
  { open_project(project); }
  const int prompts = 3000;
  std::string ann = test::write_file(dir.file("ann.jsonl"), rankings_file("ann", prompts));
  std::string bob = test::write_file(dir.file("bob.jsonl"), rankings_file("bob", prompts));
  pid_t first = import_in_child(project, ann);
  pid_t second = import_in_child(project, bob);
  int status_first = 0, status_second = 0;
  ASSERT_EQ(waitpid(first, &status_first, 0), first);
  ASSERT_EQ(waitpid(second, &status_second, 0), second);
  EXPECT_TRUE(WIFEXITED(status_first) && WEXITSTATUS(status_first) == 0);
  EXPECT_TRUE(WIFEXITED(status_second) && WEXITSTATUS(status_second) == 0);

  Database db = open_project(project);
  EXPECT_EQ(test::count_rows(db, "prompts"), prompts);
  EXPECT_EQ(test::count_rows(db, "completions"), 4 * prompts);  // a, b shared; one each
  EXPECT_EQ(test::count_rows(db, "labelers"), 2);
  EXPECT_EQ(test::count_rows(db, "rankings"), 2 * prompts);  // re-imports were identical: skipped
  EXPECT_EQ(test::count_rows(db, "ranking_entries"), 6 * prompts);
  Statement check = db.prepare("PRAGMA integrity_check");
  ASSERT_TRUE(check.step());
  EXPECT_EQ(check.column_text(0), "ok");
}

}  // namespace
}  // namespace prefstudio::db

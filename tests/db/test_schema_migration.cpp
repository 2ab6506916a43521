// A project written at any earlier schema version opens at the latest with its rows intact and the
// later tables usable; migrating again changes nothing; a file newer than the program is refused;
// processes opening one new or old file at the same moment all succeed.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db/jsonl_importer.h"
#include "db/pair_builder.h"
#include "db/schema.h"
#include "db_test_util.h"

namespace prefstudio::db {
namespace {

class FromEarlierVersion : public ::testing::TestWithParam<int> {};

TEST_P(FromEarlierVersion, MigratesToTheLatestKeepingRows) {
  const int start = GetParam();
  test::TempDir dir;
  std::string path = dir.file("old.db");
  {
    Database db(path);
    migrate(db, start);
    ASSERT_EQ(db.user_version(), start);
    db.exec(
        "INSERT INTO prompts (text) VALUES ('p');"
        "INSERT INTO completions (prompt_id, text) VALUES (1, 'a'), (1, 'b');"
        "INSERT INTO labelers (name) VALUES ('ann');"
        "INSERT INTO rankings (prompt_id, labeler_id) VALUES (1, 1);"
        "INSERT INTO ranking_entries VALUES (1, 1, 1), (1, 2, 0);");
    if (start < 2) EXPECT_THROW(db.exec("SELECT * FROM suggested_rankings"), DbError);
  }
  Database db = open_project(path);
  EXPECT_EQ(db.user_version(), kSchemaVersion);
  EXPECT_EQ(test::count_rows(db, "completions"), 2);
  auto prompts = load_comparisons(db, PairMode::per_labeler, SplitOptions{});
  ASSERT_EQ(prompts.size(), 1u);
  ASSERT_EQ(prompts[0].pairs.size(), 1u);
  EXPECT_EQ(prompts[0].pairs[0].chosen_id, 2);
  db.exec(
      "INSERT INTO suggested_rankings VALUES (1, 'import', '[2,1]');"
      "UPDATE rankings SET strength = 2 WHERE id = 1;");
  // And a v2 feature through the importer.
  import_jsonl(db, test::write_file(dir.file("s.jsonl"),
                                    "{\"prompt\": \"q\", \"completions\": [\"x\", \"y\"], "
                                    "\"suggested_ranking\": [1, 0]}\n"));
  EXPECT_EQ(test::count_rows(db, "suggested_rankings"), 2);
}

// Every version before the latest, so a new migration is tested from all the older files.
INSTANTIATE_TEST_SUITE_P(EveryVersion, FromEarlierVersion, ::testing::Range(1, kSchemaVersion),
                         [](const auto& info) { return "v" + std::to_string(info.param); });

// Version 4 adds columns to completions and runs and new tables; a v3 file's rows (runs with
// metrics, reward-model scores) survive, the new columns read NULL, and the scores' source is
// listed in score_sources so the labeling queue keeps using it.
TEST(SchemaMigration, V3WithRunsAndScoresMigratesToV4) {
  test::TempDir dir;
  std::string path = dir.file("v3.db");
  {
    Database db(path);
    migrate(db, 3);
    db.exec(
        "INSERT INTO prompts (text) VALUES ('p');"
        "INSERT INTO completions (prompt_id, text) VALUES (1, 'a'), (1, 'b');"
        "INSERT INTO completion_scores VALUES (1, 'rm-hash', 0.5), (2, 'rm-hash', -0.5);"
        "INSERT INTO runs (kind, name, config) VALUES ('sft', 'first', '{}');"
        "INSERT INTO run_metrics VALUES (1, 10, 'loss_train', 1.5, 2.0);"
        "INSERT INTO checkpoints (run_id, step, path) VALUES (1, 10, '/ckpt');");
  }
  Database db = open_project(path);
  ASSERT_EQ(db.user_version(), kSchemaVersion);  // through v4 (and any later step)
  EXPECT_EQ(test::count_rows(db, "completions"), 2);
  EXPECT_EQ(test::count_rows(db, "completion_scores"), 2);
  EXPECT_EQ(test::count_rows(db, "run_metrics"), 1);
  EXPECT_EQ(test::count_rows(db, "checkpoints"), 1);
  Statement completion = db.prepare("SELECT count(*) FROM completions WHERE finish_reason IS NULL");
  ASSERT_TRUE(completion.step());
  EXPECT_EQ(completion.column_int(0), 2);
  Statement run =
      db.prepare("SELECT name, pid IS NULL, heartbeat_at IS NULL, parent_run_id IS NULL FROM runs");
  ASSERT_TRUE(run.step());
  EXPECT_EQ(run.column_text(0), "first");
  EXPECT_EQ(run.column_int(1) + run.column_int(2) + run.column_int(3), 3);
  Statement source = db.prepare("SELECT source, name IS NULL, scored_at FROM score_sources");
  ASSERT_TRUE(source.step());
  EXPECT_EQ(source.column_text(0), "rm-hash");
  EXPECT_EQ(source.column_int(1), 1);
  EXPECT_FALSE(source.column_text(2).empty());
  EXPECT_FALSE(source.step());

  // The new columns and tables take rows, and their CHECKs and keys hold.
  db.exec(
      "UPDATE completions SET finish_reason = 'length' WHERE id = 2;"
      "INSERT INTO runs (kind, config, parent_run_id) VALUES ('ppo', '{}', 1);"
      "INSERT INTO run_evaluations VALUES (2, 5, 'policy', '{\"reward\": 1}');"
      "INSERT INTO run_samples (run_id, step, prompt_id, prompt, completion, finish_reason) "
      "  VALUES (2, 5, 1, 'p', 'a', 'eos');"
      "INSERT INTO reference_logprobs VALUES ('k', -3.5, 4);");
  EXPECT_THROW(db.exec("UPDATE completions SET finish_reason = 'stop' WHERE id = 1"), DbError);
  EXPECT_THROW(db.exec("INSERT INTO run_evaluations VALUES (2, 5, 'policy', '{}')"), DbError);
  EXPECT_THROW(db.exec("INSERT INTO runs (kind, config, parent_run_id) VALUES ('dpo', '{}', 99)"),
               DbError);
  // Deleting a run takes its evaluations and samples with it; a deleted prompt leaves the sample.
  db.exec("DELETE FROM prompts");
  Statement orphan = db.prepare("SELECT prompt_id IS NULL, prompt FROM run_samples");
  ASSERT_TRUE(orphan.step());
  EXPECT_EQ(orphan.column_int(0), 1);
  EXPECT_EQ(orphan.column_text(1), "p");
  db.exec("DELETE FROM runs WHERE id = 2");
  EXPECT_EQ(test::count_rows(db, "run_evaluations"), 0);
  EXPECT_EQ(test::count_rows(db, "run_samples"), 0);
  EXPECT_EQ(test::count_rows(db, "reference_logprobs"), 1);
}

TEST(SchemaMigration, MigratingTwiceChangesNothing) {
  test::TempDir dir;
  std::string path = dir.file("p.db");
  { open_project(path).exec("INSERT INTO prompts (text) VALUES ('p')"); }
  Database db = open_project(path);
  std::string before = test::dump_rows(db);
  migrate(db);
  EXPECT_EQ(test::dump_rows(db), before);
}

TEST(SchemaMigration, NewerFileIsRefused) {
  test::TempDir dir;
  std::string path = dir.file("future.db");
  {
    Database db(path);
    db.set_user_version(kSchemaVersion + 1);
  }
  try {
    open_project(path);
    FAIL();
  } catch (const DbError& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
}

// Forks `processes` children that block on one pipe until the parent closes it, so that they all
// call open_project(path) at the same moment. Returns how many failed (their messages on stderr).
int open_in_racing_processes(const std::string& path, int processes) {
  int gate[2];
  if (pipe(gate) != 0) throw std::runtime_error("pipe failed");
  std::vector<pid_t> children;
  for (int i = 0; i < processes; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      close(gate[1]);
      char byte = 0;
      (void)!read(gate[0], &byte, 1);  // EOF once every write end is closed: all start together
      int code = 0;
      try {
        Database db = open_project(path);
        if (db.user_version() != kSchemaVersion) code = 2;
      } catch (const std::exception& e) {
        fprintf(stderr, "child %d: %s\n", getpid(), e.what());
        code = 1;
      }
      _exit(code);
    }
    children.push_back(pid);
  }
  close(gate[0]);
  close(gate[1]);
  int failed = 0;
  for (pid_t pid : children) {
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
  }
  return failed;
}

// The version used to be read before the migration's write lock was taken: a process that read 0
// (or 1) while another was migrating then ran the same steps again and failed with "table ...
// already exists". Several rounds, because one race can by chance serialise.
TEST(SchemaMigration, ProcessesRacingOnANewFileAllOpenIt) {
  for (int round = 0; round < 5; ++round) {
    test::TempDir dir;
    const std::string path = dir.file("new.db");
    EXPECT_EQ(open_in_racing_processes(path, 8), 0) << "round " << round;
    Database db = open_project(path);
    EXPECT_EQ(db.user_version(), kSchemaVersion);
  }
}

TEST(SchemaMigration, ProcessesRacingOnAVersion1FileAllOpenIt) {
  for (int round = 0; round < 5; ++round) {
    test::TempDir dir;
    const std::string path = dir.file("v1.db");
    {
      Database db(path);
      migrate(db, 1);
      db.exec("INSERT INTO prompts (text) VALUES ('p')");
    }
    EXPECT_EQ(open_in_racing_processes(path, 8), 0) << "round " << round;
    Database db = open_project(path);
    EXPECT_EQ(db.user_version(), kSchemaVersion);
    EXPECT_EQ(test::count_rows(db, "prompts"), 1);
  }
}

}  // namespace
}  // namespace prefstudio::db

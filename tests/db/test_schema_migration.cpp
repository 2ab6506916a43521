// A project written at any earlier schema version opens at the latest with its rows intact and the
// later tables usable; migrating again changes nothing; a file newer than the program is refused.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace prefstudio::db

// The project's one split: defaults stored once on first use and read back by a second connection,
// set and get, bad fractions refused, bad stored values named, and prompt counts per side.
#include <gtest/gtest.h>

#include <cmath>

#include "db/completion_store.h"
#include "db/project_split.h"
#include "db/schema.h"
#include "db_test_util.h"

namespace prefstudio::db {
namespace {

std::string setting(Database& db, const std::string& key) {
  Statement select = db.prepare("SELECT value FROM project_settings WHERE key = ?");
  select.bind(1, key);
  return select.step() ? select.column_text(0) : "<missing>";
}

TEST(ProjectSplit, DefaultsAreStoredOnceOnFirstUse) {
  test::TempDir dir;
  std::string path = dir.file("p.db");
  Database db = open_project(path);
  EXPECT_EQ(setting(db, "split_seed"), "<missing>");
  SplitOptions train = project_split(db, Split::train);
  EXPECT_EQ(train.split, Split::train);
  EXPECT_EQ(train.seed, 0u);
  EXPECT_DOUBLE_EQ(train.validation_fraction, 0.1);
  EXPECT_EQ(setting(db, "split_seed"), "0");
  EXPECT_EQ(setting(db, "split_validation_fraction"), "0.1");
  // Another program on the same file reads what the first stored, not its own defaults.
  db.exec("UPDATE project_settings SET value = '17' WHERE key = 'split_seed'");
  Database other = open_project(path);
  SplitOptions validation = project_split(other, Split::validation);
  EXPECT_EQ(validation.split, Split::validation);
  EXPECT_EQ(validation.seed, 17u);
  EXPECT_EQ(test::count_rows(other, "project_settings"), 2);
}

TEST(ProjectSplit, SetThenGetRoundTrips) {
  Database db = open_project(":memory:");
  set_project_split(db, 12345678901234567890ull, 0.3);
  SplitOptions options = project_split(db, Split::all);
  EXPECT_EQ(options.split, Split::all);
  EXPECT_EQ(options.seed, 12345678901234567890ull);
  EXPECT_EQ(options.validation_fraction, 0.3);  // exact: stored with enough digits
  set_project_split(db, 1, 0.0);
  options = project_split(db, Split::train);
  EXPECT_EQ(options.seed, 1u);
  EXPECT_EQ(options.validation_fraction, 0.0);
  EXPECT_EQ(test::count_rows(db, "project_settings"), 2);
}

TEST(ProjectSplit, FractionOutsideZeroToOneIsRefused) {
  Database db = open_project(":memory:");
  for (double bad : {1.0, -0.1, 1.5, std::nan("")}) {
    EXPECT_THROW(set_project_split(db, 0, bad), DbError) << bad;
  }
  EXPECT_EQ(setting(db, "split_seed"), "<missing>");  // nothing half-stored
  try {
    set_project_split(db, 0, 1.0);
    FAIL();
  } catch (const DbError& error) {
    EXPECT_NE(std::string(error.what()).find("validation fraction 1 is outside [0, 1)"),
              std::string::npos)
        << error.what();
  }
}

TEST(ProjectSplit, BadStoredValuesNameTheKey) {
  Database db = open_project(":memory:");
  set_project_split(db, 3, 0.2);
  db.exec("UPDATE project_settings SET value = 'many' WHERE key = 'split_seed'");
  try {
    project_split(db, Split::train);
    FAIL();
  } catch (const DbError& error) {
    EXPECT_NE(std::string(error.what()).find("split_seed 'many'"), std::string::npos)
        << error.what();
  }
  db.exec(
      "UPDATE project_settings SET value = '3' WHERE key = 'split_seed';"
      "UPDATE project_settings SET value = '2' WHERE key = 'split_validation_fraction';");
  try {
    project_split(db, Split::train);
    FAIL();
  } catch (const DbError& error) {
    EXPECT_NE(std::string(error.what()).find("split_validation_fraction"), std::string::npos)
        << error.what();
  }
}

TEST(ProjectSplit, CountsPromptsPerSide) {
  Database db = open_project(":memory:");
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i) texts.push_back("prompt " + std::to_string(i));
  CompletionStore(db).add_prompts(texts);
  set_project_split(db, 5, 0.25);
  SplitOptions options = project_split(db, Split::all);
  int64_t expected_validation = 0;
  for (const std::string& text : texts) expected_validation += prompt_in_validation(text, options);
  SplitCounts counts = count_prompts_by_split(db, options);
  EXPECT_EQ(counts.prompts_validation, expected_validation);
  EXPECT_EQ(counts.prompts_train, 200 - expected_validation);
  EXPECT_GT(counts.prompts_validation, 25);  // near 25% of 200
  EXPECT_LT(counts.prompts_validation, 75);
  options.validation_fraction = 0.0;
  EXPECT_EQ(count_prompts_by_split(db, options).prompts_train, 200);
}

}  // namespace
}  // namespace prefstudio::db

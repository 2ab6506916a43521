// The stats JSON: counts, rankings per labeler, pairs, and agreement between labelers computed by
// hand on a small project.
#include <gtest/gtest.h>

#include "db/jsonl_importer.h"
#include "db/project_stats.h"
#include "db/schema.h"
#include "db_test_util.h"

namespace prefstudio::db {
namespace {

TEST(ProjectStats, CountsPairsAndAgreement) {
  test::TempDir dir;
  Database db = open_project(":memory:");
  std::string lines;
  // p1: ann a>b>c, bob a>c>b: 3 pairs compared, 2 agree (a>b, a>c). cy ties b = c: on (b, c) cy
  // abstains, so ann-cy compares 2 pairs and agrees on both, bob-cy the same.
  lines +=
      R"({"prompt": "p1", "completions": ["a", "b", "c"], "ranking": [0, 1, 2], "labeler": "ann"})"
      "\n";
  lines +=
      R"({"prompt": "p1", "completions": ["a", "b", "c"], "ranking": [0, 2, 1], "labeler": "bob"})"
      "\n";
  lines +=
      R"({"prompt": "p1", "completions": ["a", "b", "c"], "ranks": [0, 1, 1], "labeler": "cy"})"
      "\n";
  lines += R"({"prompt": "p2", "completions": ["x", "y"], "ranking": [1, 0], "labeler": "ann"})"
           "\n";
  lines += R"({"prompt": "p2", "completions": ["x", "y"], "ranking": [0, 1], "labeler": "ann"})"
           "\n";
  lines += R"({"prompt": "p3", "completions": ["u", "v"]})"
           "\n";
  import_jsonl(db, test::write_file(dir.file("in.jsonl"), lines));
  db.exec(
      "INSERT INTO labelers (name) VALUES ('dee');"
      "INSERT INTO rankings (prompt_id, labeler_id, status) VALUES (3, 4, 'skipped')");

  nlohmann::json stats = project_stats(db);
  EXPECT_EQ(stats["prompts"], 3);
  EXPECT_EQ(stats["completions"], 7);
  EXPECT_EQ(stats["labelers"], 4);
  EXPECT_EQ(stats["rankings"], 4);
  EXPECT_EQ(stats["rankings_skipped"], 1);
  EXPECT_EQ(stats["rankings_all_bad"], 0);
  EXPECT_EQ(stats["ranking_versions"], 6);
  EXPECT_EQ(stats["prompts_ranked"], 2);
  EXPECT_EQ(stats["pairs"], 3 + 3 + 2 + 1);
  // consensus on p1: a>b 3:0, a>c 3:0, b-c 1:1 dropped; p2: x>y.
  EXPECT_EQ(stats["consensus_pairs"], 3);
  EXPECT_EQ(stats["rankings_per_labeler"],
            (nlohmann::json{{"ann", 2}, {"bob", 1}, {"cy", 1}, {"dee", 0}}));
  const nlohmann::json& agreement = stats["agreement"];
  EXPECT_EQ(agreement["prompts"], 1);
  EXPECT_EQ(agreement["pairs_compared"], 3 + 2 + 2);
  EXPECT_EQ(agreement["pairs_agreed"], 2 + 2 + 2);
  EXPECT_DOUBLE_EQ(agreement["rate"].get<double>(), 6.0 / 7.0);
  ASSERT_EQ(agreement["by_labeler_pair"].size(), 3u);
  EXPECT_EQ(agreement["by_labeler_pair"][0]["labelers"], (nlohmann::json{"ann", "bob"}));
  EXPECT_EQ(agreement["by_labeler_pair"][0]["pairs_compared"], 3);
  EXPECT_EQ(agreement["by_labeler_pair"][0]["pairs_agreed"], 2);
}

TEST(ProjectStats, EmptyProjectHasNullAgreementRate) {
  Database db = open_project(":memory:");
  nlohmann::json stats = project_stats(db);
  EXPECT_EQ(stats["prompts"], 0);
  EXPECT_EQ(stats["pairs"], 0);
  EXPECT_TRUE(stats["agreement"]["rate"].is_null());
  EXPECT_TRUE(stats["rankings_per_labeler"].is_object());
}

}  // namespace
}  // namespace prefstudio::db

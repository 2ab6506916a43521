// CompletionStore: prompts needing K, dedupe of completions by text, finish reasons, best-ranked
// completion.
#include <gtest/gtest.h>

#include "db/completion_store.h"
#include "db/run_store.h"
#include "db/schema.h"

namespace prefstudio::db {
namespace {

TEST(CompletionStore, PromptsNeedingAndDedupe) {
  Database db = open_project(":memory:");
  CompletionStore store(db);
  auto ids = store.add_prompts({"Sort: cba\n", "Sort: zy\n", "Sort: cba\n"});
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[0], ids[2]);
  int64_t model_id = RunStore(db).register_model("m", "h", "/m");
  EXPECT_TRUE(store.add_completion(ids[0], "abc", model_id, R"({"seed":1})", "eos"));
  EXPECT_FALSE(store.add_completion(ids[0], "abc", model_id, R"({"seed":2})", "length"));
  EXPECT_TRUE(store.add_completion(ids[0], "acb", std::nullopt, "", ""));
  EXPECT_EQ(store.completion_count(ids[0]), 2);
  EXPECT_EQ(store.completions_of(ids[0]), (std::vector<std::string>{"abc", "acb"}));

  auto need2 = store.prompts_needing(2);
  ASSERT_EQ(need2.size(), 1u);
  EXPECT_EQ(need2[0].prompt_id, ids[1]);
  EXPECT_EQ(need2[0].have, 0);
  auto need3 = store.prompts_needing(3);
  ASSERT_EQ(need3.size(), 2u);
  EXPECT_EQ(need3[0].have, 2);
  EXPECT_EQ(need3[0].text, "Sort: cba\n");
}

TEST(CompletionStore, FinishReasonIsStoredOrNull) {
  Database db = open_project(":memory:");
  CompletionStore store(db);
  int64_t prompt = store.add_prompts({"Sort: cba\n"})[0];
  EXPECT_TRUE(store.add_completion(prompt, "abc", std::nullopt, "", "eos"));
  EXPECT_TRUE(store.add_completion(prompt, "ab", std::nullopt, "", "length"));
  EXPECT_TRUE(store.add_completion(prompt, "cab", std::nullopt, "", ""));
  Statement select = db.prepare("SELECT text, finish_reason FROM completions ORDER BY id");
  std::vector<std::string> rows;
  while (select.step())
    rows.push_back(select.column_text(0) + "=" +
                   (select.column_is_null(1) ? "NULL" : select.column_text(1)));
  EXPECT_EQ(rows, (std::vector<std::string>{"abc=eos", "ab=length", "cab=NULL"}));
  try {
    store.add_completion(prompt, "bca", std::nullopt, "", "stop");
    FAIL() << "an unknown finish reason was stored";
  } catch (const DbError& error) {
    EXPECT_NE(std::string(error.what()).find("finish_reason 'stop'"), std::string::npos)
        << error.what();
  }
  EXPECT_EQ(store.completion_count(prompt), 3);
}

TEST(CompletionStore, TopRankedUsesMeanRankOfCurrentRankings) {
  Database db = open_project(":memory:");
  CompletionStore store(db);
  int64_t prompt = store.add_prompts({"p"})[0];
  store.add_completion(prompt, "good", std::nullopt, "", "");
  store.add_completion(prompt, "bad", std::nullopt, "", "");
  db.exec("INSERT INTO labelers (name) VALUES ('ann'), ('bob')");
  // ann: good 0, bad 1; bob: bad 0, good 2 -> good mean 1.0, bad mean 0.5: "bad" wins.
  db.exec(
      "INSERT INTO rankings (id, prompt_id, labeler_id) VALUES (1, 1, 1), (2, 1, 2);"
      "INSERT INTO ranking_entries VALUES (1, 1, 0), (1, 2, 1), (2, 2, 0), (2, 1, 2);");
  auto best = store.top_ranked_completions();
  ASSERT_EQ(best.size(), 1u);
  EXPECT_EQ(best[0].prompt, "p");
  EXPECT_EQ(best[0].response, "bad");
  // An edit that is no longer current does not count.
  db.exec("UPDATE rankings SET is_current = 0 WHERE id = 2");
  EXPECT_EQ(store.top_ranked_completions()[0].response, "good");
}

}  // namespace
}  // namespace prefstudio::db

// Every import format lands in the right tables, with deduplication, versioned rankings, suggested
// rankings, the default labeler, and the pair-group rule (pairs of one ranking become that
// ranking).
#include <gtest/gtest.h>

#include "db/jsonl_importer.h"
#include "db/pair_builder.h"
#include "db/schema.h"
#include "db_test_util.h"

namespace prefstudio::db {
namespace {

using test::count_rows;

class ImportFormats : public ::testing::Test {
 protected:
  test::TempDir dir_;
  Database db_ = open_project(":memory:");

  ImportReport import(const std::string& content, const std::string& name = "in.jsonl") {
    return import_jsonl(db_, test::write_file(dir_.file(name), content));
  }
  std::string text(const std::string& sql) {
    Statement query = db_.prepare(sql);
    return query.step() ? query.column_text(0) : "<none>";
  }
  // rank per completion text of the current ranking of `labeler` on the only/first prompt.
  std::vector<std::pair<std::string, int>> current(const std::string& labeler) {
    Statement query = db_.prepare(
        "SELECT c.text, e.rank FROM rankings r JOIN labelers l ON l.id = r.labeler_id "
        "JOIN ranking_entries e ON e.ranking_id = r.id JOIN completions c ON c.id = "
        "e.completion_id WHERE l.name = ?1 AND r.is_current = 1 ORDER BY c.id");
    query.bind(1, labeler);
    std::vector<std::pair<std::string, int>> entries;
    while (query.step())
      entries.emplace_back(query.column_text(0), static_cast<int>(query.column_int(1)));
    return entries;
  }
};

TEST_F(ImportFormats, PromptsDeduplicateAndSkipBlankLines) {
  ImportReport report =
      import("{\"prompt\": \"a\"}\n\n{\"prompt\": \"b\"}\r\n{\"prompt\": \"a\"}\n");
  EXPECT_EQ(report.format, "prompts");
  EXPECT_EQ(report.lines, 3);
  EXPECT_EQ(report.prompts_added, 2);
  EXPECT_EQ(count_rows(db_, "prompts"), 2);
  EXPECT_EQ(import("{\"prompt\": \"a\"}\n").prompts_added, 0);  // a later file dedups too
}

TEST_F(ImportFormats, CompletionsDeduplicatePerPrompt) {
  ImportReport report = import(
      "{\"prompt\": \"p\", \"completions\": [\"x\", \"y\", \"x\"]}\n"
      "{\"prompt\": \"p\", \"completions\": [\"y\", \"z\"]}\n"
      "{\"prompt\": \"q\", \"completions\": [\"x\"], \"id\": 7}\n");
  EXPECT_EQ(report.format, "completions");
  EXPECT_EQ(report.prompts_added, 2);
  EXPECT_EQ(report.completions_added, 4);  // p: x y z; q: x (same text, other prompt)
  EXPECT_EQ(count_rows(db_, "completions"), 4);
  EXPECT_EQ(count_rows(db_, "rankings"), 0);
}

TEST_F(ImportFormats, RankingByIndicesAndRanksWithTies) {
  ImportReport report = import(
      "{\"prompt\": \"p\", \"completions\": [\"a\", \"b\", \"c\"], \"ranking\": [2, 0, 1], "
      "\"labeler\": \"ann\"}\n"
      "{\"prompt\": \"p\", \"completions\": [\"a\", \"b\", \"c\"], \"ranks\": [0, 5, 0]}\n");
  EXPECT_EQ(report.format, "rankings");
  EXPECT_EQ(report.rankings_added, 2);
  EXPECT_EQ(report.labelers_added, 2);
  using Entries = std::vector<std::pair<std::string, int>>;
  EXPECT_EQ(current("ann"), (Entries{{"a", 1}, {"b", 2}, {"c", 0}}));
  EXPECT_EQ(current("imported"), (Entries{{"a", 0}, {"b", 1}, {"c", 0}}));  // ranks made dense
}

TEST_F(ImportFormats, RankingsOfAPromptAndLabelerAreVersioned) {
  const std::string first =
      "{\"prompt\": \"p\", \"completions\": [\"a\", \"b\"], \"ranking\": [0, 1], \"labeler\": "
      "\"ann\"}\n";
  EXPECT_EQ(import(first).rankings_added, 1);
  ImportReport same = import(first);  // identical: skipped
  EXPECT_EQ(same.rankings_added, 0);
  EXPECT_EQ(same.rankings_unchanged, 1);
  ImportReport changed = import(
      "{\"prompt\": \"p\", \"completions\": [\"a\", \"b\"], \"ranks\": [1, 0], \"labeler\": "
      "\"ann\"}\n");
  EXPECT_EQ(changed.rankings_added, 1);
  EXPECT_EQ(changed.rankings_replaced, 1);
  EXPECT_EQ(count_rows(db_, "rankings"), 2);
  EXPECT_EQ(text("SELECT group_concat(version || ':' || is_current, ' ') FROM "
                 "(SELECT * FROM rankings ORDER BY version)"),
            "1:0 2:1");
  using Entries = std::vector<std::pair<std::string, int>>;
  EXPECT_EQ(current("ann"), (Entries{{"a", 1}, {"b", 0}}));
}

TEST_F(ImportFormats, SuggestedRankingIsStoredWithSourceImport) {
  import(
      "{\"prompt\": \"p\", \"completions\": [\"a\", \"b\", \"c\"], \"suggested_ranking\": [1, "
      "2, 0]}\n");
  EXPECT_EQ(count_rows(db_, "rankings"), 0);
  EXPECT_EQ(text("SELECT source || ' ' || ranking_json FROM suggested_rankings"), "import [2,3,1]");
}

TEST_F(ImportFormats, PromptFamilyLinesMayMix) {
  ImportReport report = import(
      "{\"prompt\": \"p\"}\n{\"prompt\": \"p\", \"completions\": [\"a\", \"b\"]}\n"
      "{\"prompt\": \"p\", \"completions\": [\"a\", \"b\"], \"ranking\": [1, 0]}\n");
  EXPECT_EQ(report.format, "prompts+completions+rankings");
  EXPECT_EQ(report.prompts_added, 1);
  EXPECT_EQ(report.completions_added, 2);
  EXPECT_EQ(report.rankings_added, 1);
}

TEST_F(ImportFormats, TrlPairsBecomeRankingsOfTwo) {
  ImportReport report = import(
      "{\"prompt\": \"p\", \"chosen\": \"good\", \"rejected\": \"bad\"}\n"
      "{\"prompt\": \"q\", \"chosen\": \"yes\", \"rejected\": \"no\", \"labeler\": \"bo\"}\n");
  EXPECT_EQ(report.format, "trl-pairs");
  EXPECT_EQ(report.prompts_added, 2);
  EXPECT_EQ(report.completions_added, 4);
  EXPECT_EQ(report.rankings_added, 2);
  using Entries = std::vector<std::pair<std::string, int>>;
  EXPECT_EQ(current("imported"), (Entries{{"good", 0}, {"bad", 1}}));
  EXPECT_EQ(current("bo"), (Entries{{"yes", 0}, {"no", 1}}));
}

TEST_F(ImportFormats, PairsOfOneRankingWithTiesBecomeThatRanking) {
  // The pairs of ranks a=0, b=0, c=1, d=2 on one prompt, spread over the file.
  ImportReport report = import(
      "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"c\"}\n"
      "{\"prompt\": \"other\", \"chosen\": \"x\", \"rejected\": \"y\"}\n"
      "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"d\"}\n"
      "{\"prompt\": \"p\", \"chosen\": \"b\", \"rejected\": \"c\"}\n"
      "{\"prompt\": \"p\", \"chosen\": \"b\", \"rejected\": \"d\"}\n"
      "{\"prompt\": \"p\", \"chosen\": \"c\", \"rejected\": \"d\"}\n");
  EXPECT_EQ(report.rankings_added, 2);
  EXPECT_EQ(report.warnings_total, 0);
  EXPECT_EQ(text("SELECT group_concat(c.text || e.rank, ' ') FROM (SELECT * FROM ranking_entries "
                 "ORDER BY completion_id) e JOIN completions c ON c.id = e.completion_id JOIN "
                 "prompts p ON p.id = c.prompt_id WHERE p.text = 'p'"),
            "a0 c1 d2 b0");
}

TEST_F(ImportFormats, PairsThatAreNotOneRankingAreKeptAsVersionsWithAWarning) {
  ImportReport report = import(
      "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}\n"
      "{\"prompt\": \"p\", \"chosen\": \"c\", \"rejected\": \"d\"}\n");
  EXPECT_EQ(report.warnings_total, 1);
  EXPECT_EQ(report.rankings_added, 2);
  EXPECT_EQ(report.rankings_replaced, 1);
  using Entries = std::vector<std::pair<std::string, int>>;
  EXPECT_EQ(current("imported"), (Entries{{"c", 0}, {"d", 1}}));
}

TEST_F(ImportFormats, TrlConversationalRendersMessagesLikeHh) {
  ImportReport report = import(
      "{\"prompt\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", "
      "\"content\": \"Hi?\"}], \"chosen\": [{\"role\": \"assistant\", \"content\": \"Hello.\"}], "
      "\"rejected\": [{\"role\": \"assistant\", \"content\": \"Go away.\"}]}\n");
  EXPECT_EQ(report.format, "trl-conversational");
  EXPECT_EQ(text("SELECT text FROM prompts"), "\n\nSystem: Be brief.\n\nHuman: Hi?\n\nAssistant:");
  EXPECT_EQ(text("SELECT group_concat(text, '|') FROM (SELECT text FROM completions ORDER BY id)"),
            " Hello.| Go away.");
}

TEST_F(ImportFormats, TrlConversationalImplicitPrompt) {
  import(
      "{\"chosen\": [{\"role\": \"user\", \"content\": \"Q\"}, {\"role\": \"assistant\", "
      "\"content\": \"A1\"}, {\"role\": \"user\", \"content\": \"More?\"}], \"rejected\": "
      "[{\"role\": \"user\", \"content\": \"Q\"}, {\"role\": \"assistant\", \"content\": "
      "\"A2\"}]}\n");
  EXPECT_EQ(text("SELECT text FROM prompts"), "\n\nHuman: Q\n\nAssistant:");
  EXPECT_EQ(text("SELECT group_concat(text, '|') FROM (SELECT text FROM completions ORDER BY id)"),
            " A1\n\nHuman: More?| A2");
}

// One user turn answered by one assistant turn is stored as the texts themselves, spaces and
// newlines included: the engine applies the model's chat template when it encodes them.
TEST_F(ImportFormats, TrlConversationalSingleTurnKeepsTheContentsVerbatim) {
  ImportReport report = import(
      "{\"prompt\": [{\"role\": \"user\", \"content\": \" Why is\\nthe sky blue? \"}], "
      "\"chosen\": [{\"role\": \"assistant\", \"content\": \"Rayleigh scattering.\"}], "
      "\"rejected\": [{\"role\": \"assistant\", \"content\": \"Because.\\n\"}]}\n"
      "{\"chosen\": [{\"role\": \"user\", \"content\": \"Q\"}, {\"role\": \"assistant\", "
      "\"content\": \"A1\"}], \"rejected\": [{\"role\": \"user\", \"content\": \"Q\"}, "
      "{\"role\": \"assistant\", \"content\": \"A2\"}]}\n");
  EXPECT_EQ(report.format, "trl-conversational");
  EXPECT_EQ(text("SELECT group_concat(text, '|') FROM (SELECT text FROM prompts ORDER BY id)"),
            " Why is\nthe sky blue? |Q");
  EXPECT_EQ(text("SELECT group_concat(text, '|') FROM (SELECT text FROM completions ORDER BY id)"),
            "Rayleigh scattering.|Because.\n|A1|A2");
}

TEST_F(ImportFormats, HhRlhfSplitsAtTheLastAssistantTurn) {
  ImportReport report = import(
      "{\"chosen\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hey\\n\\nHuman: Joke?\\n\\nAssistant: A "
      "pun.\", \"rejected\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hey\\n\\nHuman: Joke?\\n\\n"
      "Assistant: No.\"}\n");
  EXPECT_EQ(report.format, "hh-rlhf");
  EXPECT_EQ(text("SELECT text FROM prompts"),
            "\n\nHuman: Hi\n\nAssistant: Hey\n\nHuman: Joke?\n\nAssistant:");
  EXPECT_EQ(text("SELECT group_concat(text, '|') FROM (SELECT text FROM completions ORDER BY id)"),
            " A pun.| No.");
  EXPECT_EQ(report.rankings_added, 1);
}

TEST_F(ImportFormats, ProgressReportsTheWholeFile) {
  std::string content;
  for (int i = 0; i < 30000; ++i) content += "{\"prompt\": \"prompt " + std::to_string(i) + "\"}\n";
  int64_t last_done = -1, last_total = -1, calls = 0;
  import_jsonl(db_, test::write_file(dir_.file("big.jsonl"), content),
               [&](int64_t done, int64_t total) {
                 last_done = done;
                 last_total = total;
                 ++calls;
                 return true;
               });
  EXPECT_EQ(last_total, static_cast<int64_t>(content.size()));
  EXPECT_EQ(last_done, last_total);
  EXPECT_EQ(count_rows(db_, "prompts"), 30000);
}

}  // namespace
}  // namespace prefstudio::db

// Export, import into a new project, export again: identical bytes, for pairs and rankings. Also
// the row shapes of each format, the split partition, and that a failed export leaves no file.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "db/jsonl_exporter.h"
#include "db/jsonl_importer.h"
#include "db/schema.h"
#include "db_test_util.h"

namespace prefstudio::db {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

class ExportRoundTrip : public ::testing::Test {
 protected:
  test::TempDir dir_;
  Database db_ = open_project(":memory:");

  void SetUp() override {
    std::string lines;
    // Unicode, quotes, newlines; ties; three labelers; a second version; an all-tied ranking.
    lines +=
        R"({"prompt": "Écris un haïku \"sur\" la mer\n", "completions": ["Vagues 🌊", "La mer\nbleue", "Sel", "—"], "ranks": [1, 0, 1, 2], "labeler": "zoé"})"
        "\n";
    lines +=
        R"({"prompt": "Écris un haïku \"sur\" la mer\n", "completions": ["Vagues 🌊", "La mer\nbleue", "Sel", "—"], "ranking": [3, 2, 1, 0], "labeler": "adam"})"
        "\n";
    lines +=
        R"({"prompt": "2+2?", "completions": ["4", "5", "four"], "ranks": [0, 2, 0], "labeler": "adam"})"
        "\n";
    lines +=
        R"({"prompt": "2+2?", "completions": ["4", "5", "four"], "ranks": [0, 1, 0], "labeler": "bea"})"
        "\n";
    lines +=
        R"({"prompt": "2+2?", "completions": ["4", "5", "four"], "ranking": [1, 0, 2], "labeler": "bea"})"
        "\n";
    lines +=
        R"({"prompt": "all tied", "completions": ["p", "q"], "ranks": [0, 0], "labeler": "bea"})"
        "\n";
    for (int i = 0; i < 40; ++i)
      lines += "{\"prompt\": \"prompt " + std::to_string(i) +
               "\", \"completions\": [\"u\", \"v\", \"w\"], \"ranking\": [" +
               std::to_string(i % 3) + ", " + std::to_string((i + 1) % 3) + ", " +
               std::to_string((i + 2) % 3) + "], \"labeler\": \"l" + std::to_string(i % 4) +
               "\"}\n";
    import_jsonl(db_, test::write_file(dir_.file("source.jsonl"), lines));
  }

  std::string export_to(Database& db, const ExportOptions& options, const std::string& name) {
    export_jsonl(db, options, dir_.file(name));
    return test::read_file(dir_.file(name));
  }

  void expect_round_trip(const std::string& format) {
    ExportOptions options;
    options.format = format;
    std::string first = export_to(db_, options, format + "1.jsonl");
    ASSERT_FALSE(first.empty());
    Database fresh = open_project(dir_.file(format + ".db"));
    import_jsonl(fresh, dir_.file(format + "1.jsonl"));
    std::string second = export_to(fresh, options, format + "2.jsonl");
    EXPECT_EQ(first, second);
  }
};

TEST_F(ExportRoundTrip, PairsAreByteIdentical) { expect_round_trip("pairs"); }
TEST_F(ExportRoundTrip, RankingsAreByteIdentical) { expect_round_trip("rankings"); }

TEST_F(ExportRoundTrip, PairRowsAreTrlRowsWithTheirLabeler) {
  std::vector<std::string> rows = lines_of(export_to(db_, ExportOptions{}, "pairs.jsonl"));
  // zoé 5 (one tie) + adam 6 on the haiku; adam 2 + bea 3 on 2+2 (bea's current: 5 > 4 > four);
  // the all-tied ranking gives none; 40 prompts x 3.
  EXPECT_EQ(rows.size(), 5u + 6u + 2u + 3u + 120u);
  nlohmann::json first = nlohmann::json::parse(rows[0]);
  EXPECT_EQ(rows[0].rfind("{\"prompt\":", 0), 0u);
  EXPECT_EQ(first["labeler"], "adam");  // labelers by name within a prompt
  EXPECT_EQ(first["chosen"], "—");
  EXPECT_TRUE(first["rejected"].is_string());
  ExportOptions consensus;
  consensus.mode = PairMode::consensus;
  for (const std::string& row : lines_of(export_to(db_, consensus, "consensus.jsonl")))
    EXPECT_FALSE(nlohmann::json::parse(row).contains("labeler"));
}

TEST_F(ExportRoundTrip, SftRowsAreTheBestCompletions) {
  ExportOptions options;
  options.format = "sft";
  std::set<std::pair<std::string, std::string>> rows;
  for (const std::string& row : lines_of(export_to(db_, options, "sft.jsonl"))) {
    nlohmann::json parsed = nlohmann::json::parse(row);
    rows.emplace(parsed["prompt"], parsed["completion"]);
  }
  EXPECT_EQ(rows.count({"2+2?", "5"}), 1u);  // bea's current best
  EXPECT_EQ(rows.count({"2+2?", "4"}), 1u);  // adam's best, tied with four
  EXPECT_EQ(rows.count({"2+2?", "four"}), 1u);
  EXPECT_EQ(rows.count({"all tied", "p"}), 1u);
}

TEST_F(ExportRoundTrip, TrainAndValidationPartitionAllByPrompt) {
  auto prompts_in = [&](Split split) {
    ExportOptions options;
    options.format = "rankings";
    options.split = {split, 11, 0.25};
    std::multiset<std::string> prompts;
    for (const std::string& row : lines_of(export_to(db_, options, "split.jsonl")))
      prompts.insert(nlohmann::json::parse(row)["prompt"].get<std::string>());
    return prompts;
  };
  auto all = prompts_in(Split::all), train = prompts_in(Split::train),
       validation = prompts_in(Split::validation);
  EXPECT_EQ(train.size() + validation.size(), all.size());
  EXPECT_FALSE(validation.empty());
  for (const std::string& prompt : validation) EXPECT_EQ(train.count(prompt), 0u);
  EXPECT_EQ(prompts_in(Split::validation), validation);  // deterministic
}

TEST_F(ExportRoundTrip, FailuresLeaveNoFile) {
  ExportOptions options;
  options.format = "csv";
  EXPECT_THROW(export_jsonl(db_, options, dir_.file("x.jsonl")), DbError);
  EXPECT_THROW(export_jsonl(db_, ExportOptions{}, dir_.file("x.jsonl"),
                            [](int64_t, int64_t) { return false; }),
               ImportCancelled);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("x.jsonl")));
  EXPECT_THROW(export_jsonl(db_, ExportOptions{}, "/nonexistent/dir/x.jsonl"), DbError);
}

}  // namespace
}  // namespace prefstudio::db

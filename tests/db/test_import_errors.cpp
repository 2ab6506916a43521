// Every kind of bad line refuses the whole file: ImportError "FILE:LINE: what (field)", and the
// project is exactly as before (every row compared), on a file project as well as in memory.
#include <gtest/gtest.h>

#include "db/jsonl_importer.h"
#include "db/schema.h"
#include "db_test_util.h"

namespace prefstudio::db {
namespace {

struct BadLine {
  const char* name;
  std::string line;
  std::string expected;  // a part of the message after "FILE:LINE: "
};

const std::string kGood =
    "{\"prompt\": \"fresh\", \"completions\": [\"one\", \"two\"], \"ranking\": [1, 0], "
    "\"labeler\": \"newcomer\"}\n";

std::vector<BadLine> bad_lines() {
  const std::string c3 = "{\"prompt\": \"p\", \"completions\": [\"a\", \"b\", \"c\"], ";
  return {
      {"invalid_json", "{\"prompt\": \"p\"", "invalid JSON"},
      {"trailing_garbage", "{\"prompt\": \"p\"} x", "invalid JSON"},
      // nlohmann throws out_of_range, not parse_error, for it: it escaped as a bare nlohmann error.
      {"number_overflow", "{\"prompt\": \"p\", \"score\": 575E7551}",
       "invalid JSON: number overflow parsing '575E7551'"},
      {"invalid_utf8", "{\"prompt\": \"caf\xC3\x28\"}", "invalid UTF-8 at byte 16"},
      {"overlong_utf8", "{\"prompt\": \"\xC0\xAF\"}", "invalid UTF-8"},
      {"not_an_object", "[1, 2]", "expected a JSON object, got array"},
      {"no_known_key", "{\"text\": \"p\"}", "no known format"},
      {"prompt_not_string", "{\"prompt\": 3}", "expected a string, got an integer (prompt)"},
      {"empty_prompt", "{\"prompt\": \"  \"}", "empty text (prompt)"},
      {"completions_not_list", "{\"prompt\": \"p\", \"completions\": \"a\"}",
       "expected a list of strings, got string (completions)"},
      {"empty_completion", "{\"prompt\": \"p\", \"completions\": [\"a\", \"\"]}",
       "empty text (completions[1])"},
      {"completion_not_string", "{\"prompt\": \"p\", \"completions\": [\"a\", null]}",
       "expected a string, got null (completions[1])"},
      {"index_out_of_range", c3 + "\"ranking\": [0, 3, 1]}", "index 3 out of range 0..2 (ranking)"},
      {"index_repeated", c3 + "\"ranking\": [0, 1, 1]}", "index 1 repeated (ranking)"},
      {"ranking_incomplete", c3 + "\"ranking\": [2, 0]}", "lists 2 of 3 completions"},
      {"ranking_float", c3 + "\"ranking\": [0, 1.5, 2]}", "expected an integer, got a number"},
      {"ranking_negative", c3 + "\"ranking\": [0, -1, 2]}", "negative"},
      {"ranks_wrong_length", c3 + "\"ranks\": [0, 1]}", "has 2 ranks for 3 completions (ranks)"},
      {"ranking_and_ranks", c3 + "\"ranking\": [0, 1, 2], \"ranks\": [0, 1, 2]}", "not both"},
      {"one_completion_ranked", "{\"prompt\": \"p\", \"completions\": [\"a\"], \"ranking\": [0]}",
       "fewer than two completions to rank (completions)"},
      {"duplicate_completion_ranked",
       "{\"prompt\": \"p\", \"completions\": [\"a\", \"a\"], \"ranking\": [0, 1]}",
       "completions 0 and 1 are the same text"},
      {"labeler_not_string", c3 + "\"ranking\": [0, 1, 2], \"labeler\": 5}",
       "expected a string, got an integer (labeler)"},
      {"suggested_out_of_range", c3 + "\"suggested_ranking\": [0, 1, 9]}",
       "index 9 out of range 0..2 (suggested_ranking)"},
      {"pair_missing_rejected", "{\"prompt\": \"p\", \"chosen\": \"a\"}", "missing key (rejected)"},
      {"pair_same_texts", "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"a\"}",
       "fewer than two completions to rank (rejected)"},
      {"pair_empty_chosen", "{\"prompt\": \"p\", \"chosen\": \"\", \"rejected\": \"a\"}",
       "empty text (chosen)"},
      {"hh_no_assistant", "{\"chosen\": \"\\n\\nHuman: hi\", \"rejected\": \"\\n\\nHuman: yo\"}",
       "no \"\\n\\nAssistant:\" turn"},
      {"hh_empty_reply",
       "{\"chosen\": \"\\n\\nHuman: hi\\n\\nAssistant:\", \"rejected\": \"\\n\\nHuman: "
       "hi\\n\\nAssistant: x\"}",
       "empty text (chosen)"},
      {"hh_prompts_differ",
       "{\"chosen\": \"\\n\\nHuman: hi\\n\\nAssistant: a\", \"rejected\": \"\\n\\nHuman: "
       "ho\\n\\nAssistant: b\"}",
       "does not share the conversation"},
      {"message_without_role",
       "{\"prompt\": [{\"content\": \"q\"}], \"chosen\": [{\"role\": \"assistant\", \"content\": "
       "\"a\"}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"b\"}]}",
       "missing key (prompt[0].role)"},
      {"single_turn_blank_question",
       "{\"prompt\": [{\"role\": \"user\", \"content\": \" \"}], \"chosen\": [{\"role\": "
       "\"assistant\", \"content\": \"a\"}], \"rejected\": [{\"role\": \"assistant\", "
       "\"content\": \"b\"}]}",
       "empty text (prompt[0].content)"},
  };
}

class ImportErrors : public ::testing::TestWithParam<BadLine> {};

TEST_P(ImportErrors, RefusesTheWholeFileAndLeavesTheProjectAsItWas) {
  test::TempDir dir;
  std::string project_path = dir.file("project.db");
  {
    Database db = open_project(project_path);
    import_jsonl(db, test::write_file(dir.file("seed.jsonl"),
                                      "{\"prompt\": \"old\", \"completions\": [\"x\", \"y\"], "
                                      "\"ranks\": [0, 1], \"labeler\": \"ann\"}\n"));
  }
  Database db = open_project(project_path);
  const std::string before = test::dump_rows(db);
  // Line 1 and 2 are good (and would add rows), the bad line is line 4 after a blank line 3.
  std::string path = test::write_file(dir.file("bad.jsonl"),
                                      kGood + kGood + "\n" + GetParam().line + "\n" + kGood);
  try {
    import_jsonl(db, path);
    FAIL() << "no error for " << GetParam().name;
  } catch (const ImportError& e) {
    std::string message = e.what();
    EXPECT_EQ(message.rfind(path + ":4: ", 0), 0u) << message;
    EXPECT_NE(message.find(GetParam().expected), std::string::npos) << message;
    EXPECT_EQ(e.line(), 4);
  }
  EXPECT_EQ(test::dump_rows(db), before);
  Database reopened = open_project(project_path);
  EXPECT_EQ(test::dump_rows(reopened), before);
}

INSTANTIATE_TEST_SUITE_P(EveryKind, ImportErrors, ::testing::ValuesIn(bad_lines()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ImportFamilies, APairLineInARankingsFileIsRefused) {
  test::TempDir dir;
  Database db = open_project(":memory:");
  std::string path =
      test::write_file(dir.file("mixed.jsonl"),
                       kGood + "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}\n");
  EXPECT_THROW(
      {
        try {
          import_jsonl(db, path);
        } catch (const ImportError& e) {
          EXPECT_NE(std::string(e.what()).find(":2: a trl-pairs line in a rankings file"),
                    std::string::npos)
              << e.what();
          throw;
        }
      },
      ImportError);
  EXPECT_EQ(test::count_rows(db, "prompts"), 0);
}

TEST(ImportFamilies, HhAndTrlPairsDoNotMix) {
  test::TempDir dir;
  Database db = open_project(":memory:");
  std::string path = test::write_file(
      dir.file("mixed.jsonl"),
      "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}\n"
      "{\"chosen\": \"\\n\\nHuman: q\\n\\nAssistant: a\", \"rejected\": \"\\n\\nHuman: "
      "q\\n\\nAssistant: b\"}\n");
  EXPECT_THROW(import_jsonl(db, path), ImportError);
  EXPECT_EQ(test::count_rows(db, "prompts"), 0);
}

TEST(ImportCancel, CancellingKeepsNothing) {
  test::TempDir dir;
  Database db = open_project(":memory:");
  std::string content;
  for (int i = 0; i < 40000; ++i) content += "{\"prompt\": \"p" + std::to_string(i) + "\"}\n";
  std::string path = test::write_file(dir.file("big.jsonl"), content);
  EXPECT_THROW(import_jsonl(db, path, [](int64_t, int64_t) { return false; }), ImportCancelled);
  EXPECT_EQ(test::count_rows(db, "prompts"), 0);
  EXPECT_EQ(import_jsonl(db, path).prompts_added, 40000);  // the connection is still usable
}

TEST(ImportFile, MissingFileIsADbError) {
  Database db = open_project(":memory:");
  EXPECT_THROW(import_jsonl(db, "/nonexistent/file.jsonl"), DbError);
}

}  // namespace
}  // namespace prefstudio::db

// The import's JSON fast path never disagrees with nlohmann: whatever it accepts, nlohmann parses
// to the same value; what it declines goes to nlohmann. Checked on hand-picked lines and on
// thousands of random mutations of valid ones.
#include <gtest/gtest.h>

#include <random>

#include "db/flat_json_parser.h"

namespace prefstudio::db {
namespace {

using nlohmann::json;

// Fast path accepted => nlohmann accepts with the same value.
void expect_agrees(const std::string& line) {
  json fast;
  if (!parse_flat_json_object(line, fast)) return;
  json reference;
  try {
    reference = json::parse(line);
  } catch (const json::exception& e) {
    FAIL() << "fast path accepted what nlohmann refuses: " << line << " (" << e.what() << ")";
  }
  EXPECT_EQ(fast, reference) << line;
}

const std::vector<std::string> kValid = {
    R"({"prompt": "p"})",
    R"(  {"prompt":"a","completions":["x","y"],"ranking":[1,0]}  )",
    R"({"prompt": "esc \" \\ \/ \b \f \n \r \t", "ranks": [0, 10, 123456789]})",
    R"({"prompt": "\u00e9\u20ac\ud83c\udf0a caf)"
    "\xC3\xA9"
    R"("})",
    R"({"prompt": "p", "prompt": "last wins"})",
    R"({})",
    R"({"a": [], "b": ""})",
    R"({"chosen": "\n\nHuman: hi\n\nAssistant: yo", "rejected": "\n\nHuman: hi\n\nAssistant: no"})",
};

TEST(FlatJsonParser, AcceptsFlatLinesWithNlohmannsValue) {
  for (const std::string& line : kValid) {
    json fast;
    EXPECT_TRUE(parse_flat_json_object(line, fast)) << line;
    expect_agrees(line);
  }
  json fast;
  ASSERT_TRUE(parse_flat_json_object(R"({"p": "\ud83c\udf0a", "p": "x"})", fast));
  EXPECT_EQ(fast["p"], "x");
}

TEST(FlatJsonParser, DeclinesWhatItDoesNotHandle) {
  for (const std::string& line : std::vector<std::string>{R"({"prompt": null})",
                                                          R"({"a": [1.5]})",
                                                          R"({"a": [-1]})",
                                                          R"({"a": [01]})",
                                                          R"({"a": [1e3]})",
                                                          R"({"a": {"b": 1}})",
                                                          R"({"a": [true]})",
                                                          R"({"a": [[1]]})",
                                                          R"({"a": "\ud800"})",
                                                          R"({"a": "\udc00x"})",
                                                          R"({"a": "\x"})",
                                                          R"({"a": "tab	raw"})",
                                                          std::string("{\"a\": \"\xC3\x28\"}"),
                                                          R"({"a": "b")",
                                                          R"({"a": "b"} x)",
                                                          R"([1])",
                                                          R"({"a" "b"})",
                                                          R"({"a": "b",})",
                                                          R"({"a": [1,]})",
                                                          R"({"a": 1234567890})",
                                                          R"()"}) {
    json fast;
    EXPECT_FALSE(parse_flat_json_object(line, fast)) << line;
  }
}

TEST(FlatJsonParser, RandomMutationsNeverDisagree) {
  std::mt19937 random(12345);
  const std::string alphabet = "{}[]\",:\\/ u0123456789abcdefDnrt-.e\xC3\xA9\xF0\x9F\x8C\x8A\x01";
  int accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string line = kValid[random() % kValid.size()];
    int edits = 1 + random() % 3;
    for (int e = 0; e < edits && !line.empty(); ++e) {
      size_t at = random() % line.size();
      char c = alphabet[random() % alphabet.size()];
      switch (random() % 3) {
        case 0:
          line[at] = c;
          break;
        case 1:
          line.insert(line.begin() + at, c);
          break;
        default:
          line.erase(at, 1);
          break;
      }
    }
    json fast;
    accepted += parse_flat_json_object(line, fast);
    expect_agrees(line);
    if (HasFailure()) break;
  }
  EXPECT_GT(accepted, 1000);  // the mutations do exercise the accepting path
}

}  // namespace
}  // namespace prefstudio::db

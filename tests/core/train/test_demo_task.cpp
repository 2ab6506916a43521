// The demo task: seeded prompts, the reference answer, and the graded score.
#include <gtest/gtest.h>

#include <set>

#include "core/common/core_error.h"
#include "core/train/demo_task.h"

namespace prefstudio {
namespace {

TEST(DemoTask, PromptsAreSeededAndWellFormed) {
  auto a = demo_prompts(50, 1), b = demo_prompts(50, 1), c = demo_prompts(50, 2);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  for (const auto& prompt : a) {
    ASSERT_EQ(prompt.rfind("Sort: ", 0), 0u);
    const size_t letters = prompt.size() - 7;
    EXPECT_GE(letters, 4u);
    EXPECT_LE(letters, 10u);
  }
}

TEST(DemoTask, ReferenceSortsAndExamplesAvoidHeldOut) {
  EXPECT_EQ(demo_reference("Sort: qdbx\n"), "bdqx");
  EXPECT_EQ(demo_reference("Sort: zaza\n"), "aazz");
  EXPECT_THROW(demo_reference("sort qdbx"), ConfigError);
  DemoTaskConfig small{2, 2, "ab"};  // only aa, ab, ba, bb exist
  auto examples = demo_examples(20, 3, {"Sort: ab\n", "Sort: ba\n"}, small);
  std::set<std::string> seen;
  for (const auto& example : examples) {
    seen.insert(example.prompt);
    EXPECT_EQ(example.response, demo_reference(example.prompt));
  }
  EXPECT_EQ(seen, (std::set<std::string>{"Sort: aa\n", "Sort: bb\n"}));
}

TEST(DemoTask, ScoreIsGraded) {
  const std::string prompt = "Sort: qdbx\n";
  EXPECT_DOUBLE_EQ(demo_score(prompt, "bdqx"), 1.0);
  EXPECT_DOUBLE_EQ(demo_score(prompt, "bdqx\n"), 1.0);  // trailing whitespace ignored
  EXPECT_DOUBLE_EQ(demo_score(prompt, "bqdx"), 0.5);    // two substitutions of four
  EXPECT_DOUBLE_EQ(demo_score(prompt, "bdq"), 0.75);    // one missing
  EXPECT_DOUBLE_EQ(demo_score(prompt, "bdqxx"), 0.8);   // one extra of five
  EXPECT_DOUBLE_EQ(demo_score(prompt, ""), 0.0);
  EXPECT_DOUBLE_EQ(demo_score(prompt, "%%%%%%%%"), 0.0);
  EXPECT_GT(demo_score(prompt, "bdqx"), demo_score(prompt, "bdxq"));
  EXPECT_GT(demo_score(prompt, "bdxq"), demo_score(prompt, "qxdb"));
}

}  // namespace
}  // namespace prefstudio

// The GPT-2 split on its own: the pattern's alternatives, the meaning of whitespace, invalid UTF-8
// (never a crash, pieces always cover the input) and very long inputs (PCRE2's JIT stack).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/text/gpt2_pretokenizer.h"

using namespace prefstudio;

namespace {

std::vector<std::string> texts_of(const std::vector<Gpt2Piece>& pieces) {
  std::vector<std::string> out;
  for (const Gpt2Piece& piece : pieces) out.emplace_back(piece.text);
  return out;
}

std::string joined(const std::vector<Gpt2Piece>& pieces) {
  std::string out;
  for (const Gpt2Piece& piece : pieces) out += piece.text;
  return out;
}

using Strings = std::vector<std::string>;

}  // namespace

TEST(Gpt2Pretokenizer, SplitsWordsNumbersAndSymbols) {
  Gpt2Pretokenizer split;
  EXPECT_EQ(texts_of(split.split("Hello world")), (Strings{"Hello", " world"}));
  EXPECT_EQ(texts_of(split.split("abc123 4.5!!")), (Strings{"abc", "123", " 4", ".", "5", "!!"}));
  EXPECT_EQ(texts_of(split.split("I'm HE'S they're")),
            (Strings{"I", "'m", " HE", "'", "S", " they", "'re"}));
  EXPECT_TRUE(split.split("").empty());
}

TEST(Gpt2Pretokenizer, KeepsTheLastSpaceOfARunForTheNextWord) {
  Gpt2Pretokenizer split;
  EXPECT_EQ(texts_of(split.split("a  b")), (Strings{"a", " ", " b"}));
  EXPECT_EQ(texts_of(split.split("\n\n\nx")), (Strings{"\n\n", "\n", "x"}));
  EXPECT_EQ(texts_of(split.split("\n\n\n")), (Strings{"\n\n\n"}));  // at the end: the whole run
  EXPECT_EQ(texts_of(split.split("x   ")), (Strings{"x", "   "}));
  EXPECT_EQ(texts_of(split.split("\t\t x")), (Strings{"\t\t", " x"}));
}

TEST(Gpt2Pretokenizer, WhitespaceIsUnicodeWhiteSpaceAsInPythonRegex) {
  Gpt2Pretokenizer split;
  // U+180E and U+001C are not White_Space: they join the symbol run after the space.
  EXPECT_EQ(texts_of(split.split("x \u180Ey")), (Strings{"x", " \u180E", "y"}));
  EXPECT_EQ(texts_of(split.split("x \x1Cy")), (Strings{"x", " \x1C", "y"}));
  // U+0085 and U+3000 are: the run keeps all but its last character.
  EXPECT_EQ(texts_of(split.split("x \u3000y")), (Strings{"x", " ", "\u3000", "y"}));
  EXPECT_EQ(texts_of(split.split("x \u0085y")), (Strings{"x", " ", "\u0085", "y"}));
}

TEST(Gpt2Pretokenizer, InvalidUtf8BecomesItsOwnPiecesWithoutCrashing) {
  Gpt2Pretokenizer split;
  auto pieces = split.split(
      "ab\xFF"
      "cd");
  ASSERT_EQ(texts_of(pieces), (Strings{"ab", "\xFF", "cd"}));
  EXPECT_TRUE(pieces[0].valid_utf8);
  EXPECT_FALSE(pieces[1].valid_utf8);
  EXPECT_TRUE(pieces[2].valid_utf8);
  for (std::string text : {std::string("abc\xE2\x82"), std::string("\xC0\xAF overlong"),
                           std::string("\xED\xA0\x80 surrogate"), std::string("\x80\x80\x80"),
                           std::string("ok \xF4\x90\x80\x80 too big")}) {
    EXPECT_EQ(joined(split.split(text)), text);
  }
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::string text(rng() % 64, '\0');
    for (char& c : text) c = static_cast<char>(rng() % 256);
    auto random_pieces = split.split(text);
    ASSERT_EQ(joined(random_pieces), text) << "round " << round;
    for (const Gpt2Piece& piece : random_pieces) ASSERT_FALSE(piece.text.empty());
  }
}

TEST(Gpt2Pretokenizer, HandlesMegabyteRunsOfOneClass) {
  Gpt2Pretokenizer split;
  const std::string spaces(1 << 20, ' ');
  EXPECT_EQ(texts_of(split.split(spaces)), (Strings{spaces}));
  const std::string letters(1 << 20, 'a');
  EXPECT_EQ(split.split(letters).size(), 1u);
  std::string cjk;
  for (int i = 0; i < 100000; ++i) cjk += "\xE6\xB1\x89";  // 汉
  EXPECT_EQ(split.split(cjk).size(), 1u);
  std::string spaced_run = spaces + "x";
  EXPECT_EQ(texts_of(split.split(spaced_run)), (Strings{std::string((1 << 20) - 1, ' '), " x"}));
}

// The merge rule itself on tiny hand-made vocabularies, where the expected ids can be worked out by
// hand: lowest rank first, every occurrence left to right without overlap, ranks not lengths.
#include <gtest/gtest.h>

#include "core/common/core_error.h"
#include "core/text/bpe_tokenizer.h"
#include "core/text/byte_unicode.h"

using namespace prefstudio;

namespace {

// The 256 byte tokens (ids 0..255), then `extra` tokens from id 256, then <|endoftext|>.
BpeVocabulary tiny(const std::vector<std::string>& extra,
                   const std::vector<std::pair<std::string, std::string>>& merges) {
  BpeVocabulary v;
  v.source = "tiny vocab";
  v.merges_source = "tiny merges";
  for (int byte = 0; byte < 256; ++byte) v.tokens.emplace_back(byte_to_unicode()[byte], byte);
  for (size_t i = 0; i < extra.size(); ++i) v.tokens.emplace_back(extra[i], 256 + i);
  v.tokens.emplace_back("<|endoftext|>", 256 + extra.size());
  v.merges = merges;
  for (size_t i = 0; i < merges.size(); ++i)
    v.merge_places.push_back("line " + std::to_string(i + 2));
  return v;
}

using Ids = std::vector<int64_t>;

}  // namespace

TEST(BpeMergeRule, MergesEveryOccurrenceLeftToRightWithoutOverlap) {
  BpeTokenizer tokenizer(tiny({"aa", "aaaa"}, {{"a", "a"}, {"aa", "aa"}}));
  const int64_t a = 'a', aa = 256, aaaa = 257;
  EXPECT_EQ(tokenizer.encode("a"), (Ids{a}));
  EXPECT_EQ(tokenizer.encode("aaa"), (Ids{aa, a}));
  EXPECT_EQ(tokenizer.encode("aaaa"), (Ids{aaaa}));
  EXPECT_EQ(tokenizer.encode("aaaaa"), (Ids{aaaa, a}));
  EXPECT_EQ(tokenizer.encode("aaaaaa"), (Ids{aaaa, aa}));
}

TEST(BpeMergeRule, FollowsRankNotPosition) {
  // "bc" outranks "ab": in "abc" the right pair merges first and "ab" never forms.
  BpeTokenizer tokenizer(tiny({"bc", "ab"}, {{"b", "c"}, {"a", "b"}}));
  EXPECT_EQ(tokenizer.encode("abc"), (Ids{'a', 256}));
  EXPECT_EQ(tokenizer.encode("abab"), (Ids{257, 257}));
  EXPECT_EQ(tokenizer.decode(tokenizer.encode("abcab")), "abcab");
}

TEST(BpeMergeRule, RefusesMergesThatDoNotFitTheVocabulary) {
  try {
    BpeTokenizer tokenizer(tiny({}, {{"a", "b"}}));
    FAIL() << "a merge whose result is missing must be refused";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("tiny merges line 2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("\"ab\""), std::string::npos) << e.what();
  }
  EXPECT_THROW(BpeTokenizer(tiny({"ab"}, {{"a", "zz"}})), FormatError);
  BpeVocabulary missing_byte = tiny({}, {});
  missing_byte.tokens.erase(missing_byte.tokens.begin() + 'q');
  EXPECT_THROW(BpeTokenizer tokenizer(missing_byte), FormatError);
  BpeVocabulary no_eos = tiny({}, {});
  no_eos.tokens.pop_back();
  EXPECT_THROW(BpeTokenizer tokenizer(no_eos), FormatError);
  BpeVocabulary same_id = tiny({"xy"}, {});
  same_id.tokens.emplace_back("zz", 256);
  EXPECT_THROW(BpeTokenizer tokenizer(same_id), FormatError);
}

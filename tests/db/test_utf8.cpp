// The UTF-8 validator against RFC 3629's edge cases.
#include <gtest/gtest.h>

#include "db/utf8.h"

namespace prefstudio::db {
namespace {

TEST(Utf8, AcceptsValidText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x8C\x8A"));  // é € 🌊
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));                           // U+10FFFF
  EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));                               // U+D7FF
}

TEST(Utf8, FindsTheFirstBadByte) {
  EXPECT_EQ(find_invalid_utf8("ab\x80"), 2u);            // lone continuation
  EXPECT_EQ(find_invalid_utf8("a\xC3"), 1u);             // truncated
  EXPECT_EQ(find_invalid_utf8("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(find_invalid_utf8("\xE0\x80\xAF"), 0u);      // overlong 3-byte
  EXPECT_EQ(find_invalid_utf8("x\xED\xA0\x80"), 1u);     // surrogate U+D800
  EXPECT_EQ(find_invalid_utf8("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("\xFF"), 0u);
  EXPECT_EQ(find_invalid_utf8("ok \xE2\x82"), 3u);
}

TEST(Utf8, RepairsSampledBytesWithReplacementCharacters) {
  EXPECT_EQ(to_valid_utf8("plain é"), "plain é");
  // (adjacent literals: "\xE9cg" would read as the one hex escape \xE9C)
  EXPECT_EQ(to_valid_utf8("df\xE9" "cg"), "df\xEF\xBF\xBD" "cg");  // a byte model's lone 0xE9
  EXPECT_EQ(to_valid_utf8("a\xC3"), "a\xEF\xBF\xBD");         // cut mid-character
  EXPECT_EQ(to_valid_utf8("\xFF\xFE"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_TRUE(is_valid_utf8(to_valid_utf8("\xE0\x80\xAF x \xED\xA0\x80")));
}

}  // namespace
}  // namespace prefstudio::db

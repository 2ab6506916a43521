// ReferenceCache: DPO's reference log-probs stored by key and read back in the asked order, misses
// empty, a key stored again keeps the last value, and a non-finite log-prob stores nothing.
#include <gtest/gtest.h>

#include <cmath>

#include "db/reference_cache.h"
#include "db/schema.h"
#include "db_test_util.h"

namespace prefstudio::db {
namespace {

TEST(ReferenceCache, RoundTripInTheOrderAsked) {
  Database db = open_project(":memory:");
  ReferenceCache cache(db);
  EXPECT_EQ(cache.reference_logprobs({"a"}),
            (std::vector<std::optional<std::pair<double, int64_t>>>{std::nullopt}));
  cache.put_reference_logprobs({{"a", -12.5, 7}, {"b", -0.25, 1}});
  cache.put_reference_logprobs({{"b", -3.0, 2}, {"c", -1e-9, 40}});  // b replaced
  auto found = cache.reference_logprobs({"c", "missing", "a", "b", "a"});
  ASSERT_EQ(found.size(), 5u);
  EXPECT_EQ(found[0], std::make_optional(std::pair<double, int64_t>{-1e-9, 40}));
  EXPECT_FALSE(found[1].has_value());
  EXPECT_EQ(found[2], std::make_optional(std::pair<double, int64_t>{-12.5, 7}));
  EXPECT_EQ(found[3], std::make_optional(std::pair<double, int64_t>{-3.0, 2}));
  EXPECT_EQ(found[4], found[2]);
  EXPECT_TRUE(cache.reference_logprobs({}).empty());
  EXPECT_EQ(test::count_rows(db, "reference_logprobs"), 3);
}

TEST(ReferenceCache, NonFiniteLogprobStoresNothing) {
  Database db = open_project(":memory:");
  ReferenceCache cache(db);
  try {
    cache.put_reference_logprobs({{"ok", -1.0, 3}, {"bad", -INFINITY, 3}});
    FAIL() << "an infinite log-prob was stored";
  } catch (const DbError& error) {
    EXPECT_NE(std::string(error.what()).find("'bad'"), std::string::npos) << error.what();
  }
  EXPECT_FALSE(cache.reference_logprobs({"ok"})[0].has_value());
}

}  // namespace
}  // namespace prefstudio::db

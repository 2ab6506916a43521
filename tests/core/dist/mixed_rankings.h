// The rankings the data-parallel reward and DPO tests share: 30 prompts ranked K = 4 and 15 ranked
// K = 2, every fourth with the two best tied, and 10 held out. Batches of 3 prompts then split
// 2 + 1 over two ranks with unequal numbers of rankings and pairs, so a rank's share must be
// weighed by the global batch's counts, not averaged.
#pragma once

#include <vector>

#include "core/train/ranking_example.h"
#include "tests/core/train/synthetic_rankings.h"

namespace prefstudio::test {

struct MixedRankings {
  std::vector<RankingExample> train, validation;
};

inline MixedRankings mixed_rankings() {
  MixedRankings out;
  out.train = synthetic_rankings(30, 0, 1, SyntheticTask{});
  auto pairs = synthetic_rankings(15, 100, 2, SyntheticTask{2, 6, 1.0});
  out.train.insert(out.train.end(), pairs.begin(), pairs.end());
  for (size_t i = 0; i < out.train.size(); i += 4)  // ties: the two best share their rank
    out.train[i].completions[1].rank = out.train[i].completions[0].rank;
  out.validation = synthetic_rankings(10, 500, 3, SyntheticTask{});
  return out;
}

}  // namespace prefstudio::test

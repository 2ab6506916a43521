// One labeler's ranking of one prompt's completions, as every preference trainer (reward model,
// DPO) and the reward-model evaluation read it. Plain data, torch-free: app/ fills it from the
// project store, tests build it by hand. Ranks are 0 for the best; equal ranks are ties and give
// no pair.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace prefstudio {

struct RankedCompletion {
  int64_t completion_id = 0;  // the store's id (0 = not from a store)
  std::string text;
  bool ended = true;  // the model wrote end-of-text (finish reason "eos"): the sequence gets EOS.
                      // false for a completion cut at the length limit ("length")
  int rank = 0;       // 0 best; equal ranks tie
};

struct RankingExample {
  int64_t prompt_id = 0;
  std::string prompt;
  std::string labeler;            // "" for a consensus ranking
  std::optional<int> strength;    // K = 2 only: 1 slightly .. 3 much better (the labeler's word)
  std::vector<RankedCompletion> completions;  // K >= 2, at least two distinct ranks
};

// The untied ordered pairs of one ranking, as indices into `completions`: (better, worse).
std::vector<std::pair<int, int>> untied_pairs(const RankingExample& ranking);

// One prompt's rankings over the union of their completions, so each completion is scored once
// however many labelers ranked it.
struct PromptRankings {
  int64_t prompt_id = 0;
  std::string prompt;
  std::vector<std::pair<std::string, bool>> completions;  // (text, ended), the union
  std::vector<const RankingExample*> rankings;            // point into the grouped vector
  std::vector<std::vector<int>> slots;  // per ranking, per its completion: index in completions
};

// Groups by prompt text in first-seen order; completions are matched by text (a prompt's
// completions are unique by text in the store). The result points into `rankings`.
std::vector<PromptRankings> group_rankings_by_prompt(const std::vector<RankingExample>& rankings);

}  // namespace prefstudio

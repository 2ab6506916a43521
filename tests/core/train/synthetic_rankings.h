// A preference task whose true rule is known, for the tests that prove a trainer learns: prompts
// "P017:", completions of six letters from "abcdefgh", true utility u(y) = `scale` * (number of
// vowels 'a' and 'e' in y), and each ranking drawn from Plackett-Luce over u, so every pairwise
// marginal is Bradley-Terry: P(y_i before y_j) = sigmoid(u_i - u_j). The best reachable pair
// accuracy is then E[sigmoid(|u_w - u_l|)], computed on the very pairs evaluated.
#pragma once

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "core/train/ranking_example.h"

namespace prefstudio::test {

inline double vowel_utility(const std::string& completion, double scale) {
  double count = 0;
  for (char c : completion) count += (c == 'a' || c == 'e');
  return scale * count;
}

// One Plackett-Luce draw over `utilities`: the best is drawn with probability proportional to
// exp(u), then the next among the rest, and so on. Returns each item's rank (0 best).
inline std::vector<int> plackett_luce_ranks(const std::vector<double>& utilities,
                                            std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<int> remaining(utilities.size());
  for (size_t i = 0; i < remaining.size(); ++i) remaining[i] = static_cast<int>(i);
  std::vector<int> rank(utilities.size(), 0);
  for (int position = 0; !remaining.empty(); ++position) {
    double total = 0;
    for (int i : remaining) total += std::exp(utilities[i]);
    double draw = unit(rng) * total;
    size_t pick = remaining.size() - 1;
    for (size_t j = 0; j < remaining.size(); ++j) {
      draw -= std::exp(utilities[remaining[j]]);
      if (draw <= 0) {
        pick = j;
        break;
      }
    }
    rank[remaining[pick]] = position;
    remaining.erase(remaining.begin() + pick);
  }
  return rank;
}

struct SyntheticTask {
  int k = 4;
  int letters = 6;
  double scale = 1.0;
};

// `prompts` rankings of K distinct completions each; prompt ids start at `first_prompt`.
// `shuffle_ranks` replaces every ranking by a uniformly random order (no signal).
inline std::vector<RankingExample> synthetic_rankings(int prompts, int first_prompt, uint64_t seed,
                                                      const SyntheticTask& task,
                                                      bool shuffle_ranks = false) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> letter(0, 7);
  std::vector<RankingExample> out;
  for (int p = 0; p < prompts; ++p) {
    char prompt[16];
    std::snprintf(prompt, sizeof(prompt), "P%03d:", (first_prompt + p) % 1000);
    RankingExample ranking;
    ranking.prompt_id = first_prompt + p;
    ranking.prompt = prompt;
    ranking.labeler = "simulated";
    std::vector<std::string> texts;
    while (static_cast<int>(texts.size()) < task.k) {
      std::string text;
      for (int i = 0; i < task.letters; ++i) text += static_cast<char>('a' + letter(rng));
      bool seen = false;
      for (const auto& t : texts) seen = seen || t == text;
      if (!seen) texts.push_back(text);
    }
    std::vector<double> utilities;
    for (const auto& text : texts) utilities.push_back(vowel_utility(text, task.scale));
    std::vector<int> rank = plackett_luce_ranks(utilities, rng);
    if (shuffle_ranks) std::shuffle(rank.begin(), rank.end(), rng);
    for (int i = 0; i < task.k; ++i)
      ranking.completions.push_back({0, texts[i], true, rank[i]});
    out.push_back(std::move(ranking));
  }
  return out;
}

// The Bayes-optimal expected accuracy on these rankings' untied pairs: mean of sigmoid(|u_w - u_l|)
// (a pair of equal utility counts 0.5 either way).
inline double optimal_pair_accuracy(const std::vector<RankingExample>& rankings, double scale) {
  double total = 0;
  int64_t pairs = 0;
  for (const auto& ranking : rankings)
    for (auto [w, l] : untied_pairs(ranking)) {
      const double gap = std::abs(vowel_utility(ranking.completions[w].text, scale) -
                                  vowel_utility(ranking.completions[l].text, scale));
      total += 1.0 / (1.0 + std::exp(-gap));
      ++pairs;
    }
  return pairs ? total / double(pairs) : 0.0;
}

}  // namespace prefstudio::test

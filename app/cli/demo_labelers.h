// The demo's simulated labelers: four people who never were, clearly named "simulated-...", who
// rank each prompt's completions so the whole loop runs without a person. Three rank by the demo's
// true score (demo_score) through Plackett-Luce noise of different strengths; one mostly ranks the
// cards in the order they were shown (a position bias the Agreement tab's bias check finds). Each
// prompt is ranked by three of the four, so every two labelers share prompts (agreement).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "db/database.h"

namespace prefstudio::cli {

struct SimulatedLabeler {
  std::string name;
  double score_beta = 0.0;     // Plackett-Luce weight exp(beta * demo_score)
  double position_beta = 0.0;  // ... times exp(position_beta * (1 - shown_index / (K - 1)))
};

// careful (beta 60), typical (25), hasty (8) and position-biased (score 2, position 4): a score
// gap of 0.1 (one letter of ten) is ordered right 99.8%, 92% and 69% of the time by the first three.
const std::vector<SimulatedLabeler>& simulated_labelers();

struct SimulatedLabels {
  int64_t rankings = 0;
  int64_t prompts = 0;
};

// Ranks the completions of `prompt_ids` (demo prompts, two or more completions each) as the
// simulated labelers would, each ranking committed as a person's would be (with its card order).
// Deterministic from `seed`.
SimulatedLabels rank_as_simulated_labelers(db::Database& db, const std::vector<int64_t>& prompt_ids,
                                           uint64_t seed);

}  // namespace prefstudio::cli

// How far to trust a reward model, as the Anthropic HH-RLHF paper measures it: on held-out pairs,
// accuracy, log loss, Brier score, a reliability diagram with its expected calibration error, and
// accuracy against the score gap beside the Bradley-Terry curve 1 / (1 + exp(-gap)). Also the
// labelers' own agreement, the ceiling a model can reach (InstructGPT: 72.4% model accuracy vs
// 73-77% labeler agreement). Pure arithmetic on doubles, torch-free, so the CLI, the trainer's
// periodic evaluation and the GUI share one definition.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace prefstudio {

// One untied pair as the model scored it: the labeler put `chosen` ahead of `rejected`.
struct ScoredPair {
  double score_chosen = 0.0;
  double score_rejected = 0.0;
  std::string labeler;  // "" for consensus pairs
};

struct ReliabilityBin {
  double low = 0.0, high = 0.0;  // predicted-probability range of the bin, [low, high)
  int64_t count = 0;             // entries in the bin (each pair enters twice, see below)
  double mean_predicted = 0.0;   // mean p of its entries (0 when empty)
  double observed = 0.0;         // share of its entries whose outcome is 1 (0 when empty)
};

struct GapBin {
  double gap_low = 0.0, gap_high = 0.0;  // |r_w - r_l| range
  int64_t count = 0;                     // pairs in the bin
  double accuracy = 0.0;                 // share ordered right (a gap of exactly 0 counts 0.5)
  double bradley_terry = 0.0;            // 1 / (1 + exp(-mean |gap| of the bin)): what a
                                         // calibrated model's accuracy would be there
};

struct LabelerAccuracy {
  int64_t pairs = 0;
  double accuracy = 0.0;
};

struct CalibrationReport {
  int64_t pairs = 0;
  double accuracy = 0.0;  // share of pairs with r_w > r_l; a gap of exactly 0 counts 0.5
  double log_loss = 0.0;  // mean -log p, p = sigmoid(r_w - r_l)
  double brier = 0.0;     // mean (1 - p)^2
  double ece = 0.0;       // symmetric: each pair enters as (p, 1) and (1 - p, 0); equal-width bins
                          // of predicted probability; sum over bins count/total * |mean p - freq|
  std::vector<ReliabilityBin> reliability;       // `bins` equal-width bins over [0, 1]
  std::vector<GapBin> accuracy_by_gap;           // equal-count bins of |gap| (at most `gap_bins`)
  std::map<std::string, LabelerAccuracy> per_labeler;  // by ScoredPair::labeler
};

// All zero with `pairs` = 0 for an empty input. p is computed stably (no overflow at |gap| > 700).
CalibrationReport calibrate(const std::vector<ScoredPair>& pairs, int bins = 10, int gap_bins = 8);

// One labeler's ranking of one prompt, for the agreement ceiling: completion id -> rank (0 best).
struct LabelerRankingRanks {
  int64_t prompt_id = 0;
  std::string labeler;
  std::vector<std::pair<int64_t, int>> completion_ranks;
};

struct AgreementCeiling {
  int64_t comparisons = 0;  // (labeler pair, completion pair) cases where both gave a strict order
  double agreement = 0.0;   // share of them where the two orders agree; 0 when comparisons = 0
  int64_t prompts = 0;      // prompts ranked by at least two labelers
};

// Over every prompt ranked by at least two labelers, every two labelers and every two completions
// both ranked with a strict order: how often they agree.
AgreementCeiling agreement_ceiling(const std::vector<LabelerRankingRanks>& rankings);

// {"pairs", "accuracy", "log_loss", "brier", "ece", "reliability": [{low, high, count,
// mean_predicted, observed}], "accuracy_by_gap": [{gap_low, gap_high, count, accuracy,
// bradley_terry}], "per_labeler": {name: {pairs, accuracy}}}
nlohmann::json to_json(const CalibrationReport& report);
nlohmann::json to_json(const AgreementCeiling& ceiling);

}  // namespace prefstudio

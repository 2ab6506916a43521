// Scoring with a saved reward model and measuring it on rankings: what `prefstudio-cli eval
// reward` and `score` use. Torch-free public header (pimpl). One RewardScorer per thread; it owns
// its model. Errors: FormatError for a folder without a reward head, ConfigError for a bad device.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/train/ranking_example.h"
#include "core/train/reward_calibration.h"

namespace prefstudio {

class RewardScorer {
 public:
  // Loads a reward checkpoint (manifest kind reward, with "score.weight") onto `device`.
  // max_length <= 0: the model's n_positions.
  RewardScorer(const std::string& model_dir, const std::string& device = "cpu",
               int64_t max_length = 0);
  ~RewardScorer();
  RewardScorer(const RewardScorer&) = delete;
  RewardScorer& operator=(const RewardScorer&) = delete;

  const std::string& content_hash() const;
  double reward_offset() const;
  // Scores with the offset applied, per prompt and completion ((text, ended) pairs); nullopt for a
  // completion longer than the length rule allows.
  std::vector<std::vector<std::optional<double>>> score(
      const std::vector<std::pair<std::string, std::vector<std::pair<std::string, bool>>>>& prompts);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Every untied pair of every ranking as scored: scores[p][c] is the score of
// groups[p].completions[c]; pairs with a skipped completion are left out.
std::vector<ScoredPair> scored_pairs(const std::vector<PromptRankings>& groups,
                                     const std::vector<std::vector<std::optional<double>>>& scores);

// The labelers' agreement on these rankings (prompts ranked by two or more).
AgreementCeiling rankings_agreement(const std::vector<PromptRankings>& groups);

struct RewardEvaluation {
  CalibrationReport calibration;
  AgreementCeiling ceiling;
  int64_t completions_skipped = 0;
};

RewardEvaluation evaluate_reward_model(RewardScorer& scorer,
                                       const std::vector<RankingExample>& rankings);

}  // namespace prefstudio

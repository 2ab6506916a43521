// RewardScorer and the evaluation of a saved reward model on rankings (see reward_evaluation.h).
#include "core/train/reward_evaluation.h"

#include "core/common/runtime.h"
#include "core/model/reward_model.h"
#include "core/train/reward_scoring.h"

namespace prefstudio {

struct RewardScorer::Impl {
  RewardModel model;
  int64_t max_length = 0;
};

RewardScorer::RewardScorer(const std::string& model_dir, const std::string& device,
                           int64_t max_length)
    : impl_(std::make_unique<Impl>()) {
  impl_->model = load_reward_model(model_dir, torch::Device(check_device(device)), true);
  impl_->model.train(false);
  impl_->max_length = max_length;
}

RewardScorer::~RewardScorer() = default;

const std::string& RewardScorer::content_hash() const {
  return impl_->model.loaded.manifest.content_hash;
}

double RewardScorer::reward_offset() const { return impl_->model.reward_offset; }

std::vector<std::vector<std::optional<double>>> RewardScorer::score(
    const std::vector<std::pair<std::string, std::vector<std::pair<std::string, bool>>>>& prompts) {
  std::vector<PromptCompletions> input;
  input.reserve(prompts.size());
  for (const auto& [prompt, completions] : prompts) input.push_back({prompt, completions});
  auto scores = score_prompt_completions(impl_->model, input, impl_->max_length);
  for (auto& prompt : scores)
    for (auto& score : prompt)
      if (score) *score -= impl_->model.reward_offset;
  return scores;
}

std::vector<ScoredPair> scored_pairs(const std::vector<PromptRankings>& groups,
                                     const std::vector<std::vector<std::optional<double>>>& scores) {
  std::vector<ScoredPair> pairs;
  for (size_t p = 0; p < groups.size(); ++p) {
    const PromptRankings& group = groups[p];
    for (size_t r = 0; r < group.rankings.size(); ++r) {
      const RankingExample& ranking = *group.rankings[r];
      for (auto [w, l] : untied_pairs(ranking)) {
        const auto& chosen = scores[p][group.slots[r][w]];
        const auto& rejected = scores[p][group.slots[r][l]];
        if (chosen && rejected) pairs.push_back({*chosen, *rejected, ranking.labeler});
      }
    }
  }
  return pairs;
}

AgreementCeiling rankings_agreement(const std::vector<PromptRankings>& groups) {
  std::vector<LabelerRankingRanks> ranks;
  for (size_t p = 0; p < groups.size(); ++p) {
    const PromptRankings& group = groups[p];
    for (size_t r = 0; r < group.rankings.size(); ++r) {
      LabelerRankingRanks entry{static_cast<int64_t>(p), group.rankings[r]->labeler, {}};
      for (size_t c = 0; c < group.rankings[r]->completions.size(); ++c)
        entry.completion_ranks.emplace_back(group.slots[r][c],
                                            group.rankings[r]->completions[c].rank);
      ranks.push_back(std::move(entry));
    }
  }
  return agreement_ceiling(ranks);
}

RewardEvaluation evaluate_reward_model(RewardScorer& scorer,
                                       const std::vector<RankingExample>& rankings) {
  const auto groups = group_rankings_by_prompt(rankings);
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, bool>>>> prompts;
  for (const auto& group : groups) prompts.emplace_back(group.prompt, group.completions);
  const auto scores = scorer.score(prompts);
  RewardEvaluation out;
  for (const auto& prompt : scores)
    for (const auto& score : prompt) out.completions_skipped += !score.has_value();
  out.calibration = calibrate(scored_pairs(groups, scores));
  out.ceiling = rankings_agreement(groups);
  return out;
}

}  // namespace prefstudio

// ValueCritic (see value_critic.h).
#include "core/train/value_critic.h"

#include <filesystem>

#include "core/common/core_error.h"
#include "core/train/autocast_guard.h"

namespace prefstudio {

torch::Tensor ValueCritic::values(const SequenceBatch& batch) {
  Gpt& transformer = model.loaded.model;
  const auto device = transformer->parameters().front().device();
  const auto attention_mask = batch.attention_mask.to(device);
  AutocastGuard autocast(device);
  auto hidden = transformer->forward_hidden(GptInput{batch.idx.to(device), attention_mask, {}});
  auto values = model.head->per_token(hidden).to(torch::kFloat);  // (B, T)
  const int64_t t = values.size(1);
  const auto on_completion = batch.completion_mask.to(device).narrow(1, 1, t - 1);
  return values.narrow(1, 0, t - 1) * on_completion.to(torch::kFloat);  // (B, T-1)
}

ValueCritic load_value_critic(const std::string& resume_dir, const std::string& reward_dir,
                              const std::string& policy_dir, const torch::Device& device) {
  ValueCritic critic;
  if (!resume_dir.empty()) {
    const auto dir = std::filesystem::path(resume_dir) / "value";
    if (!std::filesystem::is_directory(dir))
      throw FormatError(resume_dir + ": no value/ folder; resume_from must name a PPO checkpoint");
    critic.model = load_reward_model(dir.string(), device, true);
  } else if (!reward_dir.empty()) {
    critic.model = load_reward_model(reward_dir, device, true);
  } else {
    critic.model = load_reward_model(policy_dir, device, false);
  }
  critic.model.reward_offset = 0.0;
  critic.model.loaded.model->set_dropout(0.0);
  critic.model.train(true);
  return critic;
}

}  // namespace prefstudio

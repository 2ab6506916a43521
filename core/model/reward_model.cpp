// RewardModel: load with or without a head, score, save (see reward_model.h).
#include "core/model/reward_model.h"

#include "core/common/core_error.h"

namespace prefstudio {

namespace {

constexpr const char* kHeadKey = "score.weight";

// The transformer and its head in one folder (the manifest's kind and offset already set).
CheckpointManifest save_with_head(const std::string& dir, RewardModel& model,
                                  const CheckpointManifest& manifest) {
  std::map<std::string, torch::Tensor> extra{{kHeadKey, model.head->named_parameters()[kHeadKey]}};
  return save_checkpoint(dir, model.loaded.model, *model.loaded.tokenizer, manifest, extra);
}

}  // namespace

torch::Tensor RewardModel::scores(const torch::Tensor& idx, const torch::Tensor& attention_mask) {
  auto hidden = loaded.model->forward_hidden(GptInput{idx, attention_mask, {}});  // (B, T, C)
  return head->forward(hidden, attention_mask);                                   // (B)
}

NamedParameters RewardModel::parameters() {
  NamedParameters named;
  for (const auto& item : loaded.model->named_parameters())
    named.emplace_back(item.key(), item.value());
  for (const auto& item : head->named_parameters()) named.emplace_back(item.key(), item.value());
  return named;
}

void RewardModel::train(bool on) {
  loaded.model->train(on);
  head->train(on);
}

RewardModel load_reward_model(const std::string& dir, const torch::Device& device,
                              bool require_head) {
  RewardModel out;
  out.loaded = load_checkpoint(dir, device);
  out.head = ScalarHead(out.loaded.config.n_embd);  // a fresh draw; replaced below if saved
  auto found = out.loaded.extra.find(kHeadKey);
  if (found != out.loaded.extra.end()) {
    const auto& weight = found->second;
    if (weight.dim() != 2 || weight.size(0) != 1 || weight.size(1) != out.loaded.config.n_embd)
      throw FormatError(dir + ": tensor '" + kHeadKey + "' must be (1, " +
                        std::to_string(out.loaded.config.n_embd) + ")");
    torch::NoGradGuard no_grad;
    out.head->named_parameters()[kHeadKey].copy_(weight);
    out.loaded.extra.erase(found);
  } else if (require_head) {
    throw FormatError(dir + ": no reward head ('" + std::string(kHeadKey) +
                      "' is not in model.safetensors); train one with `prefstudio-cli train reward`");
  }
  out.head->to(device);
  out.reward_offset = out.loaded.manifest.reward_offset;
  return out;
}

CheckpointManifest save_reward_model(const std::string& dir, RewardModel& model,
                                     CheckpointManifest manifest) {
  manifest.kind = "reward";
  manifest.reward_offset = model.reward_offset;
  return save_with_head(dir, model, manifest);
}

CheckpointManifest save_value_model(const std::string& dir, RewardModel& model,
                                    CheckpointManifest manifest) {
  manifest.kind = "value";
  manifest.reward_offset = 0.0;
  return save_with_head(dir, model, manifest);
}

}  // namespace prefstudio

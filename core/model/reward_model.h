// The reward model of InstructGPT step 2: a checkpoint's transformer with its unembedding replaced
// by a ScalarHead read at each row's last real token (end-of-text where the completion ended).
// Saved as manifest kind "reward" in Hugging Face's GPT2ForSequenceClassification layout
// ("score.weight", num_labels 1, pad_token_id), with reward_offset in prefstudio.json.
// Internal header of core (torch).
#pragma once

#include <torch/torch.h>

#include <string>

#include "core/model/checkpoint.h"
#include "core/optim/optimizer_factory.h"

namespace prefstudio {

struct RewardModel {
  LoadedModel loaded;        // transformer, tokenizer, manifest
  ScalarHead head{nullptr};  // "score": Linear(n_embd, 1), no bias
  double reward_offset = 0.0;

  // Raw scores (offset not applied): idx (B, T), attention_mask (B, T) -> (B).
  torch::Tensor scores(const torch::Tensor& idx, const torch::Tensor& attention_mask);
  // The transformer's parameters and the head's ("score.weight"), for the optimizer factory.
  NamedParameters parameters();
  void train(bool on);
};

// Loads `dir` onto `device`. A reward checkpoint brings its head and offset; any other checkpoint
// (normally the SFT model) gets a fresh head drawn from torch's global generator (seed it first),
// unless `require_head`, which then throws FormatError naming the folder.
RewardModel load_reward_model(const std::string& dir, const torch::Device& device,
                              bool require_head);

// Writes the model as kind "reward" (see save_checkpoint); returns the manifest with its hash.
CheckpointManifest save_reward_model(const std::string& dir, RewardModel& model,
                                     CheckpointManifest manifest);

// Writes PPO's critic, the same layout with kind "value" and no offset; load_reward_model reads it.
CheckpointManifest save_value_model(const std::string& dir, RewardModel& model,
                                    CheckpointManifest manifest);

}  // namespace prefstudio

// PPO's critic: a transformer with a scalar head read at every position, the value of the state
// before each completion token. InstructGPT initialises it from the reward model; without one it
// starts from the policy with a fresh head. Saved as a checkpoint of kind "value" (Hugging Face's
// GPT2ForSequenceClassification layout, as the reward model). Internal header of core (torch).
#pragma once

#include <torch/torch.h>

#include <string>

#include "core/model/reward_model.h"
#include "core/train/sequence_batch.h"

namespace prefstudio {

struct ValueCritic {
  RewardModel model;  // transformer + "score" head; its reward_offset is unused

  // Values (B, T-1) aligned with completion_token_logprobs: position t holds V of the state that
  // emits token t + 1 (the hidden state at t), 0 off the completion. Float32, on the device,
  // differentiable when grad mode is on.
  torch::Tensor values(const SequenceBatch& batch);
};

// The critic a PPO run starts from: `resume_dir`/value when resuming, else the reward model at
// `reward_dir` (its head too), else the policy at `policy_dir` with a fresh head drawn from torch's
// global generator (seed it first). Dropout is turned off (values and ratios compare forwards).
// Throws FormatError for an unreadable folder or a resume folder without value/.
ValueCritic load_value_critic(const std::string& resume_dir, const std::string& reward_dir,
                              const std::string& policy_dir, const torch::Device& device);

}  // namespace prefstudio

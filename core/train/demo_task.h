// The demo task: sort the letters of a short word. "Sort: qdbx\n" -> "bdqx", then end-of-text.
// Why this task: a person judges a completion at a glance (are the letters in order, are they the
// same letters?); the answer is unique, so a scoring rule is exact ground truth for later issues
// (reward models, PPO, DPO); a 0.1-1M-parameter byte-level GPT learns it in a minute or two on two
// CPU cores (attention finds "the smallest letter not yet written"), while sampling at temperature
// still yields visibly different, partly wrong completions worth ranking. Addition was the other
// candidate; it needs carries across digits and learns several times slower. Torch-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/train/sft_example.h"

namespace prefstudio {

struct DemoTaskConfig {
  int min_letters = 4;   // e.g. 4: shorter words make the task trivial to rank
  int max_letters = 10;  // e.g. 10: longer ones take the small model more minutes to learn
  std::string alphabet = "abcdefghijklmnopqrstuvwxyz";  // letters drawn, with repetition
};

// `count` prompts "Sort: <letters>\n", deterministic from `seed`. Duplicates are not removed.
std::vector<std::string> demo_prompts(int64_t count, uint64_t seed,
                                      const DemoTaskConfig& config = {});
// Prompt + reference answer pairs for SFT, deterministic from `seed`, none equal to a prompt in
// `exclude` (the held-out set), so evaluation never sees a training prompt.
std::vector<SftExample> demo_examples(int64_t count, uint64_t seed,
                                      const std::vector<std::string>& exclude = {},
                                      const DemoTaskConfig& config = {});
// The letters of the prompt, sorted. Throws ConfigError if `prompt` is not a demo prompt.
std::string demo_reference(const std::string& prompt);
// 1 - Levenshtein(reference, completion) / max(len reference, len completion), in [0, 1]: 1 for the
// exact answer, graded for near misses (one letter swapped: 1 - 2/n), about 0 for garbage. Trailing
// whitespace of the completion is ignored. Throws ConfigError if `prompt` is not a demo prompt.
double demo_score(const std::string& prompt, const std::string& completion);

}  // namespace prefstudio

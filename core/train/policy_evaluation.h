// The one evaluation of a policy that every policy trainer (DPO, PPO, RLOO, GRPO) and the demo run,
// and that every reward-against-KL chart plots: on held-out prompts, sample at temperature 1 with
// top_p 1 (the policy's own distribution), then per sample
//   KL     = sum over completion tokens of log pi(t) - log pi_ref(t)  (EOS included where it
//            ended), in nats; its mean over samples estimates KL(pi || pi_ref) of whole sequences
//   reward = the reward model's score, offset applied (when a reward model is given)
//   true   = the project's rule score, e.g. the demo's demo_score (when the prompts have one).
// Log-probs come from the training forward (sequence_batch.h's rule), not from the sampler.
// Torch-free public header (pimpl): one PolicyEvaluator per thread; it owns its models.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace prefstudio {

struct PolicyEvalConfig {
  int64_t samples_per_prompt = 1;  // e.g. 4 to average more samples per prompt
  int64_t max_new_tokens = 64;
  uint64_t seed = 0;               // the same seed and models give the same samples
  int64_t batch_size = 32;         // rows sampled and scored together
};

struct PolicySample {
  size_t prompt_index = 0;  // into the prompts evaluated
  std::string completion;
  bool ended = true;        // false: max_new_tokens cut it
  double kl = 0.0;          // log pi - log pi_ref over the completion, nats
  std::optional<double> reward;
  std::optional<double> true_score;
};

struct PolicyEvaluation {
  int64_t samples = 0;
  double kl_mean = 0.0;
  double reward_mean = 0.0;      // NaN without a reward model
  double true_score_mean = 0.0;  // NaN when no prompt has a rule score
  double true_score_std = 0.0;   // NaN when no prompt has a rule score
  double eos_rate = 0.0;         // share of samples that ended
  double length_mean = 0.0;      // completion tokens (EOS not counted)
  std::vector<PolicySample> sample_list;
};

// A rule score for (prompt, completion), nullopt where the prompt has none.
using RuleScore = std::function<std::optional<double>(const std::string&, const std::string&)>;

// The demo task's rule: demo_score for "Sort: ..." prompts, nullopt for any other prompt.
std::optional<double> demo_rule_score(const std::string& prompt, const std::string& completion);

class PolicyEvaluator {
 public:
  // Loads the policy and the reference checkpoints, and the reward model when `reward_dir` is not
  // empty (FormatError if it has no head). Throws FormatError / ConfigError.
  PolicyEvaluator(const std::string& policy_dir, const std::string& reference_dir,
                  const std::string& reward_dir = "", const std::string& device = "cpu");
  ~PolicyEvaluator();
  PolicyEvaluator(const PolicyEvaluator&) = delete;
  PolicyEvaluator& operator=(const PolicyEvaluator&) = delete;

  PolicyEvaluation evaluate(const std::vector<std::string>& prompts, const PolicyEvalConfig& config,
                            const RuleScore& rule = demo_rule_score);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace prefstudio

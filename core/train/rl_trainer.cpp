// The PPO / RLOO / GRPO trainer (see rl_trainer.h): loads the models, runs the RL client
// (rl_client.h) through the shared training loop.
#include "core/train/rl_trainer.h"

#include <atomic>
#include <optional>

#include "core/common/core_error.h"
#include "core/common/runtime.h"
#include "core/dist/collective.h"
#include "core/model/checkpoint.h"
#include "core/model/reward_model.h"
#include "core/train/rl_client.h"
#include "core/train/trainer_rank.h"
#include "core/train/training_loop.h"

namespace prefstudio {

struct RlTrainer::Impl {
  RlConfig config;
  RlData data;
  int64_t run_id = 0;
  std::atomic<bool> stop_requested{false};
  std::shared_ptr<DataParallelGroup> group;  // none: one process
};

RlTrainer::RlTrainer(RlConfig config, RlData data, int64_t run_id)
    : impl_(std::make_unique<Impl>()) {
  config.validate();
  if (data.train_prompts.empty())
    throw ConfigError(config.algorithm + ": no training prompt; add prompts to the project first");
  impl_->config = std::move(config);
  impl_->data = std::move(data);
  impl_->run_id = run_id;
}

RlTrainer::~RlTrainer() = default;

void RlTrainer::request_stop() { impl_->stop_requested.store(true); }

void RlTrainer::set_data_parallel(std::shared_ptr<DataParallelGroup> group) {
  impl_->group = std::move(group);
}

RlResult RlTrainer::run(MetricsSink& sink) {
  const TrainerRank rank(impl_->group, impl_->config.resume_from);
  Collective& collective = rank.collective();
  const RlConfig config = rank.with_local_resume(impl_->config);
  // Threads, device, seed; the policy (dropout off: the ratio compares two forwards of the same
  // weights), the frozen reference, the reward model.
  init_torch_threads(config.threads);
  const torch::Device device(check_device(config.device, config.algorithm + ".device"));
  torch::manual_seed(config.seed);
  const bool resume = !config.resume_from.empty();
  LoadedModel policy = load_checkpoint(resume ? config.resume_from : config.policy_dir, device);
  policy.model->set_dropout(0.0);
  policy.model->train();
  LoadedModel reference = load_checkpoint(config.reference(), device);
  reference.model->eval();
  for (auto& parameter : reference.model->parameters()) parameter.set_requires_grad(false);
  if (reference.tokenizer->kind() != policy.tokenizer->kind() ||
      reference.config.vocab_size != policy.config.vocab_size)
    throw FormatError(config.reference() + ": the reference's tokenizer or vocabulary differs "
                                           "from the policy's");
  std::optional<RewardModel> reward;
  if (!config.reward_model_dir.empty())
    reward.emplace(load_reward_model(config.reward_model_dir, device, true));
  std::optional<ValueCritic> critic;  // PPO's, from the reward model (InstructGPT) or the policy
  if (config.algorithm == "ppo") {
    critic.emplace(load_value_critic(
        config.resume_from, config.value_init == "reward" ? config.reward_model_dir : "",
        config.policy_dir, device));
    if (critic->model.loaded.tokenizer->kind() != policy.tokenizer->kind())
      throw FormatError("ppo: the critic's tokenizer differs from the policy's");
  }

  RlClient client(config, policy, reference, reward ? &*reward : nullptr,
                  critic ? &*critic : nullptr, impl_->data, impl_->run_id, device, collective);
  if (resume) client.restore_state(config.resume_from);
  const int64_t per_rollout = client.updates_per_rollout();
  LoopConfig loop = loop_config_from(config, config.algorithm);
  loop.steps = config.steps * per_rollout;
  loop.log_every = config.log_every * per_rollout;
  loop.eval_every = config.eval_every * per_rollout;
  loop.checkpoint_every = config.checkpoint_every * per_rollout;
  const int64_t start_step = resume ? policy.manifest.step : 0;
  LoopResult done = run_training_loop(client, loop, start_step, device, sink,
                                      impl_->stop_requested, collective);

  RlResult result;
  result.rollouts_done = client.rollouts_done();
  result.updates_done = done.steps_done;
  result.updates_skipped = client.updates_skipped();
  result.stopped = done.stopped;
  result.time_limited = done.time_limited;
  result.final_dir = done.final_dir;
  result.final_hash = done.final_hash;
  result.score = metric_value(done.last_train, "objective/scores");
  result.kl = metric_value(done.last_train, "objective/kl");
  result.eval_kl = metric_value(done.last_eval, "eval/kl");
  result.eval_true_score = metric_value(done.last_eval, "eval/true_score");
  result.eval_reward = metric_value(done.last_eval, "eval/reward");
  result.seconds = done.seconds;
  return result;
}

}  // namespace prefstudio

// The demo's labeling and training stages (see demo_stages.h).
#include "app/cli/demo_stages.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "app/cli/cli_command.h"
#include "app/cli/demo_labelers.h"
#include "core/common/core_error.h"
#include "db/project_split.h"
#include "db/schema.h"

namespace prefstudio::cli {

namespace {

namespace fs = std::filesystem;

void write_config(const DemoPaths& paths, const std::string& stage, const nlohmann::json& body) {
  fs::create_directories(paths.config(stage).parent_path());
  std::ofstream out(paths.config(stage));
  out << nlohmann::json{{stage, body}}.dump(2) << "\n";
  if (!out.flush()) throw CoreError(paths.config(stage).string() + ": cannot write");
}

}  // namespace

nlohmann::json run_logged_command(const std::string& command, const std::vector<std::string>& args,
                                  const fs::path& log) {
  fs::create_directories(log.parent_path());
  std::ofstream out(log);
  std::streambuf* terminal = std::cout.rdbuf(out.rdbuf());
  int status = 0;
  try {
    status = cli_commands().at(command).run(args);
  } catch (...) {
    std::cout.rdbuf(terminal);
    throw;
  }
  std::cout.rdbuf(terminal);
  out.close();
  if (status != 0)
    throw CoreError("demo: `" + command + "` exited with " + std::to_string(status) + "; see " +
                    log.string());
  std::ifstream in(log);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty() && line.front() == '{') last = line;
  if (last.empty()) throw CoreError("demo: `" + command + "` printed no summary; see " + log.string());
  return nlohmann::json::parse(last);
}

nlohmann::json run_demo_label_stage(const DemoPaths& paths, const DemoPlan& plan) {
  db::Database db = db::open_project(paths.project().string(), /*create=*/false);
  // Prompts are stored in the order the SFT stage drew them: training, validation, then fresh.
  std::vector<int64_t> ranked;
  for (const auto& [id, text] : db::prompts_on_split(db, {db::Split::all, 0, 0.0}))
    ranked.push_back(id);
  ranked.resize(std::min<size_t>(ranked.size(),
                                 static_cast<size_t>(plan.train_prompts + plan.validation_prompts)));
  const SimulatedLabels labels = rank_as_simulated_labelers(db, ranked, plan.seed);
  nlohmann::json names = nlohmann::json::array();
  for (const auto& labeler : simulated_labelers()) names.push_back(labeler.name);
  return {{"rankings", labels.rankings}, {"prompts", labels.prompts}, {"labelers", names}};
}

void write_demo_configs(const DemoPaths& paths, const DemoPlan& plan) {
  const nlohmann::json threads = plan.threads;
  const int64_t eval_prompts = plan.trainer_evaluations ? plan.validation_prompts : 0;
  // The reward model and DPO learn from the labelers the bias check clears: the Agreement tab
  // flags simulated-position-bias, so the configs leave that labeler out.
  nlohmann::json trusted = nlohmann::json::array();
  for (const auto& labeler : simulated_labelers())
    if (labeler.position_beta == 0.0) trusted.push_back(labeler.name);
  write_config(paths, "reward",
               {{"model_dir", "../models/sft/final"},
                {"output_dir", "../models/reward"},
                {"pair_mode", "per_labeler"},
                {"labelers", trusted},
                {"epochs", plan.reward_epochs},
                {"batch_prompts", 16},
                {"max_length", 32},
                {"eval_every", 0},
                {"seed", plan.seed},
                {"threads", threads},
                {"optimizer", {{"lr", 1e-3}}}});
  write_config(paths, "dpo",
               {{"policy_dir", "../models/sft/final"},
                {"output_dir", "../models/dpo"},
                {"reward_model_dir", "../models/reward/final"},
                {"beta", 1.0},
                {"nll_coefficient", 1.0},  // RPO: keeps the chosen answers likely
                {"labelers", trusted},
                {"epochs", plan.dpo_epochs},
                {"batch_prompts", 8},
                {"max_length", 32},
                {"eval_every", 0},
                {"eval_prompts", eval_prompts},
                {"max_new_tokens", 16},
                {"seed", plan.seed},
                {"threads", threads},
                {"optimizer", {{"lr", 1e-4}}}});
  // PPO as InstructGPT: one sample a prompt, the critic from the reward model, a per-token KL.
  write_config(paths, "ppo",
               {{"policy_dir", "../models/sft/final"},
                {"output_dir", "../models/ppo"},
                {"reward", {{"model", "../models/reward/final"}}},
                {"steps", plan.ppo_rollouts},
                {"rollout_prompts", 64},
                {"samples_per_prompt", 1},
                {"max_new_tokens", 16},
                {"missing_eos_penalty", 1.0},
                {"kl_coefficient", 0.1},
                {"ppo_epochs", 4},
                {"minibatch_size", 16},
                {"eval_every", 0},
                {"eval_prompts", eval_prompts},
                {"seed", plan.seed},
                {"threads", threads},
                {"optimizer", {{"lr", 5e-5}}},
                {"value_optimizer", {{"lr", 1e-3}}}});
  // GRPO with the rule (a verifiable reward, as GRPO is mostly used now), K = 4 a prompt.
  write_config(paths, "grpo",
               {{"policy_dir", "../models/sft/final"},
                {"output_dir", "../models/grpo"},
                {"reward", {{"function", "demo_sort"}}},
                {"steps", plan.grpo_rollouts},
                {"rollout_prompts", 64},
                {"samples_per_prompt", 4},
                {"max_new_tokens", 16},
                {"missing_eos_penalty", 1.0},
                {"minibatch_size", 64},
                {"eval_every", 0},
                {"eval_prompts", eval_prompts},
                {"seed", plan.seed},
                {"threads", threads},
                {"optimizer", {{"lr", 1e-4}}}});
}

nlohmann::json run_demo_reward_stage(const DemoPaths& paths) {
  const std::string project = paths.project().string();
  nlohmann::json summary = run_logged_command(
      "train reward", {project, "--config", paths.config("reward").string(), "--name", "demo-reward"},
      paths.log("reward"));
  const nlohmann::json eval = run_logged_command(
      "eval reward",
      {project, "--model", paths.final_model("reward").string(), "--split", "validation", "--json"},
      paths.log("reward-eval"));
  summary["accuracy_val"] = eval.at("accuracy");
  summary["ece_val"] = eval.at("ece");
  summary["pairs_val"] = eval.at("pairs");
  summary["agreement_ceiling"] = eval.at("agreement_ceiling").at("agreement");
  return summary;
}

nlohmann::json run_demo_policy_stage(const DemoPaths& paths, const std::string& algorithm) {
  return run_logged_command(
      "train " + algorithm,
      {paths.project().string(), "--config", paths.config(algorithm).string(), "--name",
       "demo-" + algorithm},
      paths.log(algorithm));
}

}  // namespace prefstudio::cli

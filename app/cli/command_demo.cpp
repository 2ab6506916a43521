// `prefstudio-cli demo DIR [--quick] [--seed 1] [--threads 1] [--stage NAME] [--prompts N]
// [--model SPEC.json]`: the whole InstructGPT loop on the letter-sorting task, on two CPU cores, in
// minutes. Stages: sft (the project, a small model, SFT stopped early, K = 4 completions of every
// prompt), label (simulated labelers rank them), reward (a reward model, checked on held-out
// rankings), dpo, ppo (against the reward model), grpo (with the rule), summary (every model
// evaluated alike on the held-out prompts, a table printed and stored). Without --stage all run in
// order into a new DIR; with it one stage runs (sft creates DIR; the others read DIR/demo.json).
// Progress and time left go to stderr, one JSON summary to stdout. The configs in DIR/configs
// repeat a stage with `train ...`. --model replaces the demo's small GPT-2 with the model a
// `model init` spec describes (a Llama or Qwen2 shape, another tokenizer), for the whole loop on
// that architecture.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/cli/cli_command.h"
#include "app/cli/config_file.h"
#include "app/cli/demo_paths.h"
#include "app/cli/demo_plan.h"
#include "app/cli/demo_sft_stage.h"
#include "app/cli/demo_stages.h"
#include "app/cli/demo_summary.h"
#include "app/cli/engine_commands.h"
#include "core/common/runtime.h"

namespace prefstudio::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Stage {
  std::string name;
  std::string what;
  double full_seconds, quick_seconds;  // rough estimates on two cores, for "time left"
};

const std::vector<Stage>& stages() {
  static const std::vector<Stage> list = {
      {"sft", "project, SFT stopped early, K = 4 completions of every prompt", 40, 25},
      {"label", "simulated labelers rank the completions", 2, 1},
      {"reward", "reward model on the rankings, checked on held-out rankings", 50, 15},
      {"dpo", "DPO from the SFT model on the same rankings", 30, 15},
      {"ppo", "PPO against the reward model", 45, 18},
      {"grpo", "GRPO with the rule reward", 45, 35},
      {"summary", "every model evaluated on the held-out prompts", 30, 25}};
  return list;
}

// One stage's work; its summary is kept in DIR/logs/<stage>-summary.json.
// A `model init` spec file for --model, as a trainer's config is read: its tokenizer folder made
// absolute (the plan is stored in DIR/demo.json and read from elsewhere), the demo's seed unless it
// has its own.
nlohmann::json read_model_spec(const std::string& path, uint64_t seed) {
  nlohmann::json spec = read_config_file(path, "model");
  if (!spec.is_object() || !spec.contains("tokenizer") || !spec["tokenizer"].is_string())
    throw ConfigError(path + ": expected an object with \"tokenizer\" (\"byte\" or a folder)");
  if (spec["tokenizer"] != "byte")
    spec["tokenizer"] = resolve_config_path(spec["tokenizer"].get<std::string>(), path);
  if (!spec.contains("seed")) spec["seed"] = seed;
  return spec;
}

nlohmann::json run_stage(const std::string& name, const DemoPaths& paths, const DemoPlan& plan) {
  if (name == "sft") return run_demo_sft_stage(paths, plan);
  if (name == "label") return run_demo_label_stage(paths, plan);
  if (name == "reward") return run_demo_reward_stage(paths);
  if (name == "dpo" || name == "ppo" || name == "grpo") return run_demo_policy_stage(paths, name);
  // summary: each stage's training seconds from the summaries kept so far
  nlohmann::json seconds = nlohmann::json::object();
  for (const std::string stage : {"sft", "dpo", "ppo", "grpo"}) {
    std::ifstream in(paths.log(stage + "-summary").replace_extension(".json"));
    if (!in) continue;
    const auto summary = nlohmann::json::parse(in);
    seconds[stage] = summary.value(stage == "sft" ? "sft_seconds" : "seconds", 0.0);
  }
  return run_demo_summary_stage(paths, plan, seconds);
}

void keep_summary(const DemoPaths& paths, const std::string& stage, const nlohmann::json& summary) {
  const fs::path path = paths.log(stage + "-summary").replace_extension(".json");
  fs::create_directories(path.parent_path());
  std::ofstream out(path);
  out << summary.dump(2) << "\n";
}

// The figures a person watching the terminal wants after each stage.
std::string headline(const std::string& stage, const nlohmann::json& s) {
  auto fixed = [](double value, int digits) {
    std::ostringstream out;
    out.precision(digits);
    out << std::fixed << value;
    return out.str();
  };
  if (stage == "sft")
    return "greedy score " + fixed(s["score_before"], 3) + " -> " + fixed(s["score_after"], 3) +
           " in " + std::to_string(s["sft_steps"].get<int64_t>()) + " steps, " +
           std::to_string(s["completions"].get<int64_t>()) + " completions";
  if (stage == "label")
    return std::to_string(s["rankings"].get<int64_t>()) + " rankings of " +
           std::to_string(s["prompts"].get<int64_t>()) + " prompts";
  if (stage == "reward")
    return "held-out accuracy " + fixed(s["accuracy_val"], 3) + " (labelers agree " +
           fixed(s["agreement_ceiling"], 3) + "), ECE " + fixed(s["ece_val"], 3);
  if (stage == "summary") return "stored as run " + std::to_string(s["run_id"].get<int64_t>());
  return "true score " + (s["eval/true_score"].is_number() ? fixed(s["eval/true_score"], 3) : "-") +
         ", KL " + (s["eval/kl"].is_number() ? fixed(s["eval/kl"], 3) : "-") + " nats";
}

int run_demo(const std::vector<std::string>& args) {
  CliArgs parsed =
      CliArgs::parse(args, {"quick"}, {"seed", "threads", "stage", "prompts", "model"});
  if (parsed.positional.size() != 1) throw CliUsageError("expected one DIR");
  // The demo is one process: its stages would not all join a group that torchrun describes.
  if (const char* world = std::getenv("WORLD_SIZE"); world && std::string(world) != "1")
    throw CliUsageError("demo runs as one process, and WORLD_SIZE is " + std::string(world) +
                        "; unset it (train KIND ... --nproc N runs one stage data-parallel)");
  const DemoPaths paths{parsed.positional[0]};
  const std::string only = parsed.get("stage", "");
  bool known = only.empty();
  for (const Stage& stage : stages()) known = known || stage.name == only;
  if (!known)
    throw CliUsageError("--stage: '" + only +
                        "' is not one of sft, label, reward, dpo, ppo, grpo, summary");
  // One thread by default: the demo model's ops are small, and two OpenMP threads on two cores
  // that something else is using spin at every barrier. PREFSTUDIO_THREADS, when set, replaces
  // that default; --threads replaces both.
  const int threads =
      init_torch_threads(static_cast<int>(parsed.get_int("threads", 0)), /*fallback=*/1);
  DemoPlan plan;
  if (only.empty() || only == "sft") {
    plan = make_demo_plan(parsed.has("quick"), static_cast<uint64_t>(parsed.get_int("seed", 1)),
                          threads, parsed.get_int("prompts", 0));
    if (parsed.has("model")) plan.model = read_model_spec(parsed.get("model", ""), plan.seed);
  } else {
    if (parsed.has("model"))
      throw CliUsageError("--model applies to a new demo (or --stage sft); stage " + only +
                          " uses the model in " + paths.plan().string());
    std::ifstream in(paths.plan());
    if (!in) throw CliUsageError(paths.plan().string() + ": no demo here; run `demo DIR` first");
    plan = DemoPlan::from_json(nlohmann::json::parse(in));
  }

  // The stages, with progress and time left on the terminal (estimates scaled by the pace so far).
  const auto started = Clock::now();
  double estimated_done = 0.0, estimated_total = 0.0;
  std::vector<const Stage*> todo;
  for (const Stage& stage : stages())
    if (only.empty() || stage.name == only) {
      todo.push_back(&stage);
      estimated_total += plan.quick ? stage.quick_seconds : stage.full_seconds;
    }
  nlohmann::json out{{"project", paths.project().string()}, {"quick", plan.quick}};
  for (size_t i = 0; i < todo.size(); ++i) {
    const Stage& stage = *todo[i];
    const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    const double pace = estimated_done > 0 ? elapsed / estimated_done : 1.0;
    std::cerr << "demo [" << i + 1 << "/" << todo.size() << "] " << stage.name << ": " << stage.what
              << " (about " << static_cast<int>((estimated_total - estimated_done) * pace)
              << " s left)" << std::endl;
    const auto stage_started = Clock::now();
    nlohmann::json summary = run_stage(stage.name, paths, plan);
    if (stage.name == "sft") write_demo_configs(paths, plan);
    keep_summary(paths, stage.name, summary);
    std::cerr << "demo [" << i + 1 << "/" << todo.size() << "] " << stage.name << " done in "
              << static_cast<int>(
                     std::chrono::duration<double>(Clock::now() - stage_started).count())
              << " s: " << headline(stage.name, summary) << std::endl;
    estimated_done += plan.quick ? stage.quick_seconds : stage.full_seconds;
    out[stage.name] = summary;
  }
  out["seconds"] = std::chrono::duration<double>(Clock::now() - started).count();
  std::cout << out.dump() << std::endl;
  return 0;
}

static CliRegistration reg(engine_command("demo", run_demo));

}  // namespace
}  // namespace prefstudio::cli

// `prefstudio-cli eval policy PROJECT --model DIR [--reference DIR] [--reward-model DIR]
// [--prompts 100] [--samples 1] [--max-new-tokens 64] [--seed 0] [--json] [--device D]`: the one
// policy evaluation every policy trainer runs (core/train/policy_evaluation.h) on the project's
// validation prompts: mean sequence KL to the reference, reward-model score and, for the demo's
// prompts, the true score. One point of a reward-against-KL chart, from the command line.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/cli_command.h"
#include "app/cli/engine_commands.h"
#include "core/train/policy_evaluation.h"
#include "db/project_split.h"
#include "db/schema.h"

namespace prefstudio::cli {
namespace {

int run_eval_policy(const std::vector<std::string>& args) {
  CliArgs parsed = CliArgs::parse(args, {"json"},
                                  {"model", "reference", "reward-model", "prompts", "samples",
                                   "max-new-tokens", "seed", "device"});
  if (parsed.positional.size() != 1) throw CliUsageError("expected one PROJECT file");
  const std::string project = parsed.positional[0];
  const std::string model = parsed.require("model");
  const std::string reference = parsed.get("reference", model);
  PolicyEvalConfig config;
  config.samples_per_prompt = parsed.get_int("samples", 1);
  config.max_new_tokens = parsed.get_int("max-new-tokens", 64);
  const long long seed = parsed.get_int("seed", 0);
  if (config.samples_per_prompt < 1) throw CliUsageError("--samples must be at least 1");
  if (config.max_new_tokens < 1) throw CliUsageError("--max-new-tokens must be at least 1");
  if (seed < 0) throw CliUsageError("--seed must not be negative");
  config.seed = static_cast<uint64_t>(seed);

  db::Database db = db::open_project(project, /*create=*/false);
  std::vector<std::string> prompts;
  for (auto& [id, text] : db::prompts_on_split(db, db::project_split(db, db::Split::validation),
                                               parsed.get_int("prompts", 100)))
    prompts.push_back(std::move(text));
  if (prompts.empty()) throw CliUsageError(project + ": no prompt on the validation split");
  PolicyEvaluator evaluator(model, reference, parsed.get("reward-model", ""),
                            parsed.get("device", "cpu"));
  const PolicyEvaluation eval = evaluator.evaluate(prompts, config);
  const nlohmann::json out{{"model", model},
                           {"reference", reference},
                           {"prompts", prompts.size()},
                           {"samples", eval.samples},
                           {"kl", eval.kl_mean},
                           {"reward", number_or_null(eval.reward_mean)},
                           {"true_score", number_or_null(eval.true_score_mean)},
                           {"true_score_std", number_or_null(eval.true_score_std)},
                           {"eos_rate", eval.eos_rate},
                           {"length_mean", eval.length_mean}};
  if (parsed.has("json")) {
    std::cout << out.dump() << std::endl;
  } else {
    std::printf("%lld samples on %zu validation prompts: KL %.4f nats  reward %s  true score %s\n",
                static_cast<long long>(eval.samples), prompts.size(), eval.kl_mean,
                out["reward"].dump().c_str(), out["true_score"].dump().c_str());
  }
  return 0;
}

static CliRegistration reg(engine_command("eval policy", run_eval_policy));

}  // namespace
}  // namespace prefstudio::cli

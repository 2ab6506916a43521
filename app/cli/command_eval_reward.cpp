// `prefstudio-cli eval reward PROJECT --model DIR [--split validation|train|all]
// [--mode per-labeler|consensus] [--labelers a,b] [--json] [--device D]`: how far to trust a
// reward model, on one side of the project's split: accuracy, log loss, Brier, ECE with the
// reliability diagram, accuracy against the score gap beside Bradley-Terry, accuracy per labeler,
// and the labelers' own agreement (the ceiling). `--labelers` evaluates on labelers left out of
// training. docs/reward-model-calibration.md says how each figure is computed.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/cli/cli_command.h"
#include "app/cli/engine_commands.h"
#include "app/cli/ranking_loader.h"
#include "core/train/reward_evaluation.h"
#include "db/schema.h"

namespace prefstudio::cli {
namespace {

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

void print_readable(const nlohmann::json& out) {
  std::printf("pairs %lld  accuracy %.4f  log_loss %.4f  brier %.4f  ece %.4f\n",
              out["pairs"].get<long long>(), out["accuracy"].get<double>(),
              out["log_loss"].get<double>(), out["brier"].get<double>(), out["ece"].get<double>());
  const auto& ceiling = out["agreement_ceiling"];
  std::printf("labelers agree on %.4f of %lld shared comparisons (the ceiling)\n",
              ceiling["agreement"].get<double>(), ceiling["comparisons"].get<long long>());
  std::printf("reliability (predicted -> observed):\n");
  for (const auto& bin : out["reliability"])
    if (bin["count"].get<long long>() > 0)
      std::printf("  [%.1f, %.1f)  n=%-6lld  %.3f -> %.3f\n", bin["low"].get<double>(),
                  bin["high"].get<double>(), bin["count"].get<long long>(),
                  bin["mean_predicted"].get<double>(), bin["observed"].get<double>());
  std::printf("accuracy by |score gap| (Bradley-Terry expects):\n");
  for (const auto& bin : out["accuracy_by_gap"])
    std::printf("  [%.2f, %.2f]  n=%-6lld  %.3f (%.3f)\n", bin["gap_low"].get<double>(),
                bin["gap_high"].get<double>(), bin["count"].get<long long>(),
                bin["accuracy"].get<double>(), bin["bradley_terry"].get<double>());
  for (const auto& [labeler, stats] : out["per_labeler"].items())
    std::printf("  %-20s pairs %-6lld accuracy %.4f\n", labeler.empty() ? "(consensus)" : labeler.c_str(),
                stats["pairs"].get<long long>(), stats["accuracy"].get<double>());
}

int run_eval_reward(const std::vector<std::string>& args) {
  CliArgs parsed =
      CliArgs::parse(args, {"json"}, {"model", "split", "mode", "labelers", "device"});
  if (parsed.positional.size() != 1) throw CliUsageError("expected one PROJECT file");
  const std::string project = parsed.positional[0];
  const std::string split_name = parsed.get("split", "validation");
  db::Split split;
  try {
    split = db::parse_split(split_name);
  } catch (const std::invalid_argument& e) {
    throw CliUsageError(std::string("--split: ") + e.what());
  }
  db::Database db = db::open_project(project, /*create=*/false);
  const auto rankings = load_rankings(db, split, parsed.get("mode", "per-labeler"),
                                      split_commas(parsed.get("labelers", "")), "--mode");
  if (rankings.empty())
    throw CliUsageError(project + ": no ranked prompt on the " + split_name + " split");
  RewardScorer scorer(parsed.require("model"), parsed.get("device", "cpu"));
  const RewardEvaluation evaluation = evaluate_reward_model(scorer, rankings);

  nlohmann::json out = to_json(evaluation.calibration);
  out["agreement_ceiling"] = to_json(evaluation.ceiling);
  out["completions_skipped"] = evaluation.completions_skipped;
  out["model"] = parsed.require("model");
  out["content_hash"] = scorer.content_hash();
  out["split"] = split_name;
  if (parsed.has("json"))
    std::cout << out.dump() << std::endl;
  else
    print_readable(out);
  return 0;
}

static CliRegistration reg(engine_command("eval reward", run_eval_reward));

}  // namespace
}  // namespace prefstudio::cli

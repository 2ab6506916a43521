// The demo's summary table (see demo_summary.h).
#include "app/cli/demo_summary.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "app/cli/demo_sft_stage.h"
#include "core/train/policy_evaluation.h"
#include "db/project_split.h"
#include "db/run_store.h"
#include "db/schema.h"

namespace prefstudio::cli {

namespace {

namespace fs = std::filesystem;

// Mean true score per prompt (over its samples), in prompt order.
std::vector<double> per_prompt_scores(const PolicyEvaluation& eval, size_t prompts) {
  std::vector<double> sums(prompts, 0.0), counts(prompts, 0.0);
  for (const PolicySample& sample : eval.sample_list) {
    if (!sample.true_score) continue;
    sums[sample.prompt_index] += *sample.true_score;
    counts[sample.prompt_index] += 1.0;
  }
  for (size_t p = 0; p < prompts; ++p) sums[p] /= std::max(1.0, counts[p]);
  return sums;
}

// Mean and standard error of a list.
std::pair<double, double> mean_and_se(const std::vector<double>& values) {
  const double n = double(values.size());
  double mean = 0.0, squares = 0.0;
  for (double v : values) mean += v / n;
  for (double v : values) squares += (v - mean) * (v - mean);
  return {mean, n > 1 ? std::sqrt(squares / (n - 1) / n) : 0.0};
}

void print_table(const nlohmann::json& rows, size_t prompts, int64_t samples) {
  std::fprintf(stderr,
               "\nThe loop on %zu held-out prompts (%lld samples each at temperature 1; greedy: one "
               "answer):\n",
               prompts, static_cast<long long>(samples));
  std::fprintf(stderr, "%-6s | %8s | %8s %7s | %8s %7s | %8s | %7s | %7s\n", "stage", "greedy",
               "sampled", "+-se", "gain", "+-se", "RM score", "KL nats", "seconds");
  for (const auto& row : rows) {
    auto number = [&](const char* key, const char* format) {
      char text[32];
      if (row[key].is_null()) return std::string("-");
      std::snprintf(text, sizeof(text), format, row[key].get<double>());
      return std::string(text);
    };
    std::fprintf(stderr, "%-6s | %8s | %8s %7s | %8s %7s | %8s | %7s | %7s\n",
                 row["stage"].get<std::string>().c_str(), number("true_score_greedy", "%.3f").c_str(),
                 number("true_score", "%.3f").c_str(), number("true_score_se", "%.4f").c_str(),
                 number("gain", "%+.3f").c_str(), number("gain_se", "%.4f").c_str(),
                 number("reward", "%.3f").c_str(), number("kl", "%.3f").c_str(),
                 number("seconds", "%.0f").c_str());
  }
}

}  // namespace

nlohmann::json run_demo_summary_stage(const DemoPaths& paths, const DemoPlan& plan,
                                      const nlohmann::json& seconds) {
  db::Database db = db::open_project(paths.project().string(), /*create=*/false);
  std::vector<std::string> prompts;
  for (auto& [id, text] : db::prompts_on_split(db, db::project_split(db, db::Split::validation)))
    prompts.push_back(std::move(text));
  const std::string sft = paths.final_model("sft").string();
  const std::string reward =
      fs::exists(paths.final_model("reward")) ? paths.final_model("reward").string() : "";
  PolicyEvalConfig config;
  config.samples_per_prompt = plan.eval_samples;
  config.max_new_tokens = 16;
  config.seed = plan.seed;

  nlohmann::json rows = nlohmann::json::array();
  std::vector<double> sft_scores;
  for (const std::string stage : {"sft", "dpo", "ppo", "grpo"}) {
    const std::string model = paths.final_model(stage).string();
    if (!fs::exists(model)) continue;
    const PolicyEvaluation eval = PolicyEvaluator(model, sft, reward).evaluate(prompts, config);
    const std::vector<double> scores = per_prompt_scores(eval, prompts.size());
    if (stage == "sft") sft_scores = scores;
    std::vector<double> gains;
    for (size_t p = 0; p < scores.size() && p < sft_scores.size(); ++p)
      gains.push_back(scores[p] - sft_scores[p]);
    const auto [mean, se] = mean_and_se(scores);
    const auto [gain, gain_se] = mean_and_se(gains);
    nlohmann::json row{{"stage", stage},
                       {"true_score_greedy", mean_greedy_score(model, prompts)},
                       {"true_score", mean},
                       {"true_score_se", se},
                       {"gain", stage == "sft" ? nlohmann::json() : nlohmann::json(gain)},
                       {"gain_se", stage == "sft" ? nlohmann::json() : nlohmann::json(gain_se)},
                       {"reward", std::isnan(eval.reward_mean) ? nlohmann::json()
                                                               : nlohmann::json(eval.reward_mean)},
                       {"kl", eval.kl_mean},
                       {"samples", eval.samples},
                       {"seconds", seconds.contains(stage) ? seconds[stage] : nlohmann::json()}};
    rows.push_back(row);
  }
  print_table(rows, prompts.size(), plan.eval_samples);

  // The same figures in the project, for the GUI and for comparing demo runs.
  db::RunStore runs(db);
  const int64_t run_id = runs.create_run("demo", "demo-summary", plan.to_json().dump());
  nlohmann::json report{{"rows", rows}, {"prompts", prompts.size()}};
  runs.add_evaluation(run_id, 0, "demo_summary", report.dump());
  runs.finish_run(run_id, "finished");
  report["run_id"] = run_id;
  return report;
}

}  // namespace prefstudio::cli

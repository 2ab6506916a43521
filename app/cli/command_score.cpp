// `prefstudio-cli score PROJECT --model DIR [--suggest] [--device D]`: scores every completion of
// the project with a reward model (offset applied) into completion_scores, under the model's
// content hash as the source, so the lowest-margin labeling queue can use this model's scores.
// `--suggest` also stores the model's order of each prompt as a suggestion marked with the model;
// suggestions are shown only when enabled and never count as human labels.
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>

#include "app/cli/cli_command.h"
#include "app/cli/engine_commands.h"
#include "core/train/reward_evaluation.h"
#include "db/schema.h"
#include "db/score_store.h"

namespace prefstudio::cli {
namespace {

// One prompt's completions as read from the store.
struct PromptToScore {
  int64_t prompt_id = 0;
  std::string prompt;
  std::vector<int64_t> completion_ids;
  std::vector<std::pair<std::string, bool>> completions;  // (text, ended)
};

std::vector<PromptToScore> read_completions(db::ScoreStore& store) {
  std::vector<PromptToScore> prompts;
  store.for_each_completion([&](const db::CompletionToScore& row) {
    if (prompts.empty() || prompts.back().prompt_id != row.prompt_id)
      prompts.push_back({row.prompt_id, row.prompt, {}, {}});
    prompts.back().completion_ids.push_back(row.completion_id);
    prompts.back().completions.emplace_back(row.text, row.finish_reason != "length");
  });
  return prompts;
}

int run_score(const std::vector<std::string>& args) {
  CliArgs parsed = CliArgs::parse(args, {"suggest"}, {"model", "device"});
  if (parsed.positional.size() != 1) throw CliUsageError("expected one PROJECT file");
  const std::string project = parsed.positional[0];
  const std::string model_dir = parsed.require("model");
  db::Database db = db::open_project(project, /*create=*/false);
  RewardScorer scorer(model_dir, parsed.get("device", "cpu"));
  db::ScoreStore store(db);
  const auto prompts = read_completions(store);
  const std::string source = scorer.content_hash();
  const std::string suggestion_source = "model:" + source.substr(0, 12);

  constexpr size_t kPromptsPerBatch = 64;
  int64_t scored = 0, skipped = 0;
  for (size_t start = 0; start < prompts.size(); start += kPromptsPerBatch) {
    const size_t end = std::min(prompts.size(), start + kPromptsPerBatch);
    std::vector<std::pair<std::string, std::vector<std::pair<std::string, bool>>>> batch;
    for (size_t p = start; p < end; ++p)
      batch.emplace_back(prompts[p].prompt, prompts[p].completions);
    const auto scores = scorer.score(batch);
    std::vector<std::pair<int64_t, double>> rows;
    for (size_t p = start; p < end; ++p) {
      const auto& prompt_scores = scores[p - start];
      std::vector<size_t> order;
      for (size_t c = 0; c < prompt_scores.size(); ++c) {
        if (!prompt_scores[c]) {
          ++skipped;
          continue;
        }
        rows.emplace_back(prompts[p].completion_ids[c], *prompt_scores[c]);
        order.push_back(c);
      }
      if (parsed.has("suggest") && order.size() >= 2) {
        std::stable_sort(order.begin(), order.end(),
                         [&](size_t a, size_t b) { return *prompt_scores[a] > *prompt_scores[b]; });
        std::vector<int64_t> best_first;
        for (size_t c : order) best_first.push_back(prompts[p].completion_ids[c]);
        store.store_suggestion(prompts[p].prompt_id, suggestion_source, best_first);
      }
    }
    store.store_scores(source, model_dir, model_dir, rows);
    scored += static_cast<int64_t>(rows.size());
  }
  std::cout << nlohmann::json{{"source", source},
                              {"prompts", prompts.size()},
                              {"completions_scored", scored},
                              {"completions_skipped", skipped},
                              {"reward_offset", scorer.reward_offset()},
                              {"suggestions", parsed.has("suggest") ? suggestion_source : ""}}
                   .dump()
            << std::endl;
  return 0;
}

static CliRegistration reg(engine_command("score", run_score));

}  // namespace
}  // namespace prefstudio::cli

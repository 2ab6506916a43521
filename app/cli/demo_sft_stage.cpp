// The demo's project and SFT stage (see demo_sft_stage.h).
#include "app/cli/demo_sft_stage.h"

#include <fstream>
#include <iostream>

#include "app/cli/cli_command.h"
#include "app/cli/completion_filler.h"
#include "app/cli/sft_run.h"
#include "core/common/core_error.h"
#include "core/model/model_init.h"
#include "core/train/demo_task.h"
#include "core/train/sft_jsonl.h"
#include "core/train/text_generator.h"
#include "db/completion_store.h"
#include "db/dataset_split.h"
#include "db/label_store.h"
#include "db/project_split.h"
#include "db/run_store.h"
#include "db/schema.h"

namespace prefstudio::cli {

namespace {

namespace fs = std::filesystem;

// What a labeler of the demo reads in the guidelines panel: how to rank sorting answers.
void write_guidelines(db::Database& db) {
  db::LabelStore store(db);
  db::ProjectSettings settings = store.settings();
  settings.guidelines =
      "## Ranking sorted letters\n\n"
      "Each prompt asks for its letters in alphabetical order: `Sort: dbca` wants `abcd`.\n\n"
      "1. **Best first**: the exact answer beats everything.\n"
      "2. Then answers with the *right letters*, fewest out of place first.\n"
      "3. Then answers that miss or add letters, fewest mistakes first.\n\n"
      "Equally wrong answers may tie: press **=** before the second one. "
      "Press **X** if all four are unusable, **?** for every key.\n\n"
      "The labelers named `simulated-...` are not people: the demo ranked with them.";
  store.save_settings(settings);
}

// The project's prompts in the order they are added: training-split ones, validation-split ones
// (drawn until both counts fill, by the project's split rule), then fresh ones from either side.
std::vector<std::string> draw_prompts(const DemoPlan& plan, const db::SplitOptions& split) {
  const int64_t wanted = plan.train_prompts + plan.validation_prompts + plan.fresh_prompts;
  const auto pool = demo_prompts(wanted * 4 + 64, plan.seed * 1000003 + 17);
  std::vector<std::string> train, validation, fresh;
  for (const auto& prompt : pool) {
    const bool held_out = db::prompt_in_validation(prompt, split);
    if (held_out && int64_t(validation.size()) < plan.validation_prompts)
      validation.push_back(prompt);
    else if (!held_out && int64_t(train.size()) < plan.train_prompts)
      train.push_back(prompt);
    else if (int64_t(fresh.size()) < plan.fresh_prompts)
      fresh.push_back(prompt);
  }
  if (int64_t(train.size() + validation.size() + fresh.size()) < wanted)
    throw CoreError("demo: too few distinct prompts for the plan");
  train.insert(train.end(), validation.begin(), validation.end());
  train.insert(train.end(), fresh.begin(), fresh.end());
  return train;
}

SftConfig make_sft_config(const DemoPaths& paths, const DemoPlan& plan) {
  SftConfig config;
  config.threads = plan.threads;
  config.model_dir = (paths.dir / "models" / "init").string();
  config.output_dir = (paths.dir / "models" / "sft").string();
  config.data_source = "jsonl";
  config.data_path = (paths.dir / "sft_train.jsonl").string();
  config.steps = plan.sft_steps;  // stopped early on purpose: the later stages need room
  config.batch_size = 32;
  config.max_length = 64;
  config.warmup_steps = 20;
  config.log_every = 10;
  config.eval_every = 100;
  config.checkpoint_every = 0;
  config.validation_fraction = 0.02;
  config.seed = plan.seed;
  config.optimizer.lr = 2e-3;  // small model, short run: a high peak, decayed by the schedule
  return config;
}

// K completions of every prompt at temperature 1; prompts the model answers the same way every
// time get their missing completions drawn hotter, so rankers see near misses beside the answer.
FillReport sample_completions(db::Database& db, const std::string& model_dir,
                              const DemoPlan& plan) {
  TextGenerator generator(model_dir);
  const int64_t model_id = db::RunStore(db).register_model(
      "demo-sft", generator.content_hash(), fs::absolute(model_dir).string());
  GenerationConfig sampling;
  sampling.k = plan.k;
  sampling.max_new_tokens = 16;
  sampling.temperature = 1.0;
  sampling.seed = plan.seed;
  FillReport fill = fill_completions(db, generator, model_id, sampling, &std::cerr);
  for (double hotter : {1.6, 2.4}) {
    if (fill.prompts_short == 0) break;
    sampling.temperature = hotter;
    FillReport hot = fill_completions(db, generator, model_id, sampling, &std::cerr);
    fill.completions_added += hot.completions_added;
    fill.prompts_short = hot.prompts_short;
  }
  std::cerr << "\n";
  return fill;
}

}  // namespace

double mean_greedy_score(const std::string& model_dir, const std::vector<std::string>& prompts) {
  TextGenerator generator(model_dir);
  GenerationConfig greedy;
  greedy.temperature = 0.0;
  greedy.max_new_tokens = 16;
  auto completions = generator.complete(prompts, 1, greedy, 0);
  double total = 0.0;
  for (size_t i = 0; i < prompts.size(); ++i) total += demo_score(prompts[i], completions[i][0].text);
  return prompts.empty() ? 0.0 : total / double(prompts.size());
}

nlohmann::json run_demo_sft_stage(const DemoPaths& paths, const DemoPlan& plan) {
  if (fs::exists(paths.project()))
    throw CliUsageError(paths.project().string() + " already exists");
  fs::create_directories(paths.dir / "models");
  {
    std::ofstream out(paths.plan());
    out << plan.to_json().dump(2) << "\n";
  }

  // The project: prompts on both sides of its split, held out from SFT, so every score below
  // measures generalisation.
  db::Database db = db::open_project(paths.project().string(), /*create=*/true);
  const db::SplitOptions split{db::Split::all, plan.seed, plan.validation_fraction};
  db::set_project_split(db, split.seed, split.validation_fraction);
  const auto prompts = draw_prompts(plan, split);
  db::CompletionStore(db).add_prompts(prompts);
  write_guidelines(db);
  const std::vector<std::string> held_out(prompts.begin() + plan.train_prompts,
                                          prompts.begin() + plan.train_prompts +
                                              plan.validation_prompts);

  // The small model, made exactly as `prefstudio-cli model init` makes it.
  const std::string init_dir = (paths.dir / "models" / "init").string();
  ModelInitResult init = init_model_checkpoint(plan.model, init_dir, "demo model");
  db::RunStore(db).register_model("demo-init", init.content_hash, fs::absolute(init_dir).string());
  const double score_before = mean_greedy_score(init_dir, held_out);

  // SFT on generated demonstrations (none of them a project prompt), recorded as a run.
  const SftConfig sft = make_sft_config(paths, plan);
  auto examples = demo_examples(plan.sft_examples, plan.seed, prompts);
  write_sft_jsonl(sft.data_path, examples);
  fs::create_directories(paths.config("sft").parent_path());
  {
    // The config `prefstudio-cli train sft` repeats the stage with (paths from configs/).
    SftConfig file = sft;
    file.model_dir = "../models/init";
    file.output_dir = "../models/sft";
    file.data_path = "../sft_train.jsonl";
    std::ofstream out(paths.config("sft"));
    out << nlohmann::json{{"sft", to_json(file)}}.dump(2) << "\n";
  }
  TrainingProcess one_process;
  SftRunOutcome run = run_sft_in_project(one_process, db, sft, std::move(examples), "demo-sft",
                                         SinkEcho::kProgress);
  std::cerr << "\n";
  const double score_after = mean_greedy_score(run.result.final_dir, held_out);
  const FillReport fill = sample_completions(db, run.result.final_dir, plan);

  return {{"project", paths.project().string()},
          {"prompts", prompts.size()},
          {"completions", fill.completions_added},
          {"prompts_short", fill.prompts_short},
          {"parameters", init.parameter_count},
          {"sft_run_id", *run.run_id},
          {"sft_steps", run.result.steps_done},
          {"sft_seconds", run.result.seconds},
          {"score_before", score_before},
          {"score_after", score_after},
          {"model", run.result.final_dir}};
}

}  // namespace prefstudio::cli

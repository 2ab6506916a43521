// `prefstudio-cli demo DIR [--minutes M] [--quick] [--seed S] [--threads 1]`: the demo project.
// DIR/demo.sqlite gets held-out letter-sorting prompts (core/train/demo_task.h); DIR/models/init a
// small byte-level GPT made as `model init` makes it; SFT for about M minutes on generated
// demonstrations (DIR/sft_train.jsonl, DIR/sft_config.json: `train sft` repeats it) into
// DIR/models/sft; then K = 4 sampled completions per prompt, ready to rank. The mean demo score
// of greedy answers is printed before and after SFT so the learning shows. --quick: ~20 s.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/cli_command.h"
#include "app/cli/completion_filler.h"
#include "app/cli/sft_run.h"
#include "core/common/runtime.h"
#include "core/model/model_init.h"
#include "core/train/demo_task.h"
#include "core/train/sft_jsonl.h"
#include "core/train/text_generator.h"
#include "db/completion_store.h"
#include "db/label_store.h"
#include "db/run_store.h"
#include "db/schema.h"

namespace prefstudio::cli {
namespace {

namespace fs = std::filesystem;

// The sizes of one demo: the full one and --quick (for tests and impatient people).
struct DemoPlan {
  int64_t prompts = 64;      // project prompts, held out from SFT; rank these
  int64_t examples = 20000;  // SFT demonstrations
  nlohmann::json model;      // model init spec
  double sft_seconds = 180;
  int64_t sft_steps = 6000;  // upper bound; the time box usually ends the run first
  int64_t batch_size = 32;
  int64_t k = 4;
};

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
      "Press **X** if all four are unusable, **?** for every key.";
  store.save_settings(settings);
}

DemoPlan make_plan(bool quick, double minutes, uint64_t seed) {
  DemoPlan plan;
  // ~0.8M parameters: learns 4-10 letter sorting in a couple of minutes on two cores.
  plan.model = {{"tokenizer", "byte"}, {"n_embd", 128},     {"n_layer", 4},
                {"n_head", 4},         {"n_positions", 64}, {"seed", seed}};
  plan.sft_seconds = minutes * 60.0;
  if (quick) {
    plan.prompts = 16;
    plan.examples = 4000;
    plan.model["n_embd"] = 64;
    plan.model["n_layer"] = 2;
    plan.sft_seconds = 20;
    plan.sft_steps = 2000;
  }
  return plan;
}

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

SftConfig make_sft_config(const fs::path& dir, const DemoPlan& plan, uint64_t seed, int threads) {
  SftConfig config;
  config.threads = threads;
  config.model_dir = (dir / "models" / "init").string();
  config.output_dir = (dir / "models" / "sft").string();
  config.data_source = "jsonl";
  config.data_path = (dir / "sft_train.jsonl").string();
  config.steps = plan.sft_steps;
  config.batch_size = plan.batch_size;
  config.max_length = 64;
  config.warmup_steps = 50;
  config.log_every = 10;
  config.eval_every = 100;
  config.checkpoint_every = 0;
  config.validation_fraction = 0.02;
  config.seed = seed;
  config.max_seconds = plan.sft_seconds;
  config.optimizer.lr = 2e-3;  // small model, short run: a high peak, decayed by the schedule
  return config;
}

int run_demo(const std::vector<std::string>& args) {
  CliArgs parsed = CliArgs::parse(args, {"quick"}, {"minutes", "seed", "threads"});
  if (parsed.positional.size() != 1) throw CliUsageError("expected one DIR");
  const fs::path dir = parsed.positional[0];
  const bool quick = parsed.has("quick");
  const double minutes = parsed.get_double("minutes", 3.0);
  if (!(minutes > 0.0)) throw CliUsageError("--minutes must be positive");
  const uint64_t seed = static_cast<uint64_t>(parsed.get_int("seed", 1));
  // One thread by default: the demo model's ops are small, and two OpenMP threads on two cores
  // that something else is using spin at every barrier (measured: 128 instead of ~10,000 tokens/s).
  // --threads 2 on an idle machine is ~1.4x faster. PREFSTUDIO_THREADS, when set, replaces that
  // default; --threads replaces both.
  const int threads =
      init_torch_threads(static_cast<int>(parsed.get_int("threads", 0)), /*fallback=*/1);
  const DemoPlan plan = make_plan(quick, minutes, seed);
  const fs::path project = dir / "demo.sqlite";
  if (fs::exists(project)) throw CliUsageError(project.string() + " already exists");
  fs::create_directories(dir / "models");

  // The project and its prompts: held out from SFT, so the scores below measure generalisation.
  db::Database db = db::open_project(project.string(), /*create=*/true);
  const auto prompts = demo_prompts(plan.prompts, seed * 1000003 + 17);
  db::CompletionStore(db).add_prompts(prompts);
  write_guidelines(db);

  // The small model, made exactly as `prefstudio-cli model init` makes it.
  const std::string init_dir = (dir / "models" / "init").string();
  ModelInitResult init = init_model_checkpoint(plan.model, init_dir, "demo model");
  db::RunStore(db).register_model("demo-init", init.content_hash, fs::absolute(init_dir).string());
  std::cerr << "demo: model " << init.parameter_count << " parameters, " << prompts.size()
            << " prompts in " << project.string() << "\n";
  const double score_before = mean_greedy_score(init_dir, prompts);
  std::cerr << "demo: score before SFT " << score_before << " (mean over held-out prompts)\n";

  // SFT on generated demonstrations, recorded as a run of the project.
  const SftConfig sft = make_sft_config(dir, plan, seed, threads);
  auto examples = demo_examples(plan.examples, seed, prompts);
  write_sft_jsonl(sft.data_path, examples);
  {
    std::ofstream out(dir / "sft_config.json");
    out << to_json(sft).dump(2) << "\n";
  }
  SftRunOutcome run =
      run_sft_in_project(db, sft, std::move(examples), "demo-sft", SinkEcho::kProgress);
  const double score_after = mean_greedy_score(run.result.final_dir, prompts);
  std::cerr << "demo: score after SFT " << score_after << " (" << run.result.steps_done
            << " steps in " << static_cast<int>(run.result.seconds) << " s)\n";

  // K completions per prompt from the SFT model, ready to rank.
  TextGenerator generator(run.result.final_dir);
  const int64_t model_id = db::RunStore(db).register_model(
      "demo-sft", generator.content_hash(), fs::absolute(run.result.final_dir).string());
  GenerationConfig sampling;
  sampling.k = plan.k;
  sampling.max_new_tokens = 16;
  sampling.temperature = 1.0;
  sampling.seed = seed;
  FillReport fill = fill_completions(db, generator, model_id, sampling, &std::cerr);
  // A well-trained model repeats its one answer: draw the missing ones hotter (each completion
  // stores the temperature it was drawn at). Rankers then see near misses beside the right one.
  for (double hotter : {1.6, 2.4}) {
    if (fill.prompts_short == 0) break;
    sampling.temperature = hotter;
    FillReport hot = fill_completions(db, generator, model_id, sampling, &std::cerr);
    fill.completions_added += hot.completions_added;
    fill.prompts_short = hot.prompts_short;
  }

  std::cout << nlohmann::json{{"project", project.string()},
                              {"prompts", prompts.size()},
                              {"completions", fill.completions_added},
                              {"prompts_short", fill.prompts_short},
                              {"parameters", init.parameter_count},
                              {"sft_run_id", run.run_id},
                              {"sft_steps", run.result.steps_done},
                              {"sft_seconds", run.result.seconds},
                              {"score_before", score_before},
                              {"score_after", score_after},
                              {"model", run.result.final_dir}}
                   .dump()
            << std::endl;
  return 0;
}

static CliRegistration reg(
    {"demo", "demo DIR [--minutes 3] [--quick] [--seed 1] [--threads 1]",
     "Create the demo project: prompts, a small model fine-tuned for a few minutes, K = 4 "
     "completions each.",
     run_demo});

}  // namespace
}  // namespace prefstudio::cli

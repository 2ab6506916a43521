// run_sft_in_project: an SftTrainer inside run_in_project (see sft_run.h).
#include "app/cli/sft_run.h"

#include "app/cli/trainer_run.h"

namespace prefstudio::cli {

SftRunOutcome run_sft_in_project(TrainingProcess& process, db::Database& db,
                                 const SftConfig& config, std::vector<SftExample> examples,
                                 const std::string& name, SinkEcho echo) {
  SftRunOutcome outcome;
  outcome.run_id = run_in_project(
      process, db, "sft", name, to_json(config).dump(), echo,
      [&](MetricsSink& sink, int64_t run_id, TrainerHookup& hookup) {
        SftTrainer trainer(config, std::move(examples), run_id);
        outcome.result = hookup.run_trainer(trainer, sink);
        return RunEnd{outcome.result.stopped, outcome.result.time_limited};
      });
  return outcome;
}

}  // namespace prefstudio::cli

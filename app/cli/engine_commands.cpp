// The engine's command table (see engine_commands.h). Compiled into both programs.
#include "app/cli/engine_commands.h"

#include <cstdio>
#include <cstdlib>

namespace prefstudio::cli {

const std::vector<EngineCommand>& engine_commands() {
  static const std::vector<EngineCommand> commands = {
      {"config", "config defaults KIND | config check KIND FILE.json",
       "A trainer's config keys with their defaults, or a config file checked as `train KIND` "
       "reads it (the field of the first error)."},
      {"demo",
       "demo DIR [--quick] [--seed 1] [--threads 1] [--stage "
       "sft|label|reward|dpo|ppo|grpo|summary] "
       "[--prompts N] [--model SPEC.json]",
       "The whole loop on the letter-sorting demo: SFT, simulated labelers, reward model, DPO, "
       "PPO, GRPO and a summary table (about 10 minutes; --quick under 2); --model runs it on "
       "another architecture (a model init spec: Llama, Qwen2)."},
      {"eval policy",
       "eval policy PROJECT --model DIR [--reference DIR] [--reward-model DIR] [--prompts 100] "
       "[--samples 1] [--max-new-tokens 64] [--seed 0] [--json] [--device cpu|cuda]",
       "Sequence KL to the reference, reward and true score of a policy's samples on validation "
       "prompts."},
      {"eval reward",
       "eval reward PROJECT --model DIR [--split validation|train|all] "
       "[--mode per-labeler|consensus] [--labelers a,b] [--json] [--device cpu|cuda]",
       "Reward-model accuracy and calibration (ECE, reliability, accuracy by gap) on held-out "
       "rankings."},
      {"generate",
       "generate PROJECT --model DIR [-k 4] [--max-new-tokens 64] [--temperature 1] [--top-p 1] "
       "[--top-k 0] [--seed 0] [--batch-size 32] [--device cpu] [--threads N]",
       "Sample K distinct completions for every prompt that has fewer."},
      {"logprobs",
       "logprobs --model DIR (--prompt TEXT --completion TEXT [--ended] | --input FILE.jsonl) "
       "[--json] [--device cpu|cuda]",
       "Log-probability of a completion given a prompt, summed and per token."},
      {"model init", "model init --config FILE.json --out DIR",
       "Write a freshly initialised checkpoint folder (GPT-2, Llama or Qwen2, from config.json "
       "keys and a tokenizer)."},
      {"score", "score PROJECT --model DIR [--suggest] [--device cpu|cuda]",
       "Score every completion with a reward model (for the lowest-margin queue); --suggest stores "
       "its order as a suggestion."},
      {"tokenize", "tokenize --model DIR (--text TEXT | --file FILE) [--prompt] [--json]",
       "Token ids of a text under a checkpoint's tokenizer; --prompt: as every stage encodes a "
       "prompt (the chat template around it)."},
      {"train dpo",
       "train dpo PROJECT --config FILE.json [--name NAME] [--nproc N] [--dist-timeout 300]",
       "DPO and its family (ipo, cdpo, robust, hinge, sigmoid_norm, simpo) on the labelers' "
       "rankings, with the reference's log-probs cached in the project."},
      {"train grpo",
       "train grpo PROJECT --config FILE.json [--name NAME] [--nproc N] [--dist-timeout 300]",
       "GRPO (or Dr. GRPO): K samples a prompt, group-normalised advantages, k3 KL in the loss."},
      {"train ppo",
       "train ppo PROJECT --config FILE.json [--name NAME] [--nproc N] [--dist-timeout 300]",
       "PPO as InstructGPT ran it: a critic, GAE, per-token KL penalty to the SFT model, "
       "clipping."},
      {"train reward",
       "train reward PROJECT --config FILE.json [--name NAME] [--nproc N] [--dist-timeout 300]",
       "Reward model on the labelers' rankings (K-wise InstructGPT loss), calibrated on held-out "
       "prompts."},
      {"train rloo",
       "train rloo PROJECT --config FILE.json [--name NAME] [--nproc N] [--dist-timeout 300]",
       "RLOO: K samples a prompt, each advantage its reward minus the others' mean, clipped "
       "update."},
      {"train sft",
       "train sft PROJECT --config FILE.json [--name NAME] [--nproc N] [--dist-timeout 300]",
       "Supervised fine-tuning; metrics to the project and stdout (JSON lines)."},
  };
  return commands;
}

const char* data_parallel_help() {
  return "Data-parallel training, any train command (docs/cli.md):\n"
         "  --nproc N      N ranks on this machine over loopback Gloo: rank 0's stdout is the\n"
         "                 run's; Ctrl-C or SIGTERM stops every rank after the same step; a rank\n"
         "                 that fails stops the others\n"
         "  --dist-timeout SECONDS\n"
         "                 a rendezvous or collective waiting longer ends the run (default 300)\n"
         "  torchrun, Slurm: MASTER_ADDR, MASTER_PORT, WORLD_SIZE, RANK and LOCAL_RANK make this\n"
         "                 process one rank, e.g. torchrun --nnodes 2 --nproc_per_node 1\n"
         "                 --node_rank R --master_addr HOST --master_port 29500 --no_python\n"
         "                 prefstudio-cli train sft PROJECT --config FILE.json\n"
         "  Only rank 0 writes to the project and prints the run; the other ranks read it.\n";
}

CliCommand engine_command(const std::string& name,
                          std::function<int(const std::vector<std::string>& args)> run) {
  for (const EngineCommand& command : engine_commands())
    if (name == command.name) return {command.name, command.usage, command.summary, std::move(run)};
  // Runs during static initialisation, before main could catch anything.
  std::fprintf(stderr, "prefstudio-engine: command '%s' is not in app/cli/engine_commands.cpp\n",
               name.c_str());
  std::abort();
}

}  // namespace prefstudio::cli

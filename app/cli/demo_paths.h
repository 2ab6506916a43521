// Where a demo keeps its files under DIR: the project, the plan, the configs a user edits to
// repeat a stage with `prefstudio-cli train ...`, each stage's JSON-lines log, and the models.
#pragma once

#include <filesystem>
#include <string>

namespace prefstudio::cli {

struct DemoPaths {
  std::filesystem::path dir;

  std::filesystem::path project() const { return dir / "demo.sqlite"; }
  std::filesystem::path plan() const { return dir / "demo.json"; }
  std::filesystem::path config(const std::string& stage) const {
    return dir / "configs" / (stage + ".json");
  }
  std::filesystem::path log(const std::string& stage) const {
    return dir / "logs" / (stage + ".jsonl");
  }
  // The final checkpoint of a stage's model ("sft", "reward", "dpo", "ppo", "grpo").
  std::filesystem::path final_model(const std::string& stage) const {
    return dir / "models" / stage / "final";
  }
};

}  // namespace prefstudio::cli

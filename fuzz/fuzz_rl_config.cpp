// Fuzzes rl_config_from_json (core/train/rl_config.h) with arbitrary JSON, read as each of the
// three algorithms: it may accept or throw ConfigError, never anything else; what it accepts must
// survive to_json and read back the same (fuzz_json_input.h).
#include "core/common/core_error.h"
#include "core/train/rl_config.h"
#include "fuzz/fuzz_json_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto input = prefstudio::fuzz::json_of(data, size);
  if (!input) return 0;
  for (const char* algorithm : {"ppo", "rloo", "grpo"}) {
    prefstudio::RlConfig config;
    try {
      config = prefstudio::rl_config_from_json(*input, algorithm);
    } catch (const prefstudio::ConfigError&) {
      continue;
    }
    prefstudio::fuzz::check_round_trip(*input, config, [&](const nlohmann::json& json) {
      return prefstudio::rl_config_from_json(json, algorithm);
    });
  }
  return 0;
}

// Fuzzes dpo_config_from_json (core/train/dpo_config.h) with arbitrary JSON: it may accept or throw
// ConfigError, never anything else; what it accepts must survive to_json and read back the same
// (fuzz_json_input.h).
#include "core/common/core_error.h"
#include "core/train/dpo_config.h"
#include "fuzz/fuzz_json_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto input = prefstudio::fuzz::json_of(data, size);
  if (!input) return 0;
  prefstudio::DpoConfig config;
  try {
    config = prefstudio::dpo_config_from_json(*input);
  } catch (const prefstudio::ConfigError&) {
    return 0;
  }
  prefstudio::fuzz::check_round_trip(*input, config, [](const nlohmann::json& json) {
    return prefstudio::dpo_config_from_json(json);
  });
  return 0;
}

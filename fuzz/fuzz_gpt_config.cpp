// Fuzzes gpt_config_from_json (core/model/gpt_config.h) with arbitrary JSON: it may accept or throw
// ConfigError, never anything else; what it accepts must survive to_json and read back the same
// (fuzz_json_input.h).
#include "core/common/core_error.h"
#include "core/model/gpt_config.h"
#include "fuzz/fuzz_json_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto input = prefstudio::fuzz::json_of(data, size);
  if (!input) return 0;
  prefstudio::GptConfig config;
  try {
    config = prefstudio::gpt_config_from_json(*input);
  } catch (const prefstudio::ConfigError&) {
    return 0;
  }
  // n_ctx is the legacy name of n_positions: transformers ignores it on reading, and so do we;
  // to_json writes n_positions there.
  prefstudio::fuzz::check_round_trip(
      *input, config,
      [](const nlohmann::json& json) { return prefstudio::gpt_config_from_json(json); }, {"n_ctx"});
  return 0;
}

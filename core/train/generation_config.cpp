// Range checks and the stored JSON of GenerationConfig.
#include "core/train/generation_config.h"

#include <cmath>

#include "core/common/core_error.h"

namespace prefstudio {

void GenerationConfig::validate() const {
  auto fail = [](const std::string& field, const std::string& what) {
    throw ConfigError("generation." + field + ": " + what);
  };
  if (k < 1) fail("k", "must be at least 1");
  if (max_new_tokens < 1) fail("max_new_tokens", "must be at least 1");
  if (!(temperature >= 0.0) || !std::isfinite(temperature)) fail("temperature", "must be >= 0");
  if (!(top_p > 0.0 && top_p <= 1.0)) fail("top_p", "must be in (0, 1]");
  if (top_k < 0) fail("top_k", "must be >= 0");
  if (batch_size < 1) fail("batch_size", "must be at least 1");
}

nlohmann::json to_json(const GenerationConfig& config) {
  return {{"temperature", config.temperature},
          {"top_p", config.top_p},
          {"top_k", config.top_k},
          {"seed", config.seed},
          {"max_new_tokens", config.max_new_tokens}};
}

}  // namespace prefstudio

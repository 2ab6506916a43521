// How completions are sampled: a plain struct the CLI, the GUI and the trainers share, stored as
// JSON beside every completion so it can be reproduced. Torch-free.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace prefstudio {

struct GenerationConfig {
  int64_t k = 4;                // completions per prompt; InstructGPT ranked 4..9
  int64_t max_new_tokens = 64;  // stop a completion here if end-of-text has not come
  double temperature = 1.0;     // 0 = greedy (argmax); e.g. 0.7..1.0 for diverse completions
  double top_p = 1.0;           // nucleus: keep the smallest set with this much mass; 1 = off
  int64_t top_k = 0;            // keep the k likeliest tokens; 0 = off
  uint64_t seed = 0;            // same seed, same prompts, same model -> same text
  int64_t batch_size = 32;      // rows (prompt copies) decoded together; bigger is faster until
                                // memory or padding waste bites
  std::string device = "cpu";   // "cpu", "cuda", "cuda:N"
  bool use_kv_cache = true;     // false recomputes the whole prefix each token (for tests, bench)

  // Throws ConfigError naming "generation.<field>" when out of range.
  void validate() const;
};

// The settings stored with each completion: temperature, top_p, top_k, seed, max_new_tokens.
nlohmann::json to_json(const GenerationConfig& config);

}  // namespace prefstudio

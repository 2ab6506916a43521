// What the config fuzzers share: the input bytes as JSON (a fuzzer that cannot make JSON of them
// returns early; nlohmann's parser is not ours to fuzz), and the checks every parser must pass.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace prefstudio::fuzz {

inline std::optional<nlohmann::json> json_of(const uint8_t* data, size_t size) {
  nlohmann::json json =
      nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return std::nullopt;
  return json;
}

[[noreturn]] inline void fail(const char* what, const nlohmann::json& input,
                              const nlohmann::json& got) {
  std::fprintf(stderr, "fuzz check failed: %s\n  input: %s\n  got:   %s\n", what,
               input.dump().c_str(), got.dump().c_str());
  std::abort();
}

// A config the parser accepted must come back from to_json as the same config (the run's stored
// copy is read back with the same parser), and every number of the input that to_json writes under
// the same key must be the number given: a value the parser silently wrapped or rounded (e.g. a
// 64-bit integer read into an int) is a bug, not a choice. `derived` names keys the writer fills
// from others rather than from the input's value (they are left out of that comparison).
template <typename Config, typename Parse>
void check_round_trip(const nlohmann::json& input, const Config& config, Parse parse,
                      std::initializer_list<const char*> derived = {}) {
  const nlohmann::json written = to_json(config);
  const nlohmann::json again = to_json(parse(written));
  if (again != written) fail("to_json -> from_json -> to_json changed the config", written, again);
  if (!input.is_object()) return;
  for (auto it = input.begin(); it != input.end(); ++it) {
    if (!it->is_number()) continue;
    bool is_derived = false;
    for (const char* key : derived) is_derived = is_derived || it.key() == key;
    if (is_derived) continue;
    auto out = written.find(it.key());
    if (out == written.end() || !out->is_number()) continue;
    if (it->is_number_integer() && out->is_number_integer()) {
      if (*it != *out) fail("an integer changed on the way in", input, written);
    } else if (it->get<double>() != out->get<double>()) {
      fail("a number changed on the way in", input, written);
    }
  }
}

}  // namespace prefstudio::fuzz

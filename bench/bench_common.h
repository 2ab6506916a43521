// What the benchmark programs share: the byte- or BPE-vocabulary GPT configs they time, medians,
// the clock, peak RSS, running a worker (or the Python reference) as a child process and reading
// its JSON line, and the "pairs/s ms peak" columns of the preference benchmarks. Header-only.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/model/gpt_config.h"

namespace prefstudio::bench {

using Clock = std::chrono::steady_clock;

// GPT-2 shaped config; vocabulary 257 is the byte tokenizer's, anything else GPT-2's BPE.
inline GptConfig gpt(int64_t vocab, int64_t positions, int64_t embd, int64_t layers,
                     int64_t heads) {
  GptConfig config;
  config.vocab_size = vocab;
  config.n_positions = positions;
  config.n_embd = embd;
  config.n_layer = layers;
  config.n_head = heads;
  config.eos_token_id = config.bos_token_id = vocab - 1;
  config.tokenizer = vocab == 257 ? "byte" : "gpt2-bpe";
  return config;
}

// The thread policy of prefstudio-cli (app/cli/main.cpp): libgomp's threads sleep while they wait
// instead of spinning, which on a shared machine decides the figure. libgomp reads the variable
// when it loads, before main, so like the CLI a benchmark sets it and runs itself again once; the
// Python references it starts inherit it. A user's own OMP_WAIT_POLICY is left alone.
inline void reexec_with_passive_omp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: then go on with the default policy
}

// The policy in force, for the benchmark's header line.
inline std::string omp_wait_policy() {
  const char* policy = std::getenv("OMP_WAIT_POLICY");
  return policy != nullptr ? policy : "unset (libgomp spins)";
}

inline double median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

inline double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// Runs `command` and returns the JSON object of its last line that holds one.
inline nlohmann::json run_json(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("cannot start " + command);
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe.get())) output.append(buffer, n);
  const int status = pclose(pipe.release());
  const size_t brace = output.rfind('{');
  if (status != 0 || brace == std::string::npos)
    throw std::runtime_error("failed: " + command + "\n" + output);
  return nlohmann::json::parse(output.substr(brace));
}

// " | pairs/s  ms/step  peak MiB (+ over start)" of one run, or blanks when it was skipped.
inline void print_pairs_run(const nlohmann::json& run) {
  if (run.is_null()) {
    std::printf(" | %9s %8s %12s", "-", "-", "-");
    return;
  }
  const double peak = run["peak_rss_mib"].get<double>();
  char rss[32];
  std::snprintf(rss, sizeof(rss), "%.0f(+%.0f)", peak,
                peak - run["rss_before_training_mib"].get<double>());
  std::printf(" | %9.1f %8.1f %12s", run["pairs_per_s"].get<double>(),
              1e3 * run["step_s_median"].get<double>(), rss);
}

// pairs/s of a over b; 0 when either was skipped.
inline double pairs_ratio(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_null() || b.is_null()) return 0.0;
  return a["pairs_per_s"].get<double>() / b["pairs_per_s"].get<double>();
}

}  // namespace prefstudio::bench

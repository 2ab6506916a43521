// Inputs the config fuzzers (fuzz/fuzz_*_config.cpp) showed the parsers mishandling, kept as
// regression tests: integers that do not fit the field they are read into, and a product that
// overflowed int64 before it was compared. docs/hardening.md lists the findings.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "core/common/core_error.h"
#include "core/model/gpt_config.h"
#include "core/train/dpo_config.h"
#include "core/train/rl_config.h"
#include "core/train/sft_config.h"

namespace prefstudio {
namespace {

nlohmann::json minimal_sft() {
  return {{"model_dir", "m"}, {"output_dir", "o"}, {"data_path", "d.jsonl"}};
}

template <typename Parse>
std::string error_of(Parse parse) {
  try {
    parse();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "accepted";
}

// Was read into the int as 1 (4294967297 mod 2^32): a run on one thread nobody asked for.
TEST(ConfigParsers, RefusesAnIntegerTooLargeForItsField) {
  nlohmann::json json = minimal_sft();
  json["threads"] = 4294967297;
  EXPECT_EQ(error_of([&] { sft_config_from_json(json); }),
            "sft.threads: must be at most 2147483647, got 4294967297");
  nlohmann::json dpo = {{"policy_dir", "p"}, {"output_dir", "o"}, {"threads", -4294967296}};
  EXPECT_EQ(error_of([&] { dpo_config_from_json(dpo); }),
            "dpo.threads: must be at least -2147483648, got -4294967296");
}

// Was refused as "must not be negative": the check read the uint64 through int64.
TEST(ConfigParsers, AcceptsEveryUint64Seed) {
  nlohmann::json json = minimal_sft();
  json["seed"] = std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(sft_config_from_json(json).seed, std::numeric_limits<uint64_t>::max());
  json["seed"] = -1;
  EXPECT_EQ(error_of([&] { sft_config_from_json(json); }), "sft.seed: must not be negative");
  nlohmann::json rl = {{"policy_dir", "p"},
                       {"output_dir", "o"},
                       {"reward", {{"function", "demo_sort"}}},
                       {"seed", std::numeric_limits<uint64_t>::max()}};
  EXPECT_EQ(rl_config_from_json(rl, "grpo").seed, std::numeric_limits<uint64_t>::max());
}

// 4 * n_embd overflowed int64 (undefined behaviour; in practice it wrapped to 0, so n_inner 0 was
// taken as 4 * n_embd and the config accepted).
TEST(ConfigParsers, ChecksNInnerWithoutOverflow) {
  nlohmann::json json = {{"vocab_size", 64}, {"n_positions", 16}, {"n_embd", int64_t{1} << 62},
                         {"n_layer", 1},     {"n_head", 1},       {"n_inner", 0}};
  EXPECT_NE(error_of([&] { gpt_config_from_json(json); }).find("'n_inner' 0 is not supported"),
            std::string::npos);
  json["n_embd"] = 24;
  json["n_inner"] = 96;
  EXPECT_EQ(gpt_config_from_json(json).n_embd, 24);
}

}  // namespace
}  // namespace prefstudio

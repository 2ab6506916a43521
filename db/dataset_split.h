// The train/validation split, by prompt and never by pair: a prompt's side is a hash of its TEXT
// with the seed, so it does not depend on row ids or order, survives export and re-import, and does
// not move when other prompts are added. Nothing here touches the database.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace prefstudio::db {

enum class Split { train, validation, all };

struct SplitOptions {
  Split split = Split::all;          // which side to keep
  uint64_t seed = 0;                 // another seed gives another split of the same prompts
  double validation_fraction = 0.1;  // share of prompts held out, 0..1 (e.g. 0.1 = 10%)
};

// A 64-bit hash of the prompt text mixed with the seed (FNV-1a, then splitmix64).
uint64_t prompt_split_hash(std::string_view prompt_text, uint64_t seed);

// True when the prompt belongs to validation under `options` (its split field is ignored).
bool prompt_in_validation(std::string_view prompt_text, const SplitOptions& options);

// True when the prompt is on the side `options.split` asks for (always for Split::all).
bool prompt_in_split(std::string_view prompt_text, const SplitOptions& options);

// "train" | "validation" | "all"; throws std::invalid_argument naming the word otherwise.
Split parse_split(const std::string& name);
const char* split_name(Split split);

}  // namespace prefstudio::db

// Hash split by prompt text (see dataset_split.h). FNV-1a alone mixes the last bytes poorly, so the
// result goes through splitmix64's finalizer before becoming a uniform number in [0, 1).
#include "db/dataset_split.h"

#include <stdexcept>

namespace prefstudio::db {

namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

uint64_t prompt_split_hash(std::string_view prompt_text, uint64_t seed) {
  uint64_t hash = 0xCBF29CE484222325ull;  // FNV-1a 64 offset basis
  for (unsigned char byte : prompt_text) {
    hash ^= byte;
    hash *= 0x100000001B3ull;  // FNV prime
  }
  return splitmix64(hash ^ splitmix64(seed));
}

bool prompt_in_validation(std::string_view prompt_text, const SplitOptions& options) {
  double uniform = static_cast<double>(prompt_split_hash(prompt_text, options.seed) >> 11) *
                   0x1.0p-53;  // top 53 bits -> [0, 1)
  return uniform < options.validation_fraction;
}

bool prompt_in_split(std::string_view prompt_text, const SplitOptions& options) {
  switch (options.split) {
    case Split::all:
      return true;
    case Split::validation:
      return prompt_in_validation(prompt_text, options);
    case Split::train:
      return !prompt_in_validation(prompt_text, options);
  }
  return true;
}

Split parse_split(const std::string& name) {
  if (name == "train") return Split::train;
  if (name == "validation") return Split::validation;
  if (name == "all") return Split::all;
  throw std::invalid_argument("unknown split '" + name + "' (train, validation or all)");
}

const char* split_name(Split split) {
  switch (split) {
    case Split::train:
      return "train";
    case Split::validation:
      return "validation";
    case Split::all:
      return "all";
  }
  return "all";
}

}  // namespace prefstudio::db

// Where DPO keeps the reference model's log-probabilities between runs: the CLI gives the trainer
// the project's cache (db's reference_logprobs table), so a second run on the same reference and
// data neither recomputes them nor loads the reference for training. The trainer computes each key
// (reference_cache_key); the cache only maps key -> value. Torch-free.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace prefstudio {

struct ReferenceLogprob {
  double logprob = 0.0;  // summed over the completion's tokens (EOS included where it ended)
  int64_t tokens = 0;    // the completion's token count
};

class ReferenceLogprobCache {
 public:
  virtual ~ReferenceLogprobCache() = default;
  // One entry per key in order; empty where not cached.
  virtual std::vector<std::optional<ReferenceLogprob>> lookup(
      const std::vector<std::string>& keys) = 0;
  virtual void store(const std::vector<std::pair<std::string, ReferenceLogprob>>& entries) = 0;
};

// A cache that lives as long as the object: for runs without a project (library use, tests,
// benchmarks). The CLI uses the project's table instead (app/cli/project_reference_cache.h).
class InMemoryReferenceCache : public ReferenceLogprobCache {
 public:
  std::vector<std::optional<ReferenceLogprob>> lookup(const std::vector<std::string>& keys) override;
  void store(const std::vector<std::pair<std::string, ReferenceLogprob>>& entries) override;
  size_t size() const { return entries_.size(); }

 private:
  std::map<std::string, ReferenceLogprob> entries_;
};

// The key of one completion's reference log-prob: SHA-256 over the reference weights' content hash
// and the exact token ids the rule produced (the prompt after its left cut, the completion with EOS
// where it ended), plus the rule's version and the precision. The ids stand for everything else the
// value depends on: tokenizer, prompt and completion texts, the EOS and truncation rule and
// max_length; a change to any of them that changes the ids changes the key, and one that does not
// cannot change the value.
std::string reference_cache_key(const std::string& reference_hash,
                                const std::vector<int64_t>& prompt_ids,
                                const std::vector<int64_t>& completion_ids);

}  // namespace prefstudio

// reference_cache_key and the in-memory cache (see reference_logprob_cache.h).
#include "core/train/reference_logprob_cache.h"

#include "core/model/content_hash.h"

namespace prefstudio {

std::string reference_cache_key(const std::string& reference_hash,
                                const std::vector<int64_t>& prompt_ids,
                                const std::vector<int64_t>& completion_ids) {
  // Version 1 of the sequence rule (sequence_batch.h); bump it when the rule changes.
  std::string text = "prefstudio reference logprob v1|" + reference_hash + "|prompt";
  for (int64_t id : prompt_ids) text += " " + std::to_string(id);
  text += "|completion";
  for (int64_t id : completion_ids) text += " " + std::to_string(id);
  return sha256_hex(text);
}

std::vector<std::optional<ReferenceLogprob>> InMemoryReferenceCache::lookup(
    const std::vector<std::string>& keys) {
  std::vector<std::optional<ReferenceLogprob>> out;
  out.reserve(keys.size());
  for (const auto& key : keys) {
    auto found = entries_.find(key);
    out.push_back(found == entries_.end() ? std::nullopt
                                          : std::optional<ReferenceLogprob>(found->second));
  }
  return out;
}

void InMemoryReferenceCache::store(
    const std::vector<std::pair<std::string, ReferenceLogprob>>& entries) {
  for (const auto& [key, value] : entries) entries_[key] = value;
}

}  // namespace prefstudio

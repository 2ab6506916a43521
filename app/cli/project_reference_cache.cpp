// ProjectReferenceCache: core's cache interface over db's table.
#include "app/cli/project_reference_cache.h"

namespace prefstudio::cli {

std::vector<std::optional<ReferenceLogprob>> ProjectReferenceCache::lookup(
    const std::vector<std::string>& keys) {
  std::vector<std::optional<ReferenceLogprob>> out;
  out.reserve(keys.size());
  for (const auto& found : cache_.reference_logprobs(keys))
    out.push_back(found ? std::optional<ReferenceLogprob>({found->first, found->second})
                        : std::nullopt);
  return out;
}

void ProjectReferenceCache::store(
    const std::vector<std::pair<std::string, ReferenceLogprob>>& entries) {
  if (!stores_) return;
  std::vector<std::tuple<std::string, double, int64_t>> rows;
  rows.reserve(entries.size());
  for (const auto& [key, value] : entries) rows.emplace_back(key, value.logprob, value.tokens);
  cache_.put_reference_logprobs(rows);
}

}  // namespace prefstudio::cli

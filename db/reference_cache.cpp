// The reference_logprobs table (see reference_cache.h): point lookups by primary key, one
// prepared statement reused for every key.
#include "db/reference_cache.h"

#include <cmath>

namespace prefstudio::db {

std::vector<std::optional<std::pair<double, int64_t>>> ReferenceCache::reference_logprobs(
    const std::vector<std::string>& keys) {
  Statement select =
      db_.prepare("SELECT logprob, tokens FROM reference_logprobs WHERE cache_key = ?");
  std::vector<std::optional<std::pair<double, int64_t>>> found;
  found.reserve(keys.size());
  for (const std::string& key : keys) {
    select.bind(1, key);
    if (select.step())
      found.emplace_back(std::pair{select.column_double(0), select.column_int(1)});
    else
      found.emplace_back(std::nullopt);
    select.reset();
  }
  return found;
}

void ReferenceCache::put_reference_logprobs(
    const std::vector<std::tuple<std::string, double, int64_t>>& entries) {
  Transaction transaction(db_);
  Statement upsert = db_.prepare(
      "INSERT OR REPLACE INTO reference_logprobs (cache_key, logprob, tokens) VALUES (?, ?, ?)");
  for (const auto& [key, logprob, tokens] : entries) {
    if (!std::isfinite(logprob))
      throw DbError(db_.path() + ": reference log-prob of key '" + key + "' is not finite");
    upsert.bind(1, key).bind(2, logprob).bind(3, tokens).run();
  }
  transaction.commit();
}

}  // namespace prefstudio::db

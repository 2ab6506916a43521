// DPO's reference log-probabilities, cached in the project so a second run (or a resumed one) on
// the same data and reference model skips the reference forward passes. The key is a hash the
// trainer computes over everything the value depends on (reference model, tokens, settings); this
// store only keeps key -> (summed log-prob, token count). Borrows the Database (one connection per
// thread); failures throw DbError naming the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "db/database.h"

namespace prefstudio::db {

class ReferenceCache {
 public:
  explicit ReferenceCache(Database& db) : db_(db) {}

  // One entry per key, in the order given: (log-prob, tokens), or empty where the key is not
  // cached.
  std::vector<std::optional<std::pair<double, int64_t>>> reference_logprobs(
      const std::vector<std::string>& keys);
  // (key, log-prob, tokens) in one transaction; a key stored again keeps the last value. Throws
  // DbError naming the key for a log-prob that is NaN or infinite (nothing is stored then).
  void put_reference_logprobs(const std::vector<std::tuple<std::string, double, int64_t>>& entries);

 private:
  Database& db_;
};

}  // namespace prefstudio::db

// DPO's reference log-prob cache kept in the project file (db's reference_logprobs table), so a
// second run on the same reference and data skips the reference entirely. Borrows the Database;
// runs on the trainer's thread.
#pragma once

#include "core/train/reference_logprob_cache.h"
#include "db/reference_cache.h"

namespace prefstudio::cli {

class ProjectReferenceCache : public ReferenceLogprobCache {
 public:
  explicit ProjectReferenceCache(db::Database& db) : cache_(db) {}

  std::vector<std::optional<ReferenceLogprob>> lookup(const std::vector<std::string>& keys) override;
  void store(const std::vector<std::pair<std::string, ReferenceLogprob>>& entries) override;

 private:
  db::ReferenceCache cache_;
};

}  // namespace prefstudio::cli

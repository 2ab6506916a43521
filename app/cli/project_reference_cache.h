// DPO's reference log-prob cache kept in the project file (db's reference_logprobs table), so a
// second run on the same reference and data skips the reference entirely. Borrows the Database;
// runs on the trainer's thread. In a data-parallel run only rank 0 stores (the others read the
// project without writing, training_process.h).
#pragma once

#include "core/train/reference_logprob_cache.h"
#include "db/reference_cache.h"

namespace prefstudio::cli {

class ProjectReferenceCache : public ReferenceLogprobCache {
 public:
  // `stores` false: lookups only, store() drops its entries.
  explicit ProjectReferenceCache(db::Database& db, bool stores = true)
      : cache_(db), stores_(stores) {}

  std::vector<std::optional<ReferenceLogprob>> lookup(const std::vector<std::string>& keys) override;
  void store(const std::vector<std::pair<std::string, ReferenceLogprob>>& entries) override;

 private:
  db::ReferenceCache cache_;
  bool stores_;
};

}  // namespace prefstudio::cli

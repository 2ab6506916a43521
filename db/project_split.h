// The project's one train/validation split: its seed and validation fraction live in
// project_settings (keys split_seed, split_validation_fraction), so export, stats and every trainer
// hold out the same prompts. The split itself (by prompt text) is in dataset_split.h.
// Borrows the Database; failures throw DbError naming the file and the key.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "db/database.h"
#include "db/dataset_split.h"

namespace prefstudio::db {

constexpr uint64_t kDefaultSplitSeed = 0;
constexpr double kDefaultValidationFraction = 0.1;

// The project's split with `split = side`. On first use stores the defaults (seed 0, fraction 0.1)
// in one transaction, so two programs opening a new project agree. Throws DbError if a stored value
// is not a number or the fraction lies outside [0, 1). Do not call inside an open Transaction.
SplitOptions project_split(Database& db, Split side);

// Stores both values (one transaction). Throws DbError for a fraction outside [0, 1) or NaN.
void set_project_split(Database& db, uint64_t seed, double validation_fraction);

struct SplitCounts {
  int64_t prompts_train = 0;
  int64_t prompts_validation = 0;
};

// How many of the project's prompts fall on each side of `split` (its `split` field is ignored).
// Reads every prompt's text once.
SplitCounts count_prompts_by_split(Database& db, const SplitOptions& split);

// The prompts on `split`'s side (id, text), by id, at most `limit` of them (0 = all): the held-out
// prompts a policy evaluation samples on.
std::vector<std::pair<int64_t, std::string>> prompts_on_split(Database& db,
                                                             const SplitOptions& split,
                                                             int64_t limit = 0);

}  // namespace prefstudio::db

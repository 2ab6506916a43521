// Rankings to pairwise training data: a ranking of K completions gives its K(K-1)/2 ordered pairs
// minus the tied ones, each traced to prompt, labeler, ranking and completions. Per labeler, or a
// consensus (majority per pair). Reads the CURRENT rankings with status 'ranked' only; skipped and
// all-bad rankings and old versions never become pairs.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "db/database.h"
#include "db/dataset_split.h"

namespace prefstudio::db {

enum class PairMode { per_labeler, consensus };

// "per-labeler" | "consensus"; throws std::invalid_argument naming the word otherwise.
PairMode parse_pair_mode(const std::string& name);

struct PreferencePair {
  int64_t prompt_id = 0, chosen_id = 0, rejected_id = 0;  // chosen is better than rejected
  int64_t labeler_id = 0;                                 // 0: consensus
  int64_t ranking_id = 0;                                 // 0: consensus
};

// One labeler's current ranking of a prompt, entries sorted by completion id, ranks dense.
struct LabelerRanking {
  int64_t ranking_id = 0, labeler_id = 0;
  std::string labeler;
  std::vector<std::pair<int64_t, int>> completion_ranks;  // completion id, rank (0 best)
};

struct PromptComparisons {
  int64_t prompt_id = 0;
  std::string prompt;
  std::vector<std::pair<int64_t, std::string>> completions;  // every ranked one, by id
  std::vector<PreferencePair> pairs;
  std::vector<LabelerRanking> rankings;  // by labeler name: what the pairs came from
};

// Pure function for tests and the GUI: ranks (rank per completion, equal = tie) -> ordered pairs
// (better, worse). Order: completions sorted by (rank, id), then each with every worse one after
// it.
std::vector<std::pair<int64_t, int64_t>> ranking_to_pairs(
    const std::vector<std::pair<int64_t, int>>& completion_ranks);

// The inverse, for importing pairs: if `pairs` are exactly ranking_to_pairs of some ranking of the
// completions they mention, returns that ranking (dense, by completion id); otherwise (a cycle,
// or pairs that leave some order open) nullopt. Repeated pairs count once.
std::optional<std::vector<std::pair<int64_t, int>>> pairs_to_ranking(
    const std::vector<std::pair<int64_t, int64_t>>& pairs);

// Consensus of several labelers on one prompt: for each two completions ranked by at least one
// labeler who ranked both, the one more labelers put strictly ahead wins; equal votes (ties
// included) drop the pair. Labelers who tied the two abstain. Ordered by (smaller id, larger id).
std::vector<PreferencePair> consensus_pairs(int64_t prompt_id,
                                            const std::vector<LabelerRanking>& rankings);

// Streams every prompt on the requested split side that has a current ranked ranking, in prompt id
// order, holding one prompt at a time: what export and stats use on projects of any size.
void for_each_prompt_comparisons(Database& db, PairMode mode, const SplitOptions& split,
                                 const std::function<void(const PromptComparisons&)>& visit);

// Pairs of the CURRENT ranked rankings (status 'ranked'), grouped per prompt, for trainers. The
// whole result is in memory; use for_each_prompt_comparisons for huge projects. Throws DbError.
std::vector<PromptComparisons> load_comparisons(Database& db, PairMode mode,
                                                const SplitOptions& split);

}  // namespace prefstudio::db

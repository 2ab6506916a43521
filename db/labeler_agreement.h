// Labeler agreement over the current rankings of a project: a labeler x labeler matrix (pairwise
// agreement and Kendall's tau-b on shared prompts), a consensus ranking per prompt by ranked pairs
// (Tideman), and per labeler the quality checks labeling teams run (agreement with the consensus,
// position bias, length bias). Only current rankings with status 'ranked' count; skipped and
// all-bad sets carry no order. The pure functions take rankings in memory so tests need no file.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "db/database.h"

namespace prefstudio::db {

// One labeler's order of a prompt's completions: completion id -> rank (0 best; equal = tie).
using RankMap = std::map<int64_t, int>;

// Agreement of two orders on the completion pairs both ranked. A pair counts only when BOTH
// labelers ordered it strictly (a tie in either drops it), as ties are dropped when rankings become
// training pairs; `agreeing` of `compared` pairs have the same winner. The bias checks reuse it:
// there `agreeing` counts the pairs the tested side (first shown, longer) won.
struct PairAgreement {
  int64_t compared = 0;  // pairs strictly ordered by both
  int64_t agreeing = 0;  // of those, same winner
  double rate() const { return compared ? static_cast<double>(agreeing) / compared : 0.0; }
};
PairAgreement pair_agreement(const RankMap& a, const RankMap& b);

// Kendall's tau-b on the completions both ranked: (C - D) / sqrt((n0 - n1) (n0 - n2)), n0 =
// n(n-1)/2, n1 / n2 the pairs tied in a / b. Returns NaN when undefined (fewer than two shared
// completions, or one order ties everything).
double kendall_tau_b(const RankMap& a, const RankMap& b);

// Consensus of several orders of one prompt by ranked pairs (Tideman). margin(x, y) = number of
// orders ranking x above y minus those ranking y above x (orders missing x or y abstain). Pairs
// with a positive margin are locked in order of descending margin, skipping any that would close a
// cycle. Deterministic tie-breaks: equal margins lock the pair with the smaller winner id first,
// then the smaller loser id; the locked graph is read out topologically, taking among the
// completions with no remaining locked winner above them the one with the largest net margin
// (sum of its margins), then the smaller id (ids follow import order).
// Returns completion ids, best first; every completion of any order appears once.
std::vector<int64_t> ranked_pairs(const std::vector<RankMap>& orders);

// Position bias of one order: of the pairs it orders strictly, how many the earlier-SHOWN
// completion won. `shown` lists completion ids in display order; completions not in it are skipped.
// Unbiased labelers sit near 0.5.
PairAgreement position_wins(const RankMap& order, const std::vector<int64_t>& shown);

// Length bias of one order: of the strictly ordered pairs whose lengths differ, how many the
// longer completion won. `length` maps completion id -> length in characters.
PairAgreement length_wins(const RankMap& order, const std::map<int64_t, int64_t>& length);

// A labeler pair's figures on the prompts both ranked.
struct LabelerPairStats {
  int64_t shared_prompts = 0;
  PairAgreement pairs;      // summed over shared prompts
  double tau_b_mean = 0.0;  // mean over shared prompts where tau-b is defined; NaN if none
  int64_t tau_b_prompts = 0;
};

struct LabelerStats {
  int64_t labeler_id = 0;
  std::string name;
  int64_t rankings = 0;          // current rankings with status 'ranked'
  PairAgreement with_consensus;  // on prompts with at least two labelers, against their consensus
  PairAgreement position;        // earlier-shown completion wins (card_orders; else import order)
  PairAgreement length;          // longer completion wins
};

struct AgreementReport {
  std::vector<LabelerStats> labelers;  // by name
  // matrix[i][j] for labelers[i], labelers[j]; symmetric; the diagonal stays empty.
  std::vector<std::vector<LabelerPairStats>> matrix;
  int64_t prompts_ranked = 0;  // prompts with at least one current ranked ranking
  int64_t prompts_shared = 0;  // ... with at least two
  PairAgreement overall;       // every labeler pair on every shared prompt
};

// (prompts done, prompts to do); return false to stop: compute_agreement then throws
// AgreementCancelled. Called every kAgreementProgressEvery prompts and at the end.
using AgreementProgress = std::function<bool(int64_t done, int64_t total)>;
constexpr int64_t kAgreementProgressEvery = 2000;

class AgreementCancelled : public DbError {
 public:
  AgreementCancelled() : DbError("agreement computation cancelled") {}
};

// Reads the current rankings once, prompt by prompt (memory grows with the labelers and one
// prompt's rankings, not the project). Throws DbError on SQLite failure or a card order that is
// not a JSON array of ids (naming the prompt and labeler), AgreementCancelled if `progress` says
// so.
AgreementReport compute_agreement(Database& db, const AgreementProgress& progress = {});

// The consensus order of one prompt's current ranked rankings (ranked_pairs); empty if none.
std::vector<int64_t> consensus_ranking(Database& db, int64_t prompt_id);

// Every ranked prompt's consensus, prompt id -> completion ids best first. For training code that
// wants one order per prompt; a prompt with one labeler gets that labeler's order.
std::map<int64_t, std::vector<int64_t>> consensus_rankings(Database& db);

}  // namespace prefstudio::db

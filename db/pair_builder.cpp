// Pair arithmetic and the per-prompt reader (see pair_builder.h). One prompt's rankings are small
// (K <= ~10, a few labelers), so the quadratic loops here are the clear choice.
#include "db/pair_builder.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

namespace prefstudio::db {

PairMode parse_pair_mode(const std::string& name) {
  if (name == "per-labeler" || name == "per_labeler") return PairMode::per_labeler;
  if (name == "consensus") return PairMode::consensus;
  throw std::invalid_argument("unknown pair mode '" + name + "' (per-labeler or consensus)");
}

std::vector<std::pair<int64_t, int64_t>> ranking_to_pairs(
    const std::vector<std::pair<int64_t, int>>& completion_ranks) {
  std::vector<std::pair<int, int64_t>> order;  // (rank, id) sorts best first, ties by id
  order.reserve(completion_ranks.size());
  for (const auto& [id, rank] : completion_ranks) order.emplace_back(rank, id);
  std::sort(order.begin(), order.end());
  std::vector<std::pair<int64_t, int64_t>> pairs;
  for (size_t i = 0; i < order.size(); ++i)
    for (size_t j = i + 1; j < order.size(); ++j)
      if (order[j].first > order[i].first) pairs.emplace_back(order[i].second, order[j].second);
  return pairs;
}

std::optional<std::vector<std::pair<int64_t, int>>> pairs_to_ranking(
    const std::vector<std::pair<int64_t, int64_t>>& pairs) {
  std::set<std::pair<int64_t, int64_t>> given(pairs.begin(), pairs.end());
  std::map<int64_t, int> beaten_by;  // completion -> how many unplaced completions beat it
  for (const auto& [better, worse] : given) {
    if (better == worse) return std::nullopt;
    beaten_by[better] += 0;
    beaten_by[worse] += 1;
  }
  // Peel off layers of unbeaten completions (Kahn's order): layer number = rank.
  std::vector<std::pair<int64_t, int>> ranks;
  std::map<int64_t, int> remaining = beaten_by;
  for (int rank = 0; !remaining.empty(); ++rank) {
    std::vector<int64_t> layer;
    for (const auto& [id, count] : remaining)
      if (count == 0) layer.push_back(id);
    if (layer.empty()) return std::nullopt;  // a cycle
    for (int64_t id : layer) {
      remaining.erase(id);
      ranks.emplace_back(id, rank);
      for (auto it = given.lower_bound({id, INT64_MIN}); it != given.end() && it->first == id; ++it)
        --remaining[it->second];
    }
  }
  std::vector<std::pair<int64_t, int64_t>> implied = ranking_to_pairs(ranks);
  if (std::set<std::pair<int64_t, int64_t>>(implied.begin(), implied.end()) != given)
    return std::nullopt;  // the layers imply pairs nobody gave: not one ranking
  std::sort(ranks.begin(), ranks.end());
  return ranks;
}

std::vector<PreferencePair> consensus_pairs(int64_t prompt_id,
                                            const std::vector<LabelerRanking>& rankings) {
  std::vector<std::map<int64_t, int>> rank_of;
  std::set<int64_t> ids;
  for (const LabelerRanking& ranking : rankings) {
    rank_of.emplace_back(ranking.completion_ranks.begin(), ranking.completion_ranks.end());
    for (const auto& entry : ranking.completion_ranks) ids.insert(entry.first);
  }
  std::vector<int64_t> sorted(ids.begin(), ids.end());
  std::vector<PreferencePair> pairs;
  for (size_t i = 0; i < sorted.size(); ++i) {
    for (size_t j = i + 1; j < sorted.size(); ++j) {
      int a_wins = 0, b_wins = 0;
      for (const auto& ranks : rank_of) {
        auto a = ranks.find(sorted[i]), b = ranks.find(sorted[j]);
        if (a == ranks.end() || b == ranks.end()) continue;
        a_wins += a->second < b->second;
        b_wins += b->second < a->second;
      }
      if (a_wins == b_wins) continue;
      PreferencePair pair;
      pair.prompt_id = prompt_id;
      pair.chosen_id = a_wins > b_wins ? sorted[i] : sorted[j];
      pair.rejected_id = a_wins > b_wins ? sorted[j] : sorted[i];
      pairs.push_back(pair);
    }
  }
  return pairs;
}

namespace {

void build_pairs(PromptComparisons& prompt, PairMode mode) {
  if (mode == PairMode::consensus) {
    prompt.pairs = consensus_pairs(prompt.prompt_id, prompt.rankings);
    return;
  }
  for (const LabelerRanking& ranking : prompt.rankings) {
    for (const auto& [chosen, rejected] : ranking_to_pairs(ranking.completion_ranks)) {
      PreferencePair pair;
      pair.prompt_id = prompt.prompt_id;
      pair.chosen_id = chosen;
      pair.rejected_id = rejected;
      pair.labeler_id = ranking.labeler_id;
      pair.ranking_id = ranking.ranking_id;
      prompt.pairs.push_back(pair);
    }
  }
}

}  // namespace

void for_each_prompt_comparisons(Database& db, PairMode mode, const SplitOptions& split,
                                 const std::function<void(const PromptComparisons&)>& visit) {
  Statement prompts = db.prepare(
      "SELECT p.id, p.text FROM prompts p WHERE EXISTS (SELECT 1 FROM rankings r WHERE "
      "r.prompt_id = p.id AND r.is_current = 1 AND r.status = 'ranked') ORDER BY p.id");
  Statement entries = db.prepare(
      "SELECT r.id, r.labeler_id, l.name, e.completion_id, e.rank, c.text "
      "FROM rankings r JOIN labelers l ON l.id = r.labeler_id "
      "JOIN ranking_entries e ON e.ranking_id = r.id JOIN completions c ON c.id = e.completion_id "
      "WHERE r.prompt_id = ?1 AND r.is_current = 1 AND r.status = 'ranked' "
      "ORDER BY l.name, r.id, e.completion_id");
  PromptComparisons prompt;
  std::map<int64_t, std::string> completions;
  while (prompts.step()) {
    prompt.prompt = prompts.column_text(1);
    if (!prompt_in_split(prompt.prompt, split)) continue;
    prompt.prompt_id = prompts.column_int(0);
    prompt.completions.clear();
    prompt.pairs.clear();
    prompt.rankings.clear();
    completions.clear();
    entries.bind(1, prompt.prompt_id);
    while (entries.step()) {
      int64_t ranking_id = entries.column_int(0);
      if (prompt.rankings.empty() || prompt.rankings.back().ranking_id != ranking_id) {
        prompt.rankings.push_back({ranking_id, entries.column_int(1), entries.column_text(2), {}});
      }
      int64_t completion = entries.column_int(3);
      prompt.rankings.back().completion_ranks.emplace_back(completion,
                                                           static_cast<int>(entries.column_int(4)));
      if (!completions.count(completion)) completions.emplace(completion, entries.column_text(5));
    }
    entries.reset();
    for (auto& entry : completions) prompt.completions.emplace_back(entry.first, entry.second);
    build_pairs(prompt, mode);
    visit(prompt);
  }
}

std::vector<PromptComparisons> load_comparisons(Database& db, PairMode mode,
                                                const SplitOptions& split) {
  std::vector<PromptComparisons> all;
  for_each_prompt_comparisons(db, mode, split,
                              [&](const PromptComparisons& prompt) { all.push_back(prompt); });
  return all;
}

}  // namespace prefstudio::db

// The trainers' ranking reader (see preference_data.h). Reads prompt by prompt like pair_builder:
// one prompt's rankings (a few labelers, K <= ~10 completions) are in memory at a time, so the
// quadratic margin loop below is the clear choice.
#include "db/preference_data.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "db/labeler_agreement.h"

namespace prefstudio::db {

namespace {

struct CompletionText {
  std::string text, finish_reason;
};

// One prompt's current ranked rankings by the chosen labelers, by labeler name.
struct PromptRankings {
  std::vector<PreferenceRanking> rankings;  // ranks as stored, completions without text yet
  std::map<int64_t, CompletionText> texts;  // every completion they rank
};

// Labeler ids for `names`; empty `names` gives an empty set (= everyone).
std::set<int64_t> labeler_ids(Database& db, const std::vector<std::string>& names) {
  std::set<int64_t> ids;
  Statement find = db.prepare("SELECT id FROM labelers WHERE name = ?");
  for (const std::string& name : names) {
    find.bind(1, name);
    if (!find.step()) throw DbError(db.path() + ": no labeler named '" + name + "'");
    ids.insert(find.column_int(0));
    find.reset();
  }
  return ids;
}

// Renumbers ranks 0, 1, 2... keeping order and ties; false when everything is tied.
bool make_dense(std::vector<PreferenceCompletion>& completions) {
  std::set<int> distinct;
  for (const auto& completion : completions) distinct.insert(completion.rank);
  std::vector<int> order(distinct.begin(), distinct.end());
  for (auto& completion : completions)
    completion.rank = static_cast<int>(
        std::lower_bound(order.begin(), order.end(), completion.rank) - order.begin());
  return order.size() >= 2;
}

void fill_texts(PreferenceRanking& ranking, const std::map<int64_t, CompletionText>& texts) {
  for (auto& completion : ranking.completions) {
    const CompletionText& text = texts.at(completion.completion_id);
    completion.text = text.text;
    completion.finish_reason = text.finish_reason;
  }
}

// The consensus of `prompt`'s rankings (see the header), or nullopt if it orders nothing.
std::optional<PreferenceRanking> consensus_of(const PromptRankings& prompt) {
  std::vector<RankMap> orders;
  for (const auto& ranking : prompt.rankings) {
    RankMap ranks;
    for (const auto& completion : ranking.completions)
      ranks[completion.completion_id] = completion.rank;
    orders.push_back(std::move(ranks));
  }
  auto margin = [&](int64_t x, int64_t y) {  // orders with x above y minus those with y above x
    int64_t sum = 0;
    for (const RankMap& ranks : orders) {
      auto rank_x = ranks.find(x), rank_y = ranks.find(y);
      if (rank_x == ranks.end() || rank_y == ranks.end()) continue;
      sum += (rank_x->second < rank_y->second) - (rank_y->second < rank_x->second);
    }
    return sum;
  };
  std::vector<int64_t> order = ranked_pairs(orders);
  PreferenceRanking consensus;
  consensus.prompt_id = prompt.rankings.front().prompt_id;
  consensus.prompt = prompt.rankings.front().prompt;
  // Walk the order in tie groups: the next completion joins the current group only if no member
  // of the group has a majority either way against it; otherwise it opens the next rank. So a
  // pair the labelers ordered is never flattened into a tie, even when zero-margin neighbours
  // chain (a, d, b with a-d and d-b at 0 but a-b at +2 gives a, d | b).
  int rank = 0;
  size_t group_start = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    bool ordered = false;
    for (size_t g = group_start; g < i && !ordered; ++g) ordered = margin(order[g], order[i]) != 0;
    if (ordered) {
      ++rank;
      group_start = i;
    }
    consensus.completions.push_back({order[i], "", "", rank});
  }
  if (rank == 0) return std::nullopt;
  std::sort(consensus.completions.begin(), consensus.completions.end(),
            [](const auto& a, const auto& b) { return a.completion_id < b.completion_id; });
  fill_texts(consensus, prompt.texts);
  return consensus;
}

}  // namespace

std::vector<PreferenceRanking> load_preference_rankings(Database& db,
                                                        const PreferenceQuery& query) {
  const std::set<int64_t> chosen = labeler_ids(db, query.labelers);
  Statement prompts = db.prepare(
      "SELECT p.id, p.text FROM prompts p WHERE EXISTS (SELECT 1 FROM rankings r WHERE "
      "r.prompt_id = p.id AND r.is_current = 1 AND r.status = 'ranked') ORDER BY p.id");
  Statement entries = db.prepare(
      "SELECT r.id, r.labeler_id, l.name, r.strength, e.completion_id, e.rank, c.text, "
      "c.finish_reason FROM rankings r JOIN labelers l ON l.id = r.labeler_id "
      "JOIN ranking_entries e ON e.ranking_id = r.id JOIN completions c ON c.id = e.completion_id "
      "WHERE r.prompt_id = ?1 AND r.is_current = 1 AND r.status = 'ranked' "
      "ORDER BY l.name, r.id, e.completion_id");
  std::vector<PreferenceRanking> result;
  while (prompts.step()) {
    std::string text = prompts.column_text(1);
    if (!prompt_in_split(text, query.split)) continue;
    PromptRankings prompt;
    entries.bind(1, prompts.column_int(0));
    while (entries.step()) {
      if (!chosen.empty() && !chosen.count(entries.column_int(1))) continue;
      int64_t ranking_id = entries.column_int(0);
      if (prompt.rankings.empty() || prompt.rankings.back().ranking_id != ranking_id) {
        PreferenceRanking ranking;
        ranking.prompt_id = prompts.column_int(0);
        ranking.prompt = text;
        ranking.ranking_id = ranking_id;
        ranking.labeler = entries.column_text(2);
        if (!entries.column_is_null(3)) ranking.strength = static_cast<int>(entries.column_int(3));
        prompt.rankings.push_back(std::move(ranking));
      }
      int64_t completion_id = entries.column_int(4);
      prompt.rankings.back().completions.push_back(
          {completion_id, "", "", static_cast<int>(entries.column_int(5))});
      if (!prompt.texts.count(completion_id))
        prompt.texts[completion_id] = {entries.column_text(6),
                                       entries.column_is_null(7) ? "" : entries.column_text(7)};
    }
    entries.reset();
    if (prompt.rankings.empty()) continue;
    if (query.mode == PairMode::consensus) {
      if (auto consensus = consensus_of(prompt)) result.push_back(std::move(*consensus));
      continue;
    }
    for (PreferenceRanking& ranking : prompt.rankings) {
      if (!make_dense(ranking.completions)) continue;
      fill_texts(ranking, prompt.texts);
      result.push_back(std::move(ranking));
    }
  }
  return result;
}

}  // namespace prefstudio::db

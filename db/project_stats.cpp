// Project statistics (see project_stats.h). Counts come from SQL; pairs and agreement stream the
// rankings one prompt at a time through pair_builder, so memory stays small on any project.
#include "db/project_stats.h"

#include <map>

#include "db/pair_builder.h"

namespace prefstudio::db {

namespace {

int64_t scalar(Database& db, const char* sql) {
  Statement statement = db.prepare(sql);
  statement.step();
  return statement.column_int(0);
}

struct Agreement {
  int64_t prompts = 0, compared = 0, agreed = 0;
};

nlohmann::json rate_of(const Agreement& agreement) {
  if (agreement.compared == 0) return nullptr;
  return static_cast<double>(agreement.agreed) / static_cast<double>(agreement.compared);
}

// Adds one prompt's agreement between every two of its labelers to `by_pair`.
void add_agreement(const PromptComparisons& prompt,
                   std::map<std::pair<std::string, std::string>, Agreement>& by_pair) {
  const auto& rankings = prompt.rankings;
  for (size_t a = 0; a < rankings.size(); ++a) {
    for (size_t b = a + 1; b < rankings.size(); ++b) {
      std::map<int64_t, int> rank_b(rankings[b].completion_ranks.begin(),
                                    rankings[b].completion_ranks.end());
      Agreement& agreement = by_pair[{rankings[a].labeler, rankings[b].labeler}];
      ++agreement.prompts;
      const auto& entries = rankings[a].completion_ranks;
      for (size_t i = 0; i < entries.size(); ++i) {
        for (size_t j = i + 1; j < entries.size(); ++j) {
          auto bi = rank_b.find(entries[i].first), bj = rank_b.find(entries[j].first);
          if (bi == rank_b.end() || bj == rank_b.end()) continue;
          int order_a = entries[i].second - entries[j].second;
          int order_b = bi->second - bj->second;
          if (order_a == 0 || order_b == 0) continue;  // a tie on either side: not compared
          ++agreement.compared;
          agreement.agreed += (order_a < 0) == (order_b < 0);
        }
      }
    }
  }
}

}  // namespace

nlohmann::json project_stats(Database& db) {
  nlohmann::json stats;
  stats["prompts"] = scalar(db, "SELECT COUNT(*) FROM prompts");
  stats["completions"] = scalar(db, "SELECT COUNT(*) FROM completions");
  stats["labelers"] = scalar(db, "SELECT COUNT(*) FROM labelers");
  stats["rankings"] =
      scalar(db, "SELECT COUNT(*) FROM rankings WHERE is_current = 1 AND status = 'ranked'");
  stats["rankings_skipped"] =
      scalar(db, "SELECT COUNT(*) FROM rankings WHERE is_current = 1 AND status = 'skipped'");
  stats["rankings_all_bad"] =
      scalar(db, "SELECT COUNT(*) FROM rankings WHERE is_current = 1 AND status = 'all_bad'");
  stats["ranking_versions"] = scalar(db, "SELECT COUNT(*) FROM rankings");

  nlohmann::json per_labeler = nlohmann::json::object();
  Statement labelers = db.prepare(
      "SELECT l.name, COUNT(r.id) FROM labelers l LEFT JOIN rankings r ON r.labeler_id = l.id "
      "AND r.is_current = 1 AND r.status = 'ranked' GROUP BY l.id ORDER BY l.name");
  while (labelers.step()) per_labeler[labelers.column_text(0)] = labelers.column_int(1);
  stats["rankings_per_labeler"] = per_labeler;

  int64_t prompts_ranked = 0, pairs = 0, consensus = 0;
  std::map<std::pair<std::string, std::string>, Agreement> by_pair;
  Agreement total;
  for_each_prompt_comparisons(
      db, PairMode::per_labeler, SplitOptions{}, [&](const PromptComparisons& prompt) {
        ++prompts_ranked;
        pairs += static_cast<int64_t>(prompt.pairs.size());
        consensus +=
            static_cast<int64_t>(consensus_pairs(prompt.prompt_id, prompt.rankings).size());
        if (prompt.rankings.size() >= 2) {
          ++total.prompts;
          add_agreement(prompt, by_pair);
        }
      });
  stats["prompts_ranked"] = prompts_ranked;
  stats["pairs"] = pairs;
  stats["consensus_pairs"] = consensus;

  nlohmann::json pairs_json = nlohmann::json::array();
  for (const auto& [names, agreement] : by_pair) {
    total.compared += agreement.compared;
    total.agreed += agreement.agreed;
    pairs_json.push_back({{"labelers", {names.first, names.second}},
                          {"prompts", agreement.prompts},
                          {"pairs_compared", agreement.compared},
                          {"pairs_agreed", agreement.agreed},
                          {"rate", rate_of(agreement)}});
  }
  stats["agreement"] = {{"prompts", total.prompts},
                        {"pairs_compared", total.compared},
                        {"pairs_agreed", total.agreed},
                        {"rate", rate_of(total)},
                        {"by_labeler_pair", pairs_json}};
  return stats;
}

}  // namespace prefstudio::db

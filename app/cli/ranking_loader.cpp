// load_rankings: db::load_preference_rankings -> RankingExample (see ranking_loader.h).
#include "app/cli/ranking_loader.h"

#include "core/common/core_error.h"
#include "db/pair_builder.h"
#include "db/preference_data.h"
#include "db/project_split.h"

namespace prefstudio::cli {

std::vector<RankingExample> load_rankings(db::Database& db, db::Split side,
                                          const std::string& pair_mode,
                                          const std::vector<std::string>& labelers,
                                          const std::string& field) {
  db::PreferenceQuery query;
  if (pair_mode == "per_labeler" || pair_mode == "per-labeler")
    query.mode = db::PairMode::per_labeler;
  else if (pair_mode == "consensus")
    query.mode = db::PairMode::consensus;
  else
    throw ConfigError(field + ": '" + pair_mode + "' is not one of per_labeler, consensus");
  query.split = db::project_split(db, side);
  query.labelers = labelers;
  std::vector<RankingExample> out;
  for (const db::PreferenceRanking& ranking : db::load_preference_rankings(db, query)) {
    RankingExample example;
    example.prompt_id = ranking.prompt_id;
    example.prompt = ranking.prompt;
    example.labeler = ranking.labeler;
    example.strength = ranking.strength;
    for (const auto& completion : ranking.completions)
      example.completions.push_back({completion.completion_id, completion.text,
                                     completion.finish_reason != "length", completion.rank});
    out.push_back(std::move(example));
  }
  return out;
}

}  // namespace prefstudio::cli

// untied_pairs and group_rankings_by_prompt (see ranking_example.h).
#include "core/train/ranking_example.h"

#include <map>

namespace prefstudio {

std::vector<std::pair<int, int>> untied_pairs(const RankingExample& ranking) {
  std::vector<std::pair<int, int>> pairs;
  const int k = static_cast<int>(ranking.completions.size());
  for (int a = 0; a < k; ++a)
    for (int b = 0; b < k; ++b)
      if (ranking.completions[a].rank < ranking.completions[b].rank) pairs.emplace_back(a, b);
  return pairs;
}

std::vector<PromptRankings> group_rankings_by_prompt(const std::vector<RankingExample>& rankings) {
  std::vector<PromptRankings> out;
  std::map<std::string, size_t> prompt_index;
  std::vector<std::map<std::string, int>> completion_index;
  for (const RankingExample& ranking : rankings) {
    auto [it, added] = prompt_index.emplace(ranking.prompt, out.size());
    if (added) {
      out.push_back({ranking.prompt_id, ranking.prompt, {}, {}, {}});
      completion_index.emplace_back();
    }
    PromptRankings& group = out[it->second];
    auto& index = completion_index[it->second];
    std::vector<int> slots;
    for (const RankedCompletion& completion : ranking.completions) {
      auto [slot, fresh] = index.emplace(completion.text, static_cast<int>(group.completions.size()));
      if (fresh) group.completions.emplace_back(completion.text, completion.ended);
      slots.push_back(slot->second);
    }
    group.rankings.push_back(&ranking);
    group.slots.push_back(std::move(slots));
  }
  return out;
}

}  // namespace prefstudio

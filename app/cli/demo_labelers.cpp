// The demo's simulated labelers (see demo_labelers.h).
#include "app/cli/demo_labelers.h"

#include <cmath>
#include <random>

#include "core/train/demo_task.h"
#include "db/label_store.h"

namespace prefstudio::cli {

namespace {

// One Plackett-Luce draw: picks the best of the remaining cards in proportion to their weights,
// then the best of the rest, and so on. Returns the shown indices best first.
std::vector<size_t> plackett_luce(std::vector<double> weights, std::mt19937_64& rng) {
  std::vector<size_t> remaining(weights.size()), order;
  for (size_t i = 0; i < remaining.size(); ++i) remaining[i] = i;
  while (!remaining.empty()) {
    std::vector<double> w;
    for (size_t index : remaining) w.push_back(weights[index]);
    std::discrete_distribution<size_t> pick(w.begin(), w.end());
    const size_t chosen = pick(rng);
    order.push_back(remaining[chosen]);
    remaining.erase(remaining.begin() + static_cast<std::ptrdiff_t>(chosen));
  }
  return order;
}

}  // namespace

const std::vector<SimulatedLabeler>& simulated_labelers() {
  static const std::vector<SimulatedLabeler> labelers = {
      {"simulated-careful", 60.0, 0.0},
      {"simulated-typical", 25.0, 0.0},
      {"simulated-hasty", 8.0, 0.0},
      {"simulated-position-bias", 2.0, 4.0}};
  return labelers;
}

SimulatedLabels rank_as_simulated_labelers(db::Database& db, const std::vector<int64_t>& prompt_ids,
                                           uint64_t seed) {
  db::LabelStore store(db);
  const auto& labelers = simulated_labelers();
  std::vector<int64_t> labeler_ids;
  for (const auto& labeler : labelers) labeler_ids.push_back(store.get_or_create_labeler(labeler.name));
  std::mt19937_64 rng(seed * 7919 + 3);
  SimulatedLabels out;
  for (size_t p = 0; p < prompt_ids.size(); ++p) {
    bool ranked = false;
    for (size_t l = 0; l < labelers.size(); ++l) {
      if ((p + l) % labelers.size() == 0) continue;  // three of the four labelers per prompt
      // The cards as this labeler is shown them (their stored shuffled order).
      const db::PromptForLabeling shown = store.load_prompt(prompt_ids[p], labeler_ids[l]);
      const size_t k = shown.cards.size();
      if (k < 2) continue;
      std::vector<double> weights;
      for (size_t i = 0; i < k; ++i) {
        const double score = demo_score(shown.prompt_text, shown.cards[i].text);
        const double position = 1.0 - double(i) / double(k - 1);  // 1 for the first shown
        weights.push_back(std::exp(labelers[l].score_beta * score +
                                   labelers[l].position_beta * position));
      }
      db::RankingSubmission submission;
      submission.prompt_id = prompt_ids[p];
      submission.labeler_id = labeler_ids[l];
      const std::vector<size_t> order = plackett_luce(weights, rng);
      for (size_t rank = 0; rank < order.size(); ++rank)
        submission.ranks.emplace_back(shown.cards[order[rank]].id, static_cast<int>(rank));
      submission.seconds_spent = 0.0;
      store.submit_ranking(submission);
      ++out.rankings;
      ranked = true;
    }
    out.prompts += ranked;
  }
  return out;
}

}  // namespace prefstudio::cli

// RankingState (see ranking_state.h).
#include "ui/ranking_state.h"

#include <algorithm>
#include <map>

namespace prefstudio::ui {

RankingState::RankingState(int cardCount) : cardCount_(cardCount) {}

bool RankingState::isPlaced(int card) const {
  return std::any_of(picks_.begin(), picks_.end(), [&](const Pick& p) { return p.card == card; });
}

bool RankingState::pick(int card) {
  if (card < 0 || card >= cardCount_ || isPlaced(card)) return false;
  picks_.push_back({card, tieNext_ && !picks_.empty()});
  tieNext_ = false;
  return true;
}

void RankingState::tieNext() {
  if (!picks_.empty() && !complete()) tieNext_ = true;
}

bool RankingState::takeBack() {
  if (tieNext_) {
    tieNext_ = false;
    return true;
  }
  if (picks_.empty()) return false;
  picks_.pop_back();
  return true;
}

bool RankingState::placeLast() {
  if (placedCount() != cardCount_ - 1) return false;
  for (int card = 0; card < cardCount_; ++card)
    if (!isPlaced(card)) return pick(card);
  return false;
}

void RankingState::removeCard(int card) {
  auto found =
      std::find_if(picks_.begin(), picks_.end(), [&](const Pick& p) { return p.card == card; });
  if (found == picks_.end()) return;
  // The pick after a group's first member inherits the group start.
  auto after = found + 1;
  if (after != picks_.end() && after->tiedWithPrevious && !found->tiedWithPrevious)
    after->tiedWithPrevious = false;
  picks_.erase(found);
}

bool RankingState::moveTo(int card, int position) {
  if (card < 0 || card >= cardCount_) return false;
  removeCard(card);
  position = std::clamp(position, 0, placedCount());
  // Inserting inside a tie group would split it silently: the card after keeps its tie only
  // when it was tied to a card that is still before it.
  picks_.insert(picks_.begin() + position, {card, false});
  if (position + 1 < placedCount() && picks_[position + 1].tiedWithPrevious)
    picks_[position + 1].tiedWithPrevious = false;
  tieNext_ = false;
  return true;
}

bool RankingState::tieWith(int card, int target) {
  if (card == target || card < 0 || target < 0 || card >= cardCount_ || target >= cardCount_)
    return false;
  if (!isPlaced(target)) picks_.push_back({target, false});
  removeCard(card);
  auto at =
      std::find_if(picks_.begin(), picks_.end(), [&](const Pick& p) { return p.card == target; });
  picks_.insert(at + 1, {card, true});
  tieNext_ = false;
  return true;
}

void RankingState::setRanks(const std::vector<int>& ranks) {
  clear();
  std::multimap<int, int> byRank;
  for (int card = 0; card < static_cast<int>(ranks.size()) && card < cardCount_; ++card)
    if (ranks[card] >= 0) byRank.emplace(ranks[card], card);
  int previous = -1;
  for (const auto& [rank, card] : byRank) {
    picks_.push_back({card, rank == previous});
    previous = rank;
  }
}

void RankingState::clear() {
  picks_.clear();
  tieNext_ = false;
}

std::vector<int> RankingState::ranks() const {
  std::vector<int> result(cardCount_, -1);
  int rank = -1;
  for (const Pick& p : picks_) {
    if (!p.tiedWithPrevious) ++rank;
    result[p.card] = rank;
  }
  return result;
}

std::vector<int> RankingState::pickOrder() const {
  std::vector<int> order;
  for (const Pick& p : picks_) order.push_back(p.card);
  return order;
}

std::vector<bool> RankingState::pickTies() const {
  std::vector<bool> ties;
  for (const Pick& p : picks_) ties.push_back(p.tiedWithPrevious);
  return ties;
}

}  // namespace prefstudio::ui

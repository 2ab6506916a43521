// RankingState: the pure logic of ranking K cards, best first, with ties; no widgets, so it is
// tested on its own. Cards are indices 0..K-1 in display order. A pick list holds the order; a
// pick marked tiedWithPrevious shares the rank of the pick before it. It does not know about
// completions or the database: the view maps card indices to completion ids.
#pragma once

#include <vector>

namespace prefstudio::ui {

class RankingState {
 public:
  explicit RankingState(int cardCount = 0);

  // Keyboard: appends `card` (returns false if it is placed already or out of range). After
  // tieNext() the next pick shares the previous pick's rank.
  bool pick(int card);
  void tieNext();
  bool tiePending() const { return tieNext_; }
  // Backspace: removes the last pick (or cancels a pending tie first).
  bool takeBack();
  // Places the last unplaced card when exactly one is left (Enter does this before submitting).
  bool placeLast();

  // Mouse: moves `card` to pick position `position` (0 = best), untied; clamps to the end.
  bool moveTo(int card, int position);
  // Mouse: ties `card` with `target` (placing `target` first if it was not placed).
  bool tieWith(int card, int target);

  // Loads an earlier ranking: ranks[card] (0 best, equal ranks tie; -1 = unplaced).
  void setRanks(const std::vector<int>& ranks);
  void clear();

  int cardCount() const { return cardCount_; }
  int placedCount() const { return static_cast<int>(picks_.size()); }
  bool complete() const { return placedCount() == cardCount_ && cardCount_ > 0; }
  bool isPlaced(int card) const;
  // Dense rank per card: 0 best, ties equal, -1 unplaced.
  std::vector<int> ranks() const;
  std::vector<int> pickOrder() const;  // the cards in pick order
  // True for each pick (in pick order) that shares the rank of the pick before it.
  std::vector<bool> pickTies() const;

 private:
  struct Pick {
    int card;
    bool tiedWithPrevious;
  };
  void removeCard(int card);

  int cardCount_;
  bool tieNext_ = false;
  std::vector<Pick> picks_;
};

}  // namespace prefstudio::ui

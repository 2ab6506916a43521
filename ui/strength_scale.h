// StrengthScale: the pairwise (K = 2) scale of the Anthropic HH interface with a tie in the
// middle, seven steps from "1 much better" to "2 much better", named after the cards' numbers.
// A step is a winner (card 0 or 1) and a strength 1 (slightly) .. 3 (much), which the store keeps
// in rankings.strength; the middle step is a tie (equal ranks, no strength).
#pragma once

#include <QWidget>

class QButtonGroup;

namespace prefstudio::ui {

class StrengthScale : public QWidget {
  Q_OBJECT

 public:
  static constexpr int kTie = 3;
  static constexpr int kLast = 6;

  explicit StrengthScale(QWidget* parent = nullptr);
  // step: 0 (1 much better) .. 3 (tie) .. 6 (2 much better); -1 clears.
  void setStep(int step);
  int step() const { return step_; }
  static int winnerOf(int step) { return step < kTie ? 0 : 1; }  // not for kTie
  static int strengthOf(int step) { return step < kTie ? kTie - step : step - kTie; }
  static int stepFor(int winner, int strength) {
    return winner == 0 ? kTie - strength : kTie + strength;
  }

 Q_SIGNALS:
  void stepChosen(int step);

 private:
  QButtonGroup* group_;
  int step_ = -1;
};

}  // namespace prefstudio::ui

// StrengthScale: the pairwise (K = 2) scale of the Anthropic HH interface, six steps from
// "A much better" to "B much better". A step is a winner (card 0 = A, 1 = B) and a strength
// 1 (slightly) .. 3 (much), which the store keeps in rankings.strength.
#pragma once

#include <QWidget>

class QButtonGroup;

namespace prefstudio::ui {

class StrengthScale : public QWidget {
  Q_OBJECT

 public:
  explicit StrengthScale(QWidget* parent = nullptr);
  // step: 0 (A much better) .. 5 (B much better); -1 clears.
  void setStep(int step);
  int step() const { return step_; }
  static int winnerOf(int step) { return step < 3 ? 0 : 1; }
  static int strengthOf(int step) { return step < 3 ? 3 - step : step - 2; }
  static int stepFor(int winner, int strength) { return winner == 0 ? 3 - strength : strength + 2; }

 Q_SIGNALS:
  void stepChosen(int step);

 private:
  QButtonGroup* group_;
  int step_ = -1;
};

}  // namespace prefstudio::ui

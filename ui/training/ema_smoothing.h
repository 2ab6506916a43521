// emaSmooth: TensorBoard's debiased exponential moving average for the Training tab's curves.
// Pure functions, no Qt widgets. Rules: weight 0 returns the values unchanged; a NaN (or
// infinite) value is skipped, neither moving the average nor counting, and its output is NaN so
// the curve shows a gap where the raw one does. EmaState/emaStep let a live chart smooth the
// points it appends without recomputing the whole series.
#pragma once

#include <QVector>

namespace prefstudio::ui {

// The running average after some points: `last` is the biased average, `count` the finite points
// folded in so far and `decay` weight^count (the debias divisor is 1 - decay), kept as a running
// product because std::pow per point was a visible share of smoothing 100,000 points.
struct EmaState {
  double last = 0.0;
  double decay = 1.0;
  int count = 0;
};

// Folds `value` into `state` and returns the smoothed value there (NaN for a non-finite value).
double emaStep(EmaState& state, double value, double weight);

// The smoothed copy of `y`; `weight` is clamped to [0, 1).
QVector<double> emaSmooth(const QVector<double>& y, double weight);

}  // namespace prefstudio::ui

// emaSmooth (see ema_smoothing.h). The average starts at 0 and is divided by 1 - weight^count,
// as TensorBoard does, so the first points are not pulled towards zero.
#include "ui/training/ema_smoothing.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace prefstudio::ui {

namespace {

// A weight of 1 would never move; 0.999 is already a window of about a thousand points.
double clampWeight(double weight) { return std::clamp(weight, 0.0, 0.999); }

}  // namespace

double emaStep(EmaState& state, double value, double weight) {
  if (!std::isfinite(value)) return std::numeric_limits<double>::quiet_NaN();
  weight = clampWeight(weight);
  state.last = state.last * weight + (1.0 - weight) * value;
  state.decay *= weight;
  ++state.count;
  return state.last / (1.0 - state.decay);
}

QVector<double> emaSmooth(const QVector<double>& y, double weight) {
  QVector<double> out(y.size());
  EmaState state;
  for (int i = 0; i < y.size(); ++i) out[i] = emaStep(state, y[i], weight);
  return out;
}

}  // namespace prefstudio::ui

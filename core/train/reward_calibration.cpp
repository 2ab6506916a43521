// Calibration of a reward model on held-out pairs and the labelers' agreement ceiling (see
// reward_calibration.h for the definitions). Plain doubles: p = sigmoid(r_w - r_l) and -log p are
// formed from exp(-|gap|) only, so no gap overflows. Scores that are not finite are refused.
#include "core/train/reward_calibration.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/common/core_error.h"

namespace prefstudio {
namespace {

// sigmoid(x) without overflow: exp of a non-positive number only.
double stable_sigmoid(double x) {
  if (x >= 0.0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

// -log sigmoid(x) = softplus(-x) = max(-x, 0) + log1p(exp(-|x|)).
double neg_log_sigmoid(double x) { return std::max(-x, 0.0) + std::log1p(std::exp(-std::abs(x))); }

// 1 when the pair is ordered right, 0.5 for a gap of exactly 0, else 0.
double correctness(double gap) { return gap > 0.0 ? 1.0 : (gap == 0.0 ? 0.5 : 0.0); }

std::vector<double> checked_gaps(const std::vector<ScoredPair>& pairs) {
  std::vector<double> gaps(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    const auto& pair = pairs[i];
    if (!std::isfinite(pair.score_chosen) || !std::isfinite(pair.score_rejected))
      throw CoreError("calibrate: pair " + std::to_string(i) + " (labeler '" + pair.labeler +
                      "') has a score that is not finite");
    gaps[i] = pair.score_chosen - pair.score_rejected;  // may overflow to +-inf; handled below
  }
  return gaps;
}

// `bins` equal-width bins over [0, 1]; every pair enters as (p, 1) and (1 - p, 0). Returns ECE.
double fill_reliability(const std::vector<double>& gaps, int bins,
                        std::vector<ReliabilityBin>& out) {
  out.assign(static_cast<size_t>(bins), ReliabilityBin{});
  std::vector<double> sum_predicted(out.size(), 0.0), sum_observed(out.size(), 0.0);
  auto enter = [&](double p, double outcome) {
    const int bin = std::min(bins - 1, static_cast<int>(std::floor(p * bins)));  // p = 1: last
    out[bin].count += 1;
    sum_predicted[bin] += p;
    sum_observed[bin] += outcome;
  };
  for (double gap : gaps) {
    enter(stable_sigmoid(gap), 1.0);
    enter(stable_sigmoid(-gap), 0.0);  // 1 - p, without the cancellation of 1.0 - p
  }
  const double total = 2.0 * static_cast<double>(gaps.size());
  double ece = 0.0;
  for (int b = 0; b < bins; ++b) {
    auto& bin = out[b];
    bin.low = static_cast<double>(b) / bins;
    bin.high = static_cast<double>(b + 1) / bins;
    if (bin.count == 0) continue;
    const double n = static_cast<double>(bin.count);
    bin.mean_predicted = sum_predicted[b] / n;
    bin.observed = sum_observed[b] / n;
    ece += n / total * std::abs(bin.mean_predicted - bin.observed);
  }
  return ece;
}

// Equal-count bins of |gap|: min(gap_bins, n) bins, bin b holding the pairs of sorted positions
// [b n / bins, (b + 1) n / bins). A bin's range is the smallest and largest |gap| it holds.
std::vector<GapBin> gap_bins_of(const std::vector<double>& gaps, int gap_bins) {
  const size_t n = gaps.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return std::abs(gaps[a]) < std::abs(gaps[b]); });
  const size_t count = std::min(n, static_cast<size_t>(gap_bins));
  std::vector<GapBin> out(count);
  for (size_t b = 0; b < count; ++b) {
    const size_t first = b * n / count, last = (b + 1) * n / count;  // [first, last), non-empty
    double correct = 0.0, sum_abs_gap = 0.0;
    for (size_t i = first; i < last; ++i) {
      correct += correctness(gaps[order[i]]);
      sum_abs_gap += std::abs(gaps[order[i]]);
    }
    const double m = static_cast<double>(last - first);
    out[b].gap_low = std::abs(gaps[order[first]]);
    out[b].gap_high = std::abs(gaps[order[last - 1]]);
    out[b].count = static_cast<int64_t>(last - first);
    out[b].accuracy = correct / m;
    out[b].bradley_terry = stable_sigmoid(sum_abs_gap / m);
  }
  return out;
}

}  // namespace

CalibrationReport calibrate(const std::vector<ScoredPair>& pairs, int bins, int gap_bins) {
  if (bins < 1) throw CoreError("calibrate: bins must be at least 1, got " + std::to_string(bins));
  if (gap_bins < 1)
    throw CoreError("calibrate: gap_bins must be at least 1, got " + std::to_string(gap_bins));
  const std::vector<double> gaps = checked_gaps(pairs);
  CalibrationReport report;
  report.pairs = static_cast<int64_t>(pairs.size());
  report.ece = fill_reliability(gaps, bins, report.reliability);
  report.accuracy_by_gap = gap_bins_of(gaps, gap_bins);
  if (pairs.empty()) return report;

  std::map<std::string, double> correct_by_labeler;
  double correct = 0.0, log_loss = 0.0, brier = 0.0;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const double c = correctness(gaps[i]);
    const double miss = stable_sigmoid(-gaps[i]);  // 1 - p
    correct += c;
    log_loss += neg_log_sigmoid(gaps[i]);
    brier += miss * miss;
    report.per_labeler[pairs[i].labeler].pairs += 1;
    correct_by_labeler[pairs[i].labeler] += c;
  }
  const double n = static_cast<double>(pairs.size());
  report.accuracy = correct / n;
  report.log_loss = log_loss / n;
  report.brier = brier / n;
  for (auto& [labeler, entry] : report.per_labeler)
    entry.accuracy = correct_by_labeler[labeler] / static_cast<double>(entry.pairs);
  return report;
}

AgreementCeiling agreement_ceiling(const std::vector<LabelerRankingRanks>& rankings) {
  // prompt -> its rankings, each as completion -> rank.
  std::map<int64_t, std::vector<std::pair<std::string, std::map<int64_t, int>>>> by_prompt;
  for (const auto& ranking : rankings) {
    std::map<int64_t, int> ranks(ranking.completion_ranks.begin(), ranking.completion_ranks.end());
    by_prompt[ranking.prompt_id].emplace_back(ranking.labeler, std::move(ranks));
  }
  AgreementCeiling ceiling;
  int64_t agreed = 0;
  for (const auto& [prompt, list] : by_prompt) {
    bool two_labelers = false;
    for (size_t a = 0; a < list.size(); ++a) {
      for (size_t b = a + 1; b < list.size(); ++b) {
        if (list[a].first == list[b].first) continue;  // one labeler is not two opinions
        two_labelers = true;
        const auto& ra = list[a].second;
        const auto& rb = list[b].second;
        std::vector<std::pair<int, int>> shared;  // (rank by a, rank by b), completions both ranked
        for (const auto& [completion, rank] : ra) {
          auto it = rb.find(completion);
          if (it != rb.end()) shared.emplace_back(rank, it->second);
        }
        for (size_t i = 0; i < shared.size(); ++i) {
          for (size_t j = i + 1; j < shared.size(); ++j) {
            const int order_a = shared[i].first - shared[j].first;
            const int order_b = shared[i].second - shared[j].second;
            if (order_a == 0 || order_b == 0) continue;  // a tie on either side: no strict order
            ++ceiling.comparisons;
            if ((order_a < 0) == (order_b < 0)) ++agreed;
          }
        }
      }
    }
    if (two_labelers) ++ceiling.prompts;
  }
  if (ceiling.comparisons > 0)
    ceiling.agreement = static_cast<double>(agreed) / static_cast<double>(ceiling.comparisons);
  return ceiling;
}

nlohmann::json to_json(const CalibrationReport& report) {
  nlohmann::json reliability = nlohmann::json::array();
  for (const auto& bin : report.reliability)
    reliability.push_back({{"low", bin.low},
                           {"high", bin.high},
                           {"count", bin.count},
                           {"mean_predicted", bin.mean_predicted},
                           {"observed", bin.observed}});
  nlohmann::json by_gap = nlohmann::json::array();
  for (const auto& bin : report.accuracy_by_gap)
    by_gap.push_back({{"gap_low", bin.gap_low},
                      {"gap_high", bin.gap_high},
                      {"count", bin.count},
                      {"accuracy", bin.accuracy},
                      {"bradley_terry", bin.bradley_terry}});
  nlohmann::json per_labeler = nlohmann::json::object();
  for (const auto& [labeler, entry] : report.per_labeler)
    per_labeler[labeler] = {{"pairs", entry.pairs}, {"accuracy", entry.accuracy}};
  return {{"pairs", report.pairs},     {"accuracy", report.accuracy}, {"log_loss", report.log_loss},
          {"brier", report.brier},     {"ece", report.ece},           {"reliability", reliability},
          {"accuracy_by_gap", by_gap}, {"per_labeler", per_labeler}};
}

nlohmann::json to_json(const AgreementCeiling& ceiling) {
  return {{"comparisons", ceiling.comparisons},
          {"agreement", ceiling.agreement},
          {"prompts", ceiling.prompts}};
}

}  // namespace prefstudio

// Labeler agreement, consensus by ranked pairs, and bias checks (see labeler_agreement.h).
// The database side streams current rankings ordered by prompt, so a project of a million
// completions is read once with one prompt's rankings in memory at a time.
#include "db/labeler_agreement.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

namespace prefstudio::db {

namespace {

// Sign of the order between two ranks: +1 if x is better (smaller rank), -1 if worse, 0 if tied.
int order_sign(int rank_x, int rank_y) { return rank_x < rank_y ? 1 : (rank_x > rank_y ? -1 : 0); }

// True if `to` is reachable from `from` along locked edges (winner -> loser).
bool reaches(const std::vector<std::vector<bool>>& locked, size_t from, size_t to) {
  std::vector<bool> seen(locked.size(), false);
  std::vector<size_t> stack{from};
  while (!stack.empty()) {
    size_t node = stack.back();
    stack.pop_back();
    if (node == to) return true;
    if (seen[node]) continue;
    seen[node] = true;
    for (size_t next = 0; next < locked.size(); ++next)
      if (locked[node][next] && !seen[next]) stack.push_back(next);
  }
  return false;
}

// One labeler's current ranking of the prompt being read, with the order its cards were shown.
struct LabelerOrder {
  int64_t labeler_id = 0;
  RankMap ranks;
  std::vector<int64_t> shown;
};

struct PromptOrders {
  int64_t prompt_id = 0;
  std::vector<LabelerOrder> orders;   // by labeler id
  std::map<int64_t, int64_t> length;  // completion id -> characters
};

std::vector<int64_t> parse_card_order(const std::string& json, int64_t prompt_id,
                                      int64_t labeler_id, const std::string& path) {
  auto parsed = nlohmann::json::parse(json, nullptr, false);
  std::vector<int64_t> ids;
  if (parsed.is_array()) {
    for (const auto& id : parsed) {
      if (!id.is_number_integer()) {
        ids.clear();
        parsed = nullptr;
        break;
      }
      ids.push_back(id.get<int64_t>());
    }
  }
  if (!parsed.is_array())
    throw DbError(path + ": card_orders for prompt " + std::to_string(prompt_id) + ", labeler " +
                  std::to_string(labeler_id) + " is not a JSON array of completion ids");
  return ids;
}

// Calls `visit` once per prompt with all its current ranked rankings. `only_prompt` >= 0 limits the
// read to that prompt. Where a labeler has no stored card order, the import order (completion id
// ascending) stands in for the shown order.
void for_each_prompt(Database& db, int64_t only_prompt,
                     const std::function<void(const PromptOrders&)>& visit) {
  // Two fixed texts rather than "(?1 < 0 OR prompt_id = ?1)", which would hide the index.
  std::string sql =
      "SELECT r.prompt_id, r.labeler_id, e.completion_id, e.rank, length(c.text), co.order_json "
      "FROM rankings r JOIN ranking_entries e ON e.ranking_id = r.id "
      "JOIN completions c ON c.id = e.completion_id "
      "LEFT JOIN card_orders co ON co.prompt_id = r.prompt_id AND co.labeler_id = r.labeler_id "
      "WHERE r.is_current = 1 AND r.status = 'ranked' ";
  if (only_prompt >= 0) sql += "AND r.prompt_id = ?1 ";
  sql += "ORDER BY r.prompt_id, r.labeler_id, e.completion_id";
  Statement rows = db.prepare(sql);
  if (only_prompt >= 0) rows.bind(1, only_prompt);
  PromptOrders prompt;
  prompt.prompt_id = -1;
  auto flush = [&] {
    if (prompt.prompt_id < 0) return;
    for (auto& order : prompt.orders)
      if (order.shown.empty())
        for (const auto& [id, rank] : order.ranks) order.shown.push_back(id);
    visit(prompt);
  };
  while (rows.step()) {
    int64_t prompt_id = rows.column_int(0);
    int64_t labeler_id = rows.column_int(1);
    if (prompt_id != prompt.prompt_id) {
      flush();
      prompt = PromptOrders{};
      prompt.prompt_id = prompt_id;
    }
    if (prompt.orders.empty() || prompt.orders.back().labeler_id != labeler_id) {
      LabelerOrder order;
      order.labeler_id = labeler_id;
      if (!rows.column_is_null(5))
        order.shown = parse_card_order(rows.column_text(5), prompt_id, labeler_id, db.path());
      prompt.orders.push_back(std::move(order));
    }
    int64_t completion_id = rows.column_int(2);
    prompt.orders.back().ranks[completion_id] = static_cast<int>(rows.column_int(3));
    prompt.length[completion_id] = rows.column_int(4);
  }
  flush();
}

// margin[x][y] > 0: more orders put ids[x] above ids[y] than the reverse.
std::vector<std::vector<int64_t>> margins(const std::vector<RankMap>& orders,
                                          const std::vector<int64_t>& ids) {
  const size_t n = ids.size();
  std::vector<std::vector<int64_t>> margin(n, std::vector<int64_t>(n, 0));
  for (const auto& order : orders)
    for (size_t x = 0; x < n; ++x) {
      auto rx = order.find(ids[x]);
      if (rx == order.end()) continue;
      for (size_t y = 0; y < n; ++y) {
        auto ry = order.find(ids[y]);
        if (y != x && ry != order.end()) margin[x][y] += order_sign(rx->second, ry->second);
      }
    }
  return margin;
}

RankMap order_to_ranks(const std::vector<int64_t>& order) {
  RankMap ranks;
  for (size_t i = 0; i < order.size(); ++i) ranks[order[i]] = static_cast<int>(i);
  return ranks;
}

std::vector<LabelerStats> load_labelers(Database& db) {
  std::vector<LabelerStats> labelers;
  Statement statement = db.prepare("SELECT id, name FROM labelers ORDER BY name, id");
  while (statement.step()) {
    LabelerStats stats;
    stats.labeler_id = statement.column_int(0);
    stats.name = statement.column_text(1);
    labelers.push_back(std::move(stats));
  }
  return labelers;
}

void add(PairAgreement& total, const PairAgreement& part) {
  total.compared += part.compared;
  total.agreeing += part.agreeing;
}

}  // namespace

PairAgreement pair_agreement(const RankMap& a, const RankMap& b) {
  std::vector<std::pair<int, int>> shared;  // (rank in a, rank in b)
  for (const auto& [id, rank] : a) {
    auto found = b.find(id);
    if (found != b.end()) shared.emplace_back(rank, found->second);
  }
  PairAgreement result;
  for (size_t i = 0; i < shared.size(); ++i)
    for (size_t j = i + 1; j < shared.size(); ++j) {
      int sign_a = order_sign(shared[i].first, shared[j].first);
      int sign_b = order_sign(shared[i].second, shared[j].second);
      if (sign_a == 0 || sign_b == 0) continue;
      ++result.compared;
      if (sign_a == sign_b) ++result.agreeing;
    }
  return result;
}

double kendall_tau_b(const RankMap& a, const RankMap& b) {
  std::vector<std::pair<int, int>> shared;
  for (const auto& [id, rank] : a) {
    auto found = b.find(id);
    if (found != b.end()) shared.emplace_back(rank, found->second);
  }
  int64_t concordant = 0, discordant = 0, ties_a = 0, ties_b = 0;
  for (size_t i = 0; i < shared.size(); ++i)
    for (size_t j = i + 1; j < shared.size(); ++j) {
      int sign_a = order_sign(shared[i].first, shared[j].first);
      int sign_b = order_sign(shared[i].second, shared[j].second);
      if (sign_a == 0) ++ties_a;
      if (sign_b == 0) ++ties_b;
      if (sign_a == 0 || sign_b == 0) continue;
      (sign_a == sign_b ? concordant : discordant) += 1;
    }
  int64_t n = static_cast<int64_t>(shared.size());
  int64_t n0 = n * (n - 1) / 2;
  double denominator =
      std::sqrt(static_cast<double>(n0 - ties_a) * static_cast<double>(n0 - ties_b));
  if (n < 2 || denominator == 0.0) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(concordant - discordant) / denominator;
}

std::vector<int64_t> ranked_pairs(const std::vector<RankMap>& orders) {
  std::vector<int64_t> ids;
  for (const auto& order : orders)
    for (const auto& [id, rank] : order) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  const size_t n = ids.size();
  const std::vector<std::vector<int64_t>> margin = margins(orders, ids);

  struct Edge {
    int64_t margin;
    size_t winner, loser;
  };
  std::vector<Edge> edges;
  for (size_t x = 0; x < n; ++x)
    for (size_t y = 0; y < n; ++y)
      if (margin[x][y] > 0) edges.push_back({margin[x][y], x, y});
  // ids are sorted, so index order is id order: the tie-break in the header.
  std::sort(edges.begin(), edges.end(), [](const Edge& l, const Edge& r) {
    if (l.margin != r.margin) return l.margin > r.margin;
    if (l.winner != r.winner) return l.winner < r.winner;
    return l.loser < r.loser;
  });
  std::vector<std::vector<bool>> locked(n, std::vector<bool>(n, false));
  for (const Edge& edge : edges)
    if (!reaches(locked, edge.loser, edge.winner)) locked[edge.winner][edge.loser] = true;

  std::vector<int64_t> net(n, 0);
  for (size_t x = 0; x < n; ++x)
    for (size_t y = 0; y < n; ++y) net[x] += margin[x][y];
  std::vector<bool> placed(n, false);
  std::vector<int64_t> result;
  for (size_t step = 0; step < n; ++step) {
    size_t best = n;
    for (size_t x = 0; x < n; ++x) {
      if (placed[x]) continue;
      bool beaten = false;
      for (size_t y = 0; y < n && !beaten; ++y) beaten = !placed[y] && locked[y][x];
      if (beaten) continue;
      if (best == n || net[x] > net[best]) best = x;  // equal net: the smaller id stays
    }
    placed[best] = true;  // the locked graph is acyclic, so some candidate is always free
    result.push_back(ids[best]);
  }
  return result;
}

PairAgreement position_wins(const RankMap& order, const std::vector<int64_t>& shown) {
  PairAgreement result;
  for (size_t i = 0; i < shown.size(); ++i) {
    auto first = order.find(shown[i]);
    if (first == order.end()) continue;
    for (size_t j = i + 1; j < shown.size(); ++j) {
      auto second = order.find(shown[j]);
      if (second == order.end()) continue;
      int sign = order_sign(first->second, second->second);
      if (sign == 0) continue;
      ++result.compared;
      if (sign > 0) ++result.agreeing;
    }
  }
  return result;
}

PairAgreement length_wins(const RankMap& order, const std::map<int64_t, int64_t>& length) {
  PairAgreement result;
  for (auto x = order.begin(); x != order.end(); ++x)
    for (auto y = std::next(x); y != order.end(); ++y) {
      auto length_x = length.find(x->first), length_y = length.find(y->first);
      if (length_x == length.end() || length_y == length.end()) continue;
      if (length_x->second == length_y->second) continue;
      int sign = order_sign(x->second, y->second);
      if (sign == 0) continue;
      ++result.compared;
      bool x_longer = length_x->second > length_y->second;
      if ((sign > 0) == x_longer) ++result.agreeing;
    }
  return result;
}

AgreementReport compute_agreement(Database& db, const AgreementProgress& progress) {
  AgreementReport report;
  int64_t total = 0;
  if (progress) {
    Statement count = db.prepare(
        "SELECT count(DISTINCT prompt_id) FROM rankings WHERE is_current = 1 AND status = "
        "'ranked'");
    count.step();
    total = count.column_int(0);
  }
  report.labelers = load_labelers(db);
  const size_t n = report.labelers.size();
  std::map<int64_t, size_t> index;
  for (size_t i = 0; i < n; ++i) index[report.labelers[i].labeler_id] = i;
  report.matrix.assign(n, std::vector<LabelerPairStats>(n));
  std::vector<std::vector<double>> tau_sum(n, std::vector<double>(n, 0.0));

  for_each_prompt(db, -1, [&](const PromptOrders& prompt) {
    ++report.prompts_ranked;
    if (progress && report.prompts_ranked % kAgreementProgressEvery == 0 &&
        !progress(report.prompts_ranked, total))
      throw AgreementCancelled();
    for (const auto& order : prompt.orders) {
      LabelerStats& stats = report.labelers[index.at(order.labeler_id)];
      ++stats.rankings;
      add(stats.position, position_wins(order.ranks, order.shown));
      add(stats.length, length_wins(order.ranks, prompt.length));
    }
    if (prompt.orders.size() < 2) return;
    ++report.prompts_shared;
    std::vector<RankMap> all;
    for (const auto& order : prompt.orders) all.push_back(order.ranks);
    RankMap consensus = order_to_ranks(ranked_pairs(all));
    for (size_t a = 0; a < prompt.orders.size(); ++a) {
      size_t i = index.at(prompt.orders[a].labeler_id);
      add(report.labelers[i].with_consensus, pair_agreement(prompt.orders[a].ranks, consensus));
      for (size_t b = a + 1; b < prompt.orders.size(); ++b) {
        size_t j = index.at(prompt.orders[b].labeler_id);
        PairAgreement pairs = pair_agreement(prompt.orders[a].ranks, prompt.orders[b].ranks);
        double tau = kendall_tau_b(prompt.orders[a].ranks, prompt.orders[b].ranks);
        add(report.overall, pairs);
        for (auto [p, q] : {std::pair{i, j}, std::pair{j, i}}) {
          LabelerPairStats& cell = report.matrix[p][q];
          ++cell.shared_prompts;
          add(cell.pairs, pairs);
          if (!std::isnan(tau)) {
            tau_sum[p][q] += tau;
            ++cell.tau_b_prompts;
          }
        }
      }
    }
  });

  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      LabelerPairStats& cell = report.matrix[i][j];
      cell.tau_b_mean = cell.tau_b_prompts ? tau_sum[i][j] / cell.tau_b_prompts
                                           : std::numeric_limits<double>::quiet_NaN();
    }
  if (progress && !progress(report.prompts_ranked, total)) throw AgreementCancelled();
  return report;
}

std::vector<int64_t> consensus_ranking(Database& db, int64_t prompt_id) {
  std::vector<int64_t> result;
  for_each_prompt(db, prompt_id, [&](const PromptOrders& prompt) {
    std::vector<RankMap> all;
    for (const auto& order : prompt.orders) all.push_back(order.ranks);
    result = ranked_pairs(all);
  });
  return result;
}

std::map<int64_t, std::vector<int64_t>> consensus_rankings(Database& db) {
  std::map<int64_t, std::vector<int64_t>> result;
  for_each_prompt(db, -1, [&](const PromptOrders& prompt) {
    std::vector<RankMap> all;
    for (const auto& order : prompt.orders) all.push_back(order.ranks);
    result[prompt.prompt_id] = ranked_pairs(all);
  });
  return result;
}

}  // namespace prefstudio::db

// JSONL export (see jsonl_exporter.h). Reads inside one deferred transaction, a consistent WAL
// snapshot that does not block writers; streams one prompt at a time through pair_builder.
#include "db/jsonl_exporter.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "db/file_sync.h"

namespace prefstudio::db {

namespace {

using Json = nlohmann::ordered_json;  // keys in the order written: "prompt" first, as in TRL

// BEGIN (deferred): a read snapshot; ended on scope exit. Never throws from the destructor.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Database& db) : db_(db) { db_.exec("BEGIN"); }
  ~ReadSnapshot() { sqlite3_exec(db_.handle(), "COMMIT", nullptr, nullptr, nullptr); }

 private:
  Database& db_;
};

class LineWriter {
 public:
  explicit LineWriter(const std::string& path) : out_(path, std::ios::binary | std::ios::trunc) {
    if (!out_) throw DbError("cannot write " + path);
  }
  void write(const Json& row) {
    out_ << row.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict) << '\n';
    ++rows_;
  }
  void close(const std::string& path) {
    out_.close();
    if (!out_) throw DbError("error writing " + path);
  }
  int64_t rows() const { return rows_; }

 private:
  std::ofstream out_;
  int64_t rows_ = 0;
};

// A ranking's completions sorted by (rank, text): the canonical order of every export. Text, not
// row id, breaks ties, because ids differ between a project and one re-imported from its export.
struct RankedText {
  int rank;
  const std::string* text;
  bool operator<(const RankedText& other) const {
    return rank != other.rank ? rank < other.rank : *text < *other.text;
  }
};

std::vector<RankedText> canonical_order(const LabelerRanking& ranking,
                                        const std::map<int64_t, const std::string*>& text) {
  std::vector<RankedText> order;
  for (const auto& [id, rank] : ranking.completion_ranks) order.push_back({rank, text.at(id)});
  std::sort(order.begin(), order.end());
  return order;
}

std::map<int64_t, const std::string*> texts_of(const PromptComparisons& prompt) {
  std::map<int64_t, const std::string*> text;
  for (const auto& [id, completion] : prompt.completions) text[id] = &completion;
  return text;
}

Json pair_row(const std::string& prompt, const std::string& chosen, const std::string& rejected) {
  Json row;
  row["prompt"] = prompt;
  row["chosen"] = chosen;
  row["rejected"] = rejected;
  return row;
}

void write_pairs(const PromptComparisons& prompt, const ExportOptions& options, LineWriter& out) {
  auto text = texts_of(prompt);
  if (options.mode == PairMode::consensus) {
    std::vector<std::pair<const std::string*, const std::string*>> pairs;
    for (const PreferencePair& pair : prompt.pairs)
      pairs.emplace_back(text.at(pair.chosen_id), text.at(pair.rejected_id));
    std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) {
      return *a.first != *b.first ? *a.first < *b.first : *a.second < *b.second;
    });
    for (const auto& [chosen, rejected] : pairs)
      out.write(pair_row(prompt.prompt, *chosen, *rejected));
    return;
  }
  // The same pairs as prompt.pairs (ranking_to_pairs), in the canonical order.
  for (const LabelerRanking& ranking : prompt.rankings) {
    std::vector<RankedText> order = canonical_order(ranking, text);
    for (size_t i = 0; i < order.size(); ++i) {
      for (size_t j = i + 1; j < order.size(); ++j) {
        if (order[j].rank == order[i].rank) continue;
        Json row = pair_row(prompt.prompt, *order[i].text, *order[j].text);
        row["labeler"] = ranking.labeler;
        out.write(row);
      }
    }
  }
}

void write_rankings(const PromptComparisons& prompt, LineWriter& out) {
  auto text = texts_of(prompt);
  for (const LabelerRanking& ranking : prompt.rankings) {
    Json row;
    row["prompt"] = prompt.prompt;
    Json completions = Json::array(), ranks = Json::array();
    for (const RankedText& entry : canonical_order(ranking, text)) {
      completions.push_back(*entry.text);
      ranks.push_back(entry.rank);
    }
    row["completions"] = std::move(completions);
    row["ranks"] = std::move(ranks);
    row["labeler"] = ranking.labeler;
    out.write(row);
  }
}

void write_sft(const PromptComparisons& prompt, const ExportOptions& options, LineWriter& out) {
  std::set<int64_t> best;
  if (options.mode == PairMode::per_labeler) {
    for (const LabelerRanking& ranking : prompt.rankings)
      for (const auto& [id, rank] : ranking.completion_ranks)
        if (rank == 0) best.insert(id);
  } else {
    std::set<int64_t> winners, losers;
    for (const PreferencePair& pair : prompt.pairs) {
      winners.insert(pair.chosen_id);
      losers.insert(pair.rejected_id);
    }
    for (int64_t id : winners)
      if (!losers.count(id)) best.insert(id);
  }
  for (const auto& [id, completion] : prompt.completions) {
    if (!best.count(id)) continue;
    Json row;
    row["prompt"] = prompt.prompt;
    row["completion"] = completion;
    out.write(row);
  }
}

}  // namespace

int64_t export_jsonl(Database& db, const ExportOptions& options, const std::string& out_path,
                     const ImportProgress& progress) {
  if (options.format != "pairs" && options.format != "rankings" && options.format != "sft")
    throw DbError("unknown export format '" + options.format + "' (pairs, rankings or sft)");
  std::string temp_path = out_path + ".tmp" + std::to_string(getpid());
  try {
    ReadSnapshot snapshot(db);
    Statement count = db.prepare(
        "SELECT COUNT(DISTINCT prompt_id) FROM rankings WHERE is_current = 1 AND status = "
        "'ranked'");
    count.step();
    const int64_t total = count.column_int(0);
    int64_t done = 0;
    LineWriter out(temp_path);
    for_each_prompt_comparisons(db, options.mode, options.split, [&](const PromptComparisons& p) {
      if (options.format == "pairs")
        write_pairs(p, options, out);
      else if (options.format == "rankings")
        write_rankings(p, out);
      else
        write_sft(p, options, out);
      if (progress && ++done % 1024 == 0 && !progress(done, total))
        throw ImportCancelled(out_path, "export");
    });
    out.close(temp_path);
    if (progress && !progress(total, total)) throw ImportCancelled(out_path, "export");
    rename_durably(temp_path, out_path);  // a power cut leaves no empty "exported" file
    return out.rows();
  } catch (const nlohmann::json::exception& e) {
    std::remove(temp_path.c_str());
    throw DbError("cannot export " + out_path + ": " + e.what());
  } catch (...) {
    std::remove(temp_path.c_str());
    throw;
  }
}

}  // namespace prefstudio::db

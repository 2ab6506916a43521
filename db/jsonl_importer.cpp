// The JSONL import (see jsonl_importer.h): read a line, parse and check it (import_format), write
// it through ProjectStore's prepared statements, all inside one transaction. Pair lines wait in a
// TEMP table (on disk, bounded page cache) until the end, where each (prompt, labeler) group
// becomes a ranking: that keeps memory constant however the groups are spread over the file.
#include "db/jsonl_importer.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "db/flat_json_parser.h"
#include "db/import_format.h"
#include "db/pair_builder.h"
#include "db/project_store.h"
#include "db/utf8.h"

namespace prefstudio::db {

namespace {

constexpr const char* kDefaultLabeler = "imported";
constexpr int64_t kProgressEveryBytes = 1 << 20;
// Page cache for the import, in KiB (negative = KiB for PRAGMA cache_size): fixed, so memory does
// not grow with the file, and large enough to keep the upper levels of the text indexes resident.
constexpr int kImportCacheKiB = 64 * 1024;

// Raises the connection's page cache for the import and puts the old size back afterwards.
class CacheSizeGuard {
 public:
  explicit CacheSizeGuard(Database& db) : db_(db) {
    Statement query = db.prepare("PRAGMA cache_size");
    query.step();
    old_ = query.column_int(0);
    db_.exec("PRAGMA cache_size = -" + std::to_string(kImportCacheKiB));
  }
  ~CacheSizeGuard() {
    sqlite3_exec(db_.handle(), ("PRAGMA cache_size = " + std::to_string(old_)).c_str(), nullptr,
                 nullptr, nullptr);
  }

 private:
  Database& db_;
  int64_t old_ = 0;
};

// Writes records to the project; lives for one import, inside its transaction.
class ImportWriter {
 public:
  ImportWriter(Database& db, ImportReport& report)
      : db_(db),
        store_(db),
        report_(report),
        insert_pair_(db.prepare("INSERT INTO temp.import_pairs (prompt_id, labeler_id, chosen_id, "
                                "rejected_id) VALUES (?1, ?2, ?3, ?4)")) {
    store_.set_created_at(store_.now());
  }

  void write(const ImportRecord& record) {
    bool created = false;
    int64_t prompt = store_.prompt_id(record.prompt, &created);
    report_.prompts_added += created;
    completion_ids_.clear();
    for (const std::string& text : record.completions) {
      completion_ids_.push_back(store_.completion_id(prompt, text, &created));
      report_.completions_added += created;
    }
    if (record.ranks.empty() && record.suggested.empty()) return;
    if (!record.suggested.empty()) {
      std::vector<int64_t> order;
      for (int index : record.suggested) order.push_back(completion_ids_[index]);
      store_.set_suggested_ranking(prompt, "import", order);
    }
    if (record.ranks.empty()) return;
    int64_t labeler = labeler_id(record.labeler.empty() ? kDefaultLabeler : record.labeler);
    if (is_pair_format(record.format)) {
      insert_pair_.bind(1, prompt).bind(2, labeler).bind(3, completion_ids_[0]);
      insert_pair_.bind(4, completion_ids_[1]).run();
      return;
    }
    RankingInput input;
    for (size_t i = 0; i < record.ranks.size(); ++i)
      input.completion_ranks.emplace_back(completion_ids_[i], record.ranks[i]);
    count(store_.write_ranking(prompt, labeler, input));
  }

  // Turns each (prompt, labeler) group of pairs into a ranking, in the order the groups began.
  void finish_pairs() {
    Statement groups = db_.prepare(
        "SELECT prompt_id, labeler_id FROM temp.import_pairs GROUP BY prompt_id, labeler_id "
        "ORDER BY MIN(seq)");
    Statement members = db_.prepare(
        "SELECT chosen_id, rejected_id FROM temp.import_pairs WHERE prompt_id = ?1 AND "
        "labeler_id = ?2 ORDER BY seq");
    std::vector<std::pair<int64_t, int64_t>> pairs;
    while (groups.step()) {
      int64_t prompt = groups.column_int(0), labeler = groups.column_int(1);
      pairs.clear();
      members.bind(1, prompt).bind(2, labeler);
      while (members.step()) pairs.emplace_back(members.column_int(0), members.column_int(1));
      members.reset();
      if (auto ranks = pairs_to_ranking(pairs)) {
        RankingInput input;
        input.completion_ranks = std::move(*ranks);
        count(store_.write_ranking(prompt, labeler, input));
        continue;
      }
      warn("prompt " + std::to_string(prompt) + ": " + std::to_string(pairs.size()) +
           " pairs of one labeler are not one ranking; each was stored as a ranking of two, the "
           "last one current");
      for (const auto& [chosen, rejected] : pairs) {
        RankingInput input;
        input.completion_ranks = {{chosen, 0}, {rejected, 1}};
        count(store_.write_ranking(prompt, labeler, input));
      }
    }
  }

 private:
  Database& db_;
  ProjectStore store_;
  ImportReport& report_;
  Statement insert_pair_;
  std::vector<int64_t> completion_ids_;
  std::unordered_map<std::string, int64_t> labelers_;  // a handful per file; capped below

  int64_t labeler_id(const std::string& name) {
    auto it = labelers_.find(name);
    if (it != labelers_.end()) return it->second;
    bool created = false;
    int64_t id = store_.labeler_id(name, &created);
    report_.labelers_added += created;
    if (labelers_.size() > 4096) labelers_.clear();  // a labeler per line must not grow memory
    labelers_.emplace(name, id);
    return id;
  }

  void count(const RankingWrite& write) {
    report_.rankings_added += write.written;
    report_.rankings_unchanged += !write.written;
    report_.rankings_replaced += write.replaced;
  }

  void warn(const std::string& message) {
    if (report_.warnings.size() < ImportReport::kWarningsKept) report_.warnings.push_back(message);
    ++report_.warnings_total;
  }
};

// Parses one line into `record`, throwing ImportError with the file and line.
void parse_line(const std::string& line, const std::string& path, int64_t line_number,
                ImportRecord& record) {
  nlohmann::json parsed;
  try {
    if (!parse_flat_json_object(line, parsed)) parsed = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    // parse_error, or out_of_range for a number beyond double ("1e999"): both are the line's fault.
    size_t bad = find_invalid_utf8(line);
    if (bad != std::string::npos)
      throw ImportError(path, line_number, "invalid UTF-8 at byte " + std::to_string(bad + 1), "");
    std::string what = e.what();
    auto detail = what.find("parse error");
    if (detail == std::string::npos)
      detail = what.find("] ") == std::string::npos ? 0 : what.find("] ") + 2;
    throw ImportError(path, line_number, "invalid JSON: " + what.substr(detail), "");
  }
  try {
    parse_import_record(parsed, record);
  } catch (const LineError& e) {
    throw ImportError(path, line_number, e.what(), e.field());
  }
}

// The first line fixes the family; pair files must not change pair format on the way.
void check_format(const ImportRecord& record, std::set<ImportFormat>& seen, const std::string& path,
                  int64_t line_number) {
  static_assert(ImportFormat::prompts < ImportFormat::trl_pairs, "pair formats sort last");
  if (!seen.empty()) {
    // A pair file has one format; a prompt-family file only prompt-family ones: either way the
    // smallest format seen is the first line's family.
    ImportFormat first = *seen.begin();
    bool pair_file = is_pair_format(first);
    if (pair_file != is_pair_format(record.format) || (pair_file && first != record.format))
      throw ImportError(path, line_number,
                        std::string("a ") + format_name(record.format) + " line in a " +
                            format_name(first) + " file; one file holds one kind of data",
                        "");
  }
  seen.insert(record.format);
}

int64_t file_size(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 ? static_cast<int64_t>(info.st_size) : 0;
}

std::string joined_formats(const std::set<ImportFormat>& formats) {
  std::string joined;
  for (ImportFormat format : formats)
    joined += (joined.empty() ? "" : "+") + std::string(format_name(format));
  return joined;
}

}  // namespace

ImportReport import_jsonl(Database& db, const std::string& path, const ImportProgress& progress) {
  std::ifstream input;
  std::vector<char> buffer(1 << 20);
  input.rdbuf()->pubsetbuf(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  input.open(path, std::ios::binary);
  if (!input) throw DbError("cannot read " + path + ": " + std::strerror(errno));
  const int64_t total = file_size(path);

  ImportReport report;
  CacheSizeGuard cache(db);
  Transaction transaction(db);
  db.exec(
      "CREATE TEMP TABLE import_pairs (seq INTEGER PRIMARY KEY, prompt_id INTEGER NOT NULL, "
      "labeler_id INTEGER NOT NULL, chosen_id INTEGER NOT NULL, rejected_id INTEGER NOT NULL);"
      "CREATE INDEX temp.import_pairs_group ON import_pairs (prompt_id, labeler_id, seq)");
  std::set<ImportFormat> formats;
  {
    ImportWriter writer(db, report);
    ImportRecord record;
    std::string line;
    int64_t line_number = 0, bytes_done = 0, bytes_reported = 0;
    while (std::getline(input, line)) {
      ++line_number;
      bytes_done += static_cast<int64_t>(line.size()) + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line_number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // BOM
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      ++report.lines;
      parse_line(line, path, line_number, record);
      check_format(record, formats, path, line_number);
      writer.write(record);
      if (progress && bytes_done - bytes_reported >= kProgressEveryBytes) {
        bytes_reported = bytes_done;
        if (!progress(bytes_done, total)) throw ImportCancelled(path);
      }
    }
    if (input.bad())
      throw DbError("error reading " + path + " at line " + std::to_string(line_number + 1));
    writer.finish_pairs();
  }
  db.exec("DROP TABLE temp.import_pairs");
  if (progress && !progress(total, total)) throw ImportCancelled(path);
  transaction.commit();
  report.format = joined_formats(formats);
  return report;
}

}  // namespace prefstudio::db

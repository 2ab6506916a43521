// Imports a JSONL file into a project: prompts, completions, rankings and preference pairs in the
// formats of import_format.h (detected per line). All or nothing: one transaction for the file, and
// one bad line leaves the database exactly as it was. Streams line by line in constant memory.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "db/database.h"
#include "db/import_error.h"

namespace prefstudio::db {

// Progress: bytes read so far and the file's size; return false to cancel (then nothing is kept
// and ImportCancelled is thrown). Called about every MiB and once at the end, on the caller's
// thread.
using ImportProgress = std::function<bool(int64_t bytes_done, int64_t bytes_total)>;

struct ImportReport {
  std::string format;  // e.g. "rankings", "completions+rankings", "hh-rlhf"; "" for an empty file
  int64_t lines = 0;   // non-blank lines read
  int64_t prompts_added = 0, completions_added = 0, rankings_added = 0, labelers_added = 0;
  int64_t rankings_unchanged = 0;     // identical to the current ranking: skipped
  int64_t rankings_replaced = 0;      // a new version; the old one kept with is_current = 0
  std::vector<std::string> warnings;  // the first kWarningsKept, e.g. pairs that fit no ranking
  int64_t warnings_total = 0;
  static constexpr size_t kWarningsKept = 20;
};

// Imports `path` into `db` (a migrated project). Rules, also in docs/schema.md:
// - Blank lines are skipped. The first line decides the family: lines of the prompt family
//   (prompts, completions, rankings) may mix; a pair file holds one pair format throughout.
// - Identical prompt texts are one prompt; identical completions of a prompt are one completion.
// - A ranking for a (prompt, labeler) with a current ranking adds a new version unless identical.
//   Lines without "labeler" belong to the labeler "imported".
// - Pair lines of one (prompt, labeler) are gathered over the whole file: if together they are
//   exactly the pairs of one ranking with ties (as our own pairs export writes them), they become
//   that ranking; otherwise each pair becomes its own 2-completion ranking, later versions
//   replacing earlier ones, and a warning says so.
// Throws ImportError ("FILE:LINE: what (field)") for a bad line, ImportCancelled, or DbError if
// the file cannot be read or SQLite fails; in every case the database is unchanged.
ImportReport import_jsonl(Database& db, const std::string& path,
                          const ImportProgress& progress = {});

}  // namespace prefstudio::db

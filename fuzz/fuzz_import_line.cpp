// Fuzzes one line of a JSONL import the way db/jsonl_importer.cpp reads it: the flat fast path,
// nlohmann when it declines, then parse_import_record. Checks that the fast path accepts only what
// nlohmann accepts and gives the same value (its header's promise), that a bad line is a LineError
// (the importer turns nothing else into "FILE:LINE: what"), and that a record holds what its
// format promises. The seed corpus has lines of every format (prompts, completions, rankings,
// TRL pairs, TRL conversational, HH-RLHF).
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string_view>

#include "db/flat_json_parser.h"
#include "db/import_format.h"
#include "db/utf8.h"

namespace {

using prefstudio::db::ImportFormat;
using prefstudio::db::ImportRecord;

[[noreturn]] void fail(const char* what, std::string_view line) {
  std::fprintf(stderr, "fuzz check failed: %s\n  line: %.*s\n", what, static_cast<int>(line.size()),
               line.data());
  std::abort();
}

void check_record(const ImportRecord& record, std::string_view line) {
  const size_t n = record.completions.size();
  if (!prefstudio::db::is_valid_utf8(record.prompt)) fail("prompt is not UTF-8", line);
  for (const auto& text : record.completions)
    if (!prefstudio::db::is_valid_utf8(text)) fail("completion is not UTF-8", line);
  switch (record.format) {
    case ImportFormat::prompts:
      if (n != 0 || !record.ranks.empty()) fail("a prompts line with completions", line);
      break;
    case ImportFormat::completions:
      if (!record.ranks.empty()) fail("a completions line with ranks", line);
      break;
    case ImportFormat::rankings: {
      if (record.ranks.size() != n) fail("ranks and completions differ in count", line);
      std::set<std::string> distinct(record.completions.begin(), record.completions.end());
      if (distinct.size() < 2) fail("a ranking of fewer than two distinct completions", line);
      // Any non-negative integers (docs/schema.md: the store makes them dense).
      for (int rank : record.ranks)
        if (rank < 0) fail("a negative rank", line);
      break;
    }
    default:  // the pair formats: a prompt and {chosen, rejected}
      if (n != 2) fail("a pair line without exactly two completions", line);
      break;
  }
  for (int index : record.suggested)
    if (index < 0 || static_cast<size_t>(index) >= n) fail("a suggested index out of range", line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string line(reinterpret_cast<const char*>(data), size);
  nlohmann::json flat, reference;
  const bool flat_ok = prefstudio::db::parse_flat_json_object(line, flat);
  try {
    reference = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception&) {  // what the importer catches (jsonl_importer.cpp)
    if (flat_ok) fail("the flat parser accepted a line nlohmann refuses", line);
    return 0;
  }
  if (flat_ok && flat != reference) fail("the flat parser read another value than nlohmann", line);
  ImportRecord record;
  try {
    prefstudio::db::parse_import_record(reference, record);
  } catch (const prefstudio::db::LineError&) {
    return 0;
  }
  check_record(record, line);
  return 0;
}

// One line of an import file: which format it is (detected from its keys) and what it says, checked
// field by field. Knows nothing of files or the database: jsonl_importer adds the file and line to
// the message and writes the record. docs/schema.md lists the formats with examples.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace prefstudio::db {

enum class ImportFormat {
  prompts,             // {"prompt"}
  completions,         // {"prompt", "completions"}
  rankings,            // {"prompt", "completions", "ranking" | "ranks"}
  trl_pairs,           // {"prompt", "chosen", "rejected"}, strings
  trl_conversational,  // the same with lists of {"role", "content"}; "prompt" may be left out.
                       // One user turn and one assistant reply each: the contents as they are;
                       // longer conversations: rendered in the HH style (render_messages)
  hh_rlhf,  // {"chosen", "rejected"}: whole "\n\nHuman: ...\n\nAssistant: ..." transcripts
};

const char* format_name(ImportFormat format);
bool is_pair_format(ImportFormat format);

// What one line says, whatever its format. Reused from line to line to keep allocations down.
struct ImportRecord {
  ImportFormat format = ImportFormat::prompts;
  std::string prompt;
  std::vector<std::string> completions;  // pair formats: {chosen, rejected}
  std::vector<int> ranks;      // a rank per completion, 0 best, equal = tie; empty: not ranked
  std::vector<int> suggested;  // "suggested_ranking": completion indices best first; empty: none
  std::string labeler;         // "" when the line names none
};

// A line that breaks the format: what is wrong and the field (e.g. "ranking[2]"), without the file.
class LineError : public std::runtime_error {
 public:
  LineError(const std::string& what, std::string field)
      : std::runtime_error(what), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

// Fills `record` from one parsed line. Extra keys are ignored (datasets carry ids and scores).
// Throws LineError for a non-object, a missing or mistyped key, an empty text, an index out of
// range or repeated, a ranking that is not a permutation, or fewer than two distinct completions to
// rank. Moves the texts out of `line` (they are most of an import's bytes).
void parse_import_record(nlohmann::json& line, ImportRecord& record);

// Renders chat messages as one text in the HH-RLHF style: "\n\nHuman: ..." for role user,
// "\n\nAssistant: ..." for assistant, "\n\nSystem: ..." for system, other roles verbatim.
// Exposed for tests and docs; throws LineError naming `field` for a malformed message.
std::string render_messages(const nlohmann::json& messages, size_t begin, const std::string& field);

}  // namespace prefstudio::db

// The project split's settings rows (see project_split.h). Values are stored as decimal text like
// every project setting, the fraction with enough digits to read back exactly.
#include "db/project_split.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

namespace prefstudio::db {

namespace {

constexpr const char* kSeedKey = "split_seed";
constexpr const char* kFractionKey = "split_validation_fraction";

std::optional<std::string> read_setting(Database& db, const char* key) {
  Statement select = db.prepare("SELECT value FROM project_settings WHERE key = ?");
  select.bind(1, key);
  if (!select.step()) return std::nullopt;
  return select.column_text(0);
}

// The shortest of 15 or 17 significant digits that reads back as the same double: 0.1, not
// 0.10000000000000001.
std::string fraction_text(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.15g", fraction);
  if (std::strtod(text, nullptr) != fraction) std::snprintf(text, sizeof text, "%.17g", fraction);
  return text;
}

void check_fraction(Database& db, double fraction, const std::string& where) {
  if (!(fraction >= 0.0 && fraction < 1.0))
    throw DbError(db.path() + ": " + where + " " + fraction_text(fraction) + " is outside [0, 1)");
}

uint64_t parse_seed(Database& db, const std::string& text) {
  size_t used = 0;
  uint64_t seed = 0;
  try {
    seed = std::stoull(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || text[0] == '-')
    throw DbError(db.path() + ": project_settings " + kSeedKey + " '" + text +
                  "' is not a non-negative integer");
  return seed;
}

double parse_fraction(Database& db, const std::string& text) {
  size_t used = 0;
  double fraction = 0.0;
  try {
    fraction = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size())
    throw DbError(db.path() + ": project_settings " + kFractionKey + " '" + text +
                  "' is not a number");
  check_fraction(db, fraction, std::string("project_settings ") + kFractionKey);
  return fraction;
}

}  // namespace

SplitOptions project_split(Database& db, Split side) {
  std::optional<std::string> seed = read_setting(db, kSeedKey);
  std::optional<std::string> fraction = read_setting(db, kFractionKey);
  if (!seed || !fraction) {
    // First use: whoever commits first stores the defaults; everyone reads what was stored.
    Transaction transaction(db);
    Statement insert = db.prepare(
        "INSERT INTO project_settings (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING");
    insert.bind(1, kSeedKey).bind(2, std::to_string(kDefaultSplitSeed)).run();
    insert.bind(1, kFractionKey).bind(2, fraction_text(kDefaultValidationFraction)).run();
    seed = read_setting(db, kSeedKey);
    fraction = read_setting(db, kFractionKey);
    transaction.commit();
  }
  SplitOptions options;
  options.split = side;
  options.seed = parse_seed(db, *seed);
  options.validation_fraction = parse_fraction(db, *fraction);
  return options;
}

void set_project_split(Database& db, uint64_t seed, double validation_fraction) {
  check_fraction(db, validation_fraction, "validation fraction");
  Transaction transaction(db);
  Statement upsert = db.prepare(
      "INSERT INTO project_settings (key, value) VALUES (?, ?) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  upsert.bind(1, kSeedKey).bind(2, std::to_string(seed)).run();
  upsert.bind(1, kFractionKey).bind(2, fraction_text(validation_fraction)).run();
  transaction.commit();
}

SplitCounts count_prompts_by_split(Database& db, const SplitOptions& split) {
  SplitCounts counts;
  Statement prompts = db.prepare("SELECT text FROM prompts");
  while (prompts.step()) {
    if (prompt_in_validation(prompts.column_text(0), split))
      ++counts.prompts_validation;
    else
      ++counts.prompts_train;
  }
  return counts;
}

std::vector<std::pair<int64_t, std::string>> prompts_on_split(Database& db,
                                                             const SplitOptions& split,
                                                             int64_t limit) {
  std::vector<std::pair<int64_t, std::string>> out;
  Statement prompts = db.prepare("SELECT id, text FROM prompts ORDER BY id");
  while ((limit <= 0 || static_cast<int64_t>(out.size()) < limit) && prompts.step()) {
    std::string text = prompts.column_text(1);
    if (prompt_in_split(text, split)) out.emplace_back(prompts.column_int(0), std::move(text));
  }
  return out;
}

}  // namespace prefstudio::db

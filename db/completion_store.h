// Prompts and their sampled completions, as the generate command and the demo need them: which
// prompts still lack K completions, adding prompts and completions (with the model and the sampling
// settings), and the top-ranked completion per prompt for SFT on the project's own data.
// Borrows a Database (one connection per thread). Failures throw DbError naming the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/database.h"

namespace prefstudio::db {

struct PromptNeed {
  int64_t prompt_id = 0;
  std::string text;
  int64_t have = 0;  // completions already stored for it
};

struct PromptResponse {
  int64_t prompt_id = 0;
  std::string prompt;
  std::string response;
};

class CompletionStore {
 public:
  explicit CompletionStore(Database& db) : db_(db) {}

  // Prompts with fewer than `k` completions, by id.
  std::vector<PromptNeed> prompts_needing(int64_t k);
  // Inserts the prompts that are new, in one transaction; returns the ids of all, in order.
  std::vector<int64_t> add_prompts(const std::vector<std::string>& texts);
  // Completions are unique per prompt by text: the same text again is the same completion, so this
  // returns false and stores nothing. `model_id` empty = unknown source. `sampling_json` as given.
  // `finish_reason`: "eos" (the model ended it), "length" (cut at max_new_tokens) or "" (unknown,
  // stored as NULL); anything else is a DbError naming the field.
  bool add_completion(int64_t prompt_id, const std::string& text, std::optional<int64_t> model_id,
                      const std::string& sampling_json, const std::string& finish_reason);
  int64_t completion_count(int64_t prompt_id);
  std::vector<std::string> completions_of(int64_t prompt_id);
  // For each prompt with current 'ranked' rankings: the completion with the best mean rank over its
  // labelers (ties: lowest id). The SFT trainer's "project" data source.
  std::vector<PromptResponse> top_ranked_completions();

 private:
  Database& db_;
};

}  // namespace prefstudio::db

// `prefstudio-cli logprobs --model DIR --prompt TEXT --completion TEXT [--json] [--device D]`:
// the summed and per-token log-probabilities of a completion given a prompt, as the trainers
// compute them (core/model/completion_scorer.h); --ended counts the end-of-text after it, as for
// a completion that ended, and the output says whether it was counted. Without --json a table.
// With --input FILE.jsonl instead of --prompt/--completion: one {"prompt", "completion"[, "ended"]}
// object per line, all scored in one process in batches, one JSON line out per line in; a line
// that cannot be read or scored stops it before anything is printed, naming file:line.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/cli_command.h"
#include "app/cli/engine_commands.h"
#include "core/model/completion_scorer.h"

namespace prefstudio::cli {
namespace {

nlohmann::json score_json(const std::string& model, const CompletionScore& score) {
  nlohmann::json tokens = nlohmann::json::array();
  for (const auto& token : score.tokens)
    tokens.push_back({{"id", token.id}, {"text", token.text}, {"logprob", token.logprob}});
  return {{"model", model},
          {"content_hash", score.content_hash},
          {"prompt_tokens", score.prompt_tokens},
          {"completion_tokens", score.tokens.size()},
          {"logprob", score.logprob},
          {"eos_counted", score.eos_counted},
          {"tokens", tokens}};
}

// A BPE token can be part of a UTF-8 character: shown with U+FFFD instead of failing.
std::string dump(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Every non-blank line of `path` as a request, with its line number; the first bad one is a
// CliUsageError naming file:line.
struct Requests {
  std::vector<CompletionRequest> requests;
  std::vector<int64_t> lines;
};

Requests read_requests(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw CliUsageError(path + ": cannot open");
  Requests out;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    const std::string where = path + ":" + std::to_string(number);
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json json;
    try {
      json = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw CliUsageError(where + ": not JSON (" + std::string(e.what()) + ")");
    }
    if (!json.is_object()) throw CliUsageError(where + ": expected a JSON object");
    CompletionRequest request;
    for (auto it = json.begin(); it != json.end(); ++it) {
      if (it.key() == "prompt" || it.key() == "completion") {
        if (!it->is_string()) throw CliUsageError(where + ": \"" + it.key() + "\" must be a string");
        (it.key() == "prompt" ? request.prompt : request.completion) = it->get<std::string>();
      } else if (it.key() == "ended") {
        if (!it->is_boolean()) throw CliUsageError(where + ": \"ended\" must be true or false");
        request.ended = it->get<bool>();
      } else {
        throw CliUsageError(where + ": unknown key \"" + it.key() + "\"");
      }
    }
    if (!json.contains("prompt") || !json.contains("completion"))
      throw CliUsageError(where + ": needs \"prompt\" and \"completion\"");
    out.requests.push_back(std::move(request));
    out.lines.push_back(number);
  }
  return out;
}

int run_batch(const std::string& model, const std::string& input, const std::string& device) {
  const Requests read = read_requests(input);
  const auto results = score_completions(model, read.requests, device);
  for (size_t i = 0; i < results.size(); ++i)
    if (!results[i].score)
      throw CliUsageError(input + ":" + std::to_string(read.lines[i]) + ": " + results[i].error);
  for (const auto& result : results) std::cout << dump(score_json(model, *result.score)) << "\n";
  return 0;
}

int run_logprobs(const std::vector<std::string>& args) {
  CliArgs parsed = CliArgs::parse(args, {"json", "ended"},
                                  {"model", "prompt", "completion", "device", "input"});
  if (!parsed.positional.empty())
    throw CliUsageError("unexpected argument " + parsed.positional[0]);
  const std::string model = parsed.require("model");
  if (parsed.has("input")) {
    if (parsed.has("prompt") || parsed.has("completion") || parsed.has("ended"))
      throw CliUsageError("--input reads prompt, completion and ended from each line");
    if (!parsed.has("json")) throw CliUsageError("--input prints JSON lines: add --json");
    return run_batch(model, parsed.require("input"), parsed.get("device", "cpu"));
  }
  const CompletionScore score = score_completion(
      model, parsed.require("prompt"), parsed.require("completion"), parsed.get("device", "cpu"),
      parsed.has("ended"));
  if (parsed.has("json")) {
    std::cout << dump(score_json(model, score)) << "\n";
    return 0;
  }
  for (const auto& token : score.tokens) {
    nlohmann::json text = token.text;
    std::printf("%8lld  %12.6f  %s\n", static_cast<long long>(token.id), token.logprob,
                text.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  }
  std::printf("total %.6f over %zu tokens (%s)\n", score.logprob, score.tokens.size(),
              score.eos_counted ? "end-of-text counted" : "no end-of-text");
  return 0;
}

static CliRegistration reg(engine_command("logprobs", run_logprobs));

}  // namespace
}  // namespace prefstudio::cli

// `prefstudio-cli logprobs --model DIR --prompt TEXT --completion TEXT [--json] [--device D]`:
// the summed and per-token log-probabilities of a completion given a prompt, as the trainers
// compute them (core/model/completion_scorer.h); --ended counts the end-of-text after it, as for
// a completion that ended, and the output says whether it was counted. Without --json a table.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/cli/cli_command.h"
#include "core/model/completion_scorer.h"

namespace prefstudio::cli {
namespace {

int run_logprobs(const std::vector<std::string>& args) {
  CliArgs parsed =
      CliArgs::parse(args, {"json", "ended"}, {"model", "prompt", "completion", "device"});
  if (!parsed.positional.empty())
    throw CliUsageError("unexpected argument " + parsed.positional[0]);
  const std::string model = parsed.require("model");
  const CompletionScore score = score_completion(
      model, parsed.require("prompt"), parsed.require("completion"), parsed.get("device", "cpu"),
      parsed.has("ended"));
  if (parsed.has("json")) {
    nlohmann::json tokens = nlohmann::json::array();
    for (const auto& token : score.tokens)
      tokens.push_back({{"id", token.id}, {"text", token.text}, {"logprob", token.logprob}});
    nlohmann::json out{{"model", model},
                       {"content_hash", score.content_hash},
                       {"prompt_tokens", score.prompt_tokens},
                       {"completion_tokens", score.tokens.size()},
                       {"logprob", score.logprob},
                       {"eos_counted", score.eos_counted},
                       {"tokens", tokens}};
    // A BPE token can be part of a UTF-8 character: shown with U+FFFD instead of failing.
    std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
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

static CliRegistration reg({"logprobs",
                            "logprobs --model DIR --prompt TEXT --completion TEXT [--ended] "
                            "[--json] [--device cpu|cuda]",
                            "Log-probability of a completion given a prompt, summed and per token.",
                            run_logprobs});

}  // namespace
}  // namespace prefstudio::cli

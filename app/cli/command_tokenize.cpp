// `prefstudio-cli tokenize --model DIR (--text TEXT | --file FILE) [--prompt] [--json]`: the token
// ids of a text under a checkpoint's tokenizer, for users checking prompts and for comparing with
// other tools. Special-token text such as "<|endoftext|>" is encoded literally, as encode() does.
// --prompt gives the ids every stage puts before a completion of TEXT: the checkpoint's chat
// template around it as a user turn, with the assistant's header (docs/chat-templates.md).
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/cli/cli_command.h"
#include "app/cli/engine_commands.h"
#include "core/common/core_error.h"
#include "core/model/model_folder.h"
#include "core/text/tokenizer.h"

namespace prefstudio::cli {
namespace {

std::string read_text(const CliArgs& parsed) {
  if (parsed.has("text") == parsed.has("file"))
    throw CliUsageError("give exactly one of --text TEXT or --file FILE");
  if (parsed.has("text")) return parsed.get("text", "");
  const std::string path = parsed.get("file", "");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CoreError(path + ": cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int run_tokenize(const std::vector<std::string>& args) {
  CliArgs parsed = CliArgs::parse(args, {"json", "prompt"}, {"model", "text", "file"});
  if (!parsed.positional.empty())
    throw CliUsageError("unexpected argument " + parsed.positional[0]);
  // An online-RL checkpoint keeps its policy (and tokenizer) in policy/.
  std::unique_ptr<Tokenizer> tokenizer =
      Tokenizer::load(resolve_model_folder(parsed.require("model")));
  const std::string text = read_text(parsed);
  const std::vector<int64_t> ids =
      parsed.has("prompt") ? tokenizer->encode_prompt(text) : tokenizer->encode(text);
  if (!parsed.has("json")) {
    for (size_t i = 0; i < ids.size(); ++i) std::cout << (i ? " " : "") << ids[i];
    std::cout << "\n";
    return 0;
  }
  nlohmann::json out;
  out["kind"] = tokenizer->kind();
  out["vocab_size"] = tokenizer->vocab_size();
  out["chat_template"] = tokenizer->chat_template().has_value();
  out["count"] = ids.size();
  out["ids"] = ids;
  // Each token's bytes; a token can be part of a UTF-8 character, shown with U+FFFD.
  nlohmann::json tokens = nlohmann::json::array();
  for (int64_t id : ids) tokens.push_back(tokenizer->decode({id}));
  out["tokens"] = tokens;
  std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return 0;
}

static CliRegistration reg(engine_command("tokenize", run_tokenize));

}  // namespace
}  // namespace prefstudio::cli

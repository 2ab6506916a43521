// Tokenizer::load: picks the tokenizer a checkpoint folder holds. tokenizer.json wins, then
// vocab.json + merges.txt, then tokenizer_config.json saying "byte". A folder whose config says
// "byte" but which also holds BPE files is contradictory and refused rather than guessed.
#include "core/text/tokenizer.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/common/core_error.h"
#include "core/text/bpe_tokenizer.h"
#include "core/text/byte_tokenizer.h"
#include "core/text/tokenizer_files.h"

namespace prefstudio {

std::vector<int64_t> Tokenizer::encode_prompt(std::string_view prompt) const {
  std::vector<int64_t> ids;
  if (!chat_template_) {
    ids = prefix_ids();
    auto text = encode(prompt);
    ids.insert(ids.end(), text.begin(), text.end());
    return ids;
  }
  for (const auto& piece : chat_template_->render({{"user", std::string(prompt)}}, true)) {
    if (piece.special) {
      ids.push_back(special_token_id(piece.text));
    } else {
      auto text = encode(piece.text);
      ids.insert(ids.end(), text.begin(), text.end());
    }
  }
  return ids;
}

void Tokenizer::set_chat_template(std::optional<ChatTemplate> chat_template,
                                  const std::string& source) {
  if (chat_template) {
    for (const auto& special : chat_template->special_contents())
      if (special_token_id(special) < 0)
        throw FormatError(source + ": chat_template emits \"" + special +
                          "\", which is not a special token of this tokenizer");
  }
  chat_template_ = std::move(chat_template);
}

std::unique_ptr<Tokenizer> Tokenizer::load(const std::string& dir) {
  auto tokenizer = load_vocabulary(dir);
  const std::string config = (std::filesystem::path(dir) / "tokenizer_config.json").string();
  if (std::filesystem::exists(config))
    tokenizer->set_chat_template(
        ChatTemplate::from_tokenizer_config(read_tokenizer_json(config), config), config);
  return tokenizer;
}

std::unique_ptr<Tokenizer> Tokenizer::load_vocabulary(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path folder(dir);
  if (!fs::is_directory(folder)) throw FormatError(dir + ": no such tokenizer folder");
  const std::string tokenizer_json = (folder / "tokenizer.json").string();
  const std::string vocab = (folder / "vocab.json").string();
  const std::string merges = (folder / "merges.txt").string();
  const std::string config = (folder / "tokenizer_config.json").string();

  bool says_byte = false;
  if (fs::exists(config)) {
    const nlohmann::json parsed = read_tokenizer_json(config);
    if (!parsed.is_object()) throw FormatError(config + ": must be a JSON object");
    says_byte = parsed.value("tokenizer_class", nlohmann::json()) == "byte";
  }
  const bool has_bpe = fs::exists(tokenizer_json) || fs::exists(vocab) || fs::exists(merges);
  if (says_byte && has_bpe)
    throw FormatError(config +
                      ": says \"byte\" but the folder also holds BPE files "
                      "(tokenizer.json, vocab.json or merges.txt)");
  if (fs::exists(tokenizer_json)) return BpeTokenizer::from_tokenizer_json(tokenizer_json, config);
  if (fs::exists(vocab) != fs::exists(merges))
    throw FormatError(
        dir + ": has " +
        (fs::exists(vocab) ? "vocab.json but no merges.txt" : "merges.txt but no vocab.json"));
  if (fs::exists(vocab)) return BpeTokenizer::from_vocab_and_merges(vocab, merges, config);
  if (says_byte) return ByteTokenizer::from_config(config);
  throw FormatError(dir +
                    ": no tokenizer files (expected tokenizer.json, vocab.json + merges.txt, "
                    "or tokenizer_config.json with \"tokenizer_class\": \"byte\")");
}

}  // namespace prefstudio

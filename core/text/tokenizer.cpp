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

std::unique_ptr<Tokenizer> Tokenizer::load(const std::string& dir) {
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

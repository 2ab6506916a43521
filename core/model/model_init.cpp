// init_model_checkpoint: spec -> GptConfig + tokenizer -> seeded init -> checkpoint folder.
#include "core/model/model_init.h"

#include <torch/torch.h>

#include <filesystem>

#include "core/common/core_error.h"
#include "core/model/checkpoint.h"
#include "core/model/gpt.h"
#include "core/text/byte_tokenizer.h"

namespace prefstudio {

namespace {

std::unique_ptr<Tokenizer> spec_tokenizer(const nlohmann::json& spec, const std::string& source,
                                          const std::string& base_dir) {
  auto found = spec.find("tokenizer");
  if (found == spec.end() || !found->is_string())
    throw ConfigError(source + ": 'tokenizer' must be \"byte\" or a tokenizer folder");
  const std::string value = found->get<std::string>();
  if (value == "byte") return std::make_unique<ByteTokenizer>();
  std::filesystem::path folder(value);
  if (folder.is_relative()) folder = std::filesystem::path(base_dir) / folder;
  return Tokenizer::load(folder.string());
}

}  // namespace

ModelInitResult init_model_checkpoint(const nlohmann::json& spec, const std::string& out_dir,
                                      const std::string& source, const std::string& base_dir) {
  if (!spec.is_object()) throw ConfigError(source + ": expected a JSON object");
  auto tokenizer = spec_tokenizer(spec, source, base_dir);
  int64_t seed = 0;
  if (spec.contains("seed")) {
    if (!spec["seed"].is_number_integer())
      throw ConfigError(source + ": 'seed' must be an integer, got " + spec["seed"].dump());
    seed = spec["seed"].get<int64_t>();
  }
  nlohmann::json hf = spec;
  hf.erase("tokenizer");
  hf.erase("seed");
  if (!hf.contains("vocab_size")) hf["vocab_size"] = tokenizer->vocab_size();
  if (!hf.contains("eos_token_id")) hf["eos_token_id"] = tokenizer->eos_id();
  if (!hf.contains("bos_token_id")) hf["bos_token_id"] = tokenizer->eos_id();
  hf["prefstudio_tokenizer"] = tokenizer->kind();
  // Checked first: a too-small vocabulary would otherwise surface as a puzzling eos_token_id error.
  if (hf["vocab_size"].is_number_integer() &&
      hf["vocab_size"].get<int64_t>() < tokenizer->vocab_size())
    throw ConfigError(source + ": 'vocab_size' " + hf["vocab_size"].dump() +
                      " is smaller than the tokenizer's " +
                      std::to_string(tokenizer->vocab_size()));
  GptConfig config;
  try {
    config = gpt_config_from_json(hf);
  } catch (const ConfigError& e) {
    throw ConfigError(source + ": " + e.what());
  }

  torch::manual_seed(static_cast<uint64_t>(seed));
  Gpt model(config);  // draws its initialisation from the seeded generator
  CheckpointManifest manifest;
  manifest.kind = "lm";
  manifest = save_checkpoint(out_dir, model, *tokenizer, manifest);
  return ModelInitResult{config, config.parameter_count(), manifest.content_hash};
}

}  // namespace prefstudio

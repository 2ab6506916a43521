// TextGenerator: checkpoint + tokenizer + Sampler behind a torch-free header (text_generator.h).
#include "core/train/text_generator.h"

#include <algorithm>

#include "core/common/runtime.h"
#include "core/model/checkpoint.h"
#include "core/train/sampler.h"

namespace prefstudio {

struct TextGenerator::Impl {
  LoadedModel loaded;
  int64_t tokens_generated = 0;
};

TextGenerator::TextGenerator(const std::string& model_dir, const std::string& device)
    : impl_(std::make_unique<Impl>()) {
  impl_->loaded = load_checkpoint(model_dir, torch::Device(check_device(device)));
  impl_->loaded.model->eval();
}

TextGenerator::~TextGenerator() = default;

const std::string& TextGenerator::content_hash() const {
  return impl_->loaded.manifest.content_hash;
}

int64_t TextGenerator::tokens_generated() const { return impl_->tokens_generated; }

std::vector<std::vector<GeneratedText>> TextGenerator::complete(
    const std::vector<std::string>& prompts, int64_t per_prompt, const GenerationConfig& config,
    uint64_t seed) {
  config.validate();
  if (per_prompt < 1) return std::vector<std::vector<GeneratedText>>(prompts.size());
  const Tokenizer& tokenizer = *impl_->loaded.tokenizer;
  // One row per (prompt, copy), prompt-major, so a prompt's copies share batches where they fit.
  std::vector<std::vector<int64_t>> rows;
  rows.reserve(prompts.size() * per_prompt);
  for (const std::string& prompt : prompts) {
    auto ids = tokenizer.encode_prompt(prompt);
    for (int64_t copy = 0; copy < per_prompt; ++copy) rows.push_back(ids);
  }
  Sampler sampler(impl_->loaded.model, tokenizer.eos_id());
  auto generator = make_sampling_generator(seed);
  std::vector<std::vector<GeneratedText>> out(prompts.size());
  for (size_t start = 0; start < rows.size(); start += config.batch_size) {
    const size_t end = std::min(rows.size(), start + static_cast<size_t>(config.batch_size));
    std::vector<std::vector<int64_t>> batch(rows.begin() + start, rows.begin() + end);
    auto completions = sampler.generate(batch, config, generator);
    impl_->tokens_generated += sampler.last_token_count();
    for (size_t i = 0; i < completions.size(); ++i)
      out[(start + i) / per_prompt].push_back(
          {tokenizer.decode(completions[i]), sampler.last_ended()[i] ? "eos" : "length"});
  }
  return out;
}

}  // namespace prefstudio

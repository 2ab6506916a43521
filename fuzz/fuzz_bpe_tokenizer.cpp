// Fuzzes the GPT-2 BPE tokenizer (core/text/bpe_tokenizer.h, with the vocabulary shipped in
// resources/gpt2-tokenizer) on arbitrary bytes: byte-level BPE must give ids inside the vocabulary
// and decode back to exactly the input bytes, whatever they are (invalid UTF-8 included).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "core/text/bpe_tokenizer.h"

namespace {

const prefstudio::BpeTokenizer& tokenizer() {
  static const std::unique_ptr<prefstudio::BpeTokenizer> loaded = [] {
    const std::string dir = std::string(PREFSTUDIO_SOURCE_DIR) + "/resources/gpt2-tokenizer";
    return prefstudio::BpeTokenizer::from_vocab_and_merges(dir + "/vocab.json",
                                                           dir + "/merges.txt");
  }();
  return *loaded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto ids = tokenizer().encode(text);
  for (int64_t id : ids)
    if (id < 0 || id >= tokenizer().vocab_size()) {
      std::fprintf(stderr, "fuzz check failed: id %lld outside the vocabulary\n",
                   static_cast<long long>(id));
      std::abort();
    }
  if (tokenizer().decode(ids, /*keep_special=*/true) != text) {
    std::fprintf(stderr, "fuzz check failed: decode(encode(text)) != text (%zu bytes)\n", size);
    std::abort();
  }
  return 0;
}

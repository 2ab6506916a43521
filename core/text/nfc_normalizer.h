// Unicode NFC (canonical composition) of UTF-8 text with ICU's unorm2: the "NFC" normalizer of a
// Hugging Face tokenizer.json (Qwen2 declares it). Leaves out NFD/NFKC/NFKD and every other
// normalizer; the tokenizer.json reader refuses those.
#pragma once

#include <string>
#include <string_view>

namespace prefstudio {

// Stateless and thread-safe (ICU's NFC instance is a shared immutable singleton).
class NfcNormalizer {
 public:
  // Throws CoreError when ICU cannot load its normalization data (a broken ICU install).
  NfcNormalizer();

  // NFC of `text`. ASCII comes back unchanged without a copy through ICU. Bytes that are not
  // UTF-8 are kept as they are, and each valid stretch between them is normalized on its own.
  std::string normalize(std::string_view text) const;

 private:
  const void* instance_;  // const UNormalizer2*, kept opaque so ICU's headers stay in the .cpp
};

}  // namespace prefstudio

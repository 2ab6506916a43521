// NFC through ICU's C API: UTF-8 -> UTF-16 -> unorm2_normalize -> UTF-8, for each valid stretch.
#include "core/text/nfc_normalizer.h"

#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include <vector>

#include "core/common/core_error.h"
#include "core/text/utf8_scan.h"

namespace prefstudio {
namespace {

const UNormalizer2* nfc(const void* instance) { return static_cast<const UNormalizer2*>(instance); }

void check(UErrorCode status, const char* step) {
  if (U_FAILURE(status))
    throw CoreError(std::string("NFC normalizer: ICU ") + step + " failed: " + u_errorName(status));
}

std::string normalize_valid(const UNormalizer2* normalizer, std::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  std::vector<UChar> utf16(text.size() + 1);  // UTF-16 never needs more units than UTF-8 bytes
  int32_t utf16_length = 0;
  u_strFromUTF8(utf16.data(), static_cast<int32_t>(utf16.size()), &utf16_length, text.data(),
                static_cast<int32_t>(text.size()), &status);
  check(status, "u_strFromUTF8");
  if (unorm2_isNormalized(normalizer, utf16.data(), utf16_length, &status) && U_SUCCESS(status))
    return std::string(text);
  status = U_ZERO_ERROR;
  // Composition can lengthen text (e.g. some compatibility-excluded characters); ask for the size.
  std::vector<UChar> composed(static_cast<size_t>(utf16_length) * 3 + 16);
  int32_t composed_length =
      unorm2_normalize(normalizer, utf16.data(), utf16_length, composed.data(),
                       static_cast<int32_t>(composed.size()), &status);
  if (status == U_BUFFER_OVERFLOW_ERROR) {
    composed.resize(composed_length + 1);
    status = U_ZERO_ERROR;
    composed_length = unorm2_normalize(normalizer, utf16.data(), utf16_length, composed.data(),
                                       static_cast<int32_t>(composed.size()), &status);
  }
  check(status, "unorm2_normalize");
  std::string out(static_cast<size_t>(composed_length) * 3 + 1, '\0');
  int32_t out_length = 0;
  u_strToUTF8(out.data(), static_cast<int32_t>(out.size()), &out_length, composed.data(),
              composed_length, &status);
  check(status, "u_strToUTF8");
  out.resize(out_length);
  return out;
}

}  // namespace

NfcNormalizer::NfcNormalizer() {
  UErrorCode status = U_ZERO_ERROR;
  instance_ = unorm2_getNFCInstance(&status);
  check(status, "unorm2_getNFCInstance");
}

std::string NfcNormalizer::normalize(std::string_view text) const {
  bool ascii = true;
  for (char c : text) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) return std::string(text);  // NFC never changes ASCII
  std::vector<TextPiece> runs;
  append_utf8_runs(text, 0, text.size(), runs);
  std::string out;
  out.reserve(text.size());
  for (const TextPiece& run : runs)
    out += run.valid_utf8 ? normalize_valid(nfc(instance_), run.text) : std::string(run.text);
  return out;
}

}  // namespace prefstudio

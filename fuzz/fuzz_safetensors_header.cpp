// Fuzzes parse_safetensors_header (core/model/safetensors_header.h) with arbitrary file bytes: it
// may accept or throw FormatError, never read outside the bytes or throw anything else; what it
// accepts must keep every tensor inside the data area with a byte count its shape explains.
#include <cstdio>
#include <cstdlib>

#include "core/common/core_error.h"
#include "core/model/safetensors_header.h"

namespace {

[[noreturn]] void fail(const char* what, const std::string& tensor) {
  std::fprintf(stderr, "fuzz check failed: %s (tensor '%s')\n", what, tensor.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  prefstudio::SafetensorsHeader header;
  try {
    header = prefstudio::parse_safetensors_header(data, size, "fuzz.safetensors");
  } catch (const prefstudio::FormatError&) {
    return 0;
  }
  if (header.data_offset < 8 || header.data_offset > size) fail("data area outside the file", "");
  const uint64_t data_size = size - header.data_offset;
  for (const auto& [name, entry] : header.entries) {
    if (entry.begin > entry.end || entry.end > data_size) fail("byte range outside the data", name);
    uint64_t elements = 1;
    for (int64_t d : entry.shape) {
      if (d < 0) fail("negative dimension", name);
      elements *= static_cast<uint64_t>(d);  // checked against int64 by the parser
    }
    if (elements * prefstudio::safetensors_dtype_bytes(entry.dtype) != entry.end - entry.begin)
      fail("byte range and shape disagree", name);
  }
  return 0;
}

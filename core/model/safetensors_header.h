// The header of a safetensors file (8-byte little-endian length, then a JSON object naming each
// tensor's dtype, shape and byte range) parsed and checked against the file's size. Torch-free:
// SafetensorsFile reads files with it, and the fuzzer feeds it arbitrary bytes without LibTorch.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace prefstudio {

// One tensor as the header describes it; offsets are relative to the data area after the header.
struct SafetensorsEntry {
  std::string dtype;           // "F32", "F16", "BF16", ...
  std::vector<int64_t> shape;  // row-major, may be empty (scalar)
  uint64_t begin = 0;          // byte range [begin, end) in the data area
  uint64_t end = 0;
};

// What a checked header says. Every entry's byte range lies inside the data area and no two
// non-empty ranges overlap.
struct SafetensorsHeader {
  uint64_t data_offset = 0;  // 8 + header length: where the data area starts in the file
  std::map<std::string, SafetensorsEntry> entries;
  std::map<std::string, std::string> metadata;  // "__metadata__", string values only
};

// The reference implementation's limit on the JSON header, in bytes.
constexpr uint64_t kSafetensorsMaxHeaderBytes = 100u << 20;

// Bytes per element of a safetensors dtype name ("F32" 4, "BF16" 2, "BOOL" 1, ...); 0 for a dtype
// the reader does not support.
uint64_t safetensors_dtype_bytes(const std::string& dtype);

// Parses and checks the header at the start of `file` (all `size` bytes of it; nothing past them is
// read). Throws FormatError naming `path` (and the tensor, where one is at fault) for a truncated
// file, a header length beyond the file or over kSafetensorsMaxHeaderBytes, invalid JSON, an
// unknown dtype, a shape whose dimensions or element count do not fit int64 (a zero-sized one too),
// a shape that disagrees with its byte range, or byte ranges that overlap or leave the data area.
SafetensorsHeader parse_safetensors_header(const uint8_t* file, uint64_t size,
                                           const std::string& path);

}  // namespace prefstudio

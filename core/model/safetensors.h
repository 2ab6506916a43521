// Reader and writer of the safetensors format (8-byte little-endian header length, JSON header,
// raw little-endian tensor bytes). The reader maps the file and checks every claim of the header
// before a byte is used; tensors come out as owned copies. Float dtypes F32/F16/BF16 (plus F64 and
// the integer/bool dtypes for buffers); others are refused. Internal header of core (torch).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/model/safetensors_header.h"

namespace prefstudio {

// A mapped, validated safetensors file. The constructor throws FormatError naming the file (and the
// tensor, where one is at fault) for a truncated file, a header length beyond the file or over
// kMaxHeaderBytes, invalid JSON, an unknown dtype, a shape whose dimensions or element count do not
// fit int64 (a zero-sized one too), a shape that disagrees with its byte range, or byte ranges
// that overlap or leave the data area. Owns the mapping; not copyable.
class SafetensorsFile {
 public:
  static constexpr uint64_t kMaxHeaderBytes = kSafetensorsMaxHeaderBytes;

  explicit SafetensorsFile(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  const std::map<std::string, SafetensorsEntry>& entries() const { return entries_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  bool contains(const std::string& name) const { return entries_.count(name) > 0; }
  // A CPU tensor holding a copy of `name`'s bytes, in its stored dtype. FormatError if absent.
  torch::Tensor tensor(const std::string& name) const;

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;  // the whole mapped file
  uint64_t size_ = 0;
  uint64_t data_offset_ = 0;  // 8 + header length
  std::map<std::string, SafetensorsEntry> entries_;
  std::map<std::string, std::string> metadata_;
};

// Writes `tensors` (any device, any layout; F32/F16/BF16/F64/I64/I32/I16/I8/U8/BOOL) to `path`:
// keys sorted, header padded with spaces to a multiple of 8 bytes like the reference writer, data
// in key order. Writes `path` + a temporary suffix, syncs it and renames it into place (then syncs
// the folder), so a power cut leaves the old file or the whole new one. Throws CoreError
// naming the tensor for an unsupported dtype, FormatError naming the file when writing fails.
void write_safetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace prefstudio

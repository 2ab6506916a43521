// safetensors header: the length prefix and the JSON object, checked claim by claim. The header is
// untrusted input: every length and offset is checked against the file size, with overflow-safe
// arithmetic, before a caller touches a tensor byte.
#include "core/model/safetensors_header.h"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "core/common/core_error.h"

namespace prefstudio {

namespace {

struct DtypeSize {
  const char* name;
  uint64_t bytes;
};

const DtypeSize kDtypeSizes[] = {{"F32", 4}, {"F16", 2}, {"BF16", 2}, {"F64", 8}, {"I64", 8},
                                 {"I32", 4}, {"I16", 2}, {"I8", 1},   {"U8", 1},  {"BOOL", 1}};

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

// Parses one tensor's header entry; throws FormatError with `where` ("file: tensor 'x'").
SafetensorsEntry parse_entry(const nlohmann::json& value, const std::string& where,
                             uint64_t data_size) {
  if (!value.is_object()) throw FormatError(where + ": entry is not a JSON object");
  auto dtype = value.find("dtype");
  auto shape = value.find("shape");
  auto offsets = value.find("data_offsets");
  if (dtype == value.end() || !dtype->is_string())
    throw FormatError(where + ": missing or non-string 'dtype'");
  if (shape == value.end() || !shape->is_array())
    throw FormatError(where + ": missing or non-array 'shape'");
  if (offsets == value.end() || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned())
    throw FormatError(where + ": 'data_offsets' must be two non-negative integers");
  SafetensorsEntry entry;
  entry.dtype = dtype->get<std::string>();
  const uint64_t dtype_bytes = safetensors_dtype_bytes(entry.dtype);
  if (dtype_bytes == 0)
    throw FormatError(where + ": unknown or unsupported dtype '" + entry.dtype + "'");
  // Elements counted in int64, as LibTorch counts them, leaving zero dimensions out of the product:
  // a zero-sized tensor needs 0 bytes whatever its other dimensions, so they are checked here or
  // not at all, and LibTorch multiplies in order and can overflow before it meets the zero.
  constexpr uint64_t kInt64Max = static_cast<uint64_t>(INT64_MAX);
  uint64_t elements = 1;
  bool empty = false;
  for (const auto& dim : *shape) {
    if (!dim.is_number_unsigned())
      throw FormatError(where + ": shape holds a non-integer or negative dimension");
    const uint64_t d = dim.get<uint64_t>();
    if (d > kInt64Max)
      throw FormatError(where + ": shape dimension " + std::to_string(d) +
                        " is beyond int64, the largest a tensor can have");
    if (d == 0) {
      empty = true;
    } else {
      if (elements > kInt64Max / d)
        throw FormatError(where + ": shape " + shape->dump() +
                          " has more elements than int64 counts");
      elements *= d;
    }
    entry.shape.push_back(static_cast<int64_t>(d));
  }
  if (elements > kInt64Max / dtype_bytes)
    throw FormatError(where + ": shape " + shape->dump() + " of " + entry.dtype +
                      " needs more bytes than int64 counts");
  const uint64_t bytes = empty ? 0 : elements * dtype_bytes;
  entry.begin = (*offsets)[0].get<uint64_t>();
  entry.end = (*offsets)[1].get<uint64_t>();
  if (entry.begin > entry.end)
    throw FormatError(where + ": data_offsets begin " + std::to_string(entry.begin) +
                      " after end " + std::to_string(entry.end));
  if (entry.end > data_size)
    throw FormatError(where + ": byte range [" + std::to_string(entry.begin) + ", " +
                      std::to_string(entry.end) + ") lies outside the data area of " +
                      std::to_string(data_size) + " bytes (truncated file or lying header)");
  if (entry.end - entry.begin != bytes)
    throw FormatError(where + ": shape " + shape_string(entry.shape) + " of " + entry.dtype +
                      " needs " + std::to_string(bytes) + " bytes, the byte range holds " +
                      std::to_string(entry.end - entry.begin));
  return entry;
}

}  // namespace

uint64_t safetensors_dtype_bytes(const std::string& dtype) {
  for (const auto& info : kDtypeSizes)
    if (dtype == info.name) return info.bytes;
  return 0;
}

SafetensorsHeader parse_safetensors_header(const uint8_t* file, uint64_t size,
                                           const std::string& path) {
  if (size < 8)
    throw FormatError(path + ": truncated file of " + std::to_string(size) +
                      " bytes (no 8-byte header length)");
  uint64_t header_bytes = 0;
  for (int i = 7; i >= 0; --i) header_bytes = (header_bytes << 8) | file[i];  // little-endian
  SafetensorsHeader header;
  if (header_bytes > kSafetensorsMaxHeaderBytes)
    throw FormatError(path + ": header length " + std::to_string(header_bytes) +
                      " bytes is over the limit of " + std::to_string(kSafetensorsMaxHeaderBytes));
  if (header_bytes > size - 8)
    throw FormatError(path + ": header length " + std::to_string(header_bytes) +
                      " bytes is larger than the file (" + std::to_string(size) + " bytes)");
  header.data_offset = 8 + header_bytes;
  const uint64_t data_size = size - header.data_offset;
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(file + 8, file + header.data_offset);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(path + ": header is not valid JSON (" + e.what() + ")");
  }
  if (!json.is_object()) throw FormatError(path + ": header is not a JSON object");
  for (const auto& [name, value] : json.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) throw FormatError(path + ": __metadata__ is not a JSON object");
      for (const auto& [key, text] : value.items()) {
        if (!text.is_string())
          throw FormatError(path + ": __metadata__ value of '" + key + "' is not a string");
        header.metadata[key] = text.get<std::string>();
      }
      continue;
    }
    header.entries[name] = parse_entry(value, path + ": tensor '" + name + "'", data_size);
  }
  // Overlap check on ranges sorted by start; empty tensors occupy nothing.
  std::vector<std::pair<const std::string*, const SafetensorsEntry*>> sorted;
  for (const auto& [name, entry] : header.entries)
    if (entry.end > entry.begin) sorted.emplace_back(&name, &entry);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.second->begin < b.second->begin; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i].second->begin < sorted[i - 1].second->end)
      throw FormatError(path + ": tensor '" + *sorted[i].first + "' overlaps tensor '" +
                        *sorted[i - 1].first + "' in the data area");
  }
  return header;
}

}  // namespace prefstudio

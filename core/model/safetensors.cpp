// safetensors: mmap-based validating reader and a temp, sync and rename writer. The header is
// untrusted input: every length and offset is checked against the file size, with overflow-safe
// arithmetic, before any tensor byte is touched.
#include "core/model/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/common/core_error.h"
#include "core/common/file_sync.h"

namespace prefstudio {

namespace {

struct DtypeInfo {
  const char* name;
  torch::ScalarType type;
  uint64_t bytes;
};

const DtypeInfo kDtypes[] = {
    {"F32", torch::kFloat, 4},  {"F16", torch::kHalf, 2}, {"BF16", torch::kBFloat16, 2},
    {"F64", torch::kDouble, 8}, {"I64", torch::kLong, 8}, {"I32", torch::kInt, 4},
    {"I16", torch::kShort, 2},  {"I8", torch::kChar, 1},  {"U8", torch::kByte, 1},
    {"BOOL", torch::kBool, 1},
};

const DtypeInfo* find_dtype(const std::string& name) {
  for (const auto& info : kDtypes)
    if (name == info.name) return &info;
  return nullptr;
}

const DtypeInfo* find_dtype(torch::ScalarType type) {
  for (const auto& info : kDtypes)
    if (type == info.type) return &info;
  return nullptr;
}

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
  const DtypeInfo* info = find_dtype(entry.dtype);
  if (info == nullptr)
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
  if (elements > kInt64Max / info->bytes)
    throw FormatError(where + ": shape " + shape->dump() + " of " + entry.dtype +
                      " needs more bytes than int64 counts");
  const uint64_t bytes = empty ? 0 : elements * info->bytes;
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

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw FormatError(path + ": cannot open (" + std::strerror(errno) + ")");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    throw FormatError(path + ": cannot stat");
  }
  size_ = static_cast<uint64_t>(st.st_size);
  if (size_ < 8) {
    ::close(fd);
    throw FormatError(path + ": truncated file of " + std::to_string(size_) +
                      " bytes (no 8-byte header length)");
  }
  void* mapped = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);  // the mapping keeps the file alive
  if (mapped == MAP_FAILED) throw FormatError(path + ": cannot map the file");
  data_ = static_cast<const uint8_t*>(mapped);
  try {
    uint64_t header_bytes = 0;
    for (int i = 7; i >= 0; --i) header_bytes = (header_bytes << 8) | data_[i];  // little-endian
    parse_header(header_bytes);
  } catch (...) {
    ::munmap(const_cast<uint8_t*>(data_), size_);
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() {
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
}

void SafetensorsFile::parse_header(uint64_t header_bytes) {
  if (header_bytes > kMaxHeaderBytes)
    throw FormatError(path_ + ": header length " + std::to_string(header_bytes) +
                      " bytes is over the limit of " + std::to_string(kMaxHeaderBytes));
  if (header_bytes > size_ - 8)
    throw FormatError(path_ + ": header length " + std::to_string(header_bytes) +
                      " bytes is larger than the file (" + std::to_string(size_) + " bytes)");
  data_offset_ = 8 + header_bytes;
  const uint64_t data_size = size_ - data_offset_;
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(data_ + 8, data_ + data_offset_);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(path_ + ": header is not valid JSON (" + e.what() + ")");
  }
  if (!header.is_object()) throw FormatError(path_ + ": header is not a JSON object");
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) throw FormatError(path_ + ": __metadata__ is not a JSON object");
      for (const auto& [key, text] : value.items()) {
        if (!text.is_string())
          throw FormatError(path_ + ": __metadata__ value of '" + key + "' is not a string");
        metadata_[key] = text.get<std::string>();
      }
      continue;
    }
    entries_[name] = parse_entry(value, path_ + ": tensor '" + name + "'", data_size);
  }
  // Overlap check on ranges sorted by start; empty tensors occupy nothing.
  std::vector<std::pair<const std::string*, const SafetensorsEntry*>> sorted;
  for (const auto& [name, entry] : entries_)
    if (entry.end > entry.begin) sorted.emplace_back(&name, &entry);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.second->begin < b.second->begin; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i].second->begin < sorted[i - 1].second->end)
      throw FormatError(path_ + ": tensor '" + *sorted[i].first + "' overlaps tensor '" +
                        *sorted[i - 1].first + "' in the data area");
  }
}

torch::Tensor SafetensorsFile::tensor(const std::string& name) const {
  auto found = entries_.find(name);
  if (found == entries_.end()) throw FormatError(path_ + ": no tensor '" + name + "'");
  const SafetensorsEntry& entry = found->second;
  auto out = torch::empty(entry.shape, torch::TensorOptions().dtype(find_dtype(entry.dtype)->type));
  // A copy, not from_blob: the data need not be aligned and must outlive the mapping.
  if (entry.end > entry.begin)
    std::memcpy(out.data_ptr(), data_ + data_offset_ + entry.begin, entry.end - entry.begin);
  return out;
}

void write_safetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> blobs;
  uint64_t offset = 0;
  for (const auto& [name, value] : tensors) {  // std::map: sorted keys
    if (name == "__metadata__") throw CoreError("write_safetensors: '__metadata__' is reserved");
    const DtypeInfo* info = find_dtype(value.scalar_type());
    if (info == nullptr)
      throw CoreError("write_safetensors: tensor '" + name + "' has unsupported dtype " +
                      std::string(c10::toString(value.scalar_type())));
    auto blob = value.detach().to(torch::kCPU).contiguous();
    const uint64_t bytes = static_cast<uint64_t>(blob.numel()) * info->bytes;
    header[name] = {{"dtype", info->name},
                    {"shape", blob.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    blobs.push_back(blob);
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the reference pads with spaces to 8 bytes
  uint8_t length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<uint8_t>(uint64_t(text.size()) >> (8 * i));

  static std::atomic<int> counter{0};  // two threads writing one path get two temporaries
  const std::string temp =
      path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw FormatError(temp + ": cannot create");
    out.write(reinterpret_cast<const char*>(length), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& blob : blobs)
      out.write(static_cast<const char*>(blob.data_ptr()),
                static_cast<std::streamsize>(blob.numel() * blob.element_size()));
    out.flush();
    if (!out) {
      std::filesystem::remove(temp);
      throw FormatError(temp + ": write failed (disk full?)");
    }
  }
  try {
    rename_durably(temp, path);  // a power cut leaves the old file or the new one, not an empty one
  } catch (const FormatError&) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw;
  }
}

}  // namespace prefstudio

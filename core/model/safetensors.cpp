// safetensors: mmap-based validating reader and a temp, sync and rename writer. The header is
// checked by parse_safetensors_header (safetensors_header.cpp) before any tensor byte is touched.
#include "core/model/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <utility>

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
  if (size_ < 8) {  // mmap refuses an empty file; the header check throws, saying what is wrong
    ::close(fd);
    parse_safetensors_header(nullptr, size_, path);
  }
  void* mapped = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);  // the mapping keeps the file alive
  if (mapped == MAP_FAILED) throw FormatError(path + ": cannot map the file");
  data_ = static_cast<const uint8_t*>(mapped);
  try {
    SafetensorsHeader header = parse_safetensors_header(data_, size_, path);
    data_offset_ = header.data_offset;
    entries_ = std::move(header.entries);
    metadata_ = std::move(header.metadata);
  } catch (...) {
    ::munmap(const_cast<uint8_t*>(data_), size_);
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() {
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
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

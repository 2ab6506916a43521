#include "core/dist/shared_checkpoint.h"

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <system_error>

#include "core/common/core_error.h"
#include "core/dist/collective.h"

namespace prefstudio {

namespace {

namespace fs = std::filesystem;

// The folder's regular files: paths relative to it, and one buffer of their bytes end to end.
struct FolderImage {
  nlohmann::json files = nlohmann::json::array();  // [{"path": ..., "bytes": n}, ...]
  std::string content;
};

FolderImage read_folder(const fs::path& dir) {
  if (!fs::is_directory(dir))
    throw FormatError(dir.string() + ": resume_from is not a checkpoint folder on rank 0");
  FolderImage image;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) throw FormatError(entry.path().string() + ": cannot be read");
    image.files.push_back({{"path", fs::relative(entry.path(), dir).generic_string()},
                           {"bytes", bytes.size()}});
    image.content += bytes;
  }
  return image;
}

// Broadcasts a byte string from rank 0: its length, then its bytes.
std::string broadcast_bytes(const std::string& bytes, Collective& collective) {
  std::vector<torch::Tensor> length{
      torch::tensor({static_cast<int64_t>(bytes.size())}, torch::kLong)};
  collective.broadcast(length, 0);
  const int64_t n = length[0].item<int64_t>();
  std::vector<torch::Tensor> buffer{torch::empty({n}, torch::kUInt8)};
  if (collective.rank() == 0 && n > 0)
    std::memcpy(buffer[0].data_ptr<uint8_t>(), bytes.data(), static_cast<size_t>(n));
  collective.broadcast(buffer, 0);
  return std::string(reinterpret_cast<const char*>(buffer[0].data_ptr<uint8_t>()),
                     static_cast<size_t>(n));
}

void write_folder(const fs::path& dir, const nlohmann::json& files, const std::string& content) {
  size_t offset = 0;
  for (const auto& file : files) {
    const fs::path path = dir / file.at("path").get<std::string>();
    const size_t bytes = file.at("bytes").get<size_t>();
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out.write(content.data() + offset, static_cast<std::streamsize>(bytes));
    if (!out) throw CoreError(path.string() + ": cannot write the received checkpoint copy");
    offset += bytes;
  }
}

}  // namespace

SharedCheckpoint::SharedCheckpoint(const std::string& dir, Collective& collective) : path_(dir) {
  if (dir.empty() || collective.world_size() == 1) return;
  // Rank 0 sends the file list, or its error so that the others stop at once instead of
  // waiting out the timeout.
  FolderImage image;
  std::string header;
  if (collective.rank() == 0) {
    try {
      image = read_folder(dir);
      header = nlohmann::json{{"files", image.files}}.dump();
    } catch (const std::exception& e) {
      broadcast_bytes(nlohmann::json{{"error", e.what()}}.dump(), collective);
      throw;
    }
  }
  const nlohmann::json received = nlohmann::json::parse(broadcast_bytes(header, collective));
  if (received.contains("error"))
    throw FormatError("rank 0 could not read the checkpoint to resume from: " +
                      received.at("error").get<std::string>());
  const std::string content = broadcast_bytes(image.content, collective);
  if (collective.rank() == 0) return;
  const nlohmann::json& files = received.at("files");
  // The copy keeps the folder's name (step-000004, final), under a folder of this process's own.
  received_root_ = (fs::temp_directory_path() /
                    ("prefstudio-resume-" + std::to_string(::getpid()) + "-rank" +
                     std::to_string(collective.rank())))
                       .string();
  fs::path name = fs::path(dir).lexically_normal();
  if (name.filename().empty()) name = name.parent_path();
  const fs::path copy = fs::path(received_root_) / name.filename();
  fs::remove_all(received_root_);
  write_folder(copy, files, content);
  path_ = copy.string();
}

SharedCheckpoint::~SharedCheckpoint() {
  if (received_root_.empty()) return;
  std::error_code ignored;  // a copy left in the temporary folder is harmless
  fs::remove_all(received_root_, ignored);
}

}  // namespace prefstudio

// CheckpointWeights: one model.safetensors or an index and its shards; the sharded writer.
#include "core/model/checkpoint_weights.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/common/core_error.h"
#include "core/common/file_sync.h"
#include "core/model/content_hash.h"

namespace fs = std::filesystem;

namespace prefstudio {

namespace {

nlohmann::json read_index(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw FormatError(path.string() + ": cannot open");
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(path.string() + ": invalid JSON (" + e.what() + ")");
  }
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object() ||
      index["weight_map"].empty())
    throw FormatError(path.string() + ": no \"weight_map\" object naming each tensor's file");
  return index;
}

// The shard file names an index uses, each checked to be a plain name inside the folder.
std::set<std::string> shard_names(const nlohmann::json& index, const fs::path& index_path) {
  std::set<std::string> shards;
  for (auto it = index["weight_map"].begin(); it != index["weight_map"].end(); ++it) {
    if (!it.value().is_string())
      throw FormatError(index_path.string() + ": weight_map[\"" + it.key() +
                        "\"] must be a file name, got " + it.value().dump());
    const std::string shard = it.value().get<std::string>();
    if (shard.empty() || fs::path(shard).filename().string() != shard || shard == "..")
      throw FormatError(index_path.string() + ": weight_map[\"" + it.key() + "\"] names \"" +
                        shard + "\", not a file of this folder");
    shards.insert(shard);
  }
  return shards;
}

std::string sharded_hash(const fs::path& dir, const std::set<std::string>& shards) {
  std::string listing;
  for (const auto& shard : shards) listing += shard + " " + sha256_file((dir / shard).string()) + "\n";
  return sha256_hex(listing);
}

uint64_t tensor_bytes(const torch::Tensor& t) {
  return uint64_t(t.numel()) * uint64_t(t.element_size());
}

}  // namespace

CheckpointWeights::CheckpointWeights(const std::string& dir) : dir_(dir) {
  const fs::path folder(dir);
  if (fs::exists(folder / kSingleFile)) {
    files_.push_back(std::make_unique<SafetensorsFile>((folder / kSingleFile).string()));
    for (const auto& [name, entry] : files_[0]->entries()) where_[name] = files_[0].get();
    return;
  }
  const fs::path index_path = folder / kIndexFile;
  if (!fs::exists(index_path))
    throw FormatError(dir + ": no weights (expected " + kSingleFile + " or " + kIndexFile + ")");
  const auto index = read_index(index_path);
  std::map<std::string, const SafetensorsFile*> by_shard;
  for (const auto& shard : shard_names(index, index_path)) {
    if (!fs::exists(folder / shard))
      throw FormatError(index_path.string() + ": names shard \"" + shard + "\", which is missing");
    files_.push_back(std::make_unique<SafetensorsFile>((folder / shard).string()));
    by_shard[shard] = files_.back().get();
  }
  for (auto it = index["weight_map"].begin(); it != index["weight_map"].end(); ++it) {
    const SafetensorsFile* file = by_shard.at(it.value().get<std::string>());
    if (!file->contains(it.key()))
      throw FormatError(index_path.string() + ": places tensor '" + it.key() + "' in " +
                        file->path() + ", which does not hold it");
    where_[it.key()] = file;
  }
}

torch::Tensor CheckpointWeights::tensor(const std::string& name) const {
  auto found = where_.find(name);
  if (found == where_.end()) throw FormatError(dir_ + ": no tensor '" + name + "'");
  return found->second->tensor(name);
}

const SafetensorsEntry& CheckpointWeights::entry(const std::string& name) const {
  auto found = where_.find(name);
  if (found == where_.end()) throw FormatError(dir_ + ": no tensor '" + name + "'");
  return found->second->entries().at(name);
}

std::vector<std::string> CheckpointWeights::names() const {
  std::vector<std::string> out;
  for (const auto& [name, file] : where_) out.push_back(name);
  return out;
}

std::string CheckpointWeights::path_of(const std::string& name) const {
  auto found = where_.find(name);
  if (found != where_.end()) return found->second->path();
  return files_.size() == 1 ? files_[0]->path() : (fs::path(dir_) / kIndexFile).string();
}

std::string CheckpointWeights::content_hash() const { return weights_content_hash(dir_); }

uint64_t CheckpointWeights::stored_bytes() const {
  uint64_t total = 0;
  for (const auto& [name, file] : where_) {
    const auto& e = file->entries().at(name);
    total += e.end - e.begin;
  }
  return total;
}

std::string weights_content_hash(const std::string& dir) {
  const fs::path folder(dir);
  if (fs::exists(folder / CheckpointWeights::kSingleFile))
    return sha256_file((folder / CheckpointWeights::kSingleFile).string());
  const fs::path index_path = folder / CheckpointWeights::kIndexFile;
  if (!fs::exists(index_path))
    throw FormatError(dir + ": no weights (expected " + CheckpointWeights::kSingleFile + " or " +
                      CheckpointWeights::kIndexFile + ")");
  return sharded_hash(folder, shard_names(read_index(index_path), index_path));
}

std::string write_checkpoint_weights(const std::string& dir,
                                     const std::map<std::string, torch::Tensor>& tensors,
                                     const std::map<std::string, std::string>& metadata,
                                     uint64_t max_shard_bytes) {
  const fs::path folder(dir);
  uint64_t total = 0;
  for (const auto& [name, t] : tensors) total += tensor_bytes(t);
  if (total <= max_shard_bytes) {
    write_safetensors((folder / CheckpointWeights::kSingleFile).string(), tensors, metadata);
    return sha256_file((folder / CheckpointWeights::kSingleFile).string());
  }
  // Fill shards in name order; a tensor larger than the limit gets a shard of its own.
  std::vector<std::map<std::string, torch::Tensor>> shards(1);
  uint64_t filled = 0;
  for (const auto& [name, t] : tensors) {
    if (filled > 0 && filled + tensor_bytes(t) > max_shard_bytes) {
      shards.emplace_back();
      filled = 0;
    }
    shards.back()[name] = t;
    filled += tensor_bytes(t);
  }
  nlohmann::json weight_map = nlohmann::json::object();
  std::set<std::string> names;
  for (size_t i = 0; i < shards.size(); ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", i + 1, shards.size());
    write_safetensors((folder / name).string(), shards[i], metadata);
    for (const auto& [tensor_name, t] : shards[i]) weight_map[tensor_name] = name;
    names.insert(name);
  }
  nlohmann::json index{{"metadata", {{"total_size", total}}}, {"weight_map", weight_map}};
  write_file_durably((folder / CheckpointWeights::kIndexFile).string(), index.dump(2) + "\n");
  return sharded_hash(folder, names);
}

}  // namespace prefstudio

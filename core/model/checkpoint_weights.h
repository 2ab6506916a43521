// The weights of a checkpoint folder, whole or sharded: model.safetensors, or
// model.safetensors.index.json with its "weight_map" naming the shard of every tensor, as
// transformers' save_pretrained writes models above its max_shard_size. Reading checks the index
// before a byte is used; writing shards above a size and writes the index. Internal header of
// core (torch).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/model/safetensors.h"

namespace prefstudio {

class CheckpointWeights {
 public:
  static constexpr const char* kSingleFile = "model.safetensors";
  static constexpr const char* kIndexFile = "model.safetensors.index.json";

  // Opens `dir`'s weights: model.safetensors if present, else the index and every shard it names.
  // Throws FormatError naming the file: no weights, an index that is not JSON or has no
  // weight_map, a shard outside the folder or missing, a tensor the index places in a shard that
  // does not hold it.
  explicit CheckpointWeights(const std::string& dir);

  bool contains(const std::string& name) const { return where_.count(name) > 0; }
  // A CPU copy of the tensor in its stored dtype; FormatError naming the file if absent.
  torch::Tensor tensor(const std::string& name) const;
  const SafetensorsEntry& entry(const std::string& name) const;
  std::vector<std::string> names() const;
  // The file holding `name`, or the folder's weights description when absent, for messages.
  std::string path_of(const std::string& name) const;
  // The identity of the weights: SHA-256 of model.safetensors, or for a sharded folder the SHA-256
  // of "<shard name> <shard sha256>\n" over the shards in name order.
  std::string content_hash() const;
  // Bytes of all tensors as stored.
  uint64_t stored_bytes() const;

 private:
  std::string dir_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, const SafetensorsFile*> where_;  // tensor name -> its file
};

// The content hash CheckpointWeights would report, without mapping the tensors.
std::string weights_content_hash(const std::string& dir);

// Writes `tensors` into `dir` (which exists) as transformers does: one model.safetensors when their
// bytes fit `max_shard_bytes`, else model-0000K-of-0000N.safetensors files filled in name order
// plus model.safetensors.index.json ({"metadata": {"total_size"}, "weight_map"}). Each file is
// synced (write_safetensors). Returns the content hash, as content_hash() would compute it.
std::string write_checkpoint_weights(const std::string& dir,
                                     const std::map<std::string, torch::Tensor>& tensors,
                                     const std::map<std::string, std::string>& metadata,
                                     uint64_t max_shard_bytes);

}  // namespace prefstudio

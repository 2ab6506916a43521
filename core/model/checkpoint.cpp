// Checkpoint folders: config.json + model.safetensors (or its shards and index) in Hugging Face's
// layout, the tokenizer's files, and prefstudio.json. Loading maps HF names (and GPT-2's Conv1D
// (in, out) layout) onto our modules and refuses anything missing or mis-shaped; saving writes a
// temporary folder, syncs every file and the folder, and renames it into place. Leaves out: .bin
// (pickle) files.
#include "core/model/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/common/core_error.h"
#include "core/common/file_sync.h"
#include "core/model/checkpoint_weights.h"
#include "core/model/content_hash.h"

namespace fs = std::filesystem;

namespace prefstudio {

namespace {

constexpr const char* kConfigFile = "config.json";
constexpr const char* kManifestFile = "prefstudio.json";
// transformers' save_pretrained default max_shard_size ("5GB"); PREFSTUDIO_MAX_SHARD_MB overrides.
constexpr uint64_t kDefaultMaxShardBytes = 5000ull * 1000 * 1000;
// Models this large announce their memory before loading.
constexpr int64_t kAnnounceParameters = 50'000'000;

// Building a Gpt draws its initialisation from torch's global CPU generator. Loading must not move
// that state, or a seeded sampler would draw different numbers depending on whether it loaded
// first.
class CpuRngStateGuard {
 public:
  CpuRngStateGuard() : generator_(at::detail::getDefaultCPUGenerator()) {
    std::lock_guard<std::mutex> lock(generator_.mutex());
    state_ = generator_.get_state();
  }
  ~CpuRngStateGuard() {
    std::lock_guard<std::mutex> lock(generator_.mutex());
    generator_.set_state(state_);
  }

 private:
  at::Generator generator_;
  torch::Tensor state_;
};

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// HF's GPT-2 keeps these four as Conv1D with weight (in, out); ours are Linear (out, in).
bool is_conv1d_weight(const std::string& name) {
  return ends_with(name, ".attn.c_attn.weight") || ends_with(name, ".attn.c_proj.weight") ||
         ends_with(name, ".mlp.c_fc.weight") || ends_with(name, ".mlp.c_proj.weight");
}

// Buffers and tied weights HF checkpoints may carry that are not parameters of ours.
bool is_ignored_key(const std::string& name) {
  return ends_with(name, ".attn.bias") || ends_with(name, ".attn.masked_bias") ||
         ends_with(name, ".rotary_emb.inv_freq") || name == "lm_head.weight";
}

// The file's key for one of our parameters: the same name, or without the top module's prefix
// ("transformer." for GPT-2, "model." for Llama), as GPT2Model and LlamaModel save them. "" if
// neither is there.
std::string file_key(const CheckpointWeights& weights, const std::string& name) {
  if (weights.contains(name)) return name;
  for (const char* prefix : {"transformer.", "model."}) {
    const std::string p(prefix);
    if (name.rfind(p, 0) == 0 && weights.contains(name.substr(p.size())))
      return name.substr(p.size());
  }
  return "";
}

uint64_t max_shard_bytes() {
  const char* env = std::getenv("PREFSTUDIO_MAX_SHARD_MB");
  if (env == nullptr || *env == '\0') return kDefaultMaxShardBytes;
  char* end = nullptr;
  const double mb = std::strtod(env, &end);
  if (end == env || *end != '\0' || !(mb > 0.0))
    throw ConfigError(std::string("PREFSTUDIO_MAX_SHARD_MB: expected a positive number, got \"") +
                      env + "\"");
  return static_cast<uint64_t>(mb * 1e6);
}

std::string shape_string(torch::IntArrayRef shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw FormatError(path.string() + ": cannot open");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(path.string() + ": invalid JSON (" + e.what() + ")");
  }
}

// Written and synced: the folder it is in is renamed into place next, and a rename can reach the
// disk before the data it names.
void write_text(const fs::path& path, const std::string& text) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) throw FormatError(path.string() + ": write failed");
  }
  sync_path(path.string());
}

GptConfig read_config(const fs::path& dir) {
  try {
    return gpt_config_from_json(read_json(dir / kConfigFile));
  } catch (const ConfigError& e) {
    throw FormatError((dir / kConfigFile).string() + ": " + e.what());
  }
}

// A tied model unembeds with its token embedding, so a stored lm_head.weight must be a bit-equal
// copy of it (old Hugging Face files carry one); anything else would be ignored and the logits
// wrong.
void check_tied_head(const CheckpointWeights& weights, const std::string& embedding_key) {
  const auto head = weights.tensor("lm_head.weight"), wte = weights.tensor(embedding_key);
  const std::string path = weights.path_of("lm_head.weight");
  if (head.sizes() != wte.sizes())
    throw FormatError(path + ": tensor 'lm_head.weight' has shape " + shape_string(head.sizes()) +
                      ", but it is tied to '" + embedding_key + "' " + shape_string(wte.sizes()));
  if (head.scalar_type() != wte.scalar_type() || !torch::equal(head, wte))
    throw FormatError(path + ": tensor 'lm_head.weight' differs from '" + embedding_key +
                      "', but config.json ties them (tie_word_embeddings)");
}

// Copies every parameter of `model` from `file`; what is left over and not ignored goes to `extra`.
void load_weights(const CheckpointWeights& weights, Gpt& model,
                  std::map<std::string, torch::Tensor>* extra) {
  torch::NoGradGuard no_grad;
  std::set<std::string> used;
  std::string embedding_key;
  for (auto& item : model->named_parameters()) {
    const std::string& name = item.key();  // e.g. "transformer.h.0.attn.c_attn.weight"
    const std::string key = file_key(weights, name);
    if (key.empty())
      throw FormatError(weights.path_of(name) + ": missing tensor '" + name +
                        "' (config.json asks for it)");
    auto value = weights.tensor(key);
    auto& param = item.value();
    const bool conv1d = is_conv1d_weight(name);
    auto expected = param.sizes().vec();
    if (conv1d) std::reverse(expected.begin(), expected.end());
    if (value.sizes().vec() != expected)
      throw FormatError(weights.path_of(key) + ": tensor '" + key + "' has shape " +
                        shape_string(value.sizes()) + ", config.json implies " +
                        shape_string(expected));
    if (!value.is_floating_point())
      throw FormatError(weights.path_of(key) + ": tensor '" + key +
                        "' is not a floating-point tensor");
    param.copy_(conv1d ? value.t() : value);
    used.insert(key);
    if (ends_with(name, "wte.weight") || ends_with(name, "embed_tokens.weight"))
      embedding_key = key;
  }
  for (const auto& key : weights.names()) {
    if (used.count(key)) continue;
    if (key == "lm_head.weight") check_tied_head(weights, embedding_key);
    if (is_ignored_key(key)) continue;
    (*extra)[key] = weights.tensor(key);
  }
}

// The dtype the parameters live in: float32 on CPU; on a GPU the checkpoint's stored dtype (BF16,
// F16), unless PREFSTUDIO_WEIGHTS_DTYPE=float32 asks for an upcast (or =stored keeps BF16 on CPU).
torch::ScalarType parameter_dtype(const CheckpointWeights& weights, const std::string& embedding,
                                  const torch::Device& device) {
  const char* env = std::getenv("PREFSTUDIO_WEIGHTS_DTYPE");
  const std::string setting = env != nullptr ? env : "";
  if (!setting.empty() && setting != "float32" && setting != "stored")
    throw ConfigError("PREFSTUDIO_WEIGHTS_DTYPE: expected \"float32\" or \"stored\", got \"" +
                      setting + "\"");
  const bool keep = setting == "stored" || (setting.empty() && device.is_cuda());
  if (!keep) return torch::kFloat;
  const std::string stored = weights.entry(embedding).dtype;
  if (stored == "BF16") return torch::kBFloat16;
  if (stored == "F16") return torch::kHalf;
  return torch::kFloat;
}

// config.json's torch_dtype: the dtype the weights are written in (save_checkpoint sets it; the
// stored weights' own dtype decides on load, see parameter_dtype).
std::string dtype_name(torch::ScalarType dtype) {
  if (dtype == torch::kBFloat16) return "bfloat16";
  if (dtype == torch::kHalf) return "float16";
  return "float32";
}

void announce_memory(const std::string& dir, const GptConfig& config, torch::ScalarType dtype,
                     const torch::Device& device) {
  const int64_t params = config.parameter_count();
  if (params < kAnnounceParameters) return;
  const double bytes = double(params) * double(c10::elementSize(dtype));
  std::fprintf(stderr,
               "prefstudio: loading %s: %.1fM parameters, %.0f MiB as %s on %s (training with "
               "AdamW needs about 4x that for gradients and optimizer state)\n",
               dir.c_str(), double(params) / 1e6, bytes / (1 << 20), c10::toString(dtype),
               device.str().c_str());
}

CheckpointManifest read_manifest(const fs::path& dir, const std::string& actual_hash) {
  CheckpointManifest manifest;
  manifest.content_hash = actual_hash;
  const fs::path path = dir / kManifestFile;
  if (!fs::exists(path)) return manifest;
  auto json = read_json(path);
  try {
    manifest.content_hash = json.value("content_hash", actual_hash);
    manifest.run_id = json.value("run_id", int64_t{0});
    manifest.step = json.value("step", int64_t{0});
    manifest.kind = json.value("kind", std::string("lm"));
    manifest.reward_offset = json.value("reward_offset", 0.0);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(path.string() + ": " + e.what());
  }
  if (manifest.content_hash != actual_hash)
    throw FormatError(path.string() + ": content_hash " + manifest.content_hash +
                      " does not match the weights (" + actual_hash +
                      "): the weights were changed or damaged");
  return manifest;
}

LoadedModel load_folder(const std::string& given, const torch::Device& device,
                        bool with_tokenizer) {
  const std::string dir = resolve_model_folder(given);
  const fs::path folder(dir);
  if (!fs::is_directory(folder)) throw FormatError(dir + ": not a checkpoint folder");
  LoadedModel out;
  if (with_tokenizer) out.tokenizer = Tokenizer::load(dir);
  out.config = read_config(folder);
  if (out.tokenizer) {
    out.config.tokenizer = out.tokenizer->kind();
    if (out.tokenizer->vocab_size() > out.config.vocab_size)
      throw FormatError(dir + ": the tokenizer has " + std::to_string(out.tokenizer->vocab_size()) +
                        " ids, more than config.json's vocab_size " +
                        std::to_string(out.config.vocab_size));
  }
  CheckpointWeights weights(dir);
  out.manifest = read_manifest(folder, weights.content_hash());
  const std::string embedding = out.config.is_llama() ? "model.embed_tokens.weight" : "";
  const auto dtype = out.config.is_llama() && weights.contains(embedding)
                         ? parameter_dtype(weights, embedding, device)
                         : torch::kFloat;
  announce_memory(dir, out.config, dtype, device);
  {
    CpuRngStateGuard keep_rng;
    out.model = Gpt(out.config);  // its random init is overwritten below
  }
  load_weights(weights, out.model, &out.extra);
  out.model->to(device, dtype);
  for (auto& [name, tensor] : out.extra) tensor = tensor.to(device);
  return out;
}

// A fresh sibling path for temporary folders: ".name.tmp-PID-N" beside `target`.
fs::path sibling_temp(const fs::path& target, const char* tag) {
  static std::atomic<int> counter{0};
  return target.parent_path() / ("." + target.filename().string() + tag +
                                 std::to_string(::getpid()) + "-" + std::to_string(counter++));
}

std::map<std::string, torch::Tensor> hf_tensors(Gpt& model,
                                                const std::map<std::string, torch::Tensor>& extra) {
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& item : model->named_parameters()) {
    auto value = item.value().detach().to(torch::kCPU);
    tensors[item.key()] = is_conv1d_weight(item.key()) ? value.t().contiguous() : value;
  }
  for (const auto& [name, value] : extra) {
    if (tensors.count(name) || name == "lm_head.weight" || name.rfind("model.", 0) == 0)
      throw CoreError("save_checkpoint: extra tensor '" + name + "' collides with a model tensor");
    tensors[name] = value.detach().to(torch::kCPU);
  }
  return tensors;
}

// transformers' class for a scalar head on this architecture.
std::string sequence_classifier(const GptConfig& config) {
  if (config.model_type == "qwen2") return "Qwen2ForSequenceClassification";
  if (config.model_type == "llama") return "LlamaForSequenceClassification";
  return "GPT2ForSequenceClassification";
}

}  // namespace

int64_t score_head_pad_token_id(const GptConfig& config) {
  return config.eos_token_id == kScoreHeadPadTokenId ? kScoreHeadPadTokenId + 1
                                                     : kScoreHeadPadTokenId;
}

std::string checkpoint_content_hash(const std::string& dir) {
  return weights_content_hash(resolve_model_folder(dir));
}

LoadedModel load_checkpoint(const std::string& dir, const torch::Device& device) {
  return load_folder(dir, device, true);
}

LoadedModel load_model_only(const std::string& dir, const torch::Device& device) {
  return load_folder(dir, device, false);
}

CheckpointManifest save_checkpoint(const std::string& dir, Gpt model, const Tokenizer& tokenizer,
                                   CheckpointManifest manifest,
                                   const std::map<std::string, torch::Tensor>& extra) {
  fs::path target = fs::path(dir).lexically_normal();
  if (target.filename().empty()) target = target.parent_path();  // "out/ckpt/" -> "out/ckpt"
  if (target.has_parent_path()) fs::create_directories(target.parent_path());
  const fs::path temp = sibling_temp(target, ".tmp-");
  try {
    fs::create_directory(temp);
    auto config_json = to_json(model->config());
    config_json["prefstudio_tokenizer"] = tokenizer.kind();
    config_json["torch_dtype"] = dtype_name(model->parameters().front().scalar_type());
    if (manifest.kind == "reward" || manifest.kind == "value") {
      config_json["architectures"] = nlohmann::json::array({sequence_classifier(model->config())});
      config_json["num_labels"] = 1;
      config_json["pad_token_id"] = score_head_pad_token_id(model->config());
    }
    write_text(temp / kConfigFile, config_json.dump(2) + "\n");
    manifest.content_hash = write_checkpoint_weights(temp.string(), hf_tensors(model, extra),
                                                     {{"format", "pt"}}, max_shard_bytes());
    tokenizer.save(temp.string());
    nlohmann::json json{{"content_hash", manifest.content_hash},
                        {"run_id", manifest.run_id},
                        {"step", manifest.step},
                        {"kind", manifest.kind},
                        {"format_version", 1}};
    if (manifest.kind == "reward") json["reward_offset"] = manifest.reward_offset;
    write_text(temp / kManifestFile, json.dump(2) + "\n");
    // Every file in `temp` was synced as it was written; its entries are synced before the old
    // checkpoint moves. A directory cannot be renamed over a non-empty one: move the old aside
    // first. A crash between the two renames leaves the old checkpoint complete under its ".old-"
    // name; rename_durably syncs the parent folder after the second.
    sync_path(temp.string());
    if (fs::exists(target)) {
      const fs::path old = sibling_temp(target, ".old-");
      fs::rename(target, old);
      rename_durably(temp.string(), target.string());
      fs::remove_all(old);
    } else {
      rename_durably(temp.string(), target.string());
    }
  } catch (const fs::filesystem_error& e) {
    std::error_code ignored;
    fs::remove_all(temp, ignored);
    throw FormatError(target.string() + ": cannot write the checkpoint (" + e.what() + ")");
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(temp, ignored);
    throw;
  }
  return manifest;
}

}  // namespace prefstudio

// A checkpoint is a folder: config.json (Hugging Face GPT-2, Llama or Qwen2), model.safetensors or
// shards with model.safetensors.index.json (core/model/checkpoint_weights.h), the tokenizer's
// files, and prefstudio.json (content hash of the weights, run id, step, optional heads).
// Internal header of core (torch).
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/model/gpt.h"
#include "core/model/model_folder.h"
#include "core/text/tokenizer.h"

namespace prefstudio {

struct CheckpointManifest {
  std::string content_hash;  // hex SHA-256 of model.safetensors as written (sharded: see
                             // CheckpointWeights::content_hash)
  int64_t run_id = 0;        // the store's run id it came from; 0 = none (imported, init)
  int64_t step = 0;
  std::string kind = "lm";  // lm | reward | policy | value
  // reward only: subtracted from every score wherever we score, so the training split's reference
  // completions score 0 on average (Hugging Face users subtract it themselves; see docs).
  double reward_offset = 0.0;
};

// The pad id a reward or value checkpoint's config.json names. Hugging Face's
// GPT2ForSequenceClassification reads the score at the last token that is not pad_token_id; GPT-2
// has no pad token and its end-of-text ends our sequences, so the pad must be another id. Id 0 is
// byte 0x00 for the byte tokenizer (never in text) and "!" for GPT-2's BPE: HF then reads the same
// position as we do unless a completion cut at the length limit ends in "!".
constexpr int64_t kScoreHeadPadTokenId = 0;

// The pad id written for `config`: kScoreHeadPadTokenId, or the next id when that is the model's
// end of text (SmolLM2's <|endoftext|> is id 0), so HF never skips our last token.
int64_t score_head_pad_token_id(const GptConfig& config);

// The content hash of a checkpoint folder's weights (resolve_model_folder applied), as the
// manifest records it: what the store and the DPO reference cache key models by.
std::string checkpoint_content_hash(const std::string& dir);

struct LoadedModel {
  GptConfig config;
  Gpt model{nullptr};
  std::unique_ptr<Tokenizer> tokenizer;
  CheckpointManifest manifest;
  // Tensors in the weights that are not the model's own (e.g. "score.weight" of a reward head).
  std::map<std::string, torch::Tensor> extra;
};

// Loads onto `device`. Missing or mis-shaped tensors against config.json are errors (FormatError
// naming the file and the tensor), never a silent random init. Parameters are float32 on CPU; on a
// GPU a Llama checkpoint's stored BF16/F16 is kept (PREFSTUDIO_WEIGHTS_DTYPE=float32 upcasts,
// =stored keeps it on CPU too). A model of 50M parameters or more prints its memory to stderr
// before it loads.
// The tokenizer comes from Tokenizer::load(dir) (its FormatError passes through). A prefstudio.json
// whose content_hash disagrees with model.safetensors is a FormatError; without prefstudio.json
// (a folder Hugging Face wrote) the manifest holds the computed hash, run 0, step 0, kind "lm".
// Accepts keys with and without the "transformer." / "model." prefix, transposes GPT-2's Conv1D
// weights, ignores the attn.bias / attn.masked_bias / rotary_emb.inv_freq buffers of old HF
// checkpoints and, for a tied model, an lm_head.weight that is a bit-equal copy of the token
// embedding. A differing lm_head.weight on a tied model, or config.json keys asking for a model we
// do not compute (see gpt_config.h), are a FormatError naming the file and the key.
LoadedModel load_checkpoint(const std::string& dir, const torch::Device& device = torch::kCPU);

// The model alone: config.json + model.safetensors (+ prefstudio.json if present), with the same
// checks, leaving `tokenizer` null. For folders that carry no tokenizer (e.g. the golden test's).
LoadedModel load_model_only(const std::string& dir, const torch::Device& device = torch::kCPU);

// Writes into a temporary folder beside `dir`, syncs its files and the folder to disk, and renames
// it into place (then syncs the parent), so a crash or a power cut leaves either the old checkpoint
// or the whole new one. `extra` tensors are saved beside the model's. Returns the
// manifest with its content hash filled in. Model tensors are written in HF's layout (GPT-2's
// Conv1D weights transposed, "transformer." or "model." prefix, lm_head only when untied) with
// metadata format "pt", so transformers reads the folder; above 5 GB (PREFSTUDIO_MAX_SHARD_MB)
// they are sharded as save_pretrained shards. Kinds reward and value are written as
// GPT2-/Llama-/Qwen2ForSequenceClassification (num_labels 1, pad_token_id
// score_head_pad_token_id) with their head passed in `extra` as "score.weight" (1, n_embd). Throws
// CoreError when an `extra` name collides with a model tensor, FormatError naming the path when a
// write fails (the temporary folder is removed).
CheckpointManifest save_checkpoint(const std::string& dir, Gpt model, const Tokenizer& tokenizer,
                                   CheckpointManifest manifest,
                                   const std::map<std::string, torch::Tensor>& extra = {});

}  // namespace prefstudio

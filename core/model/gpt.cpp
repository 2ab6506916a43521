// The causal LM's forward pass around its architecture's DecoderStack: checks, positions and the
// attention mask from padding and the KV cache, the unembedding; the scalar head; completion
// log-probabilities.
// Sampling and training live elsewhere (core/text, core/train).
#include "core/model/gpt.h"

#include <torch/version.h>

#include <cmath>

#include "core/common/core_error.h"
#include "core/model/gpt2_stack.h"
#include "core/model/llama_stack.h"

namespace prefstudio {

namespace {

// (B, 1, T, T_past + T) bool: query i sees key j when j <= T_past + i and key j is a real token.
// A query always sees itself, so a padding query with no real token before it (left padding) gets
// a harmless row instead of an all-masked one (which would make softmax NaN).
torch::Tensor attention_allowed(const torch::Tensor& attention_mask, int64_t t, int64_t past) {
  const int64_t b = attention_mask.size(0), t_keys = past + t;
  auto opts = attention_mask.options().dtype(torch::kLong);
  auto key_pos = torch::arange(t_keys, opts).view({1, t_keys});             // (1, Tk)
  auto query_pos = (torch::arange(t, opts) + past).view({t, 1});            // (T, 1)
  auto causal = key_pos.le(query_pos);                                      // (T, Tk)
  auto real_key = attention_mask.to(torch::kBool).view({b, 1, 1, t_keys});  // (B, 1, 1, Tk)
  return causal.logical_and(real_key).logical_or(key_pos.eq(query_pos));    // (B, 1, T, Tk)
}

}  // namespace

GptImpl::GptImpl(const GptConfig& config) : config_(config) {
  config_.validate();
  if (config_.is_llama()) {
    stack_ = register_module("model", std::shared_ptr<DecoderStack>(new LlamaStack(config_)));
    if (!config_.tie_word_embeddings)
      lm_head_ = register_module(
          "lm_head", torch::nn::Linear(
                         torch::nn::LinearOptions(config_.n_embd, config_.vocab_size).bias(false)));
  } else {
    stack_ = register_module("transformer", std::shared_ptr<DecoderStack>(new Gpt2Stack(config_)));
  }
  init_weights();
}

void GptImpl::init_weights() {
  torch::NoGradGuard no_grad;
  const double proj_std = 0.02 / std::sqrt(2.0 * double(config_.n_layer));
  for (auto& item : named_parameters()) {
    const std::string& name = item.key();
    auto& p = item.value();
    auto ends_with = [&](const std::string& suffix) {
      return name.size() >= suffix.size() &&
             name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (p.dim() == 1 && ends_with(".weight")) {  // LayerNorm and RMSNorm scales
      p.fill_(1.0);
    } else if (ends_with(".bias")) {
      p.zero_();
    } else if (ends_with("c_proj.weight")) {  // GPT-2's residual projections, scaled as its paper
      p.normal_(0.0, proj_std);
    } else {
      p.normal_(0.0, 0.02);
    }
  }
}

void GptImpl::set_dropout(double p) {
  config_.dropout = p;
  config_.validate();
  stack_->set_dropout(p);
}

torch::Tensor GptImpl::forward_hidden(const GptInput& input, KvCache* cache) {
  // B batch, T new tokens, C n_embd, Tk = T_past + T.
  const auto& idx = input.idx;
  if (!idx.defined() || idx.dim() != 2)
    throw CoreError("Gpt::forward_hidden: idx must be (B, T) token ids");
  const int64_t b = idx.size(0), t = idx.size(1);
  const int64_t past = cache != nullptr ? cache->length() : 0;
  if (past + t > config_.n_positions)
    throw CoreError("Gpt::forward_hidden: " + std::to_string(past + t) +
                    " tokens exceed n_positions = " + std::to_string(config_.n_positions));
  const auto& mask = input.attention_mask;
  if (mask.defined() && (mask.dim() != 2 || mask.size(0) != b || mask.size(1) != past + t))
    throw CoreError("Gpt::forward_hidden: attention_mask must be (B, T_past + T) = (" +
                    std::to_string(b) + ", " + std::to_string(past + t) + ")");

  torch::Tensor pos = input.position_ids;
  if (!pos.defined() && mask.defined()) {
    // Real tokens count 0, 1, 2, ... whatever padding precedes them (Hugging Face's rule).
    pos = (mask.to(torch::kLong).cumsum(1) - 1).clamp_min(0).narrow(1, past, t);  // (B, T)
  } else if (!pos.defined()) {
    pos = torch::arange(past, past + t, idx.options().dtype(torch::kLong)).unsqueeze(0);  // (1, T)
  }
  torch::Tensor allowed;  // undefined: plainly causal (LibTorch 2 then uses flash attention)
  if (mask.defined()) {
    allowed = attention_allowed(mask, t, past);  // (B, 1, T, Tk)
  } else if (TORCH_VERSION_MAJOR < 2) {
    // The plain path needs a mask anyway: build it once here, not once per layer.
    allowed = torch::ones({t, past + t}, idx.options().dtype(torch::kBool)).tril(past);  // (T, Tk)
  }

  if (cache != nullptr && cache->k.size() != stack_->layer_count()) {
    cache->k.assign(stack_->layer_count(), torch::Tensor());
    cache->v.assign(stack_->layer_count(), torch::Tensor());
  }
  return stack_->forward(idx, pos, allowed, cache);  // (B, T, C)
}

torch::Tensor GptImpl::lm_logits(const torch::Tensor& hidden) {
  if (lm_head_) return lm_head_->forward(hidden);                        // (B, T, V)
  return torch::nn::functional::linear(hidden, stack_->token_embedding());  // (B, T, V)
}

torch::Tensor GptImpl::forward(const torch::Tensor& idx) {
  return lm_logits(forward_hidden(GptInput{idx, {}, {}}));  // (B, T, V)
}

ScalarHeadImpl::ScalarHeadImpl(int64_t n_embd) {
  score_ =
      register_module("score", torch::nn::Linear(torch::nn::LinearOptions(n_embd, 1).bias(false)));
  torch::NoGradGuard no_grad;
  score_->weight.normal_(0.0, 0.02);
}

torch::Tensor ScalarHeadImpl::forward(const torch::Tensor& hidden,
                                      const torch::Tensor& attention_mask) {
  // B batch, T positions, C n_embd.
  const int64_t b = hidden.size(0), t = hidden.size(1);
  auto opts = hidden.options().dtype(torch::kLong);
  torch::Tensor last;  // (B) index of each row's last real token
  if (attention_mask.defined()) {
    auto positions = torch::arange(t, opts).unsqueeze(0);          // (1, T)
    last = (attention_mask.to(torch::kLong) * positions).amax(1);  // (B)
  } else {
    last = torch::full({b}, t - 1, opts);  // (B)
  }
  auto rows = torch::arange(b, opts);           // (B)
  auto at_last = hidden.index({rows, last});    // (B, C)
  return score_->forward(at_last).squeeze(-1);  // (B)
}

torch::Tensor ScalarHeadImpl::per_token(const torch::Tensor& hidden) {
  return score_->forward(hidden).squeeze(-1);  // (B, T)
}

torch::Tensor sequence_logprobs(const torch::Tensor& logits, const torch::Tensor& idx,
                                const torch::Tensor& targets_mask, torch::Tensor* per_token) {
  // B batch, T positions, V vocabulary; logits at t predict idx at t + 1.
  const int64_t t = logits.size(1);
  auto pred = logits.narrow(1, 0, t - 1).to(torch::kFloat);  // (B, T-1, V)
  auto targets = idx.narrow(1, 1, t - 1).unsqueeze(-1);      // (B, T-1, 1)
  // log_softmax gathered at the target without materialising all of log_softmax: x_y - lse(x).
  auto token_lp = pred.gather(-1, targets).squeeze(-1) - pred.logsumexp(-1);  // (B, T-1)
  auto mask = targets_mask.narrow(1, 1, t - 1).to(token_lp.dtype());          // (B, T-1)
  token_lp = token_lp * mask;                                                 // (B, T-1)
  if (per_token != nullptr) *per_token = token_lp;
  return token_lp.sum(1);  // (B)
}

}  // namespace prefstudio

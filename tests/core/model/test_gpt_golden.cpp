// The engine against an independent PyTorch reference (tests/golden/make_gpt2_golden.py): a tiny
// GPT-2 in Hugging Face's layout loaded through our safetensors reader; logits, loss and every
// parameter's gradient must agree within 1e-4. Also: padding on either side and the KV cache must
// not change the logits of real tokens.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <iostream>
#include <string>

#include "core/model/checkpoint.h"
#include "core/model/gpt.h"
#include "core/model/safetensors.h"

using namespace prefstudio;

namespace {

const std::string kGoldenDir = std::string(PREFSTUDIO_SOURCE_DIR) + "/tests/golden";

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

bool is_conv1d_weight(const std::string& name) {
  for (const char* suffix :
       {"attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight"}) {
    const std::string s(suffix);
    if (name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0)
      return true;
  }
  return false;
}

Gpt golden_model() {
  auto loaded = load_model_only(kGoldenDir + "/gpt2_tiny");
  // The golden checkpoint carries the attn.bias buffers of old HF files; they must not leak.
  EXPECT_TRUE(loaded.extra.empty());
  loaded.model->eval();
  return loaded.model;
}

}  // namespace

TEST(GptGolden, LogitsLossAndGradientsMatchReference) {
  SafetensorsFile expected(kGoldenDir + "/gpt2_tiny_expected.safetensors");
  Gpt model = golden_model();
  auto idx = expected.tensor("input_ids");
  auto targets = expected.tensor("targets");
  auto logits = model->forward(idx);  // (B, T, V)
  auto loss =
      torch::nn::functional::cross_entropy(logits.view({-1, logits.size(-1)}), targets.view({-1}));
  loss.backward();

  const double kTolerance = 1e-4;
  double logits_diff = max_abs_diff(logits, expected.tensor("logits"));
  EXPECT_LE(logits_diff, kTolerance) << "logits: largest abs difference " << logits_diff;
  double loss_diff = max_abs_diff(loss, expected.tensor("loss"));
  EXPECT_LE(loss_diff, kTolerance)
      << "loss: " << loss.item<double>() << " vs " << expected.tensor("loss").item<double>();
  int compared = 0;
  double worst = std::max(logits_diff, loss_diff);
  for (const auto& item : model->named_parameters()) {
    const std::string hf_name = item.key().substr(std::string("transformer.").size());
    auto reference = expected.tensor("grad." + hf_name);
    if (is_conv1d_weight(hf_name)) reference = reference.t();
    ASSERT_TRUE(item.value().grad().defined()) << item.key() << " got no gradient";
    double diff = max_abs_diff(item.value().grad(), reference);
    EXPECT_LE(diff, kTolerance) << item.key() << ": largest abs difference " << diff;
    // The test only means something if the gradients are not all ~0.
    EXPECT_GT(reference.abs().max().item<double>(), 1e-3) << item.key() << " gradient is trivial";
    worst = std::max(worst, diff);
    ++compared;
  }
  std::cout << "golden: largest abs difference over logits, loss and " << compared
            << " gradients: " << worst << "\n";
  EXPECT_EQ(compared, 4 + 12 * 2);  // wte, wpe, ln_f (2), 12 per block
}

TEST(GptGolden, PaddingOnEitherSideLeavesRealTokensUnchanged) {
  torch::NoGradGuard no_grad;
  Gpt model = golden_model();
  auto seq = torch::tensor({5, 9, 17, 33, 2, 60, 41, 8}, torch::kLong).unsqueeze(0);  // (1, 8)
  auto reference = model->forward(seq);                                               // (1, 8, V)
  const int64_t pad = 3, t = 8, eos = 63;
  auto pads = torch::full({1, pad}, eos, torch::kLong);
  auto idx = torch::cat({torch::cat({pads, seq}, 1), torch::cat({seq, pads}, 1)}, 0);  // (2, 11)
  auto mask = torch::ones({2, t + pad}, torch::kLong);
  mask.index_put_({0, torch::indexing::Slice(0, pad)}, 0);                 // left-padded row
  mask.index_put_({1, torch::indexing::Slice(t, t + pad)}, 0);             // right-padded row
  auto logits = model->lm_logits(model->forward_hidden({idx, mask, {}}));  // (2, 11, V)
  ASSERT_FALSE(logits.isnan().any().item<bool>()) << "padding rows must not produce NaN";
  double left = max_abs_diff(logits.narrow(0, 0, 1).narrow(1, pad, t), reference);
  double right = max_abs_diff(logits.narrow(0, 1, 1).narrow(1, 0, t), reference);
  EXPECT_LE(left, 1e-5) << "left padding changed real logits by " << left;
  EXPECT_LE(right, 1e-5) << "right padding changed real logits by " << right;
}

TEST(GptGolden, KvCacheDecodingEqualsFullForward) {
  torch::NoGradGuard no_grad;
  Gpt model = golden_model();
  auto idx = torch::tensor({{3, 14, 15, 9, 26, 53, 58, 9, 7, 32}, {63, 63, 1, 2, 3, 4, 5, 6, 7, 8}},
                           torch::kLong);  // (2, 10); row 1 is left-padded by two
  auto mask = torch::ones_like(idx);
  mask.index_put_({1, torch::indexing::Slice(0, 2)}, 0);
  auto full = model->lm_logits(model->forward_hidden({idx, mask, {}}));  // (2, 10, V)

  KvCache cache;
  const int64_t prefill = 4;
  std::vector<torch::Tensor> steps;
  steps.push_back(model->lm_logits(model->forward_hidden(
      {idx.narrow(1, 0, prefill), mask.narrow(1, 0, prefill), {}}, &cache)));  // (2, 4, V)
  EXPECT_EQ(cache.length(), prefill);
  for (int64_t i = prefill; i < idx.size(1); ++i) {
    steps.push_back(model->lm_logits(model->forward_hidden(
        {idx.narrow(1, i, 1), mask.narrow(1, 0, i + 1), {}}, &cache)));  // (2, 1, V)
  }
  EXPECT_EQ(cache.length(), idx.size(1));
  auto incremental = torch::cat(steps, 1);  // (2, 10, V)
  // Compare real positions only (padding positions attend to themselves, differently per path).
  auto real = mask.to(torch::kBool).unsqueeze(-1).expand_as(full);
  double diff = max_abs_diff(full.masked_select(real), incremental.masked_select(real));
  EXPECT_LE(diff, 1e-5) << "KV-cache decoding differs from the full forward by " << diff;

  // Without a mask as well: plain causal prefill, then single steps.
  KvCache plain;
  auto row = idx.narrow(0, 0, 1);
  auto whole = model->forward(row);  // (1, 10, V)
  auto first = model->lm_logits(model->forward_hidden({row.narrow(1, 0, 6), {}, {}}, &plain));
  std::vector<torch::Tensor> parts{first};
  for (int64_t i = 6; i < 10; ++i)
    parts.push_back(model->lm_logits(model->forward_hidden({row.narrow(1, i, 1), {}, {}}, &plain)));
  double plain_diff = max_abs_diff(torch::cat(parts, 1), whole);
  EXPECT_LE(plain_diff, 1e-5) << "unmasked KV-cache decoding differs by " << plain_diff;
}

TEST(GptGolden, ScalarHeadReadsTheLastRealToken) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(7);
  Gpt model = golden_model();
  ScalarHead head(model->config().n_embd);
  auto seq = torch::tensor({{4, 8, 15, 16, 23, 42}}, torch::kLong);          // (1, 6)
  auto reference = head->forward(model->forward_hidden({seq, {}, {}}), {});  // (1)
  auto pads = torch::full({1, 2}, 63, torch::kLong);
  auto idx = torch::cat({torch::cat({pads, seq}, 1), torch::cat({seq, pads}, 1)}, 0);  // (2, 8)
  auto mask = torch::tensor({{0, 0, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 0, 0}}, torch::kLong);
  auto scores = head->forward(model->forward_hidden({idx, mask, {}}), mask);  // (2)
  ASSERT_EQ(scores.sizes(), torch::IntArrayRef({2}));
  EXPECT_NEAR(scores[0].item<double>(), reference[0].item<double>(), 1e-5);
  EXPECT_NEAR(scores[1].item<double>(), reference[0].item<double>(), 1e-5);
  auto per_token = head->per_token(model->forward_hidden({seq, {}, {}}));  // (1, 6)
  EXPECT_NEAR(per_token[0][5].item<double>(), reference[0].item<double>(), 1e-5);
}

TEST(GptGolden, SequenceLogprobsSumTheCompletionTokens) {
  torch::NoGradGuard no_grad;
  Gpt model = golden_model();
  auto idx = torch::tensor({{1, 2, 3, 4, 5, 6}, {7, 8, 9, 10, 11, 12}}, torch::kLong);  // (2, 6)
  auto targets_mask = torch::tensor({{0, 0, 0, 1, 1, 1}, {0, 1, 1, 1, 1, 0}}, torch::kLong);
  auto logits = model->forward(idx);  // (2, 6, V)
  torch::Tensor per_token;
  auto sums = sequence_logprobs(logits, idx, targets_mask, &per_token);  // (2)
  ASSERT_EQ(per_token.sizes(), torch::IntArrayRef({2, 5}));
  auto log_probs = torch::log_softmax(logits.to(torch::kDouble), -1);  // (2, 6, V)
  for (int64_t b = 0; b < 2; ++b) {
    double expected = 0.0;
    for (int64_t t = 1; t < 6; ++t) {
      double lp = log_probs[b][t - 1][idx[b][t].item<int64_t>()].item<double>();
      double want = targets_mask[b][t].item<int64_t>() ? lp : 0.0;
      EXPECT_NEAR(per_token[b][t - 1].item<double>(), want, 1e-5) << "row " << b << " token " << t;
      expected += want;
    }
    EXPECT_NEAR(sums[b].item<double>(), expected, 1e-4) << "row " << b;
  }
}

// SFT batches: only response tokens (and the end-of-text after them) are labelled; the loss is the
// mean over those, checked by hand; prompt and padding positions get no gradient.
#include <gtest/gtest.h>

#include <cmath>

#include "core/text/byte_tokenizer.h"
#include "core/train/sft_batch.h"

namespace prefstudio {
namespace {

constexpr int64_t kEos = 256;

// (rows, columns) int64 from nested lists (characters and ids mixed).
torch::Tensor ids(std::vector<std::vector<int64_t>> rows) {
  std::vector<torch::Tensor> tensors;
  for (auto& row : rows) tensors.push_back(torch::tensor(row, torch::kLong));
  return torch::stack(tensors);
}

TEST(SftBatch, LabelsOnlyTheResponse) {
  ByteTokenizer tokenizer;
  auto a = tokenize_example({"ab", "c"}, tokenizer, 100);  // a b c <eos>
  auto b = tokenize_example({"x", "yz"}, tokenizer, 100);  // x y z <eos>
  auto c = tokenize_example({"p", "qq"}, tokenizer, 3);    // cut: p q q
  EXPECT_EQ(a.ids, (std::vector<int64_t>{'a', 'b', 'c', kEos}));
  EXPECT_EQ(a.prompt_length, 2);
  EXPECT_EQ(c.ids, (std::vector<int64_t>{'p', 'q', 'q'}));
  auto batch = make_sft_batch({&a, &b, &c}, kEos);
  const int64_t x = kIgnoreLabel;
  EXPECT_TRUE(
      batch.idx.equal(ids({{'a', 'b', 'c', kEos}, {'x', 'y', 'z', kEos}, {'p', 'q', 'q', kEos}})));
  EXPECT_TRUE(batch.labels.equal(ids({{x, 'c', kEos, x}, {'y', 'z', kEos, x}, {'q', 'q', x, x}})));
  EXPECT_EQ(batch.response_tokens, 7);
  EXPECT_EQ(batch.tokens, 11);
}

TEST(SftBatch, LossIsTheMeanOverResponseTokensByHand) {
  ByteTokenizer tokenizer;
  auto a = tokenize_example({"ab", "c"}, tokenizer, 100);
  auto b = tokenize_example({"x", "y"}, tokenizer, 100);  // x y <eos>, padded to 4
  auto batch = make_sft_batch({&a, &b}, kEos);            // 4 labelled positions
  const int64_t v = 257;
  auto logits = torch::zeros({2, 4, v});
  // Row 0, position 1 predicts 'c': give it logit ln(256), so p('c') = 256 / (256 + 256) = 1/2.
  logits[0][1]['c'] = std::log(256.0);
  // The other three labelled positions are uniform: -ln(1/257) each.
  const double expected = (std::log(2.0) + 3.0 * std::log(257.0)) / 4.0;
  EXPECT_NEAR(sft_loss(logits, batch.labels).item<double>(), expected, 1e-5);

  // Anything at prompt or padding positions leaves the loss unchanged and gets no gradient.
  auto noisy = logits.clone();
  noisy[0][0].normal_();  // prompt position of row 0 (predicts 'b', a prompt token)
  noisy[1][3].normal_();  // padding of row 1
  noisy[0][3].normal_();  // after row 0's end-of-text
  noisy.requires_grad_(true);
  auto loss = sft_loss(noisy, batch.labels);
  EXPECT_NEAR(loss.item<double>(), expected, 1e-5);
  loss.backward();
  auto grad = noisy.grad();
  EXPECT_EQ(grad[0][0].abs().sum().item<double>(), 0.0);
  EXPECT_EQ(grad[1][3].abs().sum().item<double>(), 0.0);
  EXPECT_EQ(grad[0][3].abs().sum().item<double>(), 0.0);
  EXPECT_GT(grad[0][1].abs().sum().item<double>(), 0.0);
  // d loss / d logit('c') at (0, 1) = (p - 1) / 4 = -1/8.
  EXPECT_NEAR(grad[0][1]['c'].item<double>(), -0.125, 1e-6);
}

}  // namespace
}  // namespace prefstudio

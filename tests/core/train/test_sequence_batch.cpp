// The one sequence rule (sequence_batch.h): EOS only after a completion that ended, the prompt cut
// from the left once per prompt to fit its longest kept completion, a completion too long alone
// skipped; and a completion scores the same whatever batch it is in (right padding, masked).
#include <gtest/gtest.h>

#include "core/common/runtime.h"
#include "core/model/model_init.h"
#include "core/model/reward_model.h"
#include "core/text/byte_tokenizer.h"
#include "core/train/reward_scoring.h"
#include "core/train/sequence_batch.h"
#include "tests/core/core_test_temp_dir.h"

namespace prefstudio {
namespace {

TEST(SequenceBatch, EosOnlyAfterAnEndedCompletion) {
  ByteTokenizer tokenizer;
  auto seq = build_prompt_sequences(tokenizer, "ab", {{"xy", true}, {"xyz", false}}, 32);
  EXPECT_EQ(seq.prompt_ids, (std::vector<int64_t>{'a', 'b'}));
  EXPECT_EQ(seq.completion_ids[0], (std::vector<int64_t>{'x', 'y', tokenizer.eos_id()}));
  EXPECT_EQ(seq.completion_ids[1], (std::vector<int64_t>{'x', 'y', 'z'}));
  EXPECT_EQ(seq.skipped(), 0);
  // An empty prompt is the end-of-text id.
  auto empty = build_prompt_sequences(tokenizer, "", {{"x", true}}, 32);
  EXPECT_EQ(empty.prompt_ids, (std::vector<int64_t>{tokenizer.eos_id()}));
}

TEST(SequenceBatch, CutsThePromptFromTheLeftOncePerPrompt) {
  ByteTokenizer tokenizer;
  // max_length 8: the longest completion is "12345" + EOS = 6 tokens, so 2 prompt tokens stay for
  // every completion of the prompt, the short one too.
  auto seq = build_prompt_sequences(tokenizer, "abcdef", {{"12345", true}, {"1", true}}, 8);
  EXPECT_EQ(seq.prompt_ids, (std::vector<int64_t>{'e', 'f'}));
  EXPECT_EQ(seq.prompt_tokens_cut, 4);
  // A completion that alone leaves no room for one prompt token is skipped and counted; the
  // others keep the room it would have taken.
  auto skip = build_prompt_sequences(tokenizer, "abcdef", {{"1234567", true}, {"12", false}}, 8);
  EXPECT_FALSE(skip.kept[0]);
  EXPECT_TRUE(skip.kept[1]);
  EXPECT_EQ(skip.skipped(), 1);
  EXPECT_EQ(skip.prompt_ids.size(), 6u);
}

TEST(SequenceBatch, RightPaddedRowsWithMasks) {
  std::vector<int64_t> prompt{5, 6}, a{7}, b{8, 9, 10};
  auto batch = make_sequence_batch({{&prompt, &a}, {&prompt, &b}}, 0);
  EXPECT_EQ(batch.idx.sizes(), (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(batch.attention_mask[0].sum().item<int64_t>(), 3);
  EXPECT_EQ(batch.completion_mask[0].sum().item<int64_t>(), 1);
  EXPECT_EQ(batch.completion_mask[1].sum().item<int64_t>(), 3);
  EXPECT_EQ(batch.idx[0][3].item<int64_t>(), 0);  // padding
  EXPECT_EQ(batch.tokens, 8);
}

TEST(SequenceBatch, ACompletionScoresTheSameInAnyBatch) {
  init_torch_threads(1);
  test::TempDir dir;
  init_model_checkpoint({{"tokenizer", "byte"},
                         {"n_embd", 16},
                         {"n_layer", 2},
                         {"n_head", 2},
                         {"n_positions", 32},
                         {"seed", 1}},
                        (dir.path / "m").string());
  torch::manual_seed(0);
  RewardModel model = load_reward_model((dir.path / "m").string(), torch::kCPU, false);
  PromptCompletions alone{"Sort: ab\n", {{"ab", true}}};
  PromptCompletions crowd{"Sort: ab\n", {{"a longer completion", false}, {"ab", true}}};
  auto one = score_prompt_completions(model, {alone}, 32);
  auto many = score_prompt_completions(model, {crowd, alone}, 32, 3);
  ASSERT_TRUE(one[0][0] && many[0][1] && many[1][0]);
  EXPECT_NEAR(*one[0][0], *many[0][1], 1e-5);
  EXPECT_NEAR(*one[0][0], *many[1][0], 1e-5);
  // Hugging Face's rule (the last token that is not pad_token_id) reads the same position as ours
  // on right-padded rows.
  std::vector<int64_t> p{'x'}, c1{'a', 'b', 256}, c2{'a'};
  auto batch = make_sequence_batch({{&p, &c1}, {&p, &c2}}, kScoreHeadPadTokenId);
  auto non_pad = (batch.idx != kScoreHeadPadTokenId).to(torch::kLong);                  // (B, T)
  auto hf_last = (torch::arange(batch.idx.size(1)).unsqueeze(0) * non_pad).argmax(1);  // (B)
  auto our_last = (torch::arange(batch.idx.size(1)).unsqueeze(0) * batch.attention_mask).amax(1);
  EXPECT_TRUE(torch::equal(hf_last, our_last));
}

}  // namespace
}  // namespace prefstudio

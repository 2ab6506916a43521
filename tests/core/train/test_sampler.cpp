// Sampler: same seed same ids, greedy = argmax of the full forward, top-k/top-p math, KV-cache
// decoding equal to recomputing the prefix (with left padding), and per-row stop at end-of-text.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/common/core_error.h"
#include "core/model/gpt.h"
#include "core/train/sampler.h"

namespace prefstudio {
namespace {

constexpr int64_t kEos = 256;

Gpt tiny_model(uint64_t seed = 7) {
  torch::manual_seed(seed);
  GptConfig config;
  config.vocab_size = 257;
  config.n_positions = 48;
  config.n_embd = 32;
  config.n_layer = 2;
  config.n_head = 4;
  config.eos_token_id = kEos;
  config.bos_token_id = kEos;
  config.tokenizer = "byte";
  Gpt model(config);
  // Larger weights than GPT-2's init, so the untrained model's argmax depends on its input.
  torch::NoGradGuard no_grad;
  for (auto& p : model->parameters())
    if (p.dim() == 2) p.normal_(0.0, 0.3);
  model->eval();
  return model;
}

std::vector<std::vector<int64_t>> prompts() {
  return {{10, 20, 30, 40, 50}, {7}, {100, 101, 102}, {1, 2, 3, 4, 5, 6, 7, 8}};
}

GenerationConfig sampling(double temperature, int64_t max_new) {
  GenerationConfig config;
  config.temperature = temperature;
  config.max_new_tokens = max_new;
  return config;
}

TEST(Sampler, SameSeedSameIdsOtherSeedOtherIds) {
  Sampler sampler(tiny_model(), kEos);
  auto config = sampling(1.0, 12);
  auto g1 = make_sampling_generator(42), g2 = make_sampling_generator(42),
       g3 = make_sampling_generator(43);
  auto a = sampler.generate(prompts(), config, g1);
  auto b = sampler.generate(prompts(), config, g2);
  auto c = sampler.generate(prompts(), config, g3);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Sampler, GreedyEqualsArgmaxOfFullForward) {
  Gpt model = tiny_model();
  Sampler sampler(model, kEos);
  auto generator = make_sampling_generator(0);
  torch::NoGradGuard no_grad;
  for (const auto& prompt : prompts()) {
    auto out = sampler.generate({prompt}, sampling(0.0, 10), generator)[0];
    // Reference: no cache, no padding, argmax of the last position, one token at a time.
    std::vector<int64_t> ids = prompt, expected;
    for (int t = 0; t < 10; ++t) {
      auto logits = model->forward(torch::tensor(ids, torch::kLong).unsqueeze(0));  // (1, T, V)
      int64_t next = logits[0][-1].argmax().item<int64_t>();
      if (next == kEos) break;
      expected.push_back(next);
      ids.push_back(next);
    }
    EXPECT_EQ(out, expected);
    EXPECT_FALSE(out.empty());
  }
}

TEST(Sampler, KvCacheEqualsRecomputationWithLeftPadding) {
  Sampler sampler(tiny_model(3), kEos);
  auto cached = sampling(0.0, 16);
  auto uncached = cached;
  uncached.use_kv_cache = false;
  auto g = make_sampling_generator(0);
  auto with_cache = sampler.generate(prompts(), cached, g);
  auto without_cache = sampler.generate(prompts(), uncached, g);
  EXPECT_EQ(with_cache, without_cache);
  // Each row alone (no padding at all) gives the same as the left-padded batch.
  for (size_t i = 0; i < prompts().size(); ++i)
    EXPECT_EQ(sampler.generate({prompts()[i]}, cached, g)[0], with_cache[i]) << "row " << i;
}

TEST(Sampler, TopKKeepsTheKLargest) {
  auto logits = torch::tensor({{1.0, 4.0, 2.0, 3.0}, {0.0, -1.0, 5.0, 2.0}});
  auto filtered = filter_logits(logits, 2, 1.0);
  auto kept = torch::isfinite(filtered);
  EXPECT_TRUE(kept.equal(torch::tensor({{false, true, false, true}, {false, false, true, true}})));
  EXPECT_TRUE(filtered.masked_select(kept).equal(logits.masked_select(kept)));
  EXPECT_TRUE(filter_logits(logits, 0, 1.0).equal(logits));
}

TEST(Sampler, TopPKeepsTheSmallestSetReachingP) {
  // Probabilities 0.1, 0.2, 0.3, 0.4: the nucleus of 0.5 is {0.4, 0.3}; of 0.35 only {0.4};
  // of 0.95 all four.
  auto logits = torch::tensor({0.1, 0.2, 0.3, 0.4}).log().unsqueeze(0);
  auto kept = [&](double p) { return torch::isfinite(filter_logits(logits, 0, p))[0]; };
  EXPECT_TRUE(kept(0.5).equal(torch::tensor({false, false, true, true})));
  EXPECT_TRUE(kept(0.35).equal(torch::tensor({false, false, false, true})));
  EXPECT_TRUE(kept(0.95).equal(torch::tensor({true, true, true, true})));
  // Both filters: top-k 3 then top-p 0.6 of the renormalised rest.
  auto both = torch::isfinite(filter_logits(logits, 3, 0.6))[0];
  EXPECT_TRUE(both.equal(torch::tensor({false, false, true, true})));
}

TEST(Sampler, DrawsFollowTheFilteredDistribution) {
  // Top-k 2 of (0.1, 0.2, 0.3, 0.4) leaves 3/7 and 4/7.
  const int64_t n = 20000;
  auto logits = torch::tensor({0.1, 0.2, 0.3, 0.4}).log().unsqueeze(0).expand({n, 4});
  GenerationConfig config = sampling(1.0, 1);
  config.top_k = 2;
  auto generator = make_sampling_generator(5);
  auto draws = choose_next_tokens(logits, config, generator);  // (n)
  auto counts = torch::bincount(draws, {}, 4).to(torch::kDouble) / double(n);
  EXPECT_EQ(counts[0].item<double>(), 0.0);
  EXPECT_EQ(counts[1].item<double>(), 0.0);
  EXPECT_NEAR(counts[2].item<double>(), 3.0 / 7.0, 0.015);
  EXPECT_NEAR(counts[3].item<double>(), 4.0 / 7.0, 0.015);
  // Temperature 0.5 squares the odds: 0.3^2 : 0.4^2 = 9 : 16.
  config.temperature = 0.5;
  draws = choose_next_tokens(logits, config, generator);
  counts = torch::bincount(draws, {}, 4).to(torch::kDouble) / double(n);
  EXPECT_NEAR(counts[3].item<double>(), 16.0 / 25.0, 0.015);
}

TEST(Sampler, PerRowDrawsFollowTheFilteredDistribution) {
  // The same check with one generator per row (online RL's rollouts): top-k 2 of
  // (0.1, 0.2, 0.3, 0.4) leaves 3/7 and 4/7, and a dropped token is never drawn.
  const int64_t n = 20000;
  auto logits = torch::tensor({0.1, 0.2, 0.3, 0.4}).log().unsqueeze(0).expand({n, 4});
  GenerationConfig config = sampling(1.0, 1);
  config.top_k = 2;
  std::vector<torch::Generator> generators;
  for (int64_t row = 0; row < n; ++row) generators.push_back(make_sampling_generator(row));
  auto draws = choose_next_tokens(logits, config, generators);  // (n)
  auto counts = torch::bincount(draws, {}, 4).to(torch::kDouble) / double(n);
  EXPECT_EQ(counts[0].item<double>(), 0.0);
  EXPECT_EQ(counts[1].item<double>(), 0.0);
  EXPECT_NEAR(counts[2].item<double>(), 3.0 / 7.0, 0.015);
  EXPECT_NEAR(counts[3].item<double>(), 4.0 / 7.0, 0.015);
}

TEST(Sampler, APerRowDrawDependsOnItsOwnGeneratorOnly) {
  // Row 1 of a batch of three draws what it draws alone from a generator with the same seed, at
  // every step: a data-parallel rank sampling a share of a rollout's rows draws the same tokens.
  torch::manual_seed(3);
  auto logits = torch::randn({3, 50});
  const GenerationConfig config = sampling(1.0, 1);
  std::vector<torch::Generator> batch{make_sampling_generator(10), make_sampling_generator(11),
                                      make_sampling_generator(12)};
  std::vector<torch::Generator> alone{make_sampling_generator(11)};
  for (int step = 0; step < 50; ++step) {
    auto together = choose_next_tokens(logits, config, batch);
    auto by_itself = choose_next_tokens(logits.narrow(0, 1, 1), config, alone);
    ASSERT_EQ(together[1].item<int64_t>(), by_itself[0].item<int64_t>()) << "step " << step;
  }
}

// A model whose logits ignore the input: ln_f's weight is 0, so every hidden state is ln_f's bias
// u, and the logits are wte . u. Token 'a' and end-of-text get logit 0, the rest -30.
Gpt constant_model(double eos_logit) {
  Gpt model = tiny_model();
  torch::NoGradGuard no_grad;
  auto params = model->named_parameters();
  params["transformer.ln_f.weight"].zero_();
  auto u = params["transformer.ln_f.bias"];
  u.zero_();
  u[0] = 1.0;
  auto wte = params["transformer.wte.weight"];
  wte.select(1, 0).fill_(-30.0);
  wte[int64_t('a')][0] = 0.0;
  wte[kEos][0] = eos_logit;
  return model;
}

TEST(Sampler, EachRowStopsAtEndOfText) {
  // End-of-text as likely as 'a': rows end at different lengths; no row goes on after its end.
  Sampler sampler(constant_model(0.0), kEos);
  std::vector<std::vector<int64_t>> many(64, std::vector<int64_t>{5, 6});
  auto generator = make_sampling_generator(11);
  auto out = sampler.generate(many, sampling(1.0, 40), generator);
  std::set<size_t> lengths;
  int64_t total = 0;
  for (const auto& row : out) {
    for (int64_t id : row) EXPECT_EQ(id, int64_t('a'));
    EXPECT_LE(row.size(), 40u);
    lengths.insert(row.size());
    total += static_cast<int64_t>(row.size());
  }
  EXPECT_GE(lengths.size(), 4u);
  EXPECT_TRUE(lengths.count(0));  // half the rows end at once
  EXPECT_EQ(sampler.last_token_count(), total);
  // End-of-text the argmax: greedy completions are empty.
  Sampler greedy(constant_model(5.0), kEos);
  for (const auto& row : greedy.generate(many, sampling(0.0, 40), generator))
    EXPECT_TRUE(row.empty());
  // Never end-of-text: every row runs to max_new_tokens.
  Sampler endless(constant_model(-30.0), kEos);
  for (const auto& row : endless.generate(many, sampling(1.0, 9), generator))
    EXPECT_EQ(row.size(), 9u);
}

TEST(Sampler, RefusesPromptsWithoutRoom) {
  Sampler sampler(tiny_model(), kEos);
  auto generator = make_sampling_generator(0);
  std::vector<int64_t> long_prompt(48, 1);
  EXPECT_THROW(sampler.generate({long_prompt}, sampling(0.0, 4), generator), CoreError);
  EXPECT_THROW(sampler.generate({{}}, sampling(0.0, 4), generator), CoreError);
  // Near the end: the completion is cut at n_positions.
  std::vector<int64_t> almost(45, 1);
  auto endless = constant_model(-30.0);
  Sampler cut(endless, kEos);
  EXPECT_EQ(cut.generate({almost}, sampling(1.0, 10), generator)[0].size(), 3u);
}

}  // namespace
}  // namespace prefstudio

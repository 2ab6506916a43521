// The synthetic task of synthetic_rankings.h for policy trainers: a small SFT model that writes six
// letters from "abcdefgh" after "P017:", uniformly, and rankings of its own samples drawn by
// Plackett-Luce over the true utility (vowels 'a' and 'e'), as labelers would rank what the model
// wrote. Shared by the DPO learning test and bench_dpo's frontier. Header-only.
#pragma once

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/model/model_init.h"
#include "core/train/policy_evaluation.h"
#include "core/train/reward_trainer.h"
#include "core/train/sft_trainer.h"
#include "tests/core/train/synthetic_rankings.h"

namespace prefstudio::test {

inline std::string synthetic_prompt(int index) {
  char text[16];
  std::snprintf(text, sizeof(text), "P%03d:", index % 1000);
  return text;
}

// The true score of a sample: its vowel count (the utility at scale 1).
inline std::optional<double> vowel_rule(const std::string&, const std::string& completion) {
  return vowel_utility(completion, 1.0);
}

// A byte-level model (48 x 2, 24 positions) trained by SFT on 2000 uniform six-letter answers to
// prompts 0..399; returns its final checkpoint under `dir`.
inline std::string train_synthetic_sft(const std::string& dir, int threads = 1) {
  struct QuietSink : MetricsSink {
    void on_metrics(const MetricRecord&) override {}
  } sink;
  init_model_checkpoint({{"tokenizer", "byte"},
                         {"n_embd", 48},
                         {"n_layer", 2},
                         {"n_head", 4},
                         {"n_positions", 24},
                         {"seed", 11}},
                        dir + "/init");
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> letter(0, 7);
  std::vector<SftExample> examples;
  for (int i = 0; i < 2000; ++i) {
    std::string answer;
    for (int j = 0; j < 6; ++j) answer += static_cast<char>('a' + letter(rng));
    examples.push_back({synthetic_prompt(i % 400), answer});
  }
  SftConfig config;
  config.model_dir = dir + "/init";
  config.output_dir = dir + "/sft";
  config.steps = 250;
  config.batch_size = 32;
  config.max_length = 24;
  config.warmup_steps = 20;
  config.eval_every = 0;
  config.log_every = 50;
  config.validation_fraction = 0.0;
  config.threads = threads;
  config.optimizer.lr = 3e-3;
  return SftTrainer(config, examples).run(sink).final_dir;
}

// Up to K = 4 distinct samples of `policy` for prompts 0..prompts-1 (12 tokens at most), ranked by
// Plackett-Luce over the vowel utility, or at random with `shuffled` (no signal). Prompts with
// fewer than two distinct samples are left out.
inline std::vector<RankingExample> rank_own_samples(const std::string& policy, int prompts,
                                                    bool shuffled, uint64_t seed = 21) {
  std::vector<std::string> texts;
  for (int p = 0; p < prompts; ++p) texts.push_back(synthetic_prompt(p));
  PolicyEvalConfig sampling;
  sampling.samples_per_prompt = 6;  // a few spare draws for duplicates
  sampling.max_new_tokens = 12;
  sampling.seed = seed;
  const PolicyEvaluation drawn = PolicyEvaluator(policy, policy).evaluate(texts, sampling, vowel_rule);
  std::vector<RankingExample> rankings(prompts);
  for (const PolicySample& sample : drawn.sample_list) {
    RankingExample& ranking = rankings[sample.prompt_index];
    bool seen = false;
    for (const auto& c : ranking.completions) seen = seen || c.text == sample.completion;
    if (seen || ranking.completions.size() == 4 || sample.completion.empty()) continue;
    ranking.completions.push_back({0, sample.completion, sample.ended, 0});
  }
  std::mt19937_64 rng(seed + 1);
  std::vector<RankingExample> out;
  for (int p = 0; p < prompts; ++p) {
    RankingExample& ranking = rankings[p];
    if (ranking.completions.size() < 2) continue;
    ranking.prompt = texts[p];
    ranking.labeler = "simulated";
    std::vector<double> utilities;
    for (const auto& c : ranking.completions) utilities.push_back(vowel_utility(c.text, 1.0));
    std::vector<int> ranks = plackett_luce_ranks(utilities, rng);
    if (shuffled) std::shuffle(ranks.begin(), ranks.end(), rng);
    for (size_t i = 0; i < ranks.size(); ++i) ranking.completions[i].rank = ranks[i];
    out.push_back(std::move(ranking));
  }
  return out;
}

// Mean true score and KL of `policy` against `reference` on held-out prompts 500..599, 4 samples
// each.
inline PolicyEvaluation evaluate_synthetic(const std::string& policy, const std::string& reference) {
  std::vector<std::string> held_out;
  for (int p = 500; p < 600; ++p) held_out.push_back(synthetic_prompt(p));
  PolicyEvalConfig config;
  config.samples_per_prompt = 4;
  config.max_new_tokens = 12;
  config.seed = 99;
  return PolicyEvaluator(policy, reference).evaluate(held_out, config, vowel_rule);
}

// InstructGPT's step 2 on rankings of `sft`'s own samples of 300 prompts (6 epochs, lr 1e-3): the
// reward model the online-RL test and bench_rl_frontier train their policies against. Returns its
// final checkpoint under `dir`/rm and reports its training accuracy in `accuracy`.
inline std::string train_synthetic_reward_model(const std::string& sft, const std::string& dir,
                                                int threads = 1, double* accuracy = nullptr) {
  struct QuietSink : MetricsSink {
    void on_metrics(const MetricRecord&) override {}
  };
  RewardConfig reward;
  reward.model_dir = sft;
  reward.output_dir = dir + "/rm";
  reward.epochs = 6;
  reward.batch_prompts = 16;
  reward.max_length = 24;
  reward.eval_every = 0;
  reward.threads = threads;
  reward.optimizer.lr = 1e-3;
  RewardData rankings;
  rankings.train = rank_own_samples(sft, 300, false);
  QuietSink sink;
  const RewardResult model = RewardTrainer(reward, rankings).run(sink);
  if (accuracy) *accuracy = model.accuracy_train;
  return model.final_dir;
}

}  // namespace prefstudio::test

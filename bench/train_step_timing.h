// What bench_train and bench_llama_train share: one training step timed on random tokens (forward
// + cross-entropy + backward + clip 1.0 + AdamW lr 1e-4, weight decay 0.1 on 2-D non-embedding
// weights + zero_grad in place), the median of the timed steps after the warm-up ones; and the
// Python reference's JSON line read and checked to be the same model under the same settings.
// Header-only, like bench_common.h.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "core/model/gpt.h"
#include "core/optim/optimizer_factory.h"
#include "core/train/grad_clip.h"

namespace prefstudio::bench {

struct TrainTiming {
  double step_s = 0.0;
  double tokens_per_s = 0.0;
  int64_t parameters = 0;          // trained elements, a tied embedding counted once
  int64_t decayed_parameters = 0;  // of which AdamW decays
  int64_t timed_steps = 0;
  double loss = 0.0;  // of the last step, a sanity check only: ~ln(vocab) from random weights
};

inline TrainTiming time_train_steps(const GptConfig& config, int64_t batch, int64_t seq,
                                    int64_t steps, int64_t warmup) {
  torch::manual_seed(0);
  Gpt model(config);
  model->train();
  NamedParameters named;
  std::vector<torch::Tensor> parameters;
  TrainTiming timing;
  for (const auto& item : model->named_parameters()) {
    named.emplace_back(item.key(), item.value());
    parameters.push_back(item.value());
    timing.parameters += item.value().numel();
    if (parameter_gets_weight_decay(item.key(), item.value()))
      timing.decayed_parameters += item.value().numel();
  }
  OptimizerConfig adamw;
  adamw.lr = 1e-4;
  adamw.weight_decay = 0.1;
  auto optimizer = make_optimizer(adamw, named);
  const int64_t vocab = config.vocab_size;
  auto idx = torch::randint(0, vocab, {batch, seq});      // (B, T)
  auto targets = torch::randint(0, vocab, {batch, seq});  // (B, T)
  std::vector<double> times;
  torch::Tensor loss;
  for (int64_t step = 0; step < warmup + steps; ++step) {
    auto start = Clock::now();
    auto logits = model->forward(idx);  // (B, T, V)
    loss = torch::nn::functional::cross_entropy(logits.view({-1, vocab}), targets.view({-1}));
    loss.backward();
    clip_grad_norm(parameters, 1.0);
    optimizer->step();
    optimizer->zero_grad();  // LibTorch 1.13: zeroes the gradients in place, as our trainers do
    if (step >= warmup) times.push_back(seconds_since(start));
  }
  timing.step_s = median(times);
  timing.tokens_per_s = double(batch * seq) / timing.step_s;
  timing.timed_steps = static_cast<int64_t>(times.size());
  timing.loss = loss.item<double>();  // sync point, after the timing
  return timing;
}

// Runs a Python reference `command` and reads its timing. Throws, naming `name`, when its model is
// not ours (parameter or decayed-parameter count) or it ran under another thread setting.
inline TrainTiming time_python_reference(const std::string& command, const std::string& name,
                                         int threads, const TrainTiming& ours) {
  const nlohmann::json json = run_json(command);
  TrainTiming timing;
  timing.step_s = json["step_s_median"].get<double>();
  timing.tokens_per_s = json["tokens_per_s"].get<double>();
  timing.parameters = json["parameters"].get<int64_t>();
  timing.decayed_parameters = json["decayed_parameters"].get<int64_t>();
  timing.timed_steps = json["timed_steps"].get<int64_t>();
  timing.loss = json.value("loss", 0.0);
  auto fail = [&](const std::string& what) {
    throw std::runtime_error(name + ": the Python reference " + what + "\n" + json.dump());
  };
  if (timing.parameters != ours.parameters)
    fail("has " + std::to_string(timing.parameters) + " parameters, ours " +
         std::to_string(ours.parameters));
  if (timing.decayed_parameters != ours.decayed_parameters)
    fail("decays " + std::to_string(timing.decayed_parameters) + " parameters, ours " +
         std::to_string(ours.decayed_parameters));
  if (json["threads"].get<int>() != threads) fail("ran on another thread count");
  if (json["omp_wait_policy"].get<std::string>() != omp_wait_policy())
    fail("ran under another OMP_WAIT_POLICY");
  return timing;
}

}  // namespace prefstudio::bench

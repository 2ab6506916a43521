// make_optimizer's grouping (weight decay, GaLore targets) on the real GPT-2 module and on
// hand-made lists, its errors, set_learning_rate, and the JSON form of OptimizerConfig with its
// field-named errors.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

#include "core/common/core_error.h"
#include "core/model/gpt.h"
#include "core/optim/galore_adamw.h"
#include "core/optim/optimizer_factory.h"

namespace prefstudio {
namespace {

GptConfig tiny_gpt() {
  GptConfig config;
  config.vocab_size = 50;
  config.n_positions = 16;
  config.n_embd = 16;
  config.n_layer = 2;
  config.n_head = 2;
  config.eos_token_id = 0;
  config.bos_token_id = 0;
  return config;
}

NamedParameters named(const torch::nn::Module& module) {
  NamedParameters out;
  for (const auto& item : module.named_parameters()) out.emplace_back(item.key(), item.value());
  return out;
}

std::set<const void*> impls(const std::vector<torch::Tensor>& tensors) {
  std::set<const void*> out;
  for (const auto& t : tensors) out.insert(t.unsafeGetTensorImpl());
  return out;
}

TEST(OptimizerFactory, AdamWGroupsOnGpt) {
  Gpt model(tiny_gpt());
  const NamedParameters params = named(*model);
  OptimizerConfig config;
  config.weight_decay = 0.1;
  auto optimizer = make_optimizer(config, params);
  ASSERT_NE(dynamic_cast<torch::optim::AdamW*>(optimizer.get()), nullptr);
  const auto& groups = optimizer->param_groups();
  ASSERT_EQ(groups.size(), 2u);
  const auto decayed = impls(groups[0].params());
  const auto undecayed = impls(groups[1].params());
  EXPECT_DOUBLE_EQ(
      static_cast<const torch::optim::AdamWOptions&>(groups[0].options()).weight_decay(), 0.1);
  EXPECT_DOUBLE_EQ(
      static_cast<const torch::optim::AdamWOptions&>(groups[1].options()).weight_decay(), 0.0);
  EXPECT_EQ(decayed.size() + undecayed.size(), params.size());
  for (const auto& [name, tensor] : params) {
    const bool is_linear_weight = tensor.dim() == 2 && name.find("wte") == std::string::npos &&
                                  name.find("wpe") == std::string::npos;
    EXPECT_EQ(decayed.count(tensor.unsafeGetTensorImpl()), is_linear_weight ? 1u : 0u) << name;
  }
  // 4 Linear weights per block; wte/wpe, biases and LayerNorm gains are not decayed.
  EXPECT_EQ(decayed.size(), 4u * 2u);
}

TEST(OptimizerFactory, GaloreGroupsOnGptUseTheDefaultTargets) {
  Gpt model(tiny_gpt());
  const NamedParameters params = named(*model);
  OptimizerConfig config;
  config.name = "galore_adamw";
  config.weight_decay = 0.1;
  config.galore.rank = 4;
  auto optimizer = make_optimizer(config, params);
  ASSERT_NE(dynamic_cast<GaloreAdamW*>(optimizer.get()), nullptr);
  const auto& groups = optimizer->param_groups();
  // No 2-D non-target weight is left in GPT-2 (the head is tied to wte), so two groups remain.
  ASSERT_EQ(groups.size(), 2u);
  const auto& galore = static_cast<const GaloreAdamWOptions&>(groups[0].options());
  EXPECT_EQ(galore.rank(), 4);
  EXPECT_DOUBLE_EQ(galore.weight_decay(), 0.1);
  EXPECT_EQ(groups[0].params().size(), 4u * 2u);
  for (const auto& p : groups[0].params()) EXPECT_EQ(p.dim(), 2);
  const auto& rest = static_cast<const GaloreAdamWOptions&>(groups[1].options());
  EXPECT_EQ(rest.rank(), 0);
  EXPECT_DOUBLE_EQ(rest.weight_decay(), 0.0);
  // It trains: a step changes a projected weight.
  const torch::Tensor before = groups[0].params()[0].detach().clone();
  const torch::Tensor idx = torch::randint(0, 50, {2, 8}, torch::kLong);
  const torch::Tensor logits = model->forward(idx);  // (B, T, V)
  torch::nn::functional::cross_entropy(logits.reshape({-1, 50}), idx.reshape({-1})).backward();
  optimizer->step();
  EXPECT_GT((groups[0].params()[0] - before).abs().max().item<double>(), 0.0);
}

// The same defaults find a Llama's seven projections per layer; its embedding, norms and untied
// head stay with AdamW (the head decayed, as a 2-D weight).
TEST(OptimizerFactory, GaloreGroupsOnLlamaUseTheDefaultTargets) {
  GptConfig config = tiny_gpt();
  config.model_type = "llama";
  config.intermediate_size = 24;
  config.n_kv_head = 1;
  config.tie_word_embeddings = false;
  config.tokenizer = "hf-bpe";
  Gpt model(config);
  const NamedParameters params = named(*model);
  OptimizerConfig optimizer_config;
  optimizer_config.name = "galore_adamw";
  optimizer_config.weight_decay = 0.1;
  optimizer_config.galore.rank = 4;
  auto optimizer = make_optimizer(optimizer_config, params);
  const auto& groups = optimizer->param_groups();
  ASSERT_EQ(groups.size(), 3u);  // GaLore, decayed AdamW (lm_head), undecayed AdamW
  EXPECT_EQ(groups[0].params().size(), 7u * 2u);
  const auto projected = impls(groups[0].params());
  for (const auto& [name, tensor] : params) {
    const bool projection = name.find("_proj.weight") != std::string::npos;
    EXPECT_EQ(projected.count(tensor.unsafeGetTensorImpl()), projection ? 1u : 0u) << name;
  }
  EXPECT_EQ(groups[1].params().size(), 1u);  // lm_head.weight
}

TEST(OptimizerFactory, TiedFrozenAndEmptyCases) {
  torch::Tensor weight = torch::randn({4, 6}, torch::requires_grad());
  torch::Tensor frozen = torch::randn({4, 6});
  torch::Tensor bias = torch::randn({4}, torch::requires_grad());
  const NamedParameters params = {{"layer.weight", weight},
                                  {"head.weight", weight},  // tied: same tensor twice
                                  {"frozen.weight", frozen},
                                  {"layer.bias", bias}};
  OptimizerConfig config;
  auto optimizer = make_optimizer(config, params);
  size_t count = 0;
  for (const auto& group : optimizer->param_groups()) count += group.params().size();
  EXPECT_EQ(count, 2u);

  config.name = "galore_adamw";
  config.galore.target_modules = {"no_such_module"};
  EXPECT_THROW(make_optimizer(config, params), ConfigError);
  config.galore.target_modules = {"layer"};  // matches layer.bias too: 1-D stays AdamW
  auto galore = make_optimizer(config, params);
  EXPECT_EQ(galore->param_groups()[0].params().size(), 1u);
  config.galore.proj_type = "diagonal";
  EXPECT_THROW(make_optimizer(config, params), ConfigError);

  config.name = "sgd";
  try {
    make_optimizer(config, params);
    ADD_FAILURE() << "unknown optimizer accepted";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("optimizer.name"), std::string::npos);
  }
  EXPECT_THROW(make_optimizer(OptimizerConfig{}, {{"frozen.weight", frozen}}), CoreError);
}

TEST(OptimizerFactory, SetLearningRateReachesEveryGroup) {
  Gpt model(tiny_gpt());
  for (const std::string name : {"adamw", "galore_adamw"}) {
    OptimizerConfig config;
    config.name = name;
    auto optimizer = make_optimizer(config, named(*model));
    set_learning_rate(*optimizer, 1.25e-4);
    for (auto& group : optimizer->param_groups()) {
      EXPECT_DOUBLE_EQ(group.options().get_lr(), 1.25e-4) << name;
    }
  }
}

std::string config_error(const nlohmann::json& json) {
  try {
    optimizer_config_from_json(json);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(OptimizerConfigJson, DefaultsRoundTripAndErrors) {
  const OptimizerConfig defaults = optimizer_config_from_json(nlohmann::json::object());
  EXPECT_EQ(defaults.name, "adamw");
  EXPECT_DOUBLE_EQ(defaults.eps, 1e-8);
  const OptimizerConfig galore = optimizer_config_from_json(
      {{"name", "galore_adamw"}, {"lr", 1e-3}, {"galore", {{"rank", 64}, {"scale", 0.25}}}});
  EXPECT_DOUBLE_EQ(galore.eps, 1e-6);  // the authors' default when GaLore is chosen
  EXPECT_EQ(galore.galore.rank, 64);
  EXPECT_EQ(galore.galore.update_proj_gap, 200);
  EXPECT_EQ(galore.galore.target_modules.size(), 11u);  // GPT-2's 4 and Llama's 7
  const OptimizerConfig again = optimizer_config_from_json(to_json(galore));
  EXPECT_EQ(to_json(again), to_json(galore));

  EXPECT_NE(config_error({{"lr", "3e-4"}}).find("optimizer.lr"), std::string::npos);
  EXPECT_NE(config_error({{"lr", -1.0}}).find("optimizer.lr"), std::string::npos);
  EXPECT_NE(config_error({{"beta2", 1.0}}).find("optimizer.beta2"), std::string::npos);
  EXPECT_NE(config_error({{"name", "lion"}}).find("optimizer.name"), std::string::npos);
  EXPECT_NE(config_error({{"learning_rate", 1e-3}}).find("optimizer.learning_rate"),
            std::string::npos);
  EXPECT_NE(config_error({{"galore", {{"rank", 0}}}}).find("optimizer.galore.rank"),
            std::string::npos);
  EXPECT_NE(config_error({{"galore", {{"rank", 8.5}}}}).find("optimizer.galore.rank"),
            std::string::npos);
  EXPECT_NE(config_error({{"galore", {{"proj_type", "diag"}}}}).find("optimizer.galore.proj_type"),
            std::string::npos);
  EXPECT_NE(config_error({{"galore", {{"target_modules", {"a", 3}}}}})
                .find("optimizer.galore.target_modules[1]"),
            std::string::npos);
  EXPECT_NE(config_error(nlohmann::json::array()).find("optimizer"), std::string::npos);
}

}  // namespace
}  // namespace prefstudio

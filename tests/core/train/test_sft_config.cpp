// SftConfig JSON: defaults, round trip, and errors naming "sft.<key>"; SFT JSONL errors naming
// file:line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/common/core_error.h"
#include "core/train/sft_config.h"
#include "core/train/sft_jsonl.h"

namespace prefstudio {
namespace {

std::string error_of(const nlohmann::json& json) {
  try {
    sft_config_from_json(json);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(SftConfig, ReadsDefaultsAndRoundTrips) {
  auto config = sft_config_from_json({{"model_dir", "m"},
                                      {"output_dir", "o"},
                                      {"data_path", "d.jsonl"},
                                      {"steps", 7},
                                      {"optimizer", {{"lr", 1e-3}}}});
  EXPECT_EQ(config.steps, 7);
  EXPECT_EQ(config.batch_size, 16);
  EXPECT_DOUBLE_EQ(config.optimizer.lr, 1e-3);
  auto again = sft_config_from_json(to_json(config));
  EXPECT_EQ(to_json(again), to_json(config));
}

TEST(SftConfig, ErrorsNameTheKey) {
  nlohmann::json base = {{"model_dir", "m"}, {"output_dir", "o"}, {"data_path", "d"}};
  auto with = [&](const char* key, nlohmann::json value) {
    auto json = base;
    json[key] = value;
    return error_of(json);
  };
  EXPECT_NE(with("steps", "10").find("sft.steps"), std::string::npos);
  EXPECT_NE(with("steps", 0).find("sft.steps"), std::string::npos);
  EXPECT_NE(with("batch_size", 1.5).find("sft.batch_size"), std::string::npos);
  EXPECT_NE(with("validation_fraction", 1.0).find("sft.validation_fraction"), std::string::npos);
  EXPECT_NE(with("data_source", "web").find("sft.data_source"), std::string::npos);
  EXPECT_NE(with("learning_rate", 1e-3).find("sft.learning_rate"), std::string::npos);
  EXPECT_NE(with("optimizer", {{"lr", "big"}}).find("optimizer.lr"), std::string::npos);
  EXPECT_NE(error_of({{"output_dir", "o"}}).find("sft.model_dir"), std::string::npos);
  EXPECT_NE(error_of({{"model_dir", "m"}, {"output_dir", "o"}}).find("sft.data_path"),
            std::string::npos);
}

class SftJsonl : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    path_ = (std::filesystem::temp_directory_path() /
             ("sft_jsonl_" + std::to_string(::getpid()) + ".jsonl"))
                .string();
    std::ofstream(path_) << text;
    return path_;
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::string path_;
};

TEST_F(SftJsonl, ReadsAndWrites) {
  auto path = write(
      "{\"prompt\": \"Sort: ba\\n\", \"response\": \"ab\", \"id\": 3}\n\n"
      "{\"prompt\": \"p\", \"response\": \"r\"}\r\n");
  auto examples = read_sft_jsonl(path);
  ASSERT_EQ(examples.size(), 2u);
  EXPECT_EQ(examples[0].prompt, "Sort: ba\n");
  EXPECT_EQ(examples[1].response, "r");
  write_sft_jsonl(path, examples);
  auto again = read_sft_jsonl(path);
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].prompt, examples[0].prompt);
}

TEST_F(SftJsonl, ErrorsNameFileAndLine) {
  auto expect_error = [&](const std::string& text, const std::string& what) {
    auto path = write(text);
    try {
      read_sft_jsonl(path);
      FAIL() << "no error for " << text;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(path + ":2"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  const std::string good = "{\"prompt\": \"p\", \"response\": \"r\"}\n";
  expect_error(good + "{\"prompt\": \"p\"}\n", "response");
  expect_error(good + "{\"prompt\": 3, \"response\": \"r\"}\n", "prompt");
  expect_error(good + "{not json\n", "JSON");
  expect_error(good + "[1, 2]\n", "object");
  EXPECT_THROW(read_sft_jsonl("/nonexistent/file.jsonl"), FormatError);
}

}  // namespace
}  // namespace prefstudio

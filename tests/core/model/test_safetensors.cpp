// safetensors reader and writer: round trips in F32/F16/BF16, and every kind of damaged or lying
// file refused with a FormatError naming the file (and the tensor where one is at fault).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/common/core_error.h"
#include "core/model/safetensors.h"

using namespace prefstudio;
namespace fs = std::filesystem;

namespace {

class SafetensorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("prefstudio_safetensors_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A file with the given header length field, header text and data bytes.
  std::string write_raw(const std::string& name, uint64_t header_length, const std::string& header,
                        const std::string& data) {
    std::string path = (dir_ / name).string();
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 8; ++i) out.put(static_cast<char>(header_length >> (8 * i)));
    out << header << data;
    return path;
  }
  std::string write_raw(const std::string& name, const std::string& header,
                        const std::string& data) {
    return write_raw(name, header.size(), header, data);
  }

  // Expects FormatError whose message holds the file path and every one of `parts`.
  void expect_refused(const std::string& path, std::initializer_list<const char*> parts) {
    try {
      SafetensorsFile file(path);
      FAIL() << path << " was accepted";
    } catch (const FormatError& e) {
      std::string message = e.what();
      EXPECT_NE(message.find(path), std::string::npos) << "no file name in: " << message;
      for (const char* part : parts)
        EXPECT_NE(message.find(part), std::string::npos) << "no '" << part << "' in: " << message;
    }
  }

  fs::path dir_;
};

}  // namespace

TEST_F(SafetensorsTest, RoundTripsFloatDtypesAndMetadata) {
  torch::manual_seed(3);
  std::map<std::string, torch::Tensor> tensors{
      {"a.f32", torch::randn({3, 5})},
      {"b.f16", torch::randn({7}).to(torch::kHalf)},
      {"c.bf16", torch::randn({2, 3, 4}).to(torch::kBFloat16)},
      {"d.scalar", torch::tensor(2.5f).reshape({})},
      {"e.ids", torch::arange(6, torch::kLong)},
      {"f.transposed", torch::randn({4, 6}).t()},  // non-contiguous input
  };
  const std::string path = (dir_ / "model.safetensors").string();
  write_safetensors(path, tensors, {{"format", "pt"}});
  SafetensorsFile file(path);
  EXPECT_EQ(file.metadata().at("format"), "pt");
  ASSERT_EQ(file.entries().size(), tensors.size());
  for (const auto& [name, value] : tensors) {
    auto back = file.tensor(name);
    EXPECT_EQ(back.scalar_type(), value.scalar_type()) << name;
    EXPECT_EQ(back.sizes(), value.sizes()) << name;
    EXPECT_TRUE(torch::equal(back, value)) << name;
  }
  EXPECT_EQ(file.entries().at("c.bf16").dtype, "BF16");
  EXPECT_EQ(file.entries().at("b.f16").dtype, "F16");
  // Header offsets start at 0 in sorted key order, and the header is space-padded JSON.
  EXPECT_EQ(file.entries().at("a.f32").begin, 0u);
  std::ifstream in(path, std::ios::binary);
  uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), 8);
  EXPECT_EQ(n % 8, 0u);
  for (const auto& entry : fs::directory_iterator(dir_))
    EXPECT_EQ(entry.path().filename(), "model.safetensors") << "temporary file left behind";
}

TEST_F(SafetensorsTest, RefusesTruncatedFiles) {
  const std::string path = (dir_ / "cut.safetensors").string();
  write_safetensors(path, {{"w", torch::randn({16, 16})}});
  fs::resize_file(path, fs::file_size(path) - 100);
  expect_refused(path, {"'w'", "outside"});
  fs::resize_file(path, 5);
  expect_refused(path, {"truncated"});
}

TEST_F(SafetensorsTest, RefusesHeaderLengthBeyondFile) {
  const std::string header = R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  expect_refused(write_raw("long.safetensors", header.size() + 1000, header, "abcd"),
                 {"larger than the file"});
  expect_refused(write_raw("huge.safetensors", uint64_t(1) << 40, header, "abcd"),
                 {"over the limit"});
}

TEST_F(SafetensorsTest, RefusesInvalidJson) {
  expect_refused(write_raw("bad.safetensors", R"({"w":{"dtype":"F32",)", "abcd"),
                 {"not valid JSON"});
  expect_refused(write_raw("array.safetensors", "[1, 2]", ""), {"not a JSON object"});
}

TEST_F(SafetensorsTest, RefusesUnknownDtype) {
  expect_refused(write_raw("dtype.safetensors",
                           R"({"w":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}})", "abcd"),
                 {"'w'", "F8_E4M3"});
}

TEST_F(SafetensorsTest, RefusesShapeThatDisagreesWithByteRange) {
  expect_refused(write_raw("shape.safetensors",
                           R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", "abcdefgh"),
                 {"'w'", "needs 12 bytes"});
  expect_refused(
      write_raw("neg.safetensors", R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})",
                "abcdefgh"),
      {"'w'", "dimension"});
}

// Shapes LibTorch cannot hold. A zero-sized tensor with a huge other dimension needs 0 bytes, so it
// used to pass every check and then fail in LibTorch ("negative dimension") without a tensor name.
// Counting elements in int64 refuses the same shape in any order of its dimensions.
TEST_F(SafetensorsTest, RefusesShapesBeyondInt64EvenWhenEmpty) {
  expect_refused(write_raw("huge_dim.safetensors",
                           R"({"w":{"dtype":"F32","shape":[0,9223372036854775808],)"
                           R"("data_offsets":[0,0]}})",
                           ""),
                 {"'w'", "9223372036854775808"});
  for (const char* shape : {"[0,4611686018427387904,4]", "[4611686018427387904,4,0]"})
    expect_refused(write_raw("huge_count.safetensors",
                             std::string(R"({"w":{"dtype":"F32","shape":)") + shape +
                                 R"(,"data_offsets":[0,0]}})",
                             ""),
                   {"'w'", "int64"});
  // Countable, but more than the bytes the header gives it.
  expect_refused(
      write_raw("beyond_data.safetensors",
                R"({"w":{"dtype":"U8","shape":[1099511627776],"data_offsets":[0,4]}})", "abcd"),
      {"'w'", "needs 1099511627776 bytes"});
}

TEST_F(SafetensorsTest, RefusesOverlappingRanges) {
  expect_refused(write_raw("overlap.safetensors",
                           R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                           R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                           std::string(12, 'x')),
                 {"'b'", "overlaps", "'a'"});
}

TEST_F(SafetensorsTest, RefusesRangeOutsideTheFile) {
  // A "lying header": consistent shape and range, but the range points past the end.
  expect_refused(write_raw("lying.safetensors",
                           R"({"w":{"dtype":"F32","shape":[256],"data_offsets":[0,1024]}})",
                           std::string(16, 'x')),
                 {"'w'", "outside the data area"});
  expect_refused(
      write_raw("reversed.safetensors", R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})",
                std::string(16, 'x')),
      {"'w'", "after end"});
}

TEST_F(SafetensorsTest, AcceptsMetadataAndEmptyTensors) {
  const std::string path = write_raw(
      "meta.safetensors",
      R"({"__metadata__":{"format":"pt"},"e":{"dtype":"BF16","shape":[0,3],"data_offsets":[0,0]},)"
      R"("w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})",
      std::string("\x00\x3c\x00\x40", 4));  // 1.0, 2.0 in IEEE half
  SafetensorsFile file(path);
  EXPECT_EQ(file.tensor("e").numel(), 0);
  auto w = file.tensor("w").to(torch::kFloat);
  EXPECT_FLOAT_EQ(w[0].item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(w[1].item<float>(), 2.0f);
  EXPECT_THROW(file.tensor("missing"), FormatError);
}

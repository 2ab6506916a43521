// The torch-free safetensors header check on bytes in memory: what a valid header yields, and that
// short or lying input is refused without a read past its last byte (each input lives in a heap
// block of exactly its size, so the sanitizer pass catches any over-read). The file-level refusals
// and round trips are in test_safetensors.cpp.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/common/core_error.h"
#include "core/model/safetensors_header.h"

using namespace prefstudio;

namespace {

// The 8-byte little-endian length, then `header`, then `data`.
std::vector<uint8_t> file_bytes(uint64_t header_length, const std::string& header,
                                const std::string& data = "") {
  std::vector<uint8_t> bytes;
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<uint8_t>(header_length >> (8 * i)));
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

std::vector<uint8_t> file_bytes(const std::string& header, const std::string& data = "") {
  return file_bytes(header.size(), header, data);
}

// Parses a copy of `bytes` held in a heap block of exactly their size.
SafetensorsHeader parse(const std::vector<uint8_t>& bytes) {
  std::unique_ptr<uint8_t[]> exact(new uint8_t[bytes.size()]);
  std::copy(bytes.begin(), bytes.end(), exact.get());
  return parse_safetensors_header(exact.get(), bytes.size(), "in-memory.safetensors");
}

std::string refusal(const std::vector<uint8_t>& bytes) {
  try {
    parse(bytes);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "accepted";
}

}  // namespace

TEST(SafetensorsHeader, ReadsEntriesMetadataAndTheDataOffset) {
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"b":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]},)"
      R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("z":{"dtype":"I64","shape":[0,5],"data_offsets":[12,12]}})";
  const SafetensorsHeader parsed = parse(file_bytes(header, std::string(12, '\0')));
  EXPECT_EQ(parsed.data_offset, 8 + header.size());
  ASSERT_EQ(parsed.entries.size(), 3u);
  EXPECT_EQ(parsed.entries.at("a").dtype, "F32");
  EXPECT_EQ(parsed.entries.at("b").begin, 8u);
  EXPECT_EQ(parsed.entries.at("b").end, 12u);
  EXPECT_EQ(parsed.entries.at("z").shape, (std::vector<int64_t>{0, 5}));
  EXPECT_EQ(parsed.metadata.at("format"), "pt");
}

TEST(SafetensorsHeader, RefusesInputShorterThanTheLengthPrefix) {
  for (size_t size = 0; size < 8; ++size) {
    const std::string message = refusal(std::vector<uint8_t>(size, 0));
    EXPECT_NE(message.find("in-memory.safetensors: truncated file of " + std::to_string(size)),
              std::string::npos)
        << message;
  }
}

TEST(SafetensorsHeader, RefusesAHeaderLengthPastTheEndWithoutReadingIt) {
  // 2^64 - 1 would wrap 8 + length to 7 if the check added before comparing.
  EXPECT_NE(refusal(file_bytes(~uint64_t{0}, "{}")).find("over the limit"), std::string::npos);
  EXPECT_NE(refusal(file_bytes(3, "{}")).find("larger than the file"), std::string::npos);
  EXPECT_NE(refusal(file_bytes(1, "{")).find("not valid JSON"), std::string::npos);
}

TEST(SafetensorsHeader, NamesTheTensorAtFault) {
  const std::string message =
      refusal(file_bytes(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", "12345678"));
  EXPECT_NE(message.find("tensor 'w': shape [3] of F32 needs 12 bytes"), std::string::npos)
      << message;
}

TEST(SafetensorsHeader, KnowsTheBytesOfEachDtype) {
  EXPECT_EQ(safetensors_dtype_bytes("F32"), 4u);
  EXPECT_EQ(safetensors_dtype_bytes("BF16"), 2u);
  EXPECT_EQ(safetensors_dtype_bytes("F64"), 8u);
  EXPECT_EQ(safetensors_dtype_bytes("BOOL"), 1u);
  EXPECT_EQ(safetensors_dtype_bytes("F8_E4M3"), 0u);  // not supported: refused by the reader
}

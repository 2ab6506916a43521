// sync_path and rename_durably, core's durable write (checkpoints, safetensors, tokenizer files,
// optimizer state): they sync a real file and folder, move a file or a whole folder into place,
// and name the path when the folder does not exist. A power cut cannot be tested here; strace
// shows the fsync calls.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "core/common/core_error.h"
#include "core/common/file_sync.h"
#include "tests/core/core_test_temp_dir.h"

using namespace prefstudio;
namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void expect_error_naming(const std::function<void()>& action, const std::string& path) {
  try {
    action();
    FAIL() << "no error for " << path;
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(FileSync, SyncsAFileAndItsFolder) {
  test::TempDir dir;
  dir.write("model.safetensors.tmp", "bytes");
  EXPECT_NO_THROW(sync_path((dir.path / "model.safetensors.tmp").string()));
  EXPECT_NO_THROW(sync_path(dir.str()));
}

TEST(FileSync, RenamesAFileAndAFolderDurably) {
  test::TempDir dir;
  dir.write("a.tmp", "new");
  dir.write("a", "old");
  rename_durably((dir.path / "a.tmp").string(), (dir.path / "a").string());
  EXPECT_EQ(read(dir.path / "a"), "new");
  EXPECT_FALSE(fs::exists(dir.path / "a.tmp"));
  fs::create_directory(dir.path / ".ckpt.tmp");
  dir.write(".ckpt.tmp/config.json", "{}");
  rename_durably((dir.path / ".ckpt.tmp").string(), (dir.path / "ckpt").string());
  EXPECT_EQ(read(dir.path / "ckpt" / "config.json"), "{}");
}

TEST(FileSync, ErrorsNameThePath) {
  test::TempDir dir;
  const std::string missing = (dir.path / "no-such-folder").string();
  expect_error_naming([&] { sync_path(missing); }, missing);
  dir.write("a.tmp", "x");
  const std::string target = missing + "/a";
  expect_error_naming([&] { rename_durably((dir.path / "a.tmp").string(), target); }, target);
}

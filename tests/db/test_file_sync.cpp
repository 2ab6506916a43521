// sync_path and rename_durably, the store's durable write: they sync a real file and folder, move
// the file into place, and name the path when the folder does not exist. That the data reaches the
// platter on a power cut cannot be tested here; strace shows the fsync calls.
#include <gtest/gtest.h>

#include <functional>

#include "db/file_sync.h"
#include "db_test_util.h"

namespace prefstudio::db {
namespace {

void expect_error_naming(const std::function<void()>& action, const std::string& path) {
  try {
    action();
    FAIL() << "no error for " << path;
  } catch (const DbError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(FileSync, SyncsAFileAndItsFolder) {
  test::TempDir dir;
  const std::string file = test::write_file(dir.file("export.jsonl.tmp"), "{\"a\": 1}\n");
  EXPECT_NO_THROW(sync_path(file));
  EXPECT_NO_THROW(sync_path(dir.file(".")));
}

TEST(FileSync, RenamesDurablyIntoPlace) {
  test::TempDir dir;
  const std::string temp = test::write_file(dir.file("export.jsonl.tmp"), "new\n");
  const std::string target = test::write_file(dir.file("export.jsonl"), "old\n");
  rename_durably(temp, target);
  EXPECT_EQ(test::read_file(target), "new\n");
  EXPECT_FALSE(std::filesystem::exists(temp));
}

TEST(FileSync, ErrorsNameThePath) {
  test::TempDir dir;
  const std::string missing = dir.file("no-such-folder");
  expect_error_naming([&] { sync_path(missing); }, missing);
  const std::string temp = test::write_file(dir.file("export.jsonl.tmp"), "x\n");
  const std::string target = missing + "/export.jsonl";
  expect_error_naming([&] { rename_durably(temp, target); }, target);
}

}  // namespace
}  // namespace prefstudio::db

// A fresh folder under the system temp dir for one test, removed when it goes out of scope. Shared
// by core's tests so each file does not carry its own copy.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace prefstudio::test {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("prefstudio_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string str() const { return path.string(); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
  }
};

}  // namespace prefstudio::test

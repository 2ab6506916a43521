// Sets an environment variable for one scope and puts back what was there: for tests of settings
// read from the environment (PREFSTUDIO_WEIGHTS_DTYPE, PREFSTUDIO_MAX_SHARD_MB, ...).
#pragma once

#include <cstdlib>
#include <optional>
#include <string>

namespace prefstudio::test {

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (old_)
      setenv(name_, old_->c_str(), 1);
    else
      unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace prefstudio::test

// One supervised demonstration: a prompt and the response the model should learn to write after
// it. Plain data, torch-free. The loss covers the response (and the end-of-text after it) only.
#pragma once

#include <string>

namespace prefstudio {

struct SftExample {
  std::string prompt;    // e.g. "Sort: qdbx\n": everything the model is given
  std::string response;  // e.g. "bdqx": what it learns to continue with; end-of-text is appended
};

}  // namespace prefstudio

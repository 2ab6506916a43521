// Process-wide LibTorch settings: thread count and device choice. Torch-free header, so the GUI and
// the CLI can call it. LibTorch on Debian starts with one intra-op thread; we use every core unless
// the user asks otherwise.
#pragma once

#include <string>

namespace prefstudio {

// Sets LibTorch's intra-op threads: n > 0 as given, n == 0 all cores (PREFSTUDIO_THREADS overrides).
// Returns the number in force. The first call also tells glibc to keep freed memory mapped (see
// runtime.cpp): a training step then reuses the last step's memory instead of faulting it in.
int init_torch_threads(int n = 0);

// True where this LibTorch build has CUDA and a device is visible.
bool cuda_available();

// Checks a device name ("cpu", "cuda", "cuda:1"); throws ConfigError naming `field` otherwise or
// when CUDA is asked for and absent. Returns the canonical name.
std::string check_device(const std::string& device, const std::string& field = "device");

}  // namespace prefstudio

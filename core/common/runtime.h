// Process-wide LibTorch settings: thread count and device choice. Torch-free header, so the GUI and
// the CLI can call it. LibTorch on Debian starts with one intra-op thread; we use every core unless
// the user asks otherwise (--threads, a config's "threads", or PREFSTUDIO_THREADS).
#pragma once

#include <string>

namespace prefstudio {

// Sets LibTorch's intra-op threads and returns the number in force:
//   n > 0: n, whatever the environment says (an explicit --threads or config "threads" wins);
//   else PREFSTUDIO_THREADS when set and not empty;
//   else `fallback` when > 0 (a command's own default, e.g. the demo's one thread);
//   else every core.
// Throws ConfigError naming PREFSTUDIO_THREADS and its value when it is set to anything but a
// positive integer. The first call also tells glibc to keep freed memory mapped (see runtime.cpp):
// a training step then reuses the last step's memory instead of faulting it in.
int init_torch_threads(int n = 0, int fallback = 0);

// True where this LibTorch build has CUDA and a device is visible.
bool cuda_available();

// Checks a device name ("cpu", "cuda", "cuda:1"); throws ConfigError naming `field` otherwise or
// when CUDA is asked for and absent. Returns the canonical name.
std::string check_device(const std::string& device, const std::string& field = "device");

}  // namespace prefstudio

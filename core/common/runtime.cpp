// LibTorch process settings (see runtime.h).
#include "core/common/runtime.h"

#include <torch/torch.h>

#include <malloc.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "core/common/core_error.h"

namespace prefstudio {

namespace {

// glibc hands the freed activations of each training step back to the kernel (trim, munmap) and
// the next step faults them in again; on this project's 2-core VMs that halved the speed of a
// reward-model step (bench_reward: 0.43-0.66x Python PyTorch before, 0.95-1.24x after). Keep them:
// mmap only above 32 MiB (glibc's largest, which also stops its sliding threshold) and trim only
// beyond 1 GiB of free heap. Training processes reuse the same sizes every step.
void keep_freed_memory() {
  static const bool done = [] {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    return true;
  }();
  (void)done;
}

// PREFSTUDIO_THREADS as a count, 0 when unset or empty. Anything but a positive integer is an
// error even where an explicit count makes it moot: it used to mean "every core" without a word.
int threads_from_environment() {
  const char* value = std::getenv("PREFSTUDIO_THREADS");
  if (value == nullptr || *value == '\0') return 0;
  const char* end = value + std::strlen(value);
  int n = 0;
  const auto [stop, error] = std::from_chars(value, end, n);
  if (error != std::errc() || stop != end || n <= 0)
    throw ConfigError(std::string("PREFSTUDIO_THREADS='") + value +
                      "' is not a positive number of threads (unset it for the default)");
  return n;
}

}  // namespace

int init_torch_threads(int n, int fallback) {
  keep_freed_memory();
  const int from_environment = threads_from_environment();
  if (n <= 0) n = from_environment;
  if (n <= 0) n = fallback;
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(n);
  return torch::get_num_threads();
}

bool cuda_available() { return torch::cuda::is_available(); }

std::string check_device(const std::string& device, const std::string& field) {
  torch::Device parsed(torch::kCPU);
  try {
    parsed = torch::Device(device);
  } catch (const std::exception&) {
    throw ConfigError(field + ": unknown device '" + device + "' (expected cpu, cuda or cuda:N)");
  }
  if (parsed.is_cuda() && !torch::cuda::is_available())
    throw ConfigError(field + ": '" + device + "' asked for, but this LibTorch has no CUDA device");
  return parsed.str();
}

}  // namespace prefstudio

// LibTorch process settings (see runtime.h).
#include "core/common/runtime.h"

#include <torch/torch.h>

#include <malloc.h>

#include <cstdlib>
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

}  // namespace

int init_torch_threads(int n) {
  keep_freed_memory();
  if (const char* env = std::getenv("PREFSTUDIO_THREADS")) n = std::atoi(env);
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

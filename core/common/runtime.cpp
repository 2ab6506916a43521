// LibTorch process settings (see runtime.h).
#include "core/common/runtime.h"

#include <torch/torch.h>

#include <cstdlib>
#include <thread>

#include "core/common/core_error.h"

namespace prefstudio {

int init_torch_threads(int n) {
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

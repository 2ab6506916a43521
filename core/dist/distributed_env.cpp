#include "core/dist/distributed_env.h"

#include <cerrno>
#include <cstdlib>

#include "core/common/core_error.h"

namespace prefstudio {
namespace {

int integer_variable(const std::function<const char*(const char*)>& lookup, const char* name,
                     int min, int max) {
  const char* text = lookup(name);
  if (text == nullptr || *text == '\0')
    throw ConfigError(std::string("data parallel: ") + name + " is not set (set MASTER_ADDR, " +
                      "MASTER_PORT, WORLD_SIZE and RANK, as torchrun does)");
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text, &end, 10);
  if (errno != 0 || *end != '\0' || value < min || value > max)
    throw ConfigError(std::string("data parallel: ") + name + "='" + text +
                      "' is not an integer in [" + std::to_string(min) + ", " +
                      std::to_string(max) + "]");
  return static_cast<int>(value);
}

}  // namespace

std::optional<DistributedEnv> distributed_env_from(
    const std::function<const char*(const char*)>& lookup) {
  const char* world = lookup("WORLD_SIZE");
  if (world == nullptr || std::string(world) == "1") return std::nullopt;
  DistributedEnv env;
  env.world_size = integer_variable(lookup, "WORLD_SIZE", 1, 1 << 16);
  env.rank = integer_variable(lookup, "RANK", 0, env.world_size - 1);
  env.master_port = integer_variable(lookup, "MASTER_PORT", 1, 65535);
  const char* addr = lookup("MASTER_ADDR");
  if (addr == nullptr || *addr == '\0')
    throw ConfigError("data parallel: MASTER_ADDR is not set (the host of rank 0)");
  env.master_addr = addr;
  const char* local = lookup("LOCAL_RANK");
  env.local_rank = local == nullptr ? env.rank : integer_variable(lookup, "LOCAL_RANK", 0, 1 << 16);
  return env;
}

}  // namespace prefstudio

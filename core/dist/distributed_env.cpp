#include "core/dist/distributed_env.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

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

int free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw CoreError(std::string("cannot open a socket to find a free port: ") +
                              std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  const bool found = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                     getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  const int error = errno;
  close(fd);
  if (!found)
    throw CoreError(std::string("cannot find a free port on 127.0.0.1: ") + std::strerror(error));
  return ntohs(address.sin_port);
}

}  // namespace prefstudio

// prefstudio-cli's door to prefstudio-engine (see engine_launcher.h).
#include "app/cli/engine_launcher.h"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "app/cli/cli_command.h"
#include "app/cli/engine_commands.h"

#ifndef PREFSTUDIO_ENGINE_FROM_BIN
#error "app/CMakeLists.txt defines PREFSTUDIO_ENGINE_FROM_BIN, the engine's folder from bin/"
#endif

namespace prefstudio::cli {
namespace {

namespace fs = std::filesystem;

std::string this_program_folder() {
  std::string path(PATH_MAX, '\0');
  const ssize_t length = readlink("/proc/self/exe", path.data(), path.size());
  if (length <= 0)
    throw std::runtime_error(std::string("cannot read /proc/self/exe: ") + std::strerror(errno));
  path.resize(static_cast<size_t>(length));
  return path.substr(0, path.rfind('/'));
}

// LibTorch's GNU OpenMP threads spin while they wait. On a machine whose cores are busy with
// anything else, two spinning threads slowed the demo's SFT from ~11,000 to 128 tokens/s; with the
// passive policy they sleep instead. libgomp reads the variable once, when it loads, so it is set
// here, before the engine starts. A user's own OMP_WAIT_POLICY is left alone.
void set_passive_omp_wait() { setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/0); }

// Returns only by throwing: on success the engine has replaced this process.
int exec_engine(const std::string& name, const std::vector<std::string>& args) {
  const std::string engine = engine_path();
  std::vector<std::string> words{engine};
  std::istringstream name_words(name);  // "train sft" -> "train", "sft"
  for (std::string word; name_words >> word;) words.push_back(word);
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  set_passive_omp_wait();
  execv(engine.c_str(), argv.data());
  throw std::runtime_error("cannot start " + engine + ": " + std::strerror(errno));
}

}  // namespace

std::string engine_path() {
  if (const char* chosen = std::getenv("PREFSTUDIO_ENGINE")) return chosen;  // exec names a bad one
  const std::string folder = this_program_folder();
  const std::string beside = folder + "/prefstudio-engine";
  const std::string installed =
      (fs::path(folder) / PREFSTUDIO_ENGINE_FROM_BIN / "prefstudio-engine")
          .lexically_normal()
          .string();
  for (const std::string& path : {beside, installed})
    if (access(path.c_str(), X_OK) == 0) return path;
  throw std::runtime_error(
      "prefstudio-engine, which runs the commands that load LibTorch, is not at " + beside +
      " nor at " + installed + " (build the target prefstudio-engine, or set PREFSTUDIO_ENGINE)");
}

void register_engine_commands() {
  for (const EngineCommand& command : engine_commands()) {
    const std::string name = command.name;
    CliCommand entry{
        name, command.usage, command.summary,
        [name](const std::vector<std::string>& args) { return exec_engine(name, args); }};
    if (!cli_commands().emplace(name, std::move(entry)).second) {
      std::fprintf(stderr, "prefstudio-cli: '%s' is both a store-only and an engine command\n",
                   name.c_str());
      std::abort();
    }
  }
}

}  // namespace prefstudio::cli

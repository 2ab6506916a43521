// train_command: --nproc, --dist-timeout and the torchrun variables for every `train KIND` command
// (see train_command.h).
#include "app/cli/train_command.h"

#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <utility>

#include "app/cli/engine_commands.h"
#include "app/cli/process_group_launcher.h"
#include "core/dist/distributed_env.h"

namespace prefstudio::cli {
namespace {

// Takes option `key` ("--key VALUE" or "--key=VALUE") out of `args`; its value, if it was there.
std::optional<std::string> take_option(std::vector<std::string>& args, const std::string& key) {
  const std::string flag = "--" + key;
  std::optional<std::string> value;
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == flag) {
      if (i + 1 >= args.size()) throw CliUsageError("option " + flag + " needs a value");
      value = args[++i];
    } else if (args[i].rfind(flag + "=", 0) == 0) {
      value = args[i].substr(flag.size() + 1);
    } else {
      rest.push_back(args[i]);
    }
  }
  args = std::move(rest);
  return value;
}

int parse_nproc(const std::string& text) {
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < 1 || value > 1024)
    throw CliUsageError("--nproc expects a number of processes from 1 to 1024, got '" + text + "'");
  return static_cast<int>(value);
}

double parse_dist_timeout(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(value > 0) || value > 1e6)
    throw CliUsageError("--dist-timeout expects seconds above 0, got '" + text + "'");
  return value;
}

// The command line of each rank: this program, the command's words, and its arguments as given
// but for --nproc (so --dist-timeout reaches the ranks).
std::vector<std::string> rank_command_line(const std::string& name,
                                           const std::vector<std::string>& args) {
  std::string program(PATH_MAX, '\0');
  const ssize_t length = readlink("/proc/self/exe", program.data(), program.size());
  program.resize(length > 0 ? static_cast<size_t>(length) : 0);
  std::vector<std::string> words{program.empty() ? "prefstudio-engine" : program};
  std::istringstream name_words(name);  // "train sft" -> "train", "sft"
  for (std::string word; name_words >> word;) words.push_back(word);
  words.insert(words.end(), args.begin(), args.end());
  return words;
}

int run_train_command(const std::string& name, const TrainCommandBody& body,
                      std::vector<std::string> args) {
  const std::optional<std::string> nproc_text = take_option(args, "nproc");
  std::vector<std::string> body_args = args;
  const std::optional<std::string> timeout_text = take_option(body_args, "dist-timeout");
  const double timeout_seconds =
      timeout_text ? parse_dist_timeout(*timeout_text) : TrainingProcess::kDefaultTimeoutSeconds;
  if (nproc_text) {
    const int nproc = parse_nproc(*nproc_text);
    if (const char* world = std::getenv("WORLD_SIZE"))
      throw CliUsageError("--nproc starts the ranks itself, but WORLD_SIZE=" + std::string(world) +
                          " is set: this process is already a rank of a launcher such as "
                          "torchrun (unset WORLD_SIZE, or drop --nproc)");
    if (nproc > 1) {
      ProcessGroupLauncher(nproc, rank_command_line(name, args)).run();
      return 0;
    }
  }
  TrainingProcess process(distributed_env_from(std::getenv), timeout_seconds);
  if (process.world_size() > 1) set_error_prefix("rank " + std::to_string(process.rank()) + ": ");
  return body(body_args, process);
}

}  // namespace

CliCommand train_command(const std::string& name, TrainCommandBody body) {
  return engine_command(name, [name, body = std::move(body)](const std::vector<std::string>& args) {
    return run_train_command(name, body, args);
  });
}

}  // namespace prefstudio::cli

// Tokenizer throughput. GPT-2 BPE on two seeded texts: ~1 MB of mixed prose, code, numbers, CJK
// and emoji (words repeat, as in real data, so the word cache works) and a smaller text of
// made-up words (nearly every word new, so the merge loop does the work). For each: the split
// alone, encode with a cold and a warm cache, decode; then whole processes side by side, run
// interleaved: ours (this program's --encode mode) against a compiled reference, tiktoken's "gpt2"
// encoding (npm "tiktoken", Rust compiled to WASM; bench/js, installed by bench/js/setup.sh), with
// the ids checked equal, wall and CPU time and peak RSS from wait4. tiktoken runs without a network
// (unshare -rn) where the kernel allows it. The Python reference (tests/golden/make_bpe_golden.py
// --bench) runs only where its `regex` module is installed, as OpenAI's encoder.py needs.
// Usage: bench_tokenizer [GPT2_DIR] [MEGABYTES] [--runs N] [--skip-tiktoken]
//        bench_tokenizer --encode GPT2_DIR TEXT_FILE IDS_OUT   (one whole-process encode)
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "core/text/bpe_tokenizer.h"
#include "core/text/byte_tokenizer.h"
#include "core/text/gpt2_pretokenizer.h"

using namespace prefstudio;

namespace {

// Wall and CPU seconds: on a shared machine the CPU time is the steadier figure.
struct Stopwatch {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  std::clock_t cpu = std::clock();
  double wall_s() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count();
  }
  double cpu_s() const { return double(std::clock() - cpu) / CLOCKS_PER_SEC; }
};

std::vector<std::string> split_on(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, separator);) parts.push_back(part);
  return parts;
}

// Mostly prose with code, numbers, other scripts and emoji mixed in; Zipf-like word repeats.
std::string mixed_text(size_t bytes) {
  const std::vector<std::string> words = split_on(
      "the of and to in is that for it as was with be by on not he I this are or his from at "
      "which but have an had they you were their one all we can her has there been if more when "
      "will would who so no model reward policy gradient preference labeler completion assistant "
      "question answer tokenizer transformer optimization probability distribution reinforcement "
      "learning human feedback summarize instruction helpful honest harmless don't it's we're "
      "they've I'm you'll she'd Internationalization café naïve Zürich São Paulo Москва Αθήνα 東京",
      ' ');
  const std::vector<std::string> extras = split_on(
      "\n\n|\n|, |. |? |! |: | (see below) | -- | \"quoted\" |"
      "\n\n```python\ndef score(x, y):\n    return (x - y) ** 2  # squared error\n```\n\n|"
      "\n    for (int i = 0; i < n; ++i) { total += v[i]; }\n|"
      " https://example.org/docs?id=42&lang=en | 3.14159 | 2024-06-30 | 1,000,000 |"
      " 这是一个中文句子，用于测试分词。 | 日本語のテキストも少し。 | 한국어 문장입니다. |"
      // emoji with a skin tone, a ZWJ family; Arabic; Hindi (escaped: clang-format miscounts them)
      " \U0001F600\U0001F44D\U0001F3FD | \U0001F469\u200D\U0001F469\u200D\U0001F467 |"
      " \u0645\u0631\u062D\u0628\u0627 | \u0928\u092E\u0938\u094D\u0924\u0947 |\t|   ",
      '|');
  std::mt19937 rng(2024);
  std::string text;
  while (text.size() < bytes) {
    if (rng() % 10 == 0) {
      text += extras[rng() % extras.size()];
      continue;
    }
    std::string word = words[std::min(rng() % words.size(), rng() % words.size())];
    if (rng() % 12 == 0) word[0] = static_cast<char>(std::toupper(word[0]));
    if (rng() % 25 == 0) word += std::to_string(rng() % 1000);
    text += (text.empty() || text.back() == '\n' ? "" : " ") + word;
  }
  return text;
}

// Made-up words of 2-6 random syllables: almost none repeats, so no cache helps.
std::string made_up_words(size_t bytes) {
  const std::string consonants = "bcdfghjklmnprstvwxz", vowels = "aeiouy";
  std::mt19937 rng(7);
  std::string text;
  while (text.size() < bytes) {
    text += rng() % 15 == 0 ? ".\n" : " ";
    for (int syllable = 2 + rng() % 5; syllable > 0; --syllable) {
      text += consonants[rng() % consonants.size()];
      text += vowels[rng() % vowels.size()];
    }
  }
  return text;
}

void report(const char* what, double mb, const Stopwatch& watch, size_t count, const char* unit) {
  const double wall = watch.wall_s(), cpu = watch.cpu_s();
  std::printf("  %-28s wall %7.3f s %8.2f MB/s | cpu %7.3f s %8.2f MB/s | %8zu %s\n", what, wall,
              mb / wall, cpu, mb / cpu, count, unit);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// --encode: what a user's process pays to tokenize a file: load the vocabulary, encode, write the
// ids as little-endian uint32 (tiktoken_encode.cjs writes the same). One JSON line on stdout.
int encode_file(const std::string& gpt2_dir, const std::string& text_path,
                const std::string& ids_path) {
  const auto load_start = bench::Clock::now();
  auto bpe =
      BpeTokenizer::from_vocab_and_merges(gpt2_dir + "/vocab.json", gpt2_dir + "/merges.txt");
  const std::string text = read_file(text_path);
  const auto encode_start = bench::Clock::now();
  const std::clock_t cpu_start = std::clock();
  const std::vector<int64_t> ids = bpe->encode(text);
  const double encode_cpu_s = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  const double encode_s = bench::seconds_since(encode_start);
  const std::vector<uint32_t> narrow(ids.begin(), ids.end());  // GPT-2 ids fit in 16 bits
  std::ofstream(ids_path, std::ios::binary)
      .write(reinterpret_cast<const char*>(narrow.data()),
             static_cast<std::streamsize>(narrow.size() * sizeof(uint32_t)));
  std::printf("{\"tokens\": %zu, \"load_s\": %.6f, \"encode_s\": %.6f, \"encode_cpu_s\": %.6f}\n",
              ids.size(), std::chrono::duration<double>(encode_start - load_start).count(),
              encode_s, encode_cpu_s);
  return 0;
}

// One child process from start to exit: wall time, user + system CPU and peak RSS (wait4's
// rusage, the child's alone), and its stdout.
struct ProcessRun {
  double wall_s = 0.0;
  double cpu_s = 0.0;
  double peak_mib = 0.0;
  std::string output;
};

ProcessRun run_process(const std::vector<std::string>& args) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  const auto start = bench::Clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    std::vector<char*> argv;
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    std::perror(argv[0]);
    _exit(127);
  }
  close(out[1]);
  ProcessRun run;
  char buffer[4096];
  for (ssize_t n; (n = read(out[0], buffer, sizeof buffer)) > 0;) run.output.append(buffer, n);
  close(out[0]);
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  run.wall_s = bench::seconds_since(start);
  run.cpu_s = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec +
              usage.ru_stime.tv_usec / 1e6;
  run.peak_mib = usage.ru_maxrss / 1024.0;  // KiB on Linux
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string command;
    for (const auto& arg : args) command += arg + " ";
    throw std::runtime_error("failed (status " + std::to_string(status) + "): " + command + "\n" +
                             run.output);
  }
  return run;
}

// The JSON object on the last line of a run's output.
nlohmann::json last_json(const ProcessRun& run) {
  const size_t brace = run.output.rfind('{');
  if (brace == std::string::npos) throw std::runtime_error("no JSON line in: " + run.output);
  return nlohmann::json::parse(run.output.substr(brace));
}

std::vector<uint32_t> read_ids(const std::string& path) {
  const std::string bytes = read_file(path);
  std::vector<uint32_t> ids(bytes.size() / sizeof(uint32_t));
  std::memcpy(ids.data(), bytes.data(), ids.size() * sizeof(uint32_t));
  return ids;
}

// Where the ids first differ, with a few ids either side, or "" when they are equal.
std::string first_difference(const std::vector<uint32_t>& ours,
                             const std::vector<uint32_t>& reference) {
  if (ours == reference) return "";
  size_t i = 0;
  while (i < ours.size() && i < reference.size() && ours[i] == reference[i]) ++i;
  auto around = [i](const std::vector<uint32_t>& ids) {
    std::string text;
    for (size_t j = i < 3 ? 0 : i - 3; j < std::min(ids.size(), i + 4); ++j)
      text += (j == i ? "[" : "") + std::to_string(ids[j]) + (j == i ? "] " : " ");
    return text;
  };
  return "token " + std::to_string(i) + " of " + std::to_string(ours.size()) + " (reference " +
         std::to_string(reference.size()) + "): ours " + around(ours) + "| reference " +
         around(reference);
}

struct Options {
  std::string gpt2_dir = std::string(PREFSTUDIO_SOURCE_DIR) + "/resources/gpt2-tokenizer";
  double megabytes = 1.0;
  int runs = 3;  // whole-process runs of each side, interleaved; medians
  bool skip_tiktoken = false;
};

std::string tiktoken_dir() { return std::string(PREFSTUDIO_SOURCE_DIR) + "/bench/js"; }

bool tiktoken_installed() {
  return std::filesystem::exists(tiktoken_dir() + "/node_modules/tiktoken/encoders/gpt2.json");
}

// The tiktoken command line, under `unshare -rn` (no network at all) where that works here.
std::vector<std::string> tiktoken_command(const std::string& text_path,
                                          const std::string& ids_path) {
  static const bool isolated = std::system("unshare -rn true > /dev/null 2>&1") == 0;
  std::vector<std::string> command;
  if (isolated) command = {"unshare", "-rn"};
  for (const std::string& arg :
       {std::string("node"), tiktoken_dir() + "/tiktoken_encode.cjs", text_path, ids_path})
    command.push_back(arg);
  return command;
}

// encode_cpu_s: each run's own CPU clock around the encode call.
void print_process(const char* who, const std::vector<ProcessRun>& runs, double mb,
                   const std::vector<double>& encode_cpu_s) {
  std::vector<double> wall, cpu, peak;
  for (const auto& run : runs) {
    wall.push_back(run.wall_s);
    cpu.push_back(run.cpu_s);
    peak.push_back(run.peak_mib);
  }
  std::printf("  %-34s wall %7.3f s | cpu %7.3f s | peak RSS %7.1f MiB | encode alone cpu %7.3f s "
              "%7.2f MB/s\n",
              who, bench::median(wall), bench::median(cpu), bench::median(peak),
              bench::median(encode_cpu_s), mb / bench::median(encode_cpu_s));
}

// OpenAI's encoder.py algorithm in Python, once, where the `regex` module it splits with is
// installed (without it the script falls back to a slower hand scanner: not the baseline to
// quote). Its token count must equal ours.
bool python_reference(const std::string& path, size_t tokens, const std::string& gpt2_dir) {
  if (std::system("/usr/bin/python3 -c 'import regex' > /dev/null 2>&1") != 0) {
    std::printf("  python encoder.py skipped: /usr/bin/python3 has no `regex` module "
                "(apt-get install python3-regex)\n");
    return true;
  }
  const ProcessRun run = run_process(
      {"/usr/bin/python3", std::string(PREFSTUDIO_SOURCE_DIR) + "/tests/golden/make_bpe_golden.py",
       "--vocab-dir", gpt2_dir, "--bench", path});
  std::string line = run.output.substr(0, run.output.find('\n'));
  std::printf("  %s\n", line.c_str());
  std::printf("  %-34s wall %7.3f s | cpu %7.3f s | peak RSS %7.1f MiB (1 run, whole process)\n",
              "python encoder.py (regex module)", run.wall_s, run.cpu_s, run.peak_mib);
  const std::string count = " " + std::to_string(tokens) + " tokens";
  if (line.find(count) == std::string::npos) {
    std::printf("ERROR: the Python reference's token count is not ours (%zu)\n", tokens);
    return false;
  }
  return true;
}

// Whole processes on an empty file, interleaved: what each side pays before the first byte
// (ours: the binary with LibTorch, as every program of ours links it, and vocab.json + merges.txt;
// tiktoken: node, the WASM module and gpt2.json). The per-text figures minus these are the work.
void fixed_cost(const Options& options) {
  if (options.skip_tiktoken || !tiktoken_installed()) return;  // compare_processes says why
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const std::string path =
      (std::filesystem::temp_directory_path() / "prefstudio_bench_tokenizer_empty.txt").string();
  std::ofstream(path, std::ios::binary).flush();
  std::vector<ProcessRun> ours, tiktoken;
  for (int run = 0; run < options.runs; ++run) {
    ours.push_back(run_process({self, "--encode", options.gpt2_dir, path, path + ".ids"}));
    tiktoken.push_back(run_process(tiktoken_command(path, path + ".ids")));
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".ids");
  std::printf("fixed cost: whole process on an empty file, %d runs each interleaved, medians:\n",
              options.runs);
  for (const auto& [who, runs] : {std::pair{"ours (BpeTokenizer, C++)", &ours},
                                  std::pair{"tiktoken (Rust, WASM)", &tiktoken}}) {
    std::vector<double> wall, cpu, peak;
    for (const auto& run : *runs) {
      wall.push_back(run.wall_s);
      cpu.push_back(run.cpu_s);
      peak.push_back(run.peak_mib);
    }
    std::printf("  %-34s wall %7.3f s | cpu %7.3f s | peak RSS %7.1f MiB\n", who,
                bench::median(wall), bench::median(cpu), bench::median(peak));
  }
}

// Whole processes on the text in `path`: ours and tiktoken interleaved, then Python once where
// it can split as encoder.py does. False when the ids differ or a reference is missing.
bool compare_processes(const std::string& path, double mb, const std::vector<int64_t>& ids,
                       const Options& options) {
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const std::string ours_ids = path + ".ours.ids", tiktoken_ids = path + ".tiktoken.ids";
  const bool tiktoken = !options.skip_tiktoken && tiktoken_installed();
  if (!tiktoken && !options.skip_tiktoken) {
    std::printf("ERROR: the tiktoken reference is not installed: run bench/js/setup.sh (needs npm "
                "once), or pass --skip-tiktoken\n");
    return false;
  }
  std::vector<ProcessRun> ours_runs, tiktoken_runs;
  std::vector<double> ours_encode, tiktoken_encode;
  std::string reference_name;
  for (int run = 0; run < options.runs; ++run) {
    ours_runs.push_back(run_process({self, "--encode", options.gpt2_dir, path, ours_ids}));
    ours_encode.push_back(last_json(ours_runs.back())["encode_cpu_s"].get<double>());
    if (!tiktoken) continue;
    tiktoken_runs.push_back(run_process(tiktoken_command(path, tiktoken_ids)));
    const nlohmann::json result = last_json(tiktoken_runs.back());
    tiktoken_encode.push_back(result["encode_cpu_s"].get<double>());
    reference_name = result["reference"].get<std::string>();
  }
  const std::vector<uint32_t> ours = read_ids(ours_ids);
  if (ours != std::vector<uint32_t>(ids.begin(), ids.end())) {
    std::printf("ERROR: --encode wrote other ids than the in-process encode\n");
    return false;
  }
  std::printf("  whole process, %d runs each interleaved, medians (wall and CPU from start to exit, "
              "peak RSS from wait4):\n",
              options.runs);
  print_process("ours (BpeTokenizer, C++)", ours_runs, mb, ours_encode);
  bool ok = true;
  if (tiktoken) {
    print_process(reference_name.c_str(), tiktoken_runs, mb, tiktoken_encode);
    auto ratio = [](const std::vector<ProcessRun>& a, const std::vector<ProcessRun>& b,
                    double ProcessRun::*field) {
      std::vector<double> x, y;
      for (const auto& run : a) x.push_back(run.*field);
      for (const auto& run : b) y.push_back(run.*field);
      return bench::median(x) / bench::median(y);
    };
    std::printf("  ours / tiktoken: wall %.2fx, cpu %.2fx, peak RSS %.2fx, encode alone cpu %.2fx "
                "(below 1: ours is faster or smaller)\n",
                ratio(ours_runs, tiktoken_runs, &ProcessRun::wall_s),
                ratio(ours_runs, tiktoken_runs, &ProcessRun::cpu_s),
                ratio(ours_runs, tiktoken_runs, &ProcessRun::peak_mib),
                bench::median(ours_encode) / bench::median(tiktoken_encode));
    const std::string difference = first_difference(ours, read_ids(tiktoken_ids));
    if (difference.empty()) {
      std::printf("  ids: all %zu equal to tiktoken's%s\n", ours.size(),
                  tiktoken_command("", "")[0] == "unshare" ? " (tiktoken ran with no network)"
                                                           : "");
    } else {
      std::printf("ERROR: ids differ from tiktoken's at %s\n", difference.c_str());
      ok = false;
    }
  } else {
    std::printf("  tiktoken skipped (--skip-tiktoken)\n");
  }
  std::filesystem::remove(ours_ids);
  std::filesystem::remove(tiktoken_ids);
  return ok && python_reference(path, ids.size(), options.gpt2_dir);
}

// Times our tokenizer on `text`, then the whole-process comparison. False on a wrong result.
bool bench_text(const std::string& name, const std::string& text, const Options& options) {
  const std::string& gpt2_dir = options.gpt2_dir;
  const double mb = text.size() / 1e6;
  std::printf("%s: %.3f MB\n", name.c_str(), mb);
  Stopwatch load;
  auto bpe =
      BpeTokenizer::from_vocab_and_merges(gpt2_dir + "/vocab.json", gpt2_dir + "/merges.txt");
  std::printf("  %-28s wall %7.3f s               | cpu %7.3f s\n", "load vocab.json + merges.txt",
              load.wall_s(), load.cpu_s());

  Gpt2Pretokenizer split;
  Stopwatch watch;
  const size_t pieces = split.split(text).size();
  report("GPT-2 split only (PCRE2)", mb, watch, pieces, "words");
  watch = Stopwatch();
  const std::vector<int64_t> ids = bpe->encode(text);
  report("BPE encode, cold word cache", mb, watch, ids.size(), "tokens");
  watch = Stopwatch();
  const std::vector<int64_t> again = bpe->encode(text);
  report("BPE encode, warm word cache", mb, watch, again.size(), "tokens");
  watch = Stopwatch();
  const std::string back = bpe->decode(ids);
  report("BPE decode", mb, watch, ids.size(), "tokens");
  ByteTokenizer bytes;
  watch = Stopwatch();
  const size_t byte_ids = bytes.encode(text).size();
  report("byte tokenizer encode", mb, watch, byte_ids, "tokens");
  if (back != text || again != ids) {
    std::printf("ERROR: decode(encode(text)) != text or the two encodes differ\n");
    return false;
  }

  const std::string path =
      (std::filesystem::temp_directory_path() / "prefstudio_bench_tokenizer.txt").string();
  std::ofstream(path, std::ios::binary) << text;
  bool ok = false;
  try {
    ok = compare_processes(path, mb, ids, options);
  } catch (const std::exception& error) {
    std::printf("ERROR: %s\n", error.what());
  }
  std::filesystem::remove(path);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--encode") return encode_file(argv[2], argv[3], argv[4]);
  Options options;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--runs" && i + 1 < argc)
      options.runs = std::max(1, std::atoi(argv[++i]));
    else if (arg == "--skip-tiktoken")
      options.skip_tiktoken = true;
    else if (arg.rfind("--", 0) == 0) {
      std::fprintf(stderr,
                   "usage: bench_tokenizer [GPT2_DIR] [MEGABYTES] [--runs N] [--skip-tiktoken]\n");
      return 2;
    } else
      positional.push_back(arg);
  }
  if (positional.size() > 0) options.gpt2_dir = positional[0];
  if (positional.size() > 1) options.megabytes = std::stod(positional[1]);
  try {
    fixed_cost(options);
  } catch (const std::exception& error) {
    std::printf("ERROR: %s\n", error.what());
    return 1;
  }
  bool ok = bench_text("mixed prose, code, numbers, CJK, emoji (seed 2024)",
                       mixed_text(static_cast<size_t>(options.megabytes * 1e6)), options);
  ok = bench_text("made-up words, nearly all distinct (seed 7)",
                  made_up_words(static_cast<size_t>(options.megabytes * 2.5e5)), options) &&
       ok;
  return ok ? 0 : 1;
}

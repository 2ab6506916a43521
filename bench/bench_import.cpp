// Benchmark: import_jsonl of a generated file of N completions (K = 4 per prompt, 100-300 bytes
// each) beside the sqlite3 shell importing the same rows as CSV, in one run. Each import runs in
// its own child process, so its peak RSS (getrusage ru_maxrss) is its own. Two sizes show whether
// memory grows with the file. A program, not a test:
// `bench_import [--completions N] [--dir DIR] [--keep]`.
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "db/jsonl_importer.h"
#include "db/schema.h"

namespace {

constexpr int kCompletionsPerPrompt = 4;

struct Random {
  uint64_t state;
  uint64_t next() {  // splitmix64
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int between(int low, int high) { return low + static_cast<int>(next() % (high - low + 1)); }
};

const std::vector<std::string> kWords = {
    "the",   "model", "answer", "reward", "policy", "prompt", "because", "which", "could",
    "learn", "human", "value",  "given",  "rank",   "better", "worse",   "about", "explain",
    "why",   "sky",   "blue",   "light",  "water",  "energy", "write",   "poem",  "short",
    "café",  "naïve", "über",   "data",   "a",      "of",     "and",     "to",    "in"};

std::string sentence(Random& random, int min_bytes, int max_bytes) {
  int target = random.between(min_bytes, max_bytes);
  std::string text;
  while (static_cast<int>(text.size()) < target) {
    if (!text.empty()) text += random.between(0, 12) == 0 ? ", " : " ";
    text += kWords[random.next() % kWords.size()];
  }
  return text + ".";
}

// The same rows in both files: JSONL lines {"prompt", "completions"} and CSV "prompt,completion".
void generate(const std::string& jsonl, const std::string& csv, int64_t completions) {
  std::ofstream json_out(jsonl, std::ios::binary), csv_out(csv, std::ios::binary);
  Random random{42};
  for (int64_t prompt = 0; prompt < completions / kCompletionsPerPrompt; ++prompt) {
    std::string prompt_text = "Q" + std::to_string(prompt) + ": " + sentence(random, 50, 150);
    json_out << "{\"prompt\": \"" << prompt_text << "\", \"completions\": [";
    for (int k = 0; k < kCompletionsPerPrompt; ++k) {
      std::string completion = std::to_string(k) + ") " + sentence(random, 100, 300);
      json_out << (k ? ", " : "") << '"' << completion << '"';
      csv_out << '"' << prompt_text << "\",\"" << completion << "\"\n";
    }
    json_out << "]}\n";
  }
}

struct Measured {
  double seconds = 0;      // wall clock
  double cpu_seconds = 0;  // user + system of the child: less noisy on a shared machine
  long max_rss_kib = 0;
  bool ok = false;
};

// Runs `work` in a child process; wall time and the child's own peak RSS.
template <typename Work>
Measured in_child(Work work) {
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) _exit(work());
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  Measured measured;
  measured.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  measured.max_rss_kib = usage.ru_maxrss;
  measured.cpu_seconds = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec * 1e-6 +
                         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec * 1e-6;
  measured.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return measured;
}

// The project as open_project creates it (16 KiB pages, WAL), imported in a child process.
Measured run_ours(const std::string& project, const std::string& jsonl) {
  std::filesystem::remove(project);
  return in_child([&] {
    try {
      prefstudio::db::Database db = prefstudio::db::open_project(project);
      prefstudio::db::import_jsonl(db, jsonl);
      return 0;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "import failed: %s\n", e.what());
      return 1;
    }
  });
}

// The sqlite3 shell, as a user would run it: create the table, .mode csv, .import.
Measured run_shell(const std::string& project, const std::string& csv, const std::string& table) {
  std::filesystem::remove(project);
  return in_child([&] {
    std::string import = ".import " + csv + " rows";
    execlp("sqlite3", "sqlite3", project.c_str(), table.c_str(), ".mode csv", import.c_str(),
           static_cast<char*>(nullptr));
    std::perror("exec sqlite3");
    return 127;
  });
}

void report(const char* name, int64_t rows, const Measured& measured) {
  std::printf("  %-52s %6.2f s (cpu %6.2f s) %9.0f rows/s  peak RSS %6.1f MiB%s\n", name,
              measured.seconds, measured.cpu_seconds, rows / measured.seconds,
              measured.max_rss_kib / 1024.0, measured.ok ? "" : "  FAILED");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int64_t> sizes = {250000, 1000000};
  std::string dir = "/tmp/prefstudio-bench-import";
  bool keep = false;  // --keep: leave the generated files and databases for a profiler
  for (int i = 1; i < argc; ++i) {
    std::string key = argv[i];
    if (key == "--keep") keep = true;
    if (key == "--completions" && i + 1 < argc) sizes = {std::atoll(argv[++i])};
    if (key == "--dir" && i + 1 < argc) dir = argv[++i];
  }
  std::filesystem::create_directories(dir);
  const std::string plain = "CREATE TABLE rows (prompt TEXT NOT NULL, completion TEXT NOT NULL)";
  const std::string unique =
      "CREATE TABLE rows (prompt TEXT NOT NULL, completion TEXT NOT NULL, "
      "UNIQUE (prompt, completion))";
  // A forked child starts with part of this process's pages and ru_maxrss survives exec, so every
  // peak below includes what a child that does nothing shows: the baseline to subtract.
  std::printf("peak RSS of a child that does nothing (baseline in every peak below): %.1f MiB\n",
              in_child([] { return 0; }).max_rss_kib / 1024.0);
  bool all_ok = true;
  for (int64_t completions : sizes) {
    std::string jsonl = dir + "/rows.jsonl", csv = dir + "/rows.csv";
    generate(jsonl, csv, completions);
    std::printf("%lld completions (%lld prompts x %d): JSONL %.1f MiB, CSV %.1f MiB\n",
                static_cast<long long>(completions),
                static_cast<long long>(completions / kCompletionsPerPrompt), kCompletionsPerPrompt,
                std::filesystem::file_size(jsonl) / 1048576.0,
                std::filesystem::file_size(csv) / 1048576.0);
    Measured ours = run_ours(dir + "/project.db", jsonl);
    Measured shell = run_shell(dir + "/shell.db", csv, plain);
    Measured shell_unique = run_shell(dir + "/shell_unique.db", csv, unique);
    report("import_jsonl (parse, validate, dedup, WAL)", completions, ours);
    report("sqlite3 shell .import CSV, plain table", completions, shell);
    report("sqlite3 shell .import CSV, UNIQUE(prompt,completion)", completions, shell_unique);
    std::printf(
        "  ours / shell plain: %.2f of its speed (cpu %.2f); ours / shell unique: %.2f (cpu %.2f)"
        "\n",
        shell.seconds / ours.seconds, shell.cpu_seconds / ours.cpu_seconds,
        shell_unique.seconds / ours.seconds, shell_unique.cpu_seconds / ours.cpu_seconds);
    all_ok = all_ok && ours.ok && shell.ok && shell_unique.ok;
    if (keep) continue;
    for (const char* name : {"/project.db", "/project.db-wal", "/project.db-shm", "/shell.db",
                             "/shell_unique.db", "/rows.jsonl", "/rows.csv"})
      std::filesystem::remove(dir + name);
  }
  return all_ok ? 0 : 1;
}

// Tokenizer throughput. GPT-2 BPE on two seeded texts: ~1 MB of mixed prose, code, numbers, CJK
// and emoji (words repeat, as in real data, so the word cache works) and a smaller text of
// made-up words (nearly every word new, so the merge loop does the work). For each: the split
// alone, encode with a cold and a warm cache, decode, and the Python reference
// (tests/golden/make_bpe_golden.py --bench) on the same text in the same run.
// Usage: bench_tokenizer [GPT2_DIR] [MEGABYTES]
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

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

// Times our tokenizer on `text`, then runs the Python reference on it. False on a wrong result.
bool bench_text(const std::string& name, const std::string& text, const std::string& gpt2_dir) {
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

  // The Python reference on the same text (its own cold cache), in the same run.
  const std::string path =
      (std::filesystem::temp_directory_path() / "prefstudio_bench_tokenizer.txt").string();
  std::ofstream(path, std::ios::binary) << text;
  const std::string command = "/usr/bin/python3 " + std::string(PREFSTUDIO_SOURCE_DIR) +
                              "/tests/golden/make_bpe_golden.py --vocab-dir '" + gpt2_dir +
                              "' --bench '" + path + "' 2>&1";
  std::fflush(stdout);
  std::printf("  ");
  std::fflush(stdout);
  const int status = std::system(command.c_str());
  std::filesystem::remove(path);
  if (status != 0) std::printf("  (the Python reference did not run: %s)\n", command.c_str());
  std::printf("  ours: %zu tokens; the reference line must show the same count\n", ids.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string gpt2_dir =
      argc > 1 ? argv[1] : std::string(PREFSTUDIO_SOURCE_DIR) + "/resources/gpt2-tokenizer";
  const double megabytes = argc > 2 ? std::stod(argv[2]) : 1.0;
  bool ok = bench_text("mixed prose, code, numbers, CJK, emoji (seed 2024)",
                       mixed_text(static_cast<size_t>(megabytes * 1e6)), gpt2_dir);
  ok = bench_text("made-up words, nearly all distinct (seed 7)",
                  made_up_words(static_cast<size_t>(megabytes * 2.5e5)), gpt2_dir) &&
       ok;
  return ok ? 0 : 1;
}

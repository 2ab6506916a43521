// The letter-sorting demo task: prompts, references and the graded score (see demo_task.h).
#include "core/train/demo_task.h"

#include <algorithm>
#include <random>
#include <unordered_set>

#include "core/common/core_error.h"

namespace prefstudio {

namespace {

const std::string kPrefix = "Sort: ";

std::string random_prompt(std::mt19937_64& rng, const DemoTaskConfig& config) {
  if (config.min_letters < 1 || config.max_letters < config.min_letters || config.alphabet.empty())
    throw ConfigError("demo: letters must satisfy 1 <= min_letters <= max_letters");
  std::uniform_int_distribution<int> length(config.min_letters, config.max_letters);
  std::uniform_int_distribution<size_t> letter(0, config.alphabet.size() - 1);
  std::string word(length(rng), ' ');
  for (char& c : word) c = config.alphabet[letter(rng)];
  return kPrefix + word + "\n";
}

size_t levenshtein(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::vector<std::string> demo_prompts(int64_t count, uint64_t seed, const DemoTaskConfig& config) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> prompts;
  prompts.reserve(count);
  for (int64_t i = 0; i < count; ++i) prompts.push_back(random_prompt(rng, config));
  return prompts;
}

std::vector<SftExample> demo_examples(int64_t count, uint64_t seed,
                                      const std::vector<std::string>& exclude,
                                      const DemoTaskConfig& config) {
  std::unordered_set<std::string> held_out(exclude.begin(), exclude.end());
  std::mt19937_64 rng(seed);
  std::vector<SftExample> examples;
  examples.reserve(count);
  while (static_cast<int64_t>(examples.size()) < count) {
    std::string prompt = random_prompt(rng, config);
    if (held_out.count(prompt)) continue;
    examples.push_back({prompt, demo_reference(prompt)});
  }
  return examples;
}

std::string demo_reference(const std::string& prompt) {
  if (prompt.rfind(kPrefix, 0) != 0 || prompt.size() < kPrefix.size() + 2 || prompt.back() != '\n')
    throw ConfigError("demo: '" + prompt + "' is not a demo prompt (\"Sort: <letters>\\n\")");
  std::string letters = prompt.substr(kPrefix.size(), prompt.size() - kPrefix.size() - 1);
  std::sort(letters.begin(), letters.end());
  return letters;
}

double demo_score(const std::string& prompt, const std::string& completion) {
  std::string reference = demo_reference(prompt);
  std::string answer = completion;
  while (!answer.empty() && std::isspace(static_cast<unsigned char>(answer.back())))
    answer.pop_back();
  size_t longest = std::max(reference.size(), answer.size());
  return 1.0 - static_cast<double>(levenshtein(reference, answer)) / static_cast<double>(longest);
}

}  // namespace prefstudio

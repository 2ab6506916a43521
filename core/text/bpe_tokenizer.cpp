// Byte-level BPE. Each piece of the pre-tokenizer's split starts as one symbol per byte; then, as
// in OpenAI's encoder.py, the adjacent pair with the lowest merge rank is merged everywhere in the
// word (left to right, non-overlapping) until no pair has a rank. A heap of candidate pairs makes
// that O(n log n) per word, so a 100 KB word without spaces (CJK text, base64) stays fast.
#include "core/text/bpe_tokenizer.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "core/common/core_error.h"
#include "core/text/byte_unicode.h"
#include "core/text/hf_tokenizer_json.h"
#include "core/text/tokenizer_files.h"

namespace prefstudio {
namespace {

// A vocabulary past this is a corrupt file, not a tokenizer (GPT-2: 50,257; the largest: ~256 K).
constexpr int64_t kMaxTokenId = 1 << 24;

// The bytes a byte-level spelling stands for; a character outside GPT-2's 256 is kept as UTF-8.
std::string spelling_to_bytes(const std::string& spelling) {
  std::string bytes;
  size_t i = 0;
  while (i < spelling.size()) {
    unsigned char lead = static_cast<unsigned char>(spelling[i]);
    size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    length = std::min(length, spelling.size() - i);
    uint32_t cp = length == 1 ? lead : (lead & (0x3F >> (length - 1)));
    for (size_t k = 1; k < length; ++k) cp = (cp << 6) | (spelling[i + k] & 0x3F);
    int byte = unicode_to_byte(cp);
    if (byte >= 0)
      bytes += static_cast<char>(byte);
    else
      bytes.append(spelling, i, length);
    i += length;
  }
  return bytes;
}

// A pair of adjacent symbols that has a merge: at `pos`, ids `left` and `right` make `result`.
struct MergeCandidate {
  int32_t rank, pos, left, right, result;
};

struct MergeScratch {
  std::vector<int32_t> prev, next, merged;
  std::vector<MergeCandidate> heap;
};

std::string hex_byte(int byte) {
  char text[8];
  std::snprintf(text, sizeof(text), "0x%02X", byte);
  return text;
}

}  // namespace

BpeTokenizer::BpeTokenizer(const BpeVocabulary& vocabulary)
    : pipeline_(vocabulary.pipeline),
      pretokenizer_(
          std::make_unique<HfPretokenizer>(vocabulary.pipeline.pre_tokenizer, vocabulary.source)),
      nfc_(vocabulary.pipeline.nfc ? std::make_unique<NfcNormalizer>() : nullptr),
      source_(vocabulary.source) {
  build_tokens(vocabulary);
  build_merges(vocabulary);
  build_prefix(vocabulary);
}

std::unique_ptr<BpeTokenizer> BpeTokenizer::from_vocab_and_merges(const std::string& vocab_path,
                                                                  const std::string& merges_path,
                                                                  const std::string& config_path) {
  BpeVocabulary vocabulary = read_vocab_and_merges(vocab_path, merges_path);
  read_special_tokens(config_path, vocabulary);
  return std::make_unique<BpeTokenizer>(vocabulary);
}

std::unique_ptr<BpeTokenizer> BpeTokenizer::from_tokenizer_json(const std::string& path,
                                                                const std::string& config_path) {
  BpeVocabulary vocabulary = read_hf_tokenizer_json(path);
  read_special_tokens(config_path, vocabulary);
  return std::make_unique<BpeTokenizer>(vocabulary);
}

void BpeTokenizer::build_tokens(const BpeVocabulary& vocabulary) {
  const std::string& source = vocabulary.source;
  int64_t max_id = -1;
  for (const auto& [token, id] : vocabulary.tokens) {
    if (id < 0 || id >= kMaxTokenId)
      throw FormatError(source + ": token \"" + token + "\" has id " + std::to_string(id) +
                        ", outside [0, " + std::to_string(kMaxTokenId) + ")");
    max_id = std::max(max_id, id);
  }
  if (max_id < 0) throw FormatError(source + ": the vocabulary is empty");
  id_to_token_.assign(max_id + 1, std::string());
  has_token_.assign(max_id + 1, false);
  token_to_id_.reserve(vocabulary.tokens.size());
  for (const auto& [token, id] : vocabulary.tokens) {
    auto [it, inserted] = token_to_id_.emplace(token, static_cast<int32_t>(id));
    if (!inserted && it->second != id)
      throw FormatError(source + ": token \"" + token + "\" has two ids, " +
                        std::to_string(it->second) + " and " + std::to_string(id));
    if (has_token_[id] && id_to_token_[id] != token)
      throw FormatError(source + ": id " + std::to_string(id) + " is given to both \"" +
                        id_to_token_[id] + "\" and \"" + token + "\"");
    id_to_token_[id] = token;
    has_token_[id] = true;
  }

  in_model_vocab_.assign(max_id + 1, false);
  for (size_t i = 0; i < vocabulary.model_token_count; ++i)
    in_model_vocab_[vocabulary.tokens[i].second] = true;
  is_added_.assign(max_id + 1, false);
  added_tokens_ = vocabulary.added_tokens;
  for (const std::string& token : vocabulary.added_tokens)
    is_added_[token_to_id_.at(token)] = true;  // present: read_added_tokens put it in tokens

  is_special_.assign(max_id + 1, false);
  for (const std::string& token : vocabulary.special_tokens) {
    auto it = token_to_id_.find(token);
    if (it == token_to_id_.end())
      throw FormatError(source + ": special token \"" + token + "\" is not in the vocabulary");
    is_special_[it->second] = true;
  }
  auto eos = token_to_id_.find(vocabulary.eos_token);
  // No config naming it: Llama 3's base models end text with <|end_of_text|>, not GPT-2's token.
  if (eos == token_to_id_.end() && !vocabulary.eos_from_config)
    eos = token_to_id_.find("<|end_of_text|>");
  if (eos == token_to_id_.end())
    throw FormatError(source + ": the end-of-text token \"" + vocabulary.eos_token +
                      "\" is not in the vocabulary");
  eos_id_ = eos->second;
  is_special_[eos_id_] = true;

  // Special and added tokens decode to their text as written; the others through the byte map.
  id_to_bytes_.assign(max_id + 1, std::string());
  for (int64_t id = 0; id <= max_id; ++id)
    if (has_token_[id])
      id_to_bytes_[id] =
          is_special_[id] || is_added_[id] ? id_to_token_[id] : spelling_to_bytes(id_to_token_[id]);

  for (int byte = 0; byte < 256; ++byte) {
    auto it = token_to_id_.find(byte_to_unicode()[byte]);
    if (it == token_to_id_.end())
      throw FormatError(source + ": no token for byte " + hex_byte(byte) + " (\"" +
                        byte_to_unicode()[byte] + "\"); a byte-level vocabulary needs all 256");
    byte_id_[byte] = it->second;
  }
}

void BpeTokenizer::build_merges(const BpeVocabulary& vocabulary) {
  const std::string& source = vocabulary.merges_source;
  merges_.reserve(vocabulary.merges.size());
  merge_pairs_.reserve(vocabulary.merges.size());
  for (size_t rank = 0; rank < vocabulary.merges.size(); ++rank) {
    const auto& [left, right] = vocabulary.merges[rank];
    const std::string where =
        source + " " + vocabulary.merge_places[rank] + ": merge \"" + left + " " + right + "\"";
    auto left_id = token_to_id_.find(left);
    auto right_id = token_to_id_.find(right);
    if (left_id == token_to_id_.end())
      throw FormatError(where + " names \"" + left + "\", which is not in the vocabulary");
    if (right_id == token_to_id_.end())
      throw FormatError(where + " names \"" + right + "\", which is not in the vocabulary");
    auto result = token_to_id_.find(left + right);
    if (result == token_to_id_.end())
      throw FormatError(where + " makes \"" + left + right + "\", which is not in the vocabulary");
    // A pair listed twice keeps its last rank, as dict(zip(merges, range(n))) does in encoder.py.
    merges_[pair_key(left_id->second, right_id->second)] =
        Merge{static_cast<int32_t>(rank), result->second};
    merge_pairs_.emplace_back(left_id->second, right_id->second);
  }
}

void BpeTokenizer::build_prefix(const BpeVocabulary& vocabulary) {
  for (const std::string& token : vocabulary.pipeline.prefix_tokens) {
    const int64_t id = token_id(token);
    if (id < 0)
      throw FormatError(source_ + ": post_processor adds \"" + token +
                        "\", which is not in the vocabulary");
    prefix_ids_.push_back(id);
  }
}

std::vector<int64_t> BpeTokenizer::encode(std::string_view input) const {
  std::string normalized;
  std::string_view text = input;
  if (nfc_) {
    normalized = nfc_->normalize(input);
    text = normalized;
  }
  std::vector<int64_t> ids;
  ids.reserve(text.size() / 3 + 1);
  for (const TextPiece& piece : pretokenizer_->split(text)) {
    if (piece.valid_utf8) {
      encode_word(piece.text, ids);
    } else {
      for (char byte : piece.text) ids.push_back(byte_id_[static_cast<unsigned char>(byte)]);
    }
  }
  return ids;
}

void BpeTokenizer::encode_word(std::string_view word, std::vector<int64_t>& out) const {
  const bool cacheable = word.size() <= kCacheMaxWordBytes;
  std::string key;
  if (cacheable) {
    key.assign(word.data(), word.size());
    std::lock_guard<std::mutex> lock(cache_mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int32_t> symbols;
  if (pipeline_.ignore_merges) {
    // Llama 3: a piece that is a model token is that token, whatever the merges would make.
    std::string spelling;
    for (char byte : word) spelling += byte_to_unicode()[static_cast<unsigned char>(byte)];
    auto it = token_to_id_.find(spelling);
    if (it != token_to_id_.end() && in_model_vocab_[it->second] && !is_added_[it->second])
      symbols.push_back(it->second);
  }
  if (symbols.empty()) {
    symbols.resize(word.size());
    for (size_t i = 0; i < word.size(); ++i)
      symbols[i] = byte_id_[static_cast<unsigned char>(word[i])];
    merge_symbols(symbols);
  }
  out.insert(out.end(), symbols.begin(), symbols.end());
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_.size() >= kCacheMaxWords) cache_.clear();  // crude but bounded; words re-enter fast
    cache_.emplace(std::move(key), std::move(symbols));
  }
}

void BpeTokenizer::merge_symbols(std::vector<int32_t>& ids) const {
  const int32_t n = static_cast<int32_t>(ids.size());
  if (n < 2) return;
  // Symbols form a linked list over their first byte's position; a merge keeps the left one and
  // marks the right one dead (id -1). Positions keep text order, so heap order = text order.
  thread_local MergeScratch
      scratch;  // reused: most words are a few bytes, allocation would dominate
  std::vector<int32_t>& prev = scratch.prev;
  std::vector<int32_t>& next = scratch.next;
  std::vector<MergeCandidate>& heap = scratch.heap;
  std::vector<int32_t>& merged = scratch.merged;
  prev.resize(n);
  next.resize(n);
  heap.clear();
  for (int32_t i = 0; i < n; ++i) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
  }
  auto after = [](const MergeCandidate& a, const MergeCandidate& b) {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  };
  auto push_pair = [&](int32_t pos) {
    int32_t right = next[pos];
    if (right < 0) return;
    auto it = merges_.find(pair_key(ids[pos], ids[right]));
    if (it == merges_.end()) return;
    heap.push_back({it->second.rank, pos, ids[pos], ids[right], it->second.result});
    std::push_heap(heap.begin(), heap.end(), after);
  };
  for (int32_t i = 0; i + 1 < n; ++i) push_pair(i);

  while (!heap.empty()) {
    // One encoder.py step: every occurrence of the lowest-ranked pair, left to right. Pairs that
    // these merges create wait until the step is over, as they do in encoder.py.
    const int32_t rank = heap.front().rank;
    merged.clear();
    while (!heap.empty() && heap.front().rank == rank) {
      std::pop_heap(heap.begin(), heap.end(), after);
      const MergeCandidate c = heap.back();
      heap.pop_back();
      const int32_t right = next[c.pos];
      // Stale: an earlier merge changed one side (symbols only grow, so equal ids = unchanged).
      if (ids[c.pos] != c.left || right < 0 || ids[right] != c.right) continue;
      ids[c.pos] = c.result;
      ids[right] = -1;
      next[c.pos] = next[right];
      if (next[right] >= 0) prev[next[right]] = c.pos;
      merged.push_back(c.pos);
    }
    for (int32_t pos : merged) {
      if (prev[pos] >= 0) push_pair(prev[pos]);
      push_pair(pos);
    }
  }
  int32_t count = 0;
  for (int32_t pos = 0; pos >= 0; pos = next[pos]) ids[count++] = ids[pos];
  ids.resize(count);
}

std::string BpeTokenizer::decode(const std::vector<int64_t>& ids, bool keep_special) const {
  std::string text;
  for (int64_t id : ids) {
    if (id < 0 || id >= vocab_size() || !has_token_[id])
      throw CoreError("decode: token id " + std::to_string(id) + " is not in the vocabulary of " +
                      source_ + " (" + std::to_string(vocab_size()) + " ids)");
    if (is_special_[id] && !keep_special) continue;
    text += id_to_bytes_[id];
  }
  return text;
}

int64_t BpeTokenizer::special_token_id(const std::string& content) const {
  const int64_t id = token_id(content);
  return id >= 0 && (is_special_[id] || is_added_[id]) ? id : -1;
}

int64_t BpeTokenizer::token_id(const std::string& spelling) const {
  auto it = token_to_id_.find(spelling);
  return it == token_to_id_.end() ? -1 : it->second;
}

BpeVocabulary BpeTokenizer::vocabulary() const {
  BpeVocabulary out;
  out.source = source_;
  out.merges_source = source_;
  out.pipeline = pipeline_;
  out.added_tokens = added_tokens_;
  // Model tokens first (model_token_count of them), then the added tokens that only added_tokens
  // lists, as read_hf_tokenizer_json orders them.
  for (int64_t id = 0; id < vocab_size(); ++id) {
    if (!has_token_[id]) continue;
    if (in_model_vocab_[id]) out.tokens.emplace_back(id_to_token_[id], id);
    if (is_special_[id]) out.special_tokens.push_back(id_to_token_[id]);
  }
  out.model_token_count = out.tokens.size();
  for (int64_t id = 0; id < vocab_size(); ++id)
    if (has_token_[id] && !in_model_vocab_[id]) out.tokens.emplace_back(id_to_token_[id], id);
  for (const auto& [left, right] : merge_pairs_) {
    out.merges.emplace_back(id_to_token_[left], id_to_token_[right]);
    out.merge_places.push_back("merge " + std::to_string(out.merges.size()));
  }
  out.eos_token = id_to_token_[eos_id_];
  out.eos_from_config = true;  // the id chosen at load time, not a default to search again
  return out;
}

void BpeTokenizer::save(const std::string& dir) const {
  if (!pipeline_.gpt2_plain) return write_hf_tokenizer_json(dir, vocabulary());
  write_vocab_and_merges(dir, vocabulary());
  // load() prefers tokenizer.json; a stale one would shadow what was just written.
  std::error_code ignored;
  std::filesystem::remove(std::filesystem::path(dir) / "tokenizer.json", ignored);
}

}  // namespace prefstudio

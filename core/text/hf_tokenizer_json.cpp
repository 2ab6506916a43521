// tokenizer.json in and out (see hf_tokenizer_json.h). The declaration is kept whole except for
// the two big tables, so save() can write back every field it does not interpret (offsets flags,
// added-token flags, the "pair" template) and a reader of the saved file sees the same pipeline.
#include "core/text/hf_tokenizer_json.h"

#include <algorithm>
#include <filesystem>

#include "core/common/core_error.h"
#include "core/common/file_sync.h"
#include "core/text/tokenizer_files.h"

namespace prefstudio {
namespace {

using json = nlohmann::json;

[[noreturn]] void refuse(const std::string& path, const std::string& field,
                         const std::string& why) {
  throw FormatError(path + ": " + field + " " + why);
}

std::string type_of(const json& value) {
  return value.is_object() && value.contains("type") && value["type"].is_string()
             ? value["type"].get<std::string>()
             : std::string();
}

void read_normalizer(const json& root, const std::string& path, HfPipeline& pipeline) {
  const json& normalizer = root.value("normalizer", json());
  if (normalizer.is_null()) return;
  const std::string type = type_of(normalizer);
  if (type != "NFC")
    refuse(path, "normalizer.type", "\"" + type + "\" is not supported (only null or \"NFC\")");
  pipeline.nfc = true;
}

void read_model_options(const json& model, const std::string& path, HfPipeline& pipeline) {
  if (model.contains("type") && model["type"] != "BPE")
    refuse(path, "model.type", "must be \"BPE\", got " + model["type"].dump());
  if (model.contains("dropout") && !model["dropout"].is_null())
    refuse(path, "model.dropout", "must be null (BPE dropout is not supported)");
  for (const char* affix : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (model.contains(affix) && !model[affix].is_null() && model[affix] != "")
      refuse(path, std::string("model.") + affix, "must be null or \"\"");
  if (model.value("byte_fallback", false))
    refuse(path, "model.byte_fallback", "must be false (byte-level vocabularies need no fallback)");
  const json& ignore = model.value("ignore_merges", json(false));
  if (!ignore.is_boolean()) refuse(path, "model.ignore_merges", "must be true or false");
  pipeline.ignore_merges = ignore.get<bool>();
}

void read_merges(const json& merges, const std::string& path, BpeVocabulary& out) {
  if (!merges.is_array()) refuse(path, "model.merges", "must be an array");
  for (size_t i = 0; i < merges.size(); ++i) {
    const std::string place = "model.merges[" + std::to_string(i) + "]";
    const json& entry = merges[i];
    std::pair<std::string, std::string> merge;
    bool ok = false;
    if (entry.is_string()) {
      ok = split_merge_line(entry.get<std::string>(), merge);
    } else if (entry.is_array() && entry.size() == 2 && entry[0].is_string() &&
               entry[1].is_string()) {
      merge = {entry[0].get<std::string>(), entry[1].get<std::string>()};
      ok = !merge.first.empty() && !merge.second.empty();
      out.pipeline.merges_as_pairs = true;
    }
    if (!ok)
      throw FormatError(path + ": " + place + " = " + entry.dump() +
                        " is neither \"a b\" nor [\"a\", \"b\"]");
    out.merges.push_back(std::move(merge));
    out.merge_places.push_back(place);
  }
}

void read_added_tokens(const json& root, const std::string& path, BpeVocabulary& out) {
  const json& added = root.value("added_tokens", json());
  if (added.is_null()) return;
  if (!added.is_array()) refuse(path, "added_tokens", "must be an array");
  for (size_t i = 0; i < added.size(); ++i) {
    const json& token = added[i];
    if (!token.is_object() || !token.contains("id") || !token["id"].is_number_integer() ||
        !token.contains("content") || !token["content"].is_string())
      refuse(path, "added_tokens[" + std::to_string(i) + "]",
             "needs an integer \"id\" and a string \"content\"");
    const std::string content = token["content"].get<std::string>();
    out.tokens.emplace_back(content, token["id"].get<int64_t>());
    out.added_tokens.push_back(content);
    if (token.value("special", false)) out.special_tokens.push_back(content);
  }
}

void read_decoder(const json& root, const std::string& path) {
  const json& decoder = root.value("decoder", json());
  if (!decoder.is_null() && type_of(decoder) != "ByteLevel")
    refuse(path, "decoder.type", "\"" + type_of(decoder) + "\" is not supported (only ByteLevel)");
}

// TemplateProcessing's "single": the SpecialTokens before the {"Sequence": {"id": "A"}} item.
void read_template(const json& processor, const std::string& field, const std::string& path,
                   HfPipeline& pipeline) {
  const json& single = processor.value("single", json());
  if (!single.is_array()) refuse(path, field + ".single", "must be an array");
  bool seen_text = false;
  for (size_t i = 0; i < single.size(); ++i) {
    const std::string item_field = field + ".single[" + std::to_string(i) + "]";
    const json& item = single[i];
    if (item.is_object() && item.contains("Sequence")) {
      if (item["Sequence"].value("id", std::string()) != "A")
        refuse(path, item_field, "must be the sequence \"A\" in a single-text template");
      seen_text = true;
    } else if (item.is_object() && item.contains("SpecialToken") &&
               item["SpecialToken"].contains("id") && item["SpecialToken"]["id"].is_string()) {
      const std::string token = item["SpecialToken"]["id"].get<std::string>();
      if (seen_text)
        refuse(path, item_field,
               "adds \"" + token + "\" after $A, which is not supported (only tokens before it)");
      pipeline.prefix_tokens.push_back(token);
    } else {
      refuse(path, item_field, "is neither {\"SpecialToken\": ...} nor {\"Sequence\": ...}");
    }
  }
  if (!seen_text) refuse(path, field + ".single", "has no $A");
}

void read_post_processor(const json& processor, const std::string& field, const std::string& path,
                         HfPipeline& pipeline) {
  if (processor.is_null()) return;
  const std::string type = type_of(processor);
  if (type == "ByteLevel") return;  // offsets only; ids are unchanged
  if (type == "TemplateProcessing") return read_template(processor, field, path, pipeline);
  if (type == "Sequence") {
    const json& inner = processor.value("processors", json());
    if (!inner.is_array()) refuse(path, field + ".processors", "must be an array");
    for (size_t i = 0; i < inner.size(); ++i)
      read_post_processor(inner[i], field + ".processors[" + std::to_string(i) + "]", path,
                          pipeline);
    return;
  }
  refuse(path, field + ".type",
         "\"" + type + "\" is not supported (only ByteLevel, TemplateProcessing, Sequence)");
}

bool is_gpt2_split(const json& pre_tokenizer) {
  return type_of(pre_tokenizer) == "ByteLevel" && pre_tokenizer.value("use_regex", true) == true;
}

// A JSON object token -> id in id order, written by hand: 150 K entries through ordered_json
// would be quadratic (its operator[] is a linear search).
std::string vocab_text(const BpeVocabulary& vocabulary) {
  std::vector<std::pair<int64_t, const std::string*>> entries;
  entries.reserve(vocabulary.model_token_count);
  for (size_t i = 0; i < vocabulary.model_token_count; ++i)
    entries.emplace_back(vocabulary.tokens[i].second, &vocabulary.tokens[i].first);
  std::sort(entries.begin(), entries.end());
  std::string text = "{";
  for (size_t i = 0; i < entries.size(); ++i)
    text += (i ? ",\n      " : "\n      ") + json(*entries[i].second).dump() + ": " +
            std::to_string(entries[i].first);
  return text + "\n    }";
}

std::string merges_text(const BpeVocabulary& vocabulary) {
  std::string text = "[";
  for (size_t i = 0; i < vocabulary.merges.size(); ++i) {
    const auto& [left, right] = vocabulary.merges[i];
    text += i ? ",\n      " : "\n      ";
    text += vocabulary.pipeline.merges_as_pairs ? json::array({left, right}).dump()
                                                : json(left + " " + right).dump();
  }
  return text + "\n    ]";
}

void replace_once(std::string& text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  if (at == std::string::npos) throw CoreError("write_hf_tokenizer_json: lost " + from);
  text.replace(at, from.size(), to);
}

}  // namespace

BpeVocabulary read_hf_tokenizer_json(const std::string& path) {
  json root = read_tokenizer_json(path);
  if (!root.is_object() || !root.contains("model") || !root["model"].is_object())
    throw FormatError(path + ": no \"model\" object");
  BpeVocabulary out;
  out.source = path;
  out.merges_source = path;
  HfPipeline& pipeline = out.pipeline;
  pipeline.from_tokenizer_json = true;
  read_normalizer(root, path, pipeline);
  json& model = root["model"];
  read_model_options(model, path, pipeline);
  read_decoder(root, path);
  read_post_processor(root.value("post_processor", json()), "post_processor", path, pipeline);
  pipeline.pre_tokenizer = root.value("pre_tokenizer", json());

  if (!model.contains("vocab")) throw FormatError(path + ": no model.vocab");
  read_vocab_object(model["vocab"], path + ": model.vocab", out);
  out.model_token_count = out.tokens.size();
  if (!model.contains("merges")) throw FormatError(path + ": no model.merges");
  read_merges(model["merges"], path, out);
  read_added_tokens(root, path, out);

  pipeline.gpt2_plain = !pipeline.nfc && !pipeline.ignore_merges &&
                        pipeline.prefix_tokens.empty() && is_gpt2_split(pipeline.pre_tokenizer);
  model.erase("vocab");
  model.erase("merges");
  pipeline.declaration = std::move(root);
  return out;
}

void write_hf_tokenizer_json(const std::string& dir, const BpeVocabulary& vocabulary) {
  std::filesystem::create_directories(dir);
  const HfPipeline& pipeline = vocabulary.pipeline;
  json root = pipeline.declaration;
  const std::string vocab_mark = "@@prefstudio-vocab@@", merges_mark = "@@prefstudio-merges@@";
  root["model"]["vocab"] = vocab_mark;
  root["model"]["merges"] = merges_mark;
  std::string text = root.dump(2);
  replace_once(text, json(vocab_mark).dump(), vocab_text(vocabulary));
  replace_once(text, json(merges_mark).dump(), merges_text(vocabulary));
  write_file_durably(dir + "/tokenizer.json", text + "\n");

  nlohmann::ordered_json config =
      pipeline.config.is_object() ? pipeline.config : nlohmann::ordered_json::object();
  if (!config.contains("eos_token") || config["eos_token"].is_null())
    config["eos_token"] = vocabulary.eos_token;
  if ((!config.contains("bos_token") || config["bos_token"].is_null()) &&
      !pipeline.prefix_tokens.empty())
    config["bos_token"] = pipeline.prefix_tokens.front();
  write_file_durably(dir + "/tokenizer_config.json", config.dump(2) + "\n");
}

}  // namespace prefstudio

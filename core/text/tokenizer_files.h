// File helpers shared by the tokenizers: whole-file reads and JSON parses whose errors name the
// file. Writes go through write_file_durably (core/common/file_sync.h: a crash never leaves half a
// vocab.json). Leaves out: anything tokenizer-specific.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace prefstudio {

// The file's bytes. Throws FormatError "PATH: cannot read ..." when it cannot be opened or read.
std::string read_tokenizer_file(const std::string& path);

// The parsed JSON. Throws FormatError "PATH: not valid JSON: <parser message with byte offset>".
nlohmann::json read_tokenizer_json(const std::string& path);

// A tokenizer_config.json token entry: "tok" or {"content": "tok", ...}; "" when absent or null.
// Throws FormatError naming `path` and `field` for any other shape.
std::string config_token(const nlohmann::json& config, const std::string& field,
                         const std::string& path);

}  // namespace prefstudio

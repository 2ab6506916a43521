// Reads SFT demonstrations from JSONL: one {"prompt": "...", "response": "..."} object per line;
// blank lines are skipped, other keys ignored. Torch-free. All or nothing: the first bad line
// throws FormatError naming "file:line" and what is wrong.
#pragma once

#include <string>
#include <vector>

#include "core/train/sft_example.h"

namespace prefstudio {

std::vector<SftExample> read_sft_jsonl(const std::string& path);
// Writes examples in the format read_sft_jsonl reads, to a temporary file synced and renamed into
// place.
void write_sft_jsonl(const std::string& path, const std::vector<SftExample>& examples);

}  // namespace prefstudio

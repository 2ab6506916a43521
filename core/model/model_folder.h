// Which folder of a checkpoint holds the model. Torch-free, so the commands that only read a
// checkpoint's files (tokenize) resolve it as the loaders do.
#pragma once

#include <string>

namespace prefstudio {

// An online-RL trainer's checkpoint folder holds its policy in policy/ (and PPO's critic in
// value/): `dir` itself when it has a config.json, else dir/policy when that has one, else `dir`.
// load_checkpoint and load_model_only load through it, so such a folder loads as its policy.
std::string resolve_model_folder(const std::string& dir);

}  // namespace prefstudio

// resolve_model_folder (see model_folder.h).
#include "core/model/model_folder.h"

#include <filesystem>

namespace prefstudio {

std::string resolve_model_folder(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path folder(dir);
  if (!fs::exists(folder / "config.json") && fs::exists(folder / "policy" / "config.json"))
    return (folder / "policy").string();
  return dir;
}

}  // namespace prefstudio

// fsync and rename for durable writes (see file_sync.h).
#include "core/common/file_sync.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/common/core_error.h"

namespace prefstudio {

void sync_path(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw FormatError(path + ": cannot open to sync it to disk (" + std::strerror(errno) + ")");
  const int rc = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (rc != 0 && error != EINVAL)
    throw FormatError(path + ": cannot sync to disk (" + std::strerror(error) + ")");
}

void rename_durably(const std::string& from, const std::string& to) {
  sync_path(from);
  if (std::rename(from.c_str(), to.c_str()) != 0)
    throw FormatError(to + ": cannot rename " + from + " into place (" + std::strerror(errno) +
                      ")");
  const std::filesystem::path folder = std::filesystem::path(to).parent_path();
  sync_path(folder.empty() ? "." : folder.string());
}

void replace_folder_durably(const std::string& from, const std::string& to) {
  namespace fs = std::filesystem;
  if (!fs::exists(to)) {
    rename_durably(from, to);
    return;
  }
  fs::path target = fs::path(to).lexically_normal();
  if (target.filename().empty()) target = target.parent_path();
  const fs::path old = target.parent_path() / ("." + target.filename().string() + ".old-" +
                                               std::to_string(::getpid()));
  std::error_code ignored;
  fs::remove_all(old, ignored);
  if (std::rename(target.c_str(), old.c_str()) != 0)
    throw FormatError(to + ": cannot move the old folder aside (" + std::strerror(errno) + ")");
  rename_durably(from, target.string());
  fs::remove_all(old, ignored);
}

void write_file_durably(const std::string& path, const std::string& contents) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw FormatError(path + ": cannot create " + temporary);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    if (!out) {
      std::remove(temporary.c_str());
      throw FormatError(path + ": write failed (disk full?)");
    }
  }
  try {
    rename_durably(temporary, path);
  } catch (const FormatError&) {
    std::remove(temporary.c_str());
    throw;
  }
}

}  // namespace prefstudio

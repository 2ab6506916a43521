// Errors thrown by db. The message names the file, and for imports the line and the field.
#pragma once

#include <stdexcept>
#include <string>

namespace prefstudio::db {

class DbError : public std::runtime_error {
 public:
  explicit DbError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace prefstudio::db

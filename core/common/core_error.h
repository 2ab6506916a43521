// Errors thrown by core. Each says what failed and where: the file, the tensor, the field or the
// parameter. Callers (the CLI, the GUI's controllers) catch CoreError and show what() as it is.
#pragma once

#include <stdexcept>
#include <string>

namespace prefstudio {

class CoreError : public std::runtime_error {
 public:
  explicit CoreError(const std::string& message) : std::runtime_error(message) {}
};

// A file that cannot be read or does not have the layout it claims (checkpoint, tokenizer, config).
class FormatError : public CoreError {
 public:
  using CoreError::CoreError;
};

// A configuration value out of range or of the wrong type; the message names the field.
class ConfigError : public CoreError {
 public:
  using CoreError::CoreError;
};

}  // namespace prefstudio

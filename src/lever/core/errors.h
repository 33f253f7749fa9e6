// Typed errors. The CLI turns each into one line on stderr and the exit code it carries.
#pragma once
#include <stdexcept>
#include <string>

namespace lever {

// A user mistake the user can fix (bad config, bad option, missing file): exit code 2.
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& message) : std::runtime_error(message) {}
  virtual int exit_code() const { return 2; }
};

// A config file or --set override that is unknown, mistyped or out of range.
class ConfigError : public UsageError {
 public:
  using UsageError::UsageError;
};

// A checkpoint that is missing, truncated or not written by lever.
class CheckpointError : public UsageError {
 public:
  using UsageError::UsageError;
};

// Anything that went wrong while running (I/O failure, encoder failure): exit code 1.
class RuntimeFailure : public std::runtime_error {
 public:
  explicit RuntimeFailure(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace lever

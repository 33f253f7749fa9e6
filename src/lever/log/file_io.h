// Reading back a log file on resume, shared by the writers that rewrite theirs.
#pragma once
#include <filesystem>
#include <string>

namespace lever::log_internal {

// Returns the file's bytes; throws RuntimeFailure naming the file if it cannot be read.
std::string read_file(const std::filesystem::path& path);

}  // namespace lever::log_internal

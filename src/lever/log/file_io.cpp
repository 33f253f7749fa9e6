#include "lever/log/file_io.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "lever/core/errors.h"

namespace lever::log_internal {

std::string read_file(const std::filesystem::path& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    throw RuntimeFailure("cannot open " + path.string() + ": " + std::strerror(errno));
  }
  std::string contents;
  char chunk[1 << 14];
  size_t got;
  while ((got = std::fread(chunk, 1, sizeof(chunk), file)) > 0) contents.append(chunk, got);
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) throw RuntimeFailure("cannot read " + path.string());
  return contents;
}

}  // namespace lever::log_internal

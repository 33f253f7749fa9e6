#include "lever/core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "lever/core/errors.h"

namespace lever {
namespace fs = std::filesystem;
namespace {

[[noreturn]] void fail(const fs::path& target, const std::string& what, int error) {
  throw RuntimeFailure("cannot write '" + target.string() + "': " + what + ": " +
                       std::strerror(error));
}

void remove_quietly(const fs::path& path) {
  std::error_code ignored;
  fs::remove(path, ignored);
}

// Makes the rename itself durable. Best effort: some file systems refuse fsync on a directory,
// and the data is already safe in the renamed file.
void sync_directory(const fs::path& directory) {
  const int fd = ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

fs::path temp_path_for(const fs::path& path) {
  if (!path.has_filename()) {
    throw RuntimeFailure("cannot write '" + path.string() + "': not a file name");
  }
  fs::path temp = path;
  temp += ".tmp." + std::to_string(::getpid());
  return temp;
}

void commit_temp_file(const fs::path& temp, const fs::path& target) {
  const int fd = ::open(temp.c_str(), O_RDONLY);
  if (fd < 0) {
    const int error = errno;
    remove_quietly(temp);
    fail(target, "cannot open " + temp.string(), error);
  }
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    remove_quietly(temp);
    fail(target, "fsync", error);
  }
  ::close(fd);
  if (std::rename(temp.c_str(), target.c_str()) != 0) {
    const int error = errno;
    remove_quietly(temp);
    fail(target, "rename", error);
  }
  sync_directory(target.parent_path());
}

void write_file_atomic(const fs::path& path, std::string_view bytes) {
  const fs::path temp = temp_path_for(path);
  std::FILE* file = std::fopen(temp.c_str(), "wb");
  if (file == nullptr) fail(path, "cannot create " + temp.string(), errno);
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size() &&
                       std::fflush(file) == 0 && ::fsync(::fileno(file)) == 0;
  const int write_error = errno;
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed) {
    const int error = written ? errno : write_error;
    remove_quietly(temp);
    fail(path, "write", error);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    remove_quietly(temp);
    fail(path, "rename", error);
  }
  sync_directory(path.parent_path());
}

fs::path untaken_path(const fs::path& wanted) {
  // symlink_status, so a dangling link counts as taken: writing there would follow it.
  const auto taken = [](const fs::path& path) {
    std::error_code ignored;
    return fs::exists(fs::symlink_status(path, ignored));
  };
  if (!taken(wanted)) return wanted;
  const std::string stem = wanted.stem().string();
  const std::string extension = wanted.extension().string();
  for (long n = 1;; ++n) {
    fs::path candidate = wanted.parent_path() / (stem + "-" + std::to_string(n) + extension);
    if (!taken(candidate)) return candidate;
  }
}

}  // namespace lever

#include "lever/core/machine.h"

#include <malloc.h>

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

namespace lever {

std::string hostname() {
  char name[256] = {0};
  if (gethostname(name, sizeof(name) - 1) != 0) return "unknown";
  return name;
}

std::string blas_library() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  std::string found;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    if (path.find("openblas") != std::string::npos) {
      const auto dir_end = path.rfind('/');
      const auto dir_start = path.rfind('/', dir_end - 1);
      const std::string dir = path.substr(dir_start + 1, dir_end - dir_start - 1);
      return dir.rfind("openblas", 0) == 0 ? dir : "openblas";
    }
    if (path.find("libblis") != std::string::npos) return "blis";
    if (path.find("libmkl") != std::string::npos) return "mkl";
    if (path.find("atlas") != std::string::npos) found = "atlas";
    if (path.find("/blas/libblas.so") != std::string::npos && found.empty()) {
      found = "reference (slow: install libopenblas0-pthread)";
    }
  }
  return found.empty() ? "not loaded" : found;
}

nlohmann::json machine_info() {
  nlohmann::json info;
  info["hostname"] = hostname();
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  info["cpu"] = "unknown";
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) info["cpu"] = line.substr(colon + 2);
      break;
    }
  }
  info["logical_cores"] = std::thread::hardware_concurrency();
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  info["memory_gib"] = static_cast<double>(pages) * page_size / (1024.0 * 1024.0 * 1024.0);
  struct utsname uts {};
  if (uname(&uts) == 0) info["os"] = std::string(uts.sysname) + " " + uts.release;
  info["blas"] = blas_library();
  return info;
}

namespace {

// A "Key:   123 kB" line of a /proc status file, in bytes; 0 when the file or key is missing.
uint64_t proc_kib_field(const char* path, const std::string& key) {
  std::ifstream file(path);
  std::string line;
  while (std::getline(file, line)) {
    if (line.rfind(key, 0) == 0) return std::stoull(line.substr(key.size())) * 1024;
  }
  return 0;
}

}  // namespace

uint64_t available_memory_bytes() { return proc_kib_field("/proc/meminfo", "MemAvailable:"); }

uint64_t resident_memory_bytes() { return proc_kib_field("/proc/self/status", "VmRSS:"); }

void keep_freed_memory_for_reuse() {
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
}

}  // namespace lever

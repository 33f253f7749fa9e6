// What a run records about the machine it ran on, so results can be compared honestly.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace lever {

// Which BLAS library libblas.so.3 resolved to in this process ("openblas-pthread", "reference",
// ...), read from the mapped libraries; "not loaded" before any library pulled one in.
std::string blas_library();

// hostname, cpu model, logical cores, memory, OS, BLAS.
nlohmann::json machine_info();

std::string hostname();

// Memory the kernel could give this process now without swapping (MemAvailable of /proc/meminfo),
// in bytes; 0 when unknown.
uint64_t available_memory_bytes();
// This process's resident memory (VmRSS of /proc/self/status), in bytes; 0 when unknown.
uint64_t resident_memory_bytes();

}  // namespace lever

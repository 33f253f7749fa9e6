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

// Makes glibc keep freed memory for reuse instead of handing it back to the kernel: blocks up to
// 32 MiB (its largest mmap threshold) come from the heap and the heap is not trimmed below 1 GiB
// of free space. A loop that allocates and frees the same large tensors every iteration (CNN
// activations of a saliency batch) otherwise page-faults them in anew each time, which costs
// about as much as the convolutions on CPU (docs/PERFORMANCE.md). Process-wide; call once, early.
void keep_freed_memory_for_reuse();

}  // namespace lever

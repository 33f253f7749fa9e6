// What a run records about the machine it ran on, so results can be compared honestly.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace lever {

// Which BLAS library libblas.so.3 resolved to in this process ("openblas-pthread", "reference",
// ...), read from the mapped libraries; "not loaded" before any library pulled one in.
std::string blas_library();

// hostname, cpu model, logical cores, memory, OS, BLAS.
nlohmann::json machine_info();

std::string hostname();

}  // namespace lever

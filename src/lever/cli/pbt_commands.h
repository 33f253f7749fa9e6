// `lever pbt`: Population Based Training of PPO agents, in one process or over MPI; and the PBT
// side of `lever resume`. See docs/PBT.md.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace lever {

// How a population's processes are arranged: shared by `lever pbt` and `lever resume`.
struct PbtProcessOptions {
  int jobs = 1;
  bool mpi = false;
  std::string mpi_transport = "p2p";
  bool quiet = false;
};
void add_pbt_process_options(CLI::App& command, PbtProcessOptions& options);

struct PbtCommandOptions {
  std::string config_path, name, run_dir, device;
  std::vector<std::string> overrides;
  int64_t seed = -1;
  bool overwrite = false;
  int64_t stop_after_generations = -1;
  PbtProcessOptions process;
};
// Registers `lever pbt`, parsing into options (which must outlive app.parse()).
CLI::App* add_pbt_command(CLI::App& app, PbtCommandOptions& options);
// Runs it. Returns the exit code (0 finished, 130 stopped).
int run_pbt_command(const PbtCommandOptions& options);

// `lever resume` of a PBT run directory. Returns the exit code (0 finished, 130 stopped).
int resume_pbt_command(const std::string& run_dir, const PbtProcessOptions& options);

}  // namespace lever

// Population Based Training of PPO agents (Jaderberg et al. 2017): a population of PpoLearners,
// each with its own hyperparameters, weights and optimiser state, trained a generation at a time;
// after each generation every member is evaluated, then exploit (copy weights, optimiser state and
// hyperparameters of a better member) and explore (change the copied hyperparameters) run, as
// plan.h decides. The same driver serves one process (InProcessTransport) and MPI ranks
// (make_mpi_transport): each rank trains the members it holds and the transport carries scores
// and snapshots.
//
// A PBT run directory holds pbt_config.json (the base config and the resolved pbt section),
// pbt_state.json (where the population stands after the last finished generation), pbt.csv (one
// row per member and generation), pbt_timing.csv (per generation: training, communication and
// waiting time), tb/ (the population's scores and hyperparameters for TensorBoard) and
// member_000/, member_001/, ...: ordinary run directories (config.json with the member's first
// hyperparameters, metrics.csv, checkpoints with the values in force when each was saved).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "lever/core/config.h"
#include "lever/pbt/settings.h"
#include "lever/pbt/transport.h"

namespace lever {

struct PbtExperiment {
  Config base;  // every member's config before PBT sets its seed and hyperparameters
  PbtSettings settings;
};

// An experiment file with a "pbt" section. Overrides are --set texts: "pbt.key=value" set the pbt
// section, the others the base config.
PbtExperiment load_pbt_experiment(const std::filesystem::path& path,
                                  const std::vector<std::string>& overrides);

struct PbtOptions {
  int jobs = 1;  // members of this process trained at once, each on its own thread
  bool quiet = false;
  bool overwrite = false;
  int64_t stop_after_generations = -1;  // stop (as if interrupted) after this many in this call
};

struct PbtResult {
  bool finished = false;  // false: stopped early; `lever resume` continues
  int64_t generations = 0;  // finished generations
  std::vector<MemberReport> reports;  // the last generation's, indexed by member (rank 0)
  int best_member = -1;               // by score in the last generation (rank 0)
  double wall_seconds = 0.0;
  double communication_seconds = 0.0;  // this rank's time in the transport
};

// Starts a population in run_dir. Every rank of an MPI job calls it with the same arguments; rank
// 0 writes the population's files, each rank its own members' directories.
PbtResult run_pbt(const PbtExperiment& experiment, const std::filesystem::path& run_dir,
                  Transport& transport, const PbtOptions& options);
// Continues a population from its last finished generation (pbt_state.json and the members'
// checkpoints of that generation).
PbtResult resume_pbt(const std::filesystem::path& run_dir, Transport& transport,
                     const PbtOptions& options);
// True when dir holds a PBT run (pbt_config.json).
bool is_pbt_run_dir(const std::filesystem::path& dir);

// The updates one generation takes: steps_per_generation rounded up to whole PPO batches.
int64_t updates_per_generation(const PbtSettings& settings, const Config& base);

}  // namespace lever

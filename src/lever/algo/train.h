// One entry point for every policy optimiser: picks PPO or TRPO from the config's `policy` key, so
// the CLI, sweeps and population training start and resume runs the same way.
#pragma once
#include <filesystem>

#include "lever/algo/ppo.h"

namespace lever {

// Starts a new run of config's policy in run_dir.
TrainResult train_run(const Config& config, const std::filesystem::path& run_dir,
                      const TrainOptions& options);
// Continues the run in run_dir (its config.json names the policy) from its newest checkpoint.
TrainResult resume_run(const std::filesystem::path& run_dir, const TrainOptions& options);

}  // namespace lever

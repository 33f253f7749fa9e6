// Proximal Policy Optimization (clipped surrogate, GAE, value clipping) for discrete actions.
#pragma once
#include "lever/algo/on_policy.h"

namespace lever {

// Trains config's PPO agent in an existing run directory, from scratch or from resume_from.
// Start runs with train_run (lever/algo/train.h), which creates the directory.
TrainResult run_ppo(const Config& config, const RunPaths& paths, const TrainingState* resume_from,
                    const TrainOptions& options);

}  // namespace lever

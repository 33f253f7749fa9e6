// One entry point for every policy optimiser: picks PPO, TRPO, recurrent PPO or DQN from the config's `policy` key, so
// the CLI, sweeps and population training start and resume runs the same way.
#pragma once
#include <filesystem>

#include "lever/algo/acting.h"
#include "lever/core/config.h"

namespace lever {

struct TrainOptions {
  bool quiet = false;
  bool overwrite = false;           // a new run replaces what the directory held
  int64_t stop_after_updates = -1;  // stop (as if interrupted) after this many updates in this call
  // DQN: start even when the replay buffer looks larger than the memory available.
  bool ignore_memory_check = false;
  // DQN: write debug/ in the run directory: PNGs of the stacked states fed to the network and a
  // video of the raw game frames.
  bool debug = false;
  // The caller saves checkpoints (TrainingRun::save_checkpoint), as PBT does at its generation
  // boundaries: updates write only final.pt and best.pt, none every checkpoint_every or on a stop.
  bool managed_checkpoints = false;
};

struct TrainResult {
  bool finished = false;  // false: stopped early; `lever resume` continues
  int64_t updates = 0, total_steps = 0;
  double wall_seconds = 0.0, steps_per_second = 0.0;
  // The training loop alone (rollouts, updates, logging), without the final evaluation.
  double training_seconds = 0.0, training_steps_per_second = 0.0;
  EvalStats final_eval;        // on test levels; valid when finished
  EvalStats final_train_eval;  // the same policy on training levels
};

// Starts a new run of config's policy in run_dir.
TrainResult train_run(const Config& config, const std::filesystem::path& run_dir,
                      const TrainOptions& options);
// Continues the run in run_dir (its config.json names the policy) from its newest checkpoint, to
// the length it was configured for.
TrainResult resume_run(const std::filesystem::path& run_dir, const TrainOptions& options);

}  // namespace lever

// Everything a run needs to continue where it stopped: weights, optimiser moments, counters, random
// generator states and the resolved config. Written to a temp file and renamed, so a run killed
// while saving leaves the previous checkpoint intact.
#pragma once
#include <torch/torch.h>

#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "lever/core/rng.h"

namespace lever {

inline constexpr const char* kCheckpointFormat = "lever-checkpoint-1";

struct TrainingState {
  nlohmann::json config;  // the resolved config, metadata included
  torch::Tensor params;   // flat parameter vector
  torch::Tensor adam_exp_avg, adam_exp_avg_sq;
  int64_t adam_steps = 0;
  int64_t update = 0;       // updates finished
  int64_t global_step = 0;  // env steps taken
  double wall_seconds = 0.0;
  std::vector<Rng::State> rng_states;  // trainer generators, then one per training env
  // Reward normalisation: running mean/var/count of the discounted return, and each env's return.
  double return_mean = 0.0, return_var = 1.0, return_count = 1e-4;
  std::vector<float> env_discounted_returns;
  torch::Tensor target_params;  // DQN's target network (flat); undefined for other algorithms
  // The highest mean evaluation return so far (the one best.pt holds).
  double best_eval_return = -std::numeric_limits<double>::infinity();
};

void save_checkpoint(const std::filesystem::path& path, const TrainingState& state);
// Throws CheckpointError (one line naming the file) when it is missing, truncated or foreign.
TrainingState load_checkpoint(const std::filesystem::path& path);

// The newest checkpoint in a run directory: final.pt when the run finished, else the highest
// checkpoints/update_*.pt. Throws CheckpointError when there is none.
std::filesystem::path latest_checkpoint(const std::filesystem::path& run_dir);
// A run directory's checkpoint after `update` updates: checkpoints/update_<8 digits>.pt.
std::filesystem::path update_checkpoint_path(const std::filesystem::path& run_dir, int64_t update);
// A run directory or a checkpoint file → the checkpoint file.
std::filesystem::path resolve_checkpoint(const std::filesystem::path& run_dir_or_checkpoint);

}  // namespace lever

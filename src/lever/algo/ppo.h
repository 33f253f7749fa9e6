// Proximal Policy Optimization (clipped surrogate, GAE, value clipping) for discrete actions.
#pragma once
#include <filesystem>

#include "lever/algo/acting.h"
#include "lever/core/config.h"
#include "lever/env/env.h"
#include "lever/env/vec_env.h"

namespace lever {

struct TrainOptions {
  bool quiet = false;
  bool overwrite = false;           // a new run replaces what the directory held
  int64_t stop_after_updates = -1;  // stop (as if interrupted) after this many updates in this call
};

struct TrainResult {
  bool finished = false;  // false: stopped early; `lever resume` continues
  int64_t updates = 0, total_steps = 0;
  double wall_seconds = 0.0, steps_per_second = 0.0;
  // The training loop alone (rollouts, updates, logging), without the final evaluation.
  double training_seconds = 0.0, training_steps_per_second = 0.0;
  EvalStats final_eval;  // valid when finished
};

// Starts a new run in run_dir.
TrainResult train_ppo(const Config& config, const std::filesystem::path& run_dir,
                      const TrainOptions& options);
// Continues the run in run_dir from its newest checkpoint, to the length it was configured for.
TrainResult resume_ppo(const std::filesystem::path& run_dir, const TrainOptions& options);

// The VecEnv a config describes (training levels), with the env's own options taken from the config.
VecEnvOptions vec_env_options(const Config& config, int64_t num_envs, uint64_t seed);
// The same envs on unseen test levels: seeds in [start_level + num_levels, 2^31).
VecEnvOptions test_level_options(VecEnvOptions options);

// Resolves "auto" to cuda or cpu (auto picks CUDA only for image observations when available).
torch::Device resolve_device(const std::string& device, bool image_observations);

// The network a config describes, for an env's observation and action spaces.
ActorCritic make_actor_critic(const Config& config, const EnvSpec& spec);

}  // namespace lever

// Turning observations into actions: shared by training, evaluation and videos.
#pragma once
#include <torch/torch.h>

#include <limits>

#include "lever/core/rng.h"
#include "lever/env/vec_env.h"
#include "lever/nn/action_heads.h"
#include "lever/nn/policy.h"

namespace lever {

// The network's input for a batch of env observations: on device, in the env's dtype and shape
// (the network flattens vectors and scales images itself).
torch::Tensor network_input(const torch::Tensor& observations, const torch::Device& device);

// Bool [N] on device: true where the last envs.step ended an episode (terminated or truncated);
// undefined when no episode ended.
torch::Tensor episodes_ended(VecEnv& envs, const torch::Device& device);

struct EvalStats {
  double mean = 0.0, min = 0.0, max = 0.0, var = 0.0;  // var: population variance
  std::vector<double> returns;
  std::vector<int64_t> lengths;
  // NaN unless the env reports them (EnvSpec::reports_success / reports_progress).
  double success_rate = std::numeric_limits<double>::quiet_NaN();
  double mean_progress = std::numeric_limits<double>::quiet_NaN();
};

// Plays full episodes on envs (reset first) until `episodes` have finished, spread evenly over the
// envs so short episodes are not over-represented (as SB3's evaluate_policy). Recurrent policies
// start from their initial state and carry or reset it between episodes as in training.
EvalStats evaluate(Policy& policy, VecEnv& envs, int64_t episodes, bool deterministic, Rng& rng,
                   const torch::Device& device);

EvalStats summarize_returns(const std::vector<double>& returns);

}  // namespace lever

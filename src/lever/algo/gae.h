// Generalised advantage estimation (Schulman et al. 2016) over a rollout of T steps x N envs.
#pragma once
#include <torch/torch.h>

namespace lever {

struct GaeResult {
  torch::Tensor advantages;  // [T, N]
  torch::Tensor returns;     // advantages + values: the value targets
};

// All inputs are float CPU tensors [T, N] except last_values [N]:
//   terminated[t]: the step ended the episode inside the MDP: no bootstrap.
//   truncated[t]: the time limit cut the episode: bootstrap from final_values[t], the value of the
//     episode's last observation (the next row already belongs to the next episode).
//   last_values: values of the observations after the rollout's last step.
// Writes into advantages and returns (preallocated [T, N]).
void compute_gae(const torch::Tensor& rewards, const torch::Tensor& values,
                 const torch::Tensor& terminated, const torch::Tensor& truncated,
                 const torch::Tensor& final_values, const torch::Tensor& last_values, double gamma,
                 double lambda, torch::Tensor& advantages, torch::Tensor& returns);

}  // namespace lever

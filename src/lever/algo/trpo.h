// Trust Region Policy Optimization (Schulman et al. 2015) for discrete actions: a natural-gradient
// step on the surrogate advantage, sized so the mean KL(old‖new) stays within max_kl, with a
// backtracking line search; the value function is fitted apart with Adam.
#pragma once
#include <torch/torch.h>

#include <functional>

#include "lever/algo/on_policy.h"

namespace lever {

// Trains config's TRPO agent in an existing run directory, from scratch or from resume_from.
// Start runs with train_run (lever/algo/train.h), which creates the directory.
TrainResult run_trpo(const Config& config, const RunPaths& paths, const TrainingState* resume_from,
                     const TrainOptions& options);

// The pieces of the update, exposed for tests.

struct ConjugateGradientResult {
  torch::Tensor x;
  int64_t iterations = 0;
  double residual = 0.0;  // rᵀr when it stopped
};

// Solves A x = b for a symmetric positive-definite A known only through products A v, starting at
// x = 0; stops after max_iterations or once rᵀr < residual_tol.
ConjugateGradientResult conjugate_gradient(
    const std::function<torch::Tensor(const torch::Tensor&)>& matrix_vector,
    const torch::Tensor& b, int64_t max_iterations, double residual_tol);

// Mean over the batch of KL(old‖new) between categorical policies given as logits [B, A].
torch::Tensor categorical_kl(const torch::Tensor& old_logits, const torch::Tensor& new_logits);

// (F + damping·I) v over the network's flat parameters, F the Fisher information of its policy on
// obs: the Hessian of mean KL(π_old‖π_θ) at θ = θ_old, by back-propagating twice. obs is processed
// in chunks of at most chunk_size rows, so memory stays that of one minibatch.
torch::Tensor fisher_vector_product(ActorCritic& net, const torch::Tensor& obs,
                                    const torch::Tensor& v, double damping, int64_t chunk_size);

struct LineSearchResult {
  bool accepted = false;
  int64_t backtracks = 0;  // shrinks before the accepted step; max_steps when none was accepted
  double surrogate = 0.0;  // at the parameters kept
  double kl = 0.0;         // mean KL(old‖kept); 0 when rejected
};

// Tries params = old + full_step·shrink^k for k = 0, 1, ..., max_steps - 1 and keeps the first
// whose evaluation (surrogate, KL) has KL ≤ max_kl and surrogate > old_surrogate. When none
// qualifies, params are restored to exactly their old values.
LineSearchResult backtracking_line_search(torch::Tensor params, const torch::Tensor& full_step,
                                          const std::function<std::pair<double, double>()>& evaluate,
                                          double old_surrogate, double max_kl, int64_t max_steps,
                                          double shrink);

}  // namespace lever

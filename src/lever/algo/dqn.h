// Deep Q-learning (Mnih et al. 2015) with a frame-once replay buffer, ε-greedy exploration, a
// target network (hard or soft updates), Huber or squared TD loss, optional double DQN, reward
// clipping and terminal-on-life-loss. Diagnostics per iteration: TD loss, mean Q, ε, and the L2
// norm of the gradient of every weight and bias and of the whole gradient.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

#include "lever/algo/on_policy.h"
#include "lever/log/metrics_sink.h"
#include "lever/nn/flat_params.h"

namespace lever {

// Trains config's DQN agent in an existing run directory, from scratch or from resume_from. The
// replay buffer is not checkpointed: a resumed run refills learning_starts transitions first.
TrainResult run_dqn(const Config& config, const RunPaths& paths, const TrainingState* resume_from,
                    const TrainOptions& options);

// ε at agent step `step`: linear from start to end over `duration` steps, then end (CleanRL's
// linear_schedule).
double linear_epsilon(double start, double end, int64_t duration, int64_t step);

// What the replay stores for an env step: the reward's sign with clip_reward (the Nature DQN's
// clipping), and terminal when the episode terminated or, with terminal_on_life_loss, a life went.
float training_reward(float reward, bool clip);
bool training_terminal(bool terminated, bool life_lost, bool terminal_on_life_loss);

// TD targets r + γ (1 − terminal) Q'(s', a'), where a' = argmax Q'(s') (the target network's
// values), or with double DQN a' = argmax of the online network's next_q_online.
torch::Tensor td_targets(const torch::Tensor& rewards, const torch::Tensor& terminals,
                         const torch::Tensor& next_q_target, const torch::Tensor& next_q_online,
                         double gamma, bool double_dqn);

// Mean Huber (smooth L1, δ = 1) or mean squared error between Q(s, a) and the targets.
torch::Tensor td_loss(const torch::Tensor& q_taken, const torch::Tensor& targets, bool huber);

// target ← τ·online + (1 − τ)·target; τ = 1 copies.
void update_target(torch::Tensor& target, const torch::Tensor& online, double tau);

// The L2 norm of the gradient of each parameter ("grad_norm/<name>") and of all of them together
// ("grad_norm/total"), averaged over the gradient steps since the last take_means(). Each
// parameter's gradient is a view of FlatParameters' gradient buffer, taken once, so a step writes
// one norm per parameter into a buffer allocated once; the total is the norm gradient clipping
// computes anyway.
class GradientNorms {
 public:
  GradientNorms(torch::nn::Module& module, FlatParameters& flat);
  const std::vector<std::string>& tags() const { return tags_; }
  // After backward and before clipping: adds this step's norm of each parameter's gradient.
  void add_parameters();
  // The same step's norm of the whole gradient (FlatParameters::clip_grad_norm's return value).
  void add_total(double total_norm);
  // The means per tag (NaN when no step was added), then starts over.
  std::vector<double> take_means();

 private:
  std::vector<std::string> tags_;
  std::vector<torch::Tensor> gradients_;  // views of the flat gradient, one per parameter
  torch::Tensor norms_, sums_;            // [parameters] on the gradient's device
  double total_sum_ = 0.0;
  int64_t steps_ = 0;
};

}  // namespace lever

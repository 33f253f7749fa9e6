// Proximal Policy Optimization (clipped surrogate, GAE, value clipping) for discrete actions.
#pragma once
#include <string>
#include <vector>

#include "lever/algo/on_policy.h"
#include "lever/algo/ppo_loss.h"

namespace lever {

// Trains config's PPO agent in an existing run directory, from scratch or from resume_from.
// Start runs with train_run (lever/algo/train.h), which creates the directory.
TrainResult run_ppo(const Config& config, const RunPaths& paths, const TrainingState* resume_from,
                    const TrainOptions& options);

// The hyperparameters PPO's update reads, resolved from the config (docs/CONFIG.md has the
// meanings). The run length, envs and evaluation belong to TrainingRun.
struct PpoHyperparameters {
  int64_t num_envs, num_steps, num_epochs, minibatch_size;
  double gamma, gae_lambda, max_grad_norm, target_kl;
  bool normalize_reward;
  double reward_scale;
  PpoLossSettings loss;

  explicit PpoHyperparameters(const Config& config);
};

// A PPO run that can be advanced a number of updates at a time and have its hyperparameters
// changed in between: run_ppo drives one to the end; a PBT member (pbt/population.h) is one,
// trained a generation at a time. Holds the run's config, so it is neither copied nor moved.
class PpoLearner {
 public:
  PpoLearner(const Config& config, const RunPaths& paths, const TrainingState* resume_from,
             const TrainOptions& options);
  PpoLearner(const PpoLearner&) = delete;
  PpoLearner& operator=(const PpoLearner&) = delete;

  // Runs up to `updates` more updates (every remaining one when negative). Returns true when
  // training must stop: the run finished or a stop was requested.
  bool train(int64_t updates = -1);
  bool finished() const { return next_update_ > run_.num_updates(); }
  int64_t updates_done() const { return next_update_ - 1; }

  // Changes one setting ("key=value", checked as --set is) for every later update.
  void set(const std::string& key_equals_value, const std::string& source);
  const Config& config() const { return config_; }

  TrainingRun& run() { return run_; }
  FlatOptimizer& optimizer() { return optimizer_; }
  // The last rollout, its advantages and returns computed with the gamma and λ then in force.
  const Rollout& rollout() const { return rollout_; }
  // checkpoints/update_<updates_done>.pt, now.
  void save_checkpoint() { run_.save_checkpoint(updates_done(), optimizer_); }
  // summary.json (when finished) and reward_curve.png.
  TrainResult finish() { return run_.finish("PPO"); }

 private:
  // One update: collect a rollout, optimise, log. Returns TrainingRun::finish_update's answer.
  bool update(int64_t update);

  Config config_;
  PpoHyperparameters hp_;
  TrainingRun run_;
  FlatOptimizer optimizer_;
  Rollout rollout_;
  std::vector<int64_t> order_;  // sample indices, shuffled every epoch
  torch::Tensor order_tensor_;  // a view of order_
  int64_t next_update_;
};

}  // namespace lever

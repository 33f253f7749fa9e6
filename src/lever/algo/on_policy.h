// What every algorithm shares around its own update: the training and evaluation envs, the
// network, the random generators, and the end of each update (evaluate, log, checkpoint, best.pt)
// in TrainingRun; for the on-policy ones (PPO, TRPO, recurrent PPO) also reward normalisation, the
// rollout storage and its collection. An on-policy algorithm's file then reads top to bottom:
// collect_rollout, its update, finish_update; DQN's (dqn.cpp): act, store, learn, and
// finish_update after each iteration of num_steps env steps.
#pragma once
#include <torch/torch.h>

#include <chrono>
#include <limits>
#include <string>
#include <vector>

#include "lever/algo/acting.h"
#include "lever/algo/checkpoint.h"
#include "lever/algo/run_files.h"
#include "lever/algo/train.h"
#include "lever/core/config.h"
#include "lever/core/rng.h"
#include "lever/env/vec_env.h"
#include "lever/log/progress.h"
#include "lever/nn/actor_critic.h"
#include "lever/nn/flat_params.h"
#include "lever/nn/action_heads.h"
#include "lever/nn/policy.h"
#include "lever/nn/q_network.h"
#include "lever/nn/recurrent_actor_critic.h"

namespace lever {

// The VecEnv a config describes (training levels), with the env's own options taken from the
// config.
VecEnvOptions vec_env_options(const Config& config, int64_t num_envs, uint64_t seed);
// The same envs on unseen test levels: seeds in [start_level + num_levels, 2^31).
VecEnvOptions test_level_options(VecEnvOptions options);

// Resolves "auto" to cuda or cpu (auto picks CUDA only for image observations when available).
torch::Device resolve_device(const std::string& device, bool image_observations);

// The network a config describes, for an env's observation and action spaces.
ActorCritic make_actor_critic(const Config& config, const EnvSpec& spec);
RecurrentActorCritic make_recurrent_actor_critic(const Config& config, const EnvSpec& spec);
// DQN's Q-network; as a Policy it acts ε-greedily with the config's eval_epsilon.
QNetwork make_q_network(const Config& config, const EnvSpec& spec);
// Whichever of the two the config's policy needs, on device with its parameters flattened.
std::shared_ptr<Policy> make_policy(const Config& config, const EnvSpec& spec,
                                    const torch::Device& device);

// Running variance of the discounted return, to scale rewards as train-procgen (and Gym's
// NormalizeReward) do.
struct RewardNormalizer {
  double mean = 0.0, var = 1.0, count = 1e-4;
  std::vector<float> discounted;  // per env

  // rewards[i] = clip(raw[i] / std(return), ±10); episode ends reset that env's return.
  void normalize(float* rewards, const float* raw, const uint8_t* terminated,
                 const uint8_t* truncated, int64_t n, double gamma);
};

// One rollout of num_steps steps from num_envs envs, allocated once per run. Observations sit on
// the training device; the per-step scalars stay on the CPU where the envs and GAE use them.
struct Rollout {
  Rollout(int64_t num_steps, int64_t num_envs, const EnvSpec& spec, const torch::Device& device);
  int64_t num_steps, num_envs;
  ActionHeads heads;  // how the policy's logits become the env's actions
  torch::Tensor obs;  // [T, N, obs...], the env's dtype
  // float [T, N] except actions (int64)
  torch::Tensor actions, logprobs, values, rewards, terminated, truncated, final_values;
  torch::Tensor advantages, returns;  // filled by GAE
};

// Training episodes that ended during one rollout.
struct EpisodeTotals {
  double return_sum = 0.0, length_sum = 0.0;
  int64_t episodes = 0;
  int64_t successes = 0;      // episodes that ended with level_complete
  double progress_sum = 0.0;  // the task's progress counters at the episodes' ends
  void add(const EpisodeRecord& episode);
};

// Steps the envs num_steps times with the current policy (sampled actions), recording everything
// an update needs, then computes GAE(λ) advantages and returns, bootstrapping truncated episodes
// from their final observation and the rollout from the value after its last step.
// Rewards are normalised (when normalizer is given), then multiplied by reward_scale.
EpisodeTotals collect_rollout(ActorCritic& net, VecEnv& envs, Rollout& rollout, Rng& action_rng,
                              RewardNormalizer* normalizer, double reward_scale, double gamma,
                              double gae_lambda, const torch::Device& device);

// At step t of a rollout: stores the network's values and actions sampled from its logits, with
// their log-probabilities. Returns the actions, for envs.step.
const int64_t* record_policy_step(const PolicyOutput& out, Rollout& rollout, int64_t t,
                                  Rng& action_rng);

// After envs.step at step t of a rollout: stores the training rewards (normalised and scaled),
// the terminated and truncated flags, and adds finished episodes (unscaled returns) to totals.
// Returns true when an env was truncated, so the caller can bootstrap from its final observation.
bool record_env_step(VecEnv& envs, Rollout& rollout, int64_t t, RewardNormalizer* normalizer,
                     double reward_scale, double gamma, EpisodeTotals& totals);

// How many updates a run of this config takes: num_updates when set, else total_steps divided by
// the batch (num_envs x num_steps), at least 1.
int64_t updates_in_run(const Config& config);

// The learning rate of update (1-based): initial, or with anneal decayed linearly towards 0 over
// the run as CleanRL does.
double annealed_learning_rate(double initial, bool anneal, int64_t update, int64_t num_updates);

// Polynomial decay from initial to final over decay_updates updates, as the recurrent PPO
// reference schedules its learning rate, entropy weight and clip range: update u (counted from 0)
// gets (initial − final)(1 − u/T)^power + final, and final once u > T. T = 0 keeps initial.
struct PolynomialSchedule {
  double initial = 0.0, final = 0.0, power = 1.0;
  int64_t decay_updates = 0;
  double at(int64_t update_from_zero) const;
};
// The schedule of key `name` (learning_rate, ent_coef or clip_coef) and its _final, _power and
// _decay_updates keys.
PolynomialSchedule schedule_of(const Config& config, const std::string& name);

// The hyperparameters that may change from update to update, for update (1-based) of
// num_updates: the learning rate (polynomial schedule, else anneal_lr), entropy weight and clip
// range.
struct ScheduledValues {
  double learning_rate, ent_coef, clip_coef;
};
ScheduledValues scheduled_values(const Config& config, int64_t update, int64_t num_updates);

// The optimiser a config asks for (Adam, AdamW with weight_decay, RMSProp or DeepMind's RMSProp)
// over params.
FlatOptimizer make_optimizer(const Config& config, FlatParameters& params);

// num_minibatches when set, else the batch divided by minibatch_size.
int64_t minibatches_per_epoch(const Config& config);

// 1 - Var(returns - values) / Var(returns); NaN when the returns do not vary.
double explained_variance(const torch::Tensor& values, const torch::Tensor& returns);

// Fisher-Yates shuffle driven by the run's generator, so shuffles are reproducible.
void shuffle(std::vector<int64_t>& indices, Rng& rng);

// Losses the levers study's log.json records at each evaluation.
struct StudyLosses {
  double pi_loss, value_loss, entropy_loss;
};

class TrainingRun {
 public:
  // Builds the envs, the network (on its device) and the generators from the config. With
  // resume_from, restores the network, generators, counters and reward normalisation (the
  // algorithm restores its own optimiser with restore_optimizer).
  TrainingRun(const Config& config, const RunPaths& paths, const TrainingState* resume_from,
              const TrainOptions& options);

  int64_t num_updates() const { return num_updates_; }
  int64_t first_update() const { return first_update_; }
  int64_t global_step() const { return global_step_; }
  // Counts env steps taken in this update (for the step axis and steps/s).
  void add_steps(int64_t steps);
  // Env steps per second since this process started training.
  double session_steps_per_second() const;

  static void restore_optimizer(const TrainingState& state, FlatOptimizer& optimizer);

  // Ends an update: evaluates on training and test levels when due (and always after the last
  // update), writes one metrics row (the episode columns, then algorithm_row, then timings and
  // evaluation), updates the progress line and writes checkpoints. Returns true when training
  // must stop here (finished, or a stop was requested).
  bool finish_update(int64_t update, const EpisodeTotals& episodes,
                     const std::vector<Scalar>& algorithm_row, const StudyLosses& losses,
                     const FlatOptimizer& optimizer, double rollout_seconds, double update_seconds);

  // Writes summary.json (when finished) and reward_curve.png; returns the run's result.
  TrainResult finish(const std::string& algorithm_name);

  // Writes checkpoints/update_<update>.pt now (keeping the newest two).
  void save_checkpoint(int64_t update, const FlatOptimizer& optimizer);
  // The latest evaluation on training and on test levels (empty before the first).
  const EvalStats& last_train_eval() const { return last_train_eval_; }
  const EvalStats& last_test_eval() const { return last_test_eval_; }

  const Config& config;
  const RunPaths paths;
  VecEnv envs;
  const torch::Device device;
  std::shared_ptr<Policy> policy;  // the network, whichever kind the config asks for
  FlatParameters& params;
  // The same network by its type: net for ppo and trpo, recurrent_net for recurrent_ppo (the
  // other is empty).
  ActorCritic net;
  RecurrentActorCritic recurrent_net;
  Rng action_rng, shuffle_rng, eval_rng;
  RewardNormalizer reward_normalizer;
  // Checkpointed with the network when set: DQN's target network (its flat values).
  torch::Tensor target_params;

 private:
  TrainingState checkpoint_state(int64_t update, const FlatOptimizer& optimizer) const;

  TrainOptions options_;
  int64_t total_steps_, batch_size_, num_updates_;
  int64_t eval_every_, eval_episodes_, checkpoint_every_;
  bool eval_deterministic_;
  VecEnv train_eval_envs_, test_eval_envs_;
  int64_t first_update_ = 1, global_step_ = 0, session_steps_ = 0, updates_this_call_ = 0;
  double previous_wall_seconds_ = 0.0;
  std::chrono::steady_clock::time_point session_start_;
  double latest_train_return_, latest_eval_return_;
  double best_eval_return_ = -std::numeric_limits<double>::infinity();
  EvalStats last_train_eval_, last_test_eval_;
  MetricsLog log_;
  ProgressLine progress_;
  TrainResult result_;
};

}  // namespace lever

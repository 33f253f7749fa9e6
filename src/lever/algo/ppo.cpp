// PPO, read top to bottom as CleanRL's ppo.py (PpoLearner::update): collect a rollout, compute
// advantages, update over epochs and minibatches, log, evaluate, checkpoint. The shared pieces
// (VecEnv, the network, acting, GAE, the loss, checkpoints, run files) live in their own files.
#include "lever/algo/ppo.h"

#include <chrono>

namespace lever {

PpoHyperparameters::PpoHyperparameters(const Config& c)
    : num_envs(c.i64("num_envs")),
      num_steps(c.i64("num_steps")),
      num_epochs(c.i64("num_epochs")),
      minibatch_size(c.i64("num_envs") * c.i64("num_steps") / minibatches_per_epoch(c)),
      gamma(c.f64("gamma")),
      gae_lambda(c.f64("gae_lambda")),
      max_grad_norm(c.f64("max_grad_norm")),
      target_kl(c.f64("target_kl")),
      normalize_reward(c.flag("normalize_reward")),
      reward_scale(c.f64("reward_scale")) {
  loss.clip_coef = c.f64("clip_coef");
  loss.clip_vloss = c.flag("clip_vloss");
  loss.norm_adv = c.flag("norm_adv");
  loss.ent_coef = c.f64("ent_coef");
  loss.vf_coef = c.f64("vf_coef");
  loss.beta = c.f64("beta");
}

PpoLearner::PpoLearner(const Config& config, const RunPaths& paths,
                       const TrainingState* resume_from, const TrainOptions& options)
    : config_(config),
      hp_(config_),
      run_(config_, paths, resume_from, options),
      optimizer_(make_optimizer(config_, run_.params)),
      rollout_(hp_.num_steps, hp_.num_envs, run_.envs.spec(), run_.device),
      order_(hp_.num_steps * hp_.num_envs),
      next_update_(run_.first_update()) {
  if (resume_from) TrainingRun::restore_optimizer(*resume_from, optimizer_);
  for (size_t i = 0; i < order_.size(); ++i) order_[i] = static_cast<int64_t>(i);
  order_tensor_ = torch::from_blob(order_.data(), {static_cast<int64_t>(order_.size())},
                                   torch::kInt64);
}

void PpoLearner::set(const std::string& key_equals_value, const std::string& source) {
  config_.set(key_equals_value, source);
  hp_ = PpoHyperparameters(config_);
}

bool PpoLearner::train(int64_t updates) {
  for (int64_t done = 0; !finished() && (updates < 0 || done < updates); ++done) {
    if (update(next_update_++)) return true;
  }
  return finished();
}

bool PpoLearner::update(int64_t update) {
  const PpoHyperparameters& hp = hp_;
  TrainingRun& run = run_;
  ActorCritic& net = run.net;
  FlatParameters& params = run.params;
  const torch::Device device = run.device;
  Rollout& rollout = rollout_;
  std::vector<int64_t>& order = order_;
  const int64_t T = hp.num_steps, N = hp.num_envs;

  const ScheduledValues scheduled = scheduled_values(config_, update, run.num_updates());
  const double lr = scheduled.learning_rate;
  optimizer_.set_lr(lr);
  PpoLossSettings loss_settings = hp.loss;
  loss_settings.ent_coef = scheduled.ent_coef;
  loss_settings.clip_coef = scheduled.clip_coef;

  // 1. Collect a rollout of T steps from N envs with the current policy; GAE advantages.
  const auto rollout_start = std::chrono::steady_clock::now();
  const EpisodeTotals episodes =
      collect_rollout(net, run.envs, rollout, run.action_rng,
                      hp.normalize_reward ? &run.reward_normalizer : nullptr, hp.reward_scale,
                      hp.gamma, hp.gae_lambda, device);
  run.add_steps(T * N);

  // 2. Update: num_epochs passes over the rollout in shuffled minibatches.
  const auto update_start = std::chrono::steady_clock::now();
  const auto b_obs = rollout.obs.flatten(0, 1);
  const auto b_actions = rollout.actions.view({T * N}).to(device);
  const auto b_logprobs = rollout.logprobs.view({T * N}).to(device);
  const auto b_values = rollout.values.view({T * N}).to(device);
  const auto b_advantages = rollout.advantages.view({T * N}).to(device);
  const auto b_returns = rollout.returns.view({T * N}).to(device);
  PpoUpdateStats stats(device);
  double grad_norm = 0.0;
  for (int64_t epoch = 0; epoch < hp.num_epochs; ++epoch) {
    shuffle(order, run.shuffle_rng);
    const auto perm = order_tensor_.to(device);
    // One gather per epoch; each minibatch is then a contiguous slice.
    const auto s_obs = b_obs.index_select(0, perm);
    const auto s_actions = b_actions.index_select(0, perm);
    const auto s_logprobs = b_logprobs.index_select(0, perm);
    const auto s_values = b_values.index_select(0, perm);
    const auto s_advantages = b_advantages.index_select(0, perm);
    const auto s_returns = b_returns.index_select(0, perm);
    stats.start_epoch();
    for (int64_t start = 0; start + hp.minibatch_size <= T * N; start += hp.minibatch_size) {
      const auto out = net->forward(s_obs.narrow(0, start, hp.minibatch_size).to(torch::kFloat32));
      const PpoLoss loss =
          ppo_loss(out.logits, out.values, s_actions.narrow(0, start, hp.minibatch_size),
                   s_logprobs.narrow(0, start, hp.minibatch_size),
                   s_values.narrow(0, start, hp.minibatch_size),
                   s_advantages.narrow(0, start, hp.minibatch_size),
                   s_returns.narrow(0, start, hp.minibatch_size), loss_settings, rollout.heads);
      params.zero_grad();
      loss.loss.backward();
      grad_norm = params.clip_grad_norm(hp.max_grad_norm);
      optimizer_.step();
      stats.add(loss, loss_settings.clip_coef);
    }
    if (hp.target_kl > 0 && stats.epoch_mean_kl() > hp.target_kl) break;
  }
  const auto update_end = std::chrono::steady_clock::now();
  const double rollout_seconds =
      std::chrono::duration<double>(update_start - rollout_start).count();
  const double update_seconds = std::chrono::duration<double>(update_end - update_start).count();

  // 3. Log (CleanRL's tag names), evaluate when due, checkpoint.
  const PpoUpdateStats::Means means = stats.means();
  std::vector<Scalar> row = {
      {"charts/learning_rate", lr},
      {"charts/ent_coef", loss_settings.ent_coef},
      {"charts/clip_coef", loss_settings.clip_coef},
  };
  for (const Scalar& column : PpoUpdateStats::loss_columns(means)) row.push_back(column);
  row.insert(row.end(),
             {{"losses/explained_variance", explained_variance(rollout.values, rollout.returns)},
              {"losses/grad_norm", grad_norm},
              // samples through forward + backward per second of update time
              {"perf/learner_samples_per_second",
               stats.minibatches() * hp.minibatch_size / update_seconds}});
  return run.finish_update(update, episodes, row,
                           {means.policy_loss, means.value_loss, means.entropy}, optimizer_,
                           rollout_seconds, update_seconds);
}

TrainResult run_ppo(const Config& config, const RunPaths& paths, const TrainingState* resume_from,
                    const TrainOptions& options) {
  PpoLearner learner(config, paths, resume_from, options);
  learner.train();
  return learner.finish();
}

}  // namespace lever

#include "lever/algo/on_policy.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "lever/algo/gae.h"
#include "lever/core/errors.h"
#include "lever/core/stop_signal.h"
#include "lever/env/registry.h"

namespace lever {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Thread count and torch's generator come first: the network's initial weights depend on them.
torch::Device prepare_torch(const Config& config, const EnvSpec& spec) {
  if (config.i64("torch_threads") > 0) {
    at::set_num_threads(static_cast<int>(config.i64("torch_threads")));
  }
  torch::manual_seed(static_cast<uint64_t>(config.i64("seed")));
  return resolve_device(config.str("device"), spec.obs_type == ObsType::kU8Image);
}

uint64_t seed_of(const Config& config) { return static_cast<uint64_t>(config.i64("seed")); }

}  // namespace

void RewardNormalizer::normalize(float* rewards, const float* raw, const uint8_t* terminated,
                                 const uint8_t* truncated, int64_t n, double gamma) {
  double batch_mean = 0.0, batch_sq = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    discounted[i] = static_cast<float>(discounted[i] * gamma + raw[i]);
    batch_mean += discounted[i];
  }
  batch_mean /= n;
  for (int64_t i = 0; i < n; ++i) {
    batch_sq += (discounted[i] - batch_mean) * (discounted[i] - batch_mean);
  }
  const double batch_var = batch_sq / n;
  // Chan et al.'s parallel update of mean and variance.
  const double total = count + n, delta = batch_mean - mean;
  mean += delta * n / total;
  var = (var * count + batch_var * n + delta * delta * count * n / total) / total;
  count = total;
  const double scale = 1.0 / std::sqrt(var + 1e-8);
  for (int64_t i = 0; i < n; ++i) {
    rewards[i] = static_cast<float>(std::clamp(raw[i] * scale, -10.0, 10.0));
    if (terminated[i] || truncated[i]) discounted[i] = 0.0f;
  }
}

Rollout::Rollout(int64_t t, int64_t n, const EnvSpec& spec, const torch::Device& device)
    : num_steps(t), num_envs(n), heads(spec) {
  std::vector<int64_t> obs_shape = {t, n};
  obs_shape.insert(obs_shape.end(), spec.obs_shape.begin(), spec.obs_shape.end());
  const auto obs_dtype = spec.obs_type == ObsType::kF32 ? torch::kFloat32 : torch::kUInt8;
  obs = torch::zeros(obs_shape, torch::TensorOptions().dtype(obs_dtype).device(device));
  actions = torch::zeros({t, n}, torch::kInt64);
  for (torch::Tensor* buffer : {&logprobs, &values, &rewards, &terminated, &truncated,
                                &final_values, &advantages, &returns}) {
    *buffer = torch::zeros({t, n});
  }
}

const int64_t* record_policy_step(const PolicyOutput& out, Rollout& r, int64_t t, Rng& action_rng) {
  const int64_t n = r.num_envs;
  const auto log_probs = r.heads.log_probs(out.logits).to(torch::kCPU).contiguous();
  r.values[t].copy_(out.values);
  int64_t* step_actions = r.actions.data_ptr<int64_t>() + t * n;
  r.heads.sample(log_probs, action_rng, false, step_actions, r.logprobs.data_ptr<float>() + t * n);
  return step_actions;
}

void EpisodeTotals::add(const EpisodeRecord& episode) {
  return_sum += episode.episode_return;
  length_sum += static_cast<double>(episode.length);
  ++episodes;
  successes += episode.level_complete ? 1 : 0;
  progress_sum += episode.progress;
}

bool record_env_step(VecEnv& envs, Rollout& r, int64_t t, RewardNormalizer* normalizer,
                     double reward_scale, double gamma, EpisodeTotals& totals) {
  const int64_t n = r.num_envs;
  const float* raw = envs.rewards().data_ptr<float>();
  const uint8_t* term = envs.terminated().data_ptr<uint8_t>();
  const uint8_t* trunc = envs.truncated().data_ptr<uint8_t>();
  float* rewards = r.rewards.data_ptr<float>() + t * n;
  if (normalizer) {
    normalizer->normalize(rewards, raw, term, trunc, n, gamma);
  } else {
    std::copy(raw, raw + n, rewards);
  }
  if (reward_scale != 1.0) {
    for (int64_t i = 0; i < n; ++i) rewards[i] = static_cast<float>(rewards[i] * reward_scale);
  }
  bool any_truncated = false;
  float* term_out = r.terminated.data_ptr<float>() + t * n;
  float* trunc_out = r.truncated.data_ptr<float>() + t * n;
  for (int64_t i = 0; i < n; ++i) {
    term_out[i] = term[i];
    trunc_out[i] = trunc[i];
    any_truncated |= trunc[i] != 0;
  }
  for (const auto& episode : envs.take_finished_episodes()) totals.add(episode);
  return any_truncated;
}

EpisodeTotals collect_rollout(ActorCritic& net, VecEnv& envs, Rollout& r, Rng& action_rng,
                              RewardNormalizer* normalizer, double reward_scale, double gamma,
                              double gae_lambda, const torch::Device& device) {
  c10::InferenceMode inference;
  EpisodeTotals totals;
  for (int64_t t = 0; t < r.num_steps; ++t) {
    const auto obs = envs.observations();
    r.obs[t].copy_(obs, /*non_blocking=*/true);
    const auto out = net->forward(network_input(obs, device));
    envs.step(record_policy_step(out, r, t, action_rng));
    if (record_env_step(envs, r, t, normalizer, reward_scale, gamma, totals)) {
      // bootstrap value of the episode's real last observation
      r.final_values[t].copy_(net->values(network_input(envs.final_observations(), device)));
    }
  }
  const auto last_values = net->values(network_input(envs.observations(), device)).to(torch::kCPU);
  compute_gae(r.rewards, r.values, r.terminated, r.truncated, r.final_values, last_values, gamma,
              gae_lambda, r.advantages, r.returns);
  return totals;
}

int64_t updates_in_run(const Config& c) {
  if (c.i64("num_updates") > 0) return c.i64("num_updates");
  return std::max<int64_t>(1, c.i64("total_steps") / (c.i64("num_envs") * c.i64("num_steps")));
}

double annealed_learning_rate(double initial, bool anneal, int64_t update, int64_t num_updates) {
  if (!anneal) return initial;
  return initial * (1.0 - static_cast<double>(update - 1) / num_updates);
}

double PolynomialSchedule::at(int64_t update_from_zero) const {
  if (decay_updates <= 0) return initial;
  if (update_from_zero > decay_updates) return final;
  const double remaining = 1.0 - static_cast<double>(update_from_zero) / decay_updates;
  return (initial - final) * std::pow(remaining, power) + final;
}

PolynomialSchedule schedule_of(const Config& config, const std::string& name) {
  PolynomialSchedule s;
  s.initial = config.f64(name);
  s.final = config.f64(name + "_final");
  s.power = config.f64(name + "_power");
  s.decay_updates = config.i64(name + "_decay_updates");
  return s;
}

ScheduledValues scheduled_values(const Config& config, int64_t update, int64_t num_updates) {
  ScheduledValues v;
  const PolynomialSchedule lr = schedule_of(config, "learning_rate");
  v.learning_rate =
      lr.decay_updates > 0
          ? lr.at(update - 1)
          : annealed_learning_rate(lr.initial, config.flag("anneal_lr"), update, num_updates);
  v.ent_coef = schedule_of(config, "ent_coef").at(update - 1);
  v.clip_coef = schedule_of(config, "clip_coef").at(update - 1);
  return v;
}

FlatOptimizer make_optimizer(const Config& config, FlatParameters& params) {
  const std::string& rule = config.str("optimizer");
  const double lr = config.f64("learning_rate");
  if (rule == "rmsprop") {
    return FlatOptimizer::rmsprop(params, lr, config.f64("rmsprop_alpha"),
                                  config.f64("rmsprop_eps"), config.flag("rmsprop_centered"));
  }
  if (rule == "rmsprop_deepmind") {
    return FlatOptimizer::rmsprop_deepmind(params, lr, config.f64("rmsprop_alpha"),
                                           config.f64("rmsprop_eps"));
  }
  return FlatOptimizer::adam(params, lr, config.f64("adam_eps"), 0.9, 0.999,
                             rule == "adamw" ? config.f64("weight_decay") : 0.0);
}

int64_t minibatches_per_epoch(const Config& config) {
  if (config.i64("num_minibatches") > 0) return config.i64("num_minibatches");
  return config.i64("num_envs") * config.i64("num_steps") / config.i64("minibatch_size");
}

double explained_variance(const torch::Tensor& values, const torch::Tensor& returns) {
  const double var_returns = returns.var().item<double>();
  if (var_returns == 0.0) return kNaN;
  return 1.0 - (returns - values).var().item<double>() / var_returns;
}

void shuffle(std::vector<int64_t>& indices, Rng& rng) {
  for (size_t i = indices.size() - 1; i > 0; --i) std::swap(indices[i], indices[rng.below(i + 1)]);
}

TrainingRun::TrainingRun(const Config& c, const RunPaths& run_paths,
                         const TrainingState* resume_from, const TrainOptions& options)
    : config(c),
      paths(run_paths),
      envs(vec_env_options(c, c.i64("num_envs"), seed_of(c))),
      device(prepare_torch(c, envs.spec())),
      policy(make_policy(c, envs.spec(), device)),
      params(policy->flat()),
      net(std::dynamic_pointer_cast<ActorCriticImpl>(policy)),
      recurrent_net(std::dynamic_pointer_cast<RecurrentActorCriticImpl>(policy)),
      action_rng(seed_of(c) * 3 + 1),
      shuffle_rng(seed_of(c) * 3 + 2),
      eval_rng(seed_of(c) * 3 + 3),
      options_(options),
      total_steps_(c.i64("total_steps")),
      batch_size_(c.i64("num_envs") * c.i64("num_steps")),
      num_updates_(updates_in_run(c)),
      eval_every_(c.i64("eval_every")),
      // one_per_env: each eval env plays exactly one episode (evaluate() spreads episodes
      // evenly, so asking for as many episodes as envs gives one each).
      eval_episodes_(c.str("eval_protocol") == "one_per_env" ? c.i64("eval_num_envs")
                                                             : c.i64("eval_episodes")),
      checkpoint_every_(c.i64("checkpoint_every")),
      eval_deterministic_(c.flag("eval_deterministic")),
      train_eval_envs_(vec_env_options(c, c.i64("eval_num_envs"), seed_of(c) + 10007)),
      test_eval_envs_(
          test_level_options(vec_env_options(c, c.i64("eval_num_envs"), seed_of(c) + 20011))),
      session_start_(std::chrono::steady_clock::now()),
      latest_train_return_(kNaN),
      latest_eval_return_(kNaN),
      log_(run_paths, resume_from ? resume_from->global_step : -1),
      progress_(num_updates_ * batch_size_, options.quiet) {
  reward_normalizer.discounted.assign(c.i64("num_envs"), 0.0f);
  if (!resume_from) return;
  torch::NoGradGuard no_grad;
  const TrainingState& s = *resume_from;
  if (s.params.numel() != params.numel()) {
    throw CheckpointError("checkpoint has " + std::to_string(s.params.numel()) +
                          " parameters, the configured network " + std::to_string(params.numel()));
  }
  params.values().copy_(s.params);
  action_rng.set_state(s.rng_states.at(0));
  shuffle_rng.set_state(s.rng_states.at(1));
  eval_rng.set_state(s.rng_states.at(2));
  envs.set_rng_states({s.rng_states.begin() + 3, s.rng_states.end()});
  envs.reset();  // envs' mid-episode states are not saved: every env starts a new level
  reward_normalizer.mean = s.return_mean;
  reward_normalizer.var = s.return_var;
  reward_normalizer.count = s.return_count;
  if (static_cast<int64_t>(s.env_discounted_returns.size()) == c.i64("num_envs")) {
    reward_normalizer.discounted = s.env_discounted_returns;
  }
  first_update_ = s.update + 1;
  global_step_ = s.global_step;
  best_eval_return_ = s.best_eval_return;
  previous_wall_seconds_ = s.wall_seconds;
}

void TrainingRun::restore_optimizer(const TrainingState& s, FlatOptimizer& optimizer) {
  torch::NoGradGuard no_grad;
  optimizer.exp_avg().copy_(s.adam_exp_avg);
  optimizer.exp_avg_sq().copy_(s.adam_exp_avg_sq);
  optimizer.set_steps(s.adam_steps);
}

void TrainingRun::add_steps(int64_t steps) {
  global_step_ += steps;
  session_steps_ += steps;
}

double TrainingRun::session_steps_per_second() const {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - session_start_).count();
  return seconds > 0 ? session_steps_ / seconds : 0.0;
}

TrainingState TrainingRun::checkpoint_state(int64_t update, const FlatOptimizer& optimizer) const {
  TrainingState s;
  s.config = config.resolved();
  s.config[kReservedMetadataKey] = run_metadata(device.str());
  s.params = params.values();
  s.adam_exp_avg = optimizer.exp_avg();
  s.adam_exp_avg_sq = optimizer.exp_avg_sq();
  s.adam_steps = optimizer.steps();
  s.update = update;
  s.global_step = global_step_;
  s.wall_seconds =
      previous_wall_seconds_ +
      std::chrono::duration<double>(std::chrono::steady_clock::now() - session_start_).count();
  s.rng_states = {action_rng.state(), shuffle_rng.state(), eval_rng.state()};
  for (const auto& state : envs.rng_states()) s.rng_states.push_back(state);
  s.return_mean = reward_normalizer.mean;
  s.return_var = reward_normalizer.var;
  s.return_count = reward_normalizer.count;
  s.env_discounted_returns = reward_normalizer.discounted;
  s.target_params = target_params;
  s.best_eval_return = best_eval_return_;
  return s;
}

bool TrainingRun::finish_update(int64_t update, const EpisodeTotals& episodes,
                                const std::vector<Scalar>& algorithm_row, const StudyLosses& losses,
                                const FlatOptimizer& optimizer, double rollout_seconds,
                                double update_seconds) {
  ++updates_this_call_;
  if (episodes.episodes > 0) latest_train_return_ = episodes.return_sum / episodes.episodes;
  const double sps = session_steps_per_second();
  const double n = static_cast<double>(episodes.episodes);
  std::vector<Scalar> row = {
      {"charts/SPS", sps},
      {"charts/episodic_return", n > 0 ? episodes.return_sum / n : kNaN},
      {"charts/episodic_length", n > 0 ? episodes.length_sum / n : kNaN},
      {"charts/episodes", n},
  };
  if (envs.spec().reports_success) {
    row.push_back({"charts/success_rate", n > 0 ? episodes.successes / n : kNaN});
  }
  if (envs.spec().reports_progress) {
    row.push_back({"charts/episodic_progress", n > 0 ? episodes.progress_sum / n : kNaN});
  }
  row.insert(row.end(), algorithm_row.begin(), algorithm_row.end());
  row.push_back({"perf/rollout_seconds", rollout_seconds});
  row.push_back({"perf/update_seconds", update_seconds});

  // Evaluate on training levels and on unseen test levels, every eval_every updates and last.
  const bool last_update = update == num_updates_;
  double train_mean = kNaN, test_mean = kNaN;
  double train_success = kNaN, test_success = kNaN, train_progress = kNaN, test_progress = kNaN;
  if (last_update || (eval_every_ > 0 && update % eval_every_ == 0)) {
    const EvalStats train_eval =
        evaluate(*policy, train_eval_envs_, eval_episodes_, eval_deterministic_, eval_rng, device);
    const EvalStats test_eval =
        evaluate(*policy, test_eval_envs_, eval_episodes_, eval_deterministic_, eval_rng, device);
    train_mean = train_eval.mean;
    test_mean = test_eval.mean;
    train_success = train_eval.success_rate;
    test_success = test_eval.success_rate;
    train_progress = train_eval.mean_progress;
    test_progress = test_eval.mean_progress;
    last_train_eval_ = train_eval;
    last_test_eval_ = test_eval;
    latest_eval_return_ = test_eval.mean;
    log_.study().append(global_step_, {{"train_mean_reward", train_eval.mean},
                                       {"train_min_reward", train_eval.min},
                                       {"train_max_reward", train_eval.max},
                                       {"train_var", train_eval.var},
                                       {"test_mean_reward", test_eval.mean},
                                       {"test_min_reward", test_eval.min},
                                       {"test_max_reward", test_eval.max},
                                       {"test_var", test_eval.var},
                                       {"pi_loss", losses.pi_loss},
                                       {"value_loss", losses.value_loss},
                                       {"entropy_loss", losses.entropy_loss}});
    if (last_update) {
      result_.final_eval = test_eval;
      result_.final_train_eval = train_eval;
    }
    if (test_eval.mean > best_eval_return_) {
      best_eval_return_ = test_eval.mean;
      lever::save_checkpoint(paths.best_checkpoint(), checkpoint_state(update, optimizer));
    }
  }
  row.push_back({"eval/train_mean_return", train_mean});
  row.push_back({"eval/test_mean_return", test_mean});
  if (envs.spec().reports_success) {
    row.push_back({"eval/train_success_rate", train_success});
    row.push_back({"eval/test_success_rate", test_success});
  }
  if (envs.spec().reports_progress) {
    row.push_back({"eval/train_mean_progress", train_progress});
    row.push_back({"eval/test_mean_progress", test_progress});
  }
  log_.write(global_step_, row);
  result_.training_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - session_start_).count();
  result_.training_steps_per_second = sps;
  progress_.update(global_step_, sps, latest_train_return_, latest_eval_return_);

  // Checkpoint: the final one as final.pt, others every checkpoint_every updates and when
  // stopping (the newest two kept).
  const bool stopping = stop_requested() || (options_.stop_after_updates > 0 &&
                                             updates_this_call_ >= options_.stop_after_updates);
  result_.updates = update;
  if (last_update) {
    lever::save_checkpoint(paths.final_checkpoint(), checkpoint_state(update, optimizer));
    result_.finished = true;
    return true;
  }
  if (!options_.managed_checkpoints &&
      (stopping || (checkpoint_every_ > 0 && update % checkpoint_every_ == 0))) {
    save_checkpoint(update, optimizer);
  }
  return stopping;
}

void TrainingRun::save_checkpoint(int64_t update, const FlatOptimizer& optimizer) {
  lever::save_checkpoint(update_checkpoint_path(paths.dir, update),
                         checkpoint_state(update, optimizer));
  std::vector<std::filesystem::path> old;
  for (const auto& entry : std::filesystem::directory_iterator(paths.checkpoints())) {
    if (entry.path().extension() == ".pt") old.push_back(entry.path());
  }
  std::sort(old.begin(), old.end());
  for (size_t i = 0; i + 2 < old.size(); ++i) std::filesystem::remove(old[i]);
}

TrainResult TrainingRun::finish(const std::string& algorithm_name) {
  progress_.finish();
  result_.total_steps = global_step_;
  result_.wall_seconds =
      previous_wall_seconds_ +
      std::chrono::duration<double>(std::chrono::steady_clock::now() - session_start_).count();
  result_.steps_per_second = global_step_ / result_.wall_seconds;
  if (result_.finished) {
    write_summary(paths, result_.final_train_eval, result_.final_eval, global_step_,
                  result_.updates, result_.wall_seconds,
                  {{"env", config.str("env")},
                   {"policy", config.str("policy")},
                   {"seed", config.i64("seed")},
                   {"device", device.str()},
                   {"eval_levels", "test"},
                   {"eval_deterministic", eval_deterministic_}});
  }
  write_reward_curve(paths, config.str("env") + " - " + algorithm_name);
  return result_;
}

VecEnvOptions vec_env_options(const Config& c, int64_t num_envs, uint64_t seed) {
  VecEnvOptions o;
  o.env_id = c.str("env");
  o.num_envs = static_cast<int>(num_envs);
  o.num_threads = static_cast<int>(c.i64("num_threads"));
  o.num_levels = c.i64("num_levels");
  o.start_level = c.i64("start_level");
  o.max_episode_steps = c.i64("max_episode_steps");
  o.seed = seed;
  // Config keys that are also options of this env (Procgen's distribution_mode, ...) pass through.
  for (const auto& option : find_env(o.env_id).options) {
    const auto& resolved = c.resolved();
    if (resolved.contains(option.name)) o.env_options[option.name] = resolved.at(option.name);
  }
  for (const auto& [name, value] : c.resolved().at("env_options").items()) {
    o.env_options[name] = value;
  }
  return o;
}

VecEnvOptions test_level_options(VecEnvOptions o) {
  if (o.num_levels > 0) {
    o.start_level += o.num_levels;
    o.num_levels = (int64_t{1} << 31) - o.start_level;
  }
  return o;
}

torch::Device resolve_device(const std::string& device, bool image_observations) {
  if (device == "cpu") return torch::kCPU;
  if (device == "cuda") {
    if (!torch::cuda::is_available()) {
      throw UsageError(
          "device 'cuda' requested but this LibTorch build or machine has no CUDA; "
          "use --device cpu or auto");
    }
    return torch::kCUDA;
  }
  return image_observations && torch::cuda::is_available() ? torch::Device(torch::kCUDA)
                                                           : torch::Device(torch::kCPU);
}

namespace {

EncoderKind encoder_for(const Config& config, const EnvSpec& spec) {
  const std::string encoder = config.str("encoder");
  const EncoderKind kind = encoder == "nature"    ? EncoderKind::kNature
                           : encoder == "impala"  ? EncoderKind::kImpala
                           : encoder == "minatar" ? EncoderKind::kMinatar
                                                  : EncoderKind::kMlp;
  if (kind != EncoderKind::kMlp && spec.obs_type != ObsType::kU8Image) {
    throw UsageError("encoder '" + encoder + "' reads images, but env '" + spec.id +
                     "' observes vectors; use encoder mlp");
  }
  return kind;
}

// The encoder of a network that cannot read images through an MLP (recurrent PPO, DQN).
EncoderKind cnn_for_images(const Config& config, const EnvSpec& spec) {
  const EncoderKind kind = encoder_for(config, spec);
  if (kind == EncoderKind::kMlp && spec.obs_type == ObsType::kU8Image) {
    throw UsageError("env '" + spec.id + "' observes images: " + config.str("policy") +
                     " needs encoder nature, impala or minatar");
  }
  return kind;
}

// The encoder fields every network's options share (ActorCritic, RecurrentActorCritic, QNetwork).
template <typename NetworkOptions>
void set_encoder_options(NetworkOptions& o, EncoderKind kind, const Config& config,
                         const EnvSpec& spec) {
  o.encoder = kind;
  o.obs_dim = spec.obs_elements();
  o.image_shape = spec.obs_shape;
  o.feature_dim = config.i64("feature_dim");
  o.impala_channels = config.int_list("impala_channels");
}

}  // namespace

RecurrentActorCritic make_recurrent_actor_critic(const Config& config, const EnvSpec& spec) {
  RecurrentActorCriticOptions o;
  set_encoder_options(o, cnn_for_images(config, spec), config, spec);
  o.lstm = config.str("layer_type") == "lstm";
  o.hidden_state_size = config.i64("hidden_state_size");
  o.hidden_layer_size = config.i64("hidden_layer_size");
  o.num_actions = ActionHeads(spec).num_logits();
  o.reset_hidden_state = config.flag("reset_hidden_state");
  return RecurrentActorCritic(o);
}

std::shared_ptr<Policy> make_policy(const Config& config, const EnvSpec& spec,
                                    const torch::Device& device) {
  std::shared_ptr<Policy> policy;
  if (config.str("policy") == "recurrent_ppo") {
    policy = make_recurrent_actor_critic(config, spec).ptr();
  } else if (config.str("policy") == "dqn") {
    policy = make_q_network(config, spec).ptr();
  } else {
    policy = make_actor_critic(config, spec).ptr();
  }
  policy->module().to(device);
  policy->flatten();  // after the move, so the flat buffers live on the device
  return policy;
}

QNetwork make_q_network(const Config& config, const EnvSpec& spec) {
  QNetworkOptions o;
  set_encoder_options(o, cnn_for_images(config, spec), config, spec);
  o.hidden_sizes = config.int_list("hidden_sizes");
  o.num_actions = spec.num_actions;
  o.epsilon = config.f64("eval_epsilon");
  return QNetwork(o);
}

ActorCritic make_actor_critic(const Config& config, const EnvSpec& spec) {
  ActorCriticOptions o;
  set_encoder_options(o, encoder_for(config, spec), config, spec);
  o.num_actions = ActionHeads(spec).num_logits();
  o.hidden_sizes = config.int_list("hidden_sizes");
  o.tanh = config.str("activation") == "tanh";
  o.shared = config.flag("shared_network");
  return ActorCritic(o);
}

}  // namespace lever

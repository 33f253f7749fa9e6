// PPO, read top to bottom as CleanRL's ppo.py: collect a rollout, compute advantages, update over
// epochs and minibatches, log, evaluate, checkpoint. The shared pieces (VecEnv, the network,
// acting, GAE, the loss, checkpoints, run files) live in their own files.
#include "lever/algo/ppo.h"

#include <chrono>
#include <cmath>
#include <limits>

#include "lever/algo/checkpoint.h"
#include "lever/algo/gae.h"
#include "lever/algo/ppo_loss.h"
#include "lever/algo/run_files.h"
#include "lever/core/atomic_file.h"
#include "lever/core/errors.h"
#include "lever/core/stop_signal.h"
#include "lever/env/registry.h"
#include "lever/env/vec_env.h"
#include "lever/log/progress.h"

namespace lever {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Every hyperparameter PPO reads, resolved from the config once (docs/CONFIG.md has the meanings).
struct PpoHyperparameters {
  int64_t total_steps, num_envs, num_steps, num_epochs, minibatch_size;
  double learning_rate, adam_eps, gamma, gae_lambda, max_grad_norm, target_kl;
  bool anneal_lr, normalize_reward;
  PpoLossSettings loss;
  int64_t eval_every, eval_episodes, eval_num_envs, checkpoint_every;
  bool eval_deterministic;

  explicit PpoHyperparameters(const Config& c)
      : total_steps(c.i64("total_steps")),
        num_envs(c.i64("num_envs")),
        num_steps(c.i64("num_steps")),
        num_epochs(c.i64("num_epochs")),
        minibatch_size(c.i64("minibatch_size")),
        learning_rate(c.f64("learning_rate")),
        adam_eps(c.f64("adam_eps")),
        gamma(c.f64("gamma")),
        gae_lambda(c.f64("gae_lambda")),
        max_grad_norm(c.f64("max_grad_norm")),
        target_kl(c.f64("target_kl")),
        anneal_lr(c.flag("anneal_lr")),
        normalize_reward(c.flag("normalize_reward")),
        eval_every(c.i64("eval_every")),
        // one_per_env: each eval env plays exactly one episode (evaluate() spreads episodes
        // evenly, so asking for as many episodes as envs gives one each).
        eval_episodes(c.str("eval_protocol") == "one_per_env" ? c.i64("eval_num_envs")
                                                               : c.i64("eval_episodes")),
        eval_num_envs(c.i64("eval_num_envs")),
        checkpoint_every(c.i64("checkpoint_every")),
        eval_deterministic(c.flag("eval_deterministic")) {
    loss.clip_coef = c.f64("clip_coef");
    loss.clip_vloss = c.flag("clip_vloss");
    loss.norm_adv = c.flag("norm_adv");
    loss.ent_coef = c.f64("ent_coef");
    loss.vf_coef = c.f64("vf_coef");
    loss.beta = c.f64("beta");
  }
  int64_t batch_size() const { return num_envs * num_steps; }
  int64_t num_updates() const { return std::max<int64_t>(1, total_steps / batch_size()); }
};

// Running variance of the discounted return, to scale rewards as train-procgen (and Gym's
// NormalizeReward) do.
struct RewardNormalizer {
  double mean = 0.0, var = 1.0, count = 1e-4;
  std::vector<float> discounted;

  void normalize(float* rewards, const float* raw, const uint8_t* terminated,
                 const uint8_t* truncated, int64_t n, double gamma) {
    double batch_mean = 0.0, batch_sq = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      discounted[i] = static_cast<float>(discounted[i] * gamma + raw[i]);
      batch_mean += discounted[i];
    }
    batch_mean /= n;
    for (int64_t i = 0; i < n; ++i)
      batch_sq += (discounted[i] - batch_mean) * (discounted[i] - batch_mean);
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
};

double explained_variance(const torch::Tensor& values, const torch::Tensor& returns) {
  const double var_returns = returns.var().item<double>();
  if (var_returns == 0.0) return kNaN;
  return 1.0 - (returns - values).var().item<double>() / var_returns;
}

void shuffle(std::vector<int64_t>& indices, Rng& rng) {
  for (size_t i = indices.size() - 1; i > 0; --i) std::swap(indices[i], indices[rng.below(i + 1)]);
}

TrainResult run_ppo(const Config& config, const RunPaths& paths, TrainingState* resume_from,
                    const TrainOptions& options) {
  const auto session_start = std::chrono::steady_clock::now();
  const PpoHyperparameters hp(config);
  const uint64_t seed = static_cast<uint64_t>(config.i64("seed"));
  if (config.i64("torch_threads") > 0)
    at::set_num_threads(static_cast<int>(config.i64("torch_threads")));
  torch::manual_seed(seed);

  VecEnv envs(vec_env_options(config, hp.num_envs, seed));
  const EnvSpec& spec = envs.spec();
  const torch::Device device =
      resolve_device(config.str("device"), spec.obs_type == ObsType::kU8Image);
  VecEnv train_eval_envs(vec_env_options(config, hp.eval_num_envs, seed + 10007));
  VecEnv test_eval_envs(test_level_options(vec_env_options(config, hp.eval_num_envs, seed + 20011)));

  ActorCritic net = make_actor_critic(config, spec);
  net->to(device);
  FlatParameters& params = net->flatten();
  FlatAdam optimizer(params, hp.learning_rate, hp.adam_eps);

  Rng action_rng(seed * 3 + 1), shuffle_rng(seed * 3 + 2), eval_rng(seed * 3 + 3);
  RewardNormalizer reward_normalizer;
  reward_normalizer.discounted.assign(hp.num_envs, 0.0f);
  int64_t first_update = 1, global_step = 0;
  double previous_wall_seconds = 0.0;
  if (resume_from) {
    torch::NoGradGuard no_grad;
    TrainingState& s = *resume_from;
    if (s.params.numel() != params.numel()) {
      throw CheckpointError("checkpoint has " + std::to_string(s.params.numel()) +
                            " parameters, the configured network " +
                            std::to_string(params.numel()));
    }
    params.values().copy_(s.params);
    optimizer.exp_avg().copy_(s.adam_exp_avg);
    optimizer.exp_avg_sq().copy_(s.adam_exp_avg_sq);
    optimizer.set_steps(s.adam_steps);
    action_rng.set_state(s.rng_states.at(0));
    shuffle_rng.set_state(s.rng_states.at(1));
    eval_rng.set_state(s.rng_states.at(2));
    envs.set_rng_states({s.rng_states.begin() + 3, s.rng_states.end()});
    envs.reset();  // envs' mid-episode states are not saved: every env starts a new level
    reward_normalizer.mean = s.return_mean;
    reward_normalizer.var = s.return_var;
    reward_normalizer.count = s.return_count;
    if (static_cast<int64_t>(s.env_discounted_returns.size()) == hp.num_envs) {
      reward_normalizer.discounted = s.env_discounted_returns;
    }
    first_update = s.update + 1;
    global_step = s.global_step;
    previous_wall_seconds = s.wall_seconds;
  }

  MetricsLog log(paths, resume_from ? global_step : -1);
  ProgressLine progress(hp.num_updates() * hp.batch_size(), options.quiet);

  // Rollout storage, allocated once. Observations sit on the training device; the per-step
  // scalars stay on the CPU where the envs and GAE use them.
  const int64_t T = hp.num_steps, N = hp.num_envs;
  std::vector<int64_t> obs_shape = {T, N};
  obs_shape.insert(obs_shape.end(), spec.obs_shape.begin(), spec.obs_shape.end());
  const auto obs_dtype = spec.obs_type == ObsType::kF32 ? torch::kFloat32 : torch::kUInt8;
  auto obs_buf = torch::zeros(obs_shape, torch::TensorOptions().dtype(obs_dtype).device(device));
  auto actions = torch::zeros({T, N}, torch::kInt64);
  auto logprobs = torch::zeros({T, N});
  auto values = torch::zeros({T, N});
  auto rewards = torch::zeros({T, N});
  auto terminated = torch::zeros({T, N});
  auto truncated = torch::zeros({T, N});
  auto final_values = torch::zeros({T, N});
  auto advantages = torch::zeros({T, N});
  auto returns = torch::zeros({T, N});
  std::vector<int64_t> order(T * N);
  for (int64_t i = 0; i < T * N; ++i) order[i] = i;
  auto order_tensor = torch::from_blob(order.data(), {T * N}, torch::kInt64);

  auto checkpoint_state = [&](int64_t update) {
    TrainingState s;
    s.config = config.resolved();
    s.config[kReservedMetadataKey] = run_metadata(device.str());
    s.params = params.values();
    s.adam_exp_avg = optimizer.exp_avg();
    s.adam_exp_avg_sq = optimizer.exp_avg_sq();
    s.adam_steps = optimizer.steps();
    s.update = update;
    s.global_step = global_step;
    s.wall_seconds =
        previous_wall_seconds +
        std::chrono::duration<double>(std::chrono::steady_clock::now() - session_start).count();
    s.rng_states = {action_rng.state(), shuffle_rng.state(), eval_rng.state()};
    for (const auto& state : envs.rng_states()) s.rng_states.push_back(state);
    s.return_mean = reward_normalizer.mean;
    s.return_var = reward_normalizer.var;
    s.return_count = reward_normalizer.count;
    s.env_discounted_returns = reward_normalizer.discounted;
    return s;
  };

  double latest_train_return = kNaN, latest_eval_return = kNaN;
  int64_t session_steps = 0, updates_this_call = 0;
  TrainResult result;
  for (int64_t update = first_update; update <= hp.num_updates(); ++update) {
    const double lr =
        hp.anneal_lr ? hp.learning_rate * (1.0 - static_cast<double>(update - 1) / hp.num_updates())
                     : hp.learning_rate;
    optimizer.set_lr(lr);

    // 1. Collect a rollout of T steps from N envs with the current policy.
    const auto rollout_start = std::chrono::steady_clock::now();
    double episode_return_sum = 0.0, episode_length_sum = 0.0;
    int64_t episodes = 0;
    {
      c10::InferenceMode inference;
      for (int64_t t = 0; t < T; ++t) {
        const auto obs = envs.observations();
        obs_buf[t].copy_(obs, /*non_blocking=*/true);
        const auto out = net->forward(network_input(obs, device));
        const auto log_probs = torch::log_softmax(out.logits, 1).to(torch::kCPU);
        values[t].copy_(out.values);
        int64_t* step_actions = actions.data_ptr<int64_t>() + t * N;
        sample_actions(log_probs, action_rng, false, step_actions,
                       logprobs.data_ptr<float>() + t * N);
        envs.step(step_actions);
        global_step += N;

        const float* raw = envs.rewards().data_ptr<float>();
        const uint8_t* term = envs.terminated().data_ptr<uint8_t>();
        const uint8_t* trunc = envs.truncated().data_ptr<uint8_t>();
        float* r = rewards.data_ptr<float>() + t * N;
        if (hp.normalize_reward) {
          reward_normalizer.normalize(r, raw, term, trunc, N, hp.gamma);
        } else {
          std::copy(raw, raw + N, r);
        }
        bool any_truncated = false;
        float* term_out = terminated.data_ptr<float>() + t * N;
        float* trunc_out = truncated.data_ptr<float>() + t * N;
        for (int64_t i = 0; i < N; ++i) {
          term_out[i] = term[i];
          trunc_out[i] = trunc[i];
          any_truncated |= trunc[i] != 0;
        }
        if (any_truncated) {  // bootstrap value of the episode's real last observation
          final_values[t].copy_(net->values(network_input(envs.final_observations(), device)));
        }
        for (const auto& episode : envs.take_finished_episodes()) {
          episode_return_sum += episode.episode_return;
          episode_length_sum += static_cast<double>(episode.length);
          ++episodes;
        }
      }
      // 2. Advantages: GAE(lambda), bootstrapped from the value after the last step.
      const auto last_values =
          net->values(network_input(envs.observations(), device)).to(torch::kCPU);
      compute_gae(rewards, values, terminated, truncated, final_values, last_values, hp.gamma,
                  hp.gae_lambda, advantages, returns);
    }
    if (episodes > 0) latest_train_return = episode_return_sum / episodes;

    // 3. Update: num_epochs passes over the rollout in shuffled minibatches.
    const auto update_start = std::chrono::steady_clock::now();
    const auto b_obs = obs_buf.flatten(0, 1);
    const auto b_actions = actions.view({T * N}).to(device);
    const auto b_logprobs = logprobs.view({T * N}).to(device);
    const auto b_values = values.view({T * N}).to(device);
    const auto b_advantages = advantages.view({T * N}).to(device);
    const auto b_returns = returns.view({T * N}).to(device);
    torch::Tensor sum_policy_loss = torch::zeros({}, device),
                  sum_value_loss = torch::zeros({}, device), sum_entropy = torch::zeros({}, device),
                  sum_kl = torch::zeros({}, device), sum_clipfrac = torch::zeros({}, device);
    int64_t minibatches = 0;
    double grad_norm = 0.0;
    for (int64_t epoch = 0; epoch < hp.num_epochs; ++epoch) {
      shuffle(order, shuffle_rng);
      const auto perm = order_tensor.to(device);
      // One gather per epoch; each minibatch is then a contiguous slice.
      const auto s_obs = b_obs.index_select(0, perm);
      const auto s_actions = b_actions.index_select(0, perm);
      const auto s_logprobs = b_logprobs.index_select(0, perm);
      const auto s_values = b_values.index_select(0, perm);
      const auto s_advantages = b_advantages.index_select(0, perm);
      const auto s_returns = b_returns.index_select(0, perm);
      torch::Tensor epoch_kl = torch::zeros({}, device);
      int64_t epoch_minibatches = 0;
      for (int64_t start = 0; start + hp.minibatch_size <= T * N; start += hp.minibatch_size) {
        const auto out =
            net->forward(s_obs.narrow(0, start, hp.minibatch_size).to(torch::kFloat32));
        const PpoLoss loss =
            ppo_loss(out.logits, out.values, s_actions.narrow(0, start, hp.minibatch_size),
                     s_logprobs.narrow(0, start, hp.minibatch_size),
                     s_values.narrow(0, start, hp.minibatch_size),
                     s_advantages.narrow(0, start, hp.minibatch_size),
                     s_returns.narrow(0, start, hp.minibatch_size), hp.loss);
        params.zero_grad();
        loss.loss.backward();
        grad_norm = params.clip_grad_norm(hp.max_grad_norm);
        optimizer.step();
        {
          torch::NoGradGuard no_grad;
          sum_policy_loss.add_(loss.policy_loss);
          sum_value_loss.add_(loss.value_loss);
          sum_entropy.add_(loss.entropy);
          epoch_kl.add_(loss.kl);
          sum_clipfrac.add_(
              (loss.ratio - 1.0).abs().gt(hp.loss.clip_coef).to(torch::kFloat32).mean());
        }
        ++minibatches;
        ++epoch_minibatches;
      }
      sum_kl.add_(epoch_kl);
      if (hp.target_kl > 0 && epoch_kl.item<double>() / epoch_minibatches > hp.target_kl) break;
    }
    ++updates_this_call;
    session_steps += T * N;
    const auto update_end = std::chrono::steady_clock::now();
    const double rollout_seconds =
        std::chrono::duration<double>(update_start - rollout_start).count();
    const double update_seconds = std::chrono::duration<double>(update_end - update_start).count();

    // 4. Log: one row per update, CleanRL's tag names.
    const double session_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - session_start).count();
    const double sps = session_steps / session_seconds;
    const double mb = static_cast<double>(std::max<int64_t>(1, minibatches));
    std::vector<Scalar> row = {
        {"charts/learning_rate", lr},
        {"charts/SPS", sps},
        {"charts/episodic_return", episodes > 0 ? episode_return_sum / episodes : kNaN},
        {"charts/episodic_length", episodes > 0 ? episode_length_sum / episodes : kNaN},
        {"charts/episodes", static_cast<double>(episodes)},
        {"losses/policy_loss", sum_policy_loss.item<double>() / mb},
        {"losses/value_loss", sum_value_loss.item<double>() / mb},
        {"losses/entropy", sum_entropy.item<double>() / mb},
        {"losses/approx_kl", sum_kl.item<double>() / mb},
        {"losses/clipfrac", sum_clipfrac.item<double>() / mb},
        {"losses/explained_variance", explained_variance(values, returns)},
        {"losses/grad_norm", grad_norm},
        {"perf/rollout_seconds", rollout_seconds},
        {"perf/update_seconds", update_seconds},
        // samples through forward + backward per second of update time
        {"perf/learner_samples_per_second", minibatches * hp.minibatch_size / update_seconds},
        {"eval/train_mean_return", kNaN},
        {"eval/test_mean_return", kNaN},
    };

    // 5. Evaluate on training levels and on unseen test levels, every eval_every updates and last.
    const bool last_update = update == hp.num_updates();
    if (last_update || (hp.eval_every > 0 && update % hp.eval_every == 0)) {
      const EvalStats train_eval =
          evaluate(net, train_eval_envs, hp.eval_episodes, hp.eval_deterministic, eval_rng, device);
      const EvalStats test_eval =
          evaluate(net, test_eval_envs, hp.eval_episodes, hp.eval_deterministic, eval_rng, device);
      row[row.size() - 2].value = train_eval.mean;
      row[row.size() - 1].value = test_eval.mean;
      latest_eval_return = test_eval.mean;
      log.study().append(global_step, {{"train_mean_reward", train_eval.mean},
                                       {"train_min_reward", train_eval.min},
                                       {"train_max_reward", train_eval.max},
                                       {"train_var", train_eval.var},
                                       {"test_mean_reward", test_eval.mean},
                                       {"test_min_reward", test_eval.min},
                                       {"test_max_reward", test_eval.max},
                                       {"test_var", test_eval.var},
                                       {"pi_loss", row[5].value},
                                       {"value_loss", row[6].value},
                                       {"entropy_loss", row[7].value}});
      if (last_update) result.final_eval = test_eval;
    }
    log.write(global_step, row);
    result.training_seconds = session_seconds;
    result.training_steps_per_second = sps;
    progress.update(global_step, sps, latest_train_return, latest_eval_return);

    // 6. Checkpoint: the final one as final.pt, others every checkpoint_every updates (last two
    // kept).
    const bool stopping = stop_requested() || (options.stop_after_updates > 0 &&
                                               updates_this_call >= options.stop_after_updates);
    if (last_update) {
      save_checkpoint(paths.final_checkpoint(), checkpoint_state(update));
      result.finished = true;
    } else if (stopping || (hp.checkpoint_every > 0 && update % hp.checkpoint_every == 0)) {
      char name[32];
      std::snprintf(name, sizeof(name), "update_%08lld.pt", static_cast<long long>(update));
      save_checkpoint(paths.checkpoints() / name, checkpoint_state(update));
      std::vector<std::filesystem::path> old;
      for (const auto& entry : std::filesystem::directory_iterator(paths.checkpoints())) {
        if (entry.path().extension() == ".pt") old.push_back(entry.path());
      }
      std::sort(old.begin(), old.end());
      for (size_t i = 0; i + 2 < old.size(); ++i) std::filesystem::remove(old[i]);
    }
    result.updates = update;
    if (stopping && !last_update) break;
  }
  progress.finish();

  result.total_steps = global_step;
  result.wall_seconds =
      previous_wall_seconds +
      std::chrono::duration<double>(std::chrono::steady_clock::now() - session_start).count();
  result.steps_per_second = global_step / result.wall_seconds;
  if (result.finished) {
    write_summary(paths, result.final_eval, global_step, result.updates, result.wall_seconds,
                  {{"env", config.str("env")},
                   {"seed", config.i64("seed")},
                   {"device", device.str()},
                   {"eval_levels", "test"},
                   {"eval_deterministic", hp.eval_deterministic}});
  }
  write_reward_curve(paths, config.str("env") + " - PPO");
  return result;
}

}  // namespace

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

ActorCritic make_actor_critic(const Config& config, const EnvSpec& spec) {
  ActorCriticOptions o;
  const std::string encoder = config.str("encoder");
  o.encoder = encoder == "nature" ? EncoderKind::kNature
              : encoder == "impala" ? EncoderKind::kImpala
                                    : EncoderKind::kMlp;
  if (o.encoder != EncoderKind::kMlp && spec.obs_type != ObsType::kU8Image) {
    throw UsageError("encoder '" + encoder + "' reads images, but env '" + spec.id +
                     "' observes vectors; use encoder mlp");
  }
  o.obs_dim = spec.obs_elements();
  o.image_shape = spec.obs_shape;
  o.feature_dim = config.i64("feature_dim");
  o.impala_channels = config.int_list("impala_channels");
  o.num_actions = spec.num_actions;
  o.hidden_sizes = config.int_list("hidden_sizes");
  o.tanh = config.str("activation") == "tanh";
  o.shared = config.flag("shared_network");
  return ActorCritic(o);
}

TrainResult train_ppo(const Config& config, const std::filesystem::path& run_dir,
                      const TrainOptions& options) {
  find_env(config.str("env"));  // an unknown env id fails before anything is written
  const RunPaths paths = create_run_dir(run_dir, options.overwrite);
  nlohmann::json resolved = config.resolved();
  resolved[kReservedMetadataKey] = run_metadata(config.str("device"));
  write_file_atomic(paths.config(), resolved.dump(2) + "\n");
  return run_ppo(config, paths, nullptr, options);
}

TrainResult resume_ppo(const std::filesystem::path& run_dir, const TrainOptions& options) {
  const RunPaths paths{run_dir};
  if (!std::filesystem::is_regular_file(paths.config())) {
    throw UsageError(run_dir.string() + ": not a run directory (no config.json)");
  }
  const Config config = Config::load_file(paths.config());
  TrainingState state = load_checkpoint(latest_checkpoint(run_dir));
  if (std::filesystem::is_regular_file(paths.final_checkpoint())) {
    TrainResult done;
    done.finished = true;
    done.updates = state.update;
    done.total_steps = state.global_step;
    done.wall_seconds = state.wall_seconds;
    return done;
  }
  return run_ppo(config, paths, &state, options);
}

}  // namespace lever

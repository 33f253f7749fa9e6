#include "lever/algo/dqn.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>

#include "lever/algo/debug_views.h"
#include "lever/algo/replay_buffer.h"
#include "lever/core/errors.h"
#include "lever/core/machine.h"
#include "lever/env/registry.h"

namespace lever {

double linear_epsilon(double start, double end, int64_t duration, int64_t step) {
  if (duration <= 0 || step >= duration) return end;
  return start + (end - start) * static_cast<double>(step) / static_cast<double>(duration);
}

float training_reward(float reward, bool clip) {
  return clip ? static_cast<float>((reward > 0) - (reward < 0)) : reward;
}

bool training_terminal(bool terminated, bool life_lost, bool terminal_on_life_loss) {
  return terminated || (terminal_on_life_loss && life_lost);
}

torch::Tensor td_targets(const torch::Tensor& rewards, const torch::Tensor& terminals,
                         const torch::Tensor& next_q_target, const torch::Tensor& next_q_online,
                         double gamma, bool double_dqn) {
  const torch::Tensor next_value =
      double_dqn ? next_q_target.gather(1, next_q_online.argmax(1, /*keepdim=*/true)).squeeze(1)
                 : std::get<0>(next_q_target.max(1));
  return rewards + gamma * (1.0 - terminals) * next_value;
}

torch::Tensor td_loss(const torch::Tensor& q_taken, const torch::Tensor& targets, bool huber) {
  return huber ? torch::smooth_l1_loss(q_taken, targets) : torch::mse_loss(q_taken, targets);
}

void update_target(torch::Tensor& target, const torch::Tensor& online, double tau) {
  torch::NoGradGuard no_grad;
  if (tau >= 1.0) {
    target.copy_(online);
  } else {
    target.mul_(1.0 - tau).add_(online, tau);
  }
}

GradientNorms::GradientNorms(torch::nn::Module& module, FlatParameters& flat) {
  const auto* base = flat.values().data_ptr<float>();
  for (const auto& parameter : module.named_parameters()) {
    tags_.push_back("grad_norm/" + parameter.key());
    const int64_t offset = parameter.value().data_ptr<float>() - base;
    gradients_.push_back(flat.grads().narrow(0, offset, parameter.value().numel()));
  }
  tags_.push_back("grad_norm/total");
  norms_ = torch::zeros({static_cast<int64_t>(gradients_.size())}, flat.grads().options());
  sums_ = torch::zeros_like(norms_);
}

void GradientNorms::add_parameters() {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < gradients_.size(); ++i) {
    auto norm = norms_[static_cast<int64_t>(i)];
    torch::linalg_vector_norm_out(norm, gradients_[i]);
  }
  sums_.add_(norms_);
  ++steps_;
}

void GradientNorms::add_total(double total_norm) { total_sum_ += total_norm; }

std::vector<double> GradientNorms::take_means() {
  std::vector<double> means(tags_.size(), std::numeric_limits<double>::quiet_NaN());
  if (steps_ > 0) {
    const auto sums = sums_.to(torch::kCPU, torch::kFloat64).contiguous();
    for (size_t i = 0; i < gradients_.size(); ++i) means[i] = sums.data_ptr<double>()[i] / steps_;
    means.back() = total_sum_ / steps_;
  }
  sums_.zero_();
  total_sum_ = 0.0;
  steps_ = 0;
  return means;
}

namespace {

struct DqnHyperparameters {
  int64_t num_envs, num_steps, batch_size, buffer_size, learning_starts, train_frequency,
      gradient_steps, target_update_interval, exploration_steps;
  double gamma, tau, eps_start, eps_end, max_grad_norm;
  bool double_dqn, huber, clip_reward, terminal_on_life_loss;

  explicit DqnHyperparameters(const Config& c)
      : num_envs(c.i64("num_envs")),
        num_steps(c.i64("num_steps")),
        batch_size(c.i64("minibatch_size")),
        buffer_size(c.i64("buffer_size")),
        learning_starts(c.i64("learning_starts")),
        train_frequency(c.i64("train_frequency")),
        gradient_steps(c.i64("gradient_steps")),
        target_update_interval(c.i64("target_update_interval")),
        exploration_steps(static_cast<int64_t>(c.f64("exploration_fraction") *
                                               static_cast<double>(c.i64("total_steps")))),
        gamma(c.f64("gamma")),
        tau(c.f64("tau")),
        eps_start(c.f64("exploration_initial_eps")),
        eps_end(c.f64("exploration_final_eps")),
        max_grad_norm(c.f64("max_grad_norm")),
        double_dqn(c.flag("double_dqn")),
        huber(c.str("td_loss") == "huber"),
        clip_reward(c.flag("clip_reward")),
        terminal_on_life_loss(c.flag("terminal_on_life_loss")) {}
};

std::string gib(double bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f GiB", bytes / (1024.0 * 1024.0 * 1024.0));
  return text;
}

ReplayCompression replay_compression(const Config& config) {
  return {config.str("replay_compress") == "lz4", config.f64("replay_compress_ratio")};
}

// Refuses a replay buffer that would not fit in the memory available now, before allocating it.
void check_replay_memory(const Config& config, const EnvSpec& spec, bool ignore) {
  const size_t needed = ReplayBuffer::bytes_for(config.i64("buffer_size"), config.i64("num_envs"),
                                                spec, replay_compression(config));
  const uint64_t available = available_memory_bytes();
  if (ignore || available == 0 || needed <= available) return;
  throw UsageError("the replay buffer of " + std::to_string(config.i64("buffer_size")) +
                   " transitions needs " + gib(needed) + " but only " + gib(available) +
                   " is available; lower buffer_size or pass --ignore-memory-check");
}

// Emulated frames per agent step: the env's frame skip where it has one (arcade games).
int64_t frames_per_step(const Config& config) {
  for (const auto& option : find_env(config.str("env")).options) {
    if (option.name == "frame_skip") return config.i64("frame_skip");
  }
  return 1;
}

}  // namespace

TrainResult run_dqn(const Config& config, const RunPaths& paths, const TrainingState* resume_from,
                    const TrainOptions& options) {
  const DqnHyperparameters hp(config);
  TrainingRun run(config, paths, resume_from, options);
  const torch::Device device = run.device;
  const EnvSpec& spec = run.envs.spec();
  QNetworkImpl& q_net = dynamic_cast<QNetworkImpl&>(*run.policy);
  FlatParameters& params = run.params;
  QNetwork target_net = make_q_network(config, spec);
  target_net->to(device);
  FlatParameters& target = target_net->flatten();
  update_target(target.values(), params.values(), 1.0);
  if (resume_from && resume_from->target_params.defined()) {
    torch::NoGradGuard no_grad;
    target.values().copy_(resume_from->target_params);
  }
  run.target_params = target.values();
  FlatOptimizer optimizer = make_optimizer(config, params);
  if (resume_from) TrainingRun::restore_optimizer(*resume_from, optimizer);

  check_replay_memory(config, spec, options.ignore_memory_check);
  ReplayBuffer replay(hp.buffer_size, static_cast<int>(hp.num_envs), spec,
                      replay_compression(config));
  const int64_t B = hp.batch_size, N = hp.num_envs;
  std::vector<int64_t> batch_shape = {B};
  batch_shape.insert(batch_shape.end(), spec.obs_shape.begin(), spec.obs_shape.end());
  const auto obs_dtype = spec.obs_type == ObsType::kF32 ? torch::kFloat32 : torch::kUInt8;
  auto b_obs = torch::empty(batch_shape, obs_dtype),
       b_next_obs = torch::empty(batch_shape, obs_dtype);
  auto b_actions = torch::empty({B}, torch::kInt64), b_rewards = torch::empty({B});
  auto b_terminals = torch::empty({B});
  std::vector<uint8_t> b_real_frames(B);
  const ReplayBatch batch{
      static_cast<uint8_t*>(b_obs.data_ptr()), static_cast<uint8_t*>(b_next_obs.data_ptr()),
      b_actions.data_ptr<int64_t>(),           b_rewards.data_ptr<float>(),
      b_terminals.data_ptr<float>(),           b_real_frames.data()};
  auto actions = torch::empty({N}, torch::kInt64);
  const size_t obs_bytes = spec.obs_bytes();
  const auto obs_at = [&](const torch::Tensor& view, int64_t env) {
    return static_cast<const uint8_t*>(view.data_ptr()) + env * obs_bytes;
  };
  for (int64_t e = 0; e < N; ++e) replay.start_episode(e, obs_at(run.envs.observations(), e));

  std::unique_ptr<DebugViews> debug;
  if (options.debug) {
    debug = std::make_unique<DebugViews>(paths.dir / "debug", spec);
    debug->acting_step(0, run.envs);  // the first state: all but one frame zero-filled
  }
  GradientNorms gradient_norms(q_net, params);
  // The replay buffer starts empty on resume too, so learning waits for it to refill.
  const int64_t learning_starts = run.global_step() + hp.learning_starts;
  const int64_t frame_skip = frames_per_step(config);

  for (int64_t iteration = run.first_update(); iteration <= run.num_updates(); ++iteration) {
    EpisodeTotals episodes;
    double act_seconds = 0.0, learn_seconds = 0.0;
    int64_t learn_steps = 0;
    // Summed on the device and read once per iteration, so gradient steps never wait on it.
    auto loss_sum = torch::zeros({}, params.values().options());
    auto q_sum = torch::zeros_like(loss_sum);
    double epsilon = hp.eps_start;

    for (int64_t t = 0; t < hp.num_steps; ++t) {
      // 1. Act ε-greedily and step the envs; store each transition's newest frame.
      const auto act_start = std::chrono::steady_clock::now();
      const int64_t step = run.global_step();
      epsilon = linear_epsilon(hp.eps_start, hp.eps_end, hp.exploration_steps, step);
      torch::Tensor greedy;
      {
        torch::NoGradGuard no_grad;
        greedy =
            q_net.forward(network_input(run.envs.observations(), device)).argmax(1).to(torch::kCPU);
      }
      int64_t* chosen = actions.data_ptr<int64_t>();
      const int64_t* greedy_actions = greedy.data_ptr<int64_t>();
      for (int64_t e = 0; e < N; ++e) {
        chosen[e] = run.action_rng.uniform() < epsilon
                        ? static_cast<int64_t>(run.action_rng.below(spec.num_actions))
                        : greedy_actions[e];
      }
      run.envs.step(actions);
      run.add_steps(N);
      const float* rewards = run.envs.rewards().data_ptr<float>();
      const uint8_t* terminated = run.envs.terminated().data_ptr<uint8_t>();
      const uint8_t* truncated = run.envs.truncated().data_ptr<uint8_t>();
      const uint8_t* life_lost = run.envs.life_lost();
      for (int64_t e = 0; e < N; ++e) {
        const bool ended = terminated[e] || truncated[e];
        const bool terminal =
            training_terminal(terminated[e], life_lost[e], hp.terminal_on_life_loss);
        const float reward = training_reward(rewards[e], hp.clip_reward);
        replay.add_step(e, chosen[e], reward, terminal,
                        obs_at(ended ? run.envs.final_observations() : run.envs.observations(), e));
        if (ended) replay.start_episode(e, obs_at(run.envs.observations(), e));
      }
      for (const EpisodeRecord& episode : run.envs.take_finished_episodes()) episodes.add(episode);
      if (debug) debug->acting_step(run.global_step() / N, run.envs);
      const auto learn_start = std::chrono::steady_clock::now();
      act_seconds += std::chrono::duration<double>(learn_start - act_start).count();

      // 2. Learn every train_frequency agent steps once the buffer holds learning_starts.
      const int64_t now = run.global_step();
      if (now < learning_starts) continue;
      const int64_t due = now / hp.train_frequency - step / hp.train_frequency;
      for (int64_t k = 0; k < due * hp.gradient_steps; ++k) {
        replay.sample(B, run.shuffle_rng, batch);
        if (debug) debug->replay_batch(optimizer.steps(), b_obs, b_next_obs, b_real_frames.data());
        const auto obs = b_obs.to(device), next_obs = b_next_obs.to(device);
        const auto rewards_d = b_rewards.to(device), terminals_d = b_terminals.to(device);
        torch::Tensor targets;
        {
          torch::NoGradGuard no_grad;
          const auto next_q_target = target_net->forward(next_obs);
          const auto next_q_online = hp.double_dqn ? q_net.forward(next_obs) : torch::Tensor();
          targets = td_targets(rewards_d, terminals_d, next_q_target, next_q_online, hp.gamma,
                               hp.double_dqn);
        }
        const auto q_taken =
            q_net.forward(obs).gather(1, b_actions.to(device).unsqueeze(1)).squeeze(1);
        const auto loss = td_loss(q_taken, targets, hp.huber);
        params.zero_grad();
        loss.backward();
        gradient_norms.add_parameters();
        gradient_norms.add_total(params.clip_grad_norm(hp.max_grad_norm));
        optimizer.step();
        loss_sum.add_(loss.detach());
        q_sum.add_(q_taken.detach().mean());
        ++learn_steps;
      }
      // 3. The target network follows every target_update_interval agent steps.
      if (now / hp.target_update_interval != step / hp.target_update_interval) {
        update_target(target.values(), params.values(), hp.tau);
      }
      learn_seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - learn_start).count();
    }

    // 4. Log, evaluate when due, checkpoint.
    constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
    const double n = static_cast<double>(learn_steps);
    const double mean_loss = n > 0 ? loss_sum.item<double>() / n : kNaN;
    std::vector<Scalar> row = {
        {"charts/epsilon", epsilon},
        {"charts/learning_rate", optimizer.lr()},
        {"charts/frames_per_second", run.session_steps_per_second() * frame_skip},
        {"charts/gradient_steps", static_cast<double>(optimizer.steps())},
        {"charts/replay_size", static_cast<double>(replay.size())},
        {"losses/td_loss", mean_loss},
        {"losses/q_values", n > 0 ? q_sum.item<double>() / n : kNaN},
    };
    const std::vector<double> mean_norms = gradient_norms.take_means();
    for (size_t i = 0; i < mean_norms.size(); ++i) {
      row.push_back({gradient_norms.tags()[i], mean_norms[i]});
    }
    if (run.finish_update(iteration, episodes, row, {kNaN, mean_loss, kNaN}, optimizer, act_seconds,
                          learn_seconds)) {
      break;
    }
  }
  if (debug) debug->close();
  return run.finish("DQN");
}

}  // namespace lever

#include "lever/algo/acting.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lever {

torch::Tensor network_input(const torch::Tensor& observations, const torch::Device& device) {
  return observations.to(device, /*non_blocking=*/true);
}

EvalStats summarize_returns(const std::vector<double>& returns) {
  EvalStats stats;
  stats.returns = returns;
  if (returns.empty()) {
    stats.mean = stats.min = stats.max = stats.var = std::numeric_limits<double>::quiet_NaN();
    return stats;
  }
  double sum = 0.0;
  stats.min = returns[0];
  stats.max = returns[0];
  for (double r : returns) {
    sum += r;
    stats.min = std::min(stats.min, r);
    stats.max = std::max(stats.max, r);
  }
  stats.mean = sum / returns.size();
  double squares = 0.0;
  for (double r : returns) squares += (r - stats.mean) * (r - stats.mean);
  stats.var = squares / returns.size();
  return stats;
}

torch::Tensor episodes_ended(VecEnv& envs, const torch::Device& device) {
  // Most steps end no episode: then skip building a mask (and a device copy) for this step.
  const uint8_t* term = envs.terminated().data_ptr<uint8_t>();
  const uint8_t* trunc = envs.truncated().data_ptr<uint8_t>();
  bool any = false;
  for (int i = 0; i < envs.num_envs() && !any; ++i) any = term[i] || trunc[i];
  if (!any) return {};
  return torch::logical_or(envs.terminated(), envs.truncated()).to(device);
}

EvalStats evaluate(Policy& policy, VecEnv& envs, int64_t episodes, bool deterministic, Rng& rng,
                   const torch::Device& device) {
  c10::InferenceMode inference;
  const int n = envs.num_envs();
  std::vector<int64_t> target(n), done(n, 0);
  for (int i = 0; i < n; ++i) target[i] = (episodes + i) / n;
  std::vector<double> returns;
  std::vector<int64_t> lengths;
  int64_t successes = 0;
  double progress_sum = 0.0;
  const ActionHeads heads(envs.spec());
  auto actions = torch::empty({n}, torch::kInt64);
  std::vector<float> logprobs(n);
  envs.reset();
  envs.take_finished_episodes();
  RecurrentState state = policy.initial_state(n);
  while (static_cast<int64_t>(returns.size()) < episodes) {
    const auto out = policy.step(network_input(envs.observations(), device), state);
    const auto log_probs = heads.log_probs(out.logits).to(torch::kCPU).contiguous();
    heads.sample(log_probs, rng, deterministic, actions.data_ptr<int64_t>(), logprobs.data());
    envs.step(actions);
    if (!state.empty()) policy.end_episodes(state, episodes_ended(envs, device));
    for (const auto& episode : envs.take_finished_episodes()) {
      if (done[episode.env_index] < target[episode.env_index]) {
        ++done[episode.env_index];
        returns.push_back(episode.episode_return);
        lengths.push_back(episode.length);
        successes += episode.level_complete ? 1 : 0;
        progress_sum += episode.progress;
      }
    }
  }
  EvalStats stats = summarize_returns(returns);
  stats.lengths = lengths;
  const double played = static_cast<double>(returns.size());
  if (envs.spec().reports_success && played > 0) stats.success_rate = successes / played;
  if (envs.spec().reports_progress && played > 0) stats.mean_progress = progress_sum / played;
  return stats;
}

}  // namespace lever

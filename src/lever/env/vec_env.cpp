#include "lever/env/vec_env.h"

#include <cstring>

#include "lever/core/errors.h"
#include "lever/env/registry.h"

namespace lever {

VecEnv::VecEnv(const VecEnvOptions& options)
    : num_levels_(options.num_levels), start_level_(options.start_level) {
  if (options.num_envs < 1) throw UsageError("num_envs must be >= 1");
  for (int i = 0; i < options.num_envs; ++i) {
    envs_.push_back(make_env(options.env_id, options.env_options));
  }
  spec_ = envs_[0]->spec();
  max_episode_steps_ =
      options.max_episode_steps > 0 ? options.max_episode_steps : spec_.max_episode_steps;
  if (options.max_episode_steps > 0) spec_.max_episode_steps = static_cast<int>(max_episode_steps_);

  const size_t n = envs_.size();
  slots_.resize(n);
  uint64_t seed_stream = options.seed * 0x9E3779B97F4A7C15ULL + 0x1234567ULL;
  for (auto& slot : slots_) slot.level_rng.reseed(splitmix64(seed_stream));
  obs_.assign(n * spec_.obs_bytes(), 0);
  final_obs_.assign(n * spec_.obs_bytes(), 0);
  rewards_.assign(n, 0.0f);
  terminated_.assign(n, 0);
  truncated_.assign(n, 0);
  life_lost_.assign(n, 0);
  ended_.assign(n, 0);
  ended_record_.resize(n);

  std::vector<int64_t> shape = {static_cast<int64_t>(n)};
  shape.insert(shape.end(), spec_.obs_shape.begin(), spec_.obs_shape.end());
  const auto dtype = spec_.obs_type == ObsType::kF32 ? torch::kFloat32 : torch::kUInt8;
  const auto options_cpu = torch::TensorOptions().dtype(dtype);
  obs_view_ = torch::from_blob(obs_.data(), shape, options_cpu);
  final_obs_view_ = torch::from_blob(final_obs_.data(), shape, options_cpu);
  const int64_t count = static_cast<int64_t>(n);
  reward_view_ = torch::from_blob(rewards_.data(), {count}, torch::kFloat32);
  terminated_view_ = torch::from_blob(terminated_.data(), {count}, torch::kUInt8);
  truncated_view_ = torch::from_blob(truncated_.data(), {count}, torch::kUInt8);

  pool_ = std::make_unique<ThreadPool>(options.num_threads);
  step_body_ = [this](int64_t begin, int64_t end) { step_range(begin, end, pending_actions_); };
  reset();
}

uint64_t VecEnv::next_level_seed(Slot& slot) const {
  if (num_levels_ <= 0) return slot.level_rng.next_u64() >> 33;  // 31-bit, as Procgen's seeds
  return static_cast<uint64_t>(start_level_) +
         slot.level_rng.below(static_cast<uint64_t>(num_levels_));
}

void VecEnv::reset() {
  const size_t bytes = spec_.obs_bytes();
  for (size_t i = 0; i < envs_.size(); ++i) {
    Slot& slot = slots_[i];
    slot.level_seed = next_level_seed(slot);
    slot.episode_return = 0.0;
    slot.length = 0;
    envs_[i]->reset(slot.level_seed, obs_.data() + i * bytes);
  }
  std::fill(rewards_.begin(), rewards_.end(), 0.0f);
  std::fill(terminated_.begin(), terminated_.end(), 0);
  std::fill(truncated_.begin(), truncated_.end(), 0);
  std::fill(life_lost_.begin(), life_lost_.end(), 0);
}

void VecEnv::step_range(int64_t begin, int64_t end, const int64_t* actions) {
  const size_t bytes = spec_.obs_bytes();
  for (int64_t i = begin; i < end; ++i) {
    Slot& slot = slots_[i];
    uint8_t* obs = obs_.data() + i * bytes;
    const StepResult result = envs_[i]->step(static_cast<int>(actions[i]), obs);
    slot.episode_return += result.reward;
    slot.length += 1;
    const bool truncated =
        !result.terminated && max_episode_steps_ > 0 && slot.length >= max_episode_steps_;
    rewards_[i] = result.reward;
    terminated_[i] = result.terminated;
    truncated_[i] = truncated;
    life_lost_[i] = result.life_lost;
    ended_[i] = result.terminated || truncated;
    if (ended_[i]) {
      EpisodeRecord& record = ended_record_[i];
      record.episode_return = slot.episode_return;
      record.length = slot.length;
      record.level_seed = slot.level_seed;
      record.level_complete = result.level_complete;
      record.progress = result.progress;
      record.terminated = result.terminated;
      record.truncated = truncated;
      record.env_index = static_cast<int>(i);
      std::memcpy(final_obs_.data() + i * bytes, obs, bytes);
      slot.level_seed = next_level_seed(slot);
      slot.episode_return = 0.0;
      slot.length = 0;
      envs_[i]->reset(slot.level_seed, obs);
    }
  }
}

void VecEnv::step(const torch::Tensor& actions) {
  if (!actions.device().is_cpu() || actions.scalar_type() != torch::kInt64 ||
      !actions.is_contiguous() || actions.numel() != num_envs()) {
    throw RuntimeFailure("VecEnv::step wants a contiguous int64 CPU tensor of " +
                         std::to_string(num_envs()) + " actions");
  }
  step(actions.data_ptr<int64_t>());
}

void VecEnv::step(const int64_t* actions) {
  for (int i = 0; i < num_envs(); ++i) {
    if (actions[i] < 0 || actions[i] >= spec_.num_actions) {
      throw RuntimeFailure("action " + std::to_string(actions[i]) + " out of range for env '" +
                           spec_.id + "' (" + std::to_string(spec_.num_actions) + " actions)");
    }
  }
  pending_actions_ = actions;
  pool_->parallel_for(num_envs(), step_body_);
  pending_actions_ = nullptr;
  for (int i = 0; i < num_envs(); ++i) {
    if (ended_[i]) finished_.push_back(ended_record_[i]);
  }
}

std::vector<EpisodeRecord> VecEnv::take_finished_episodes() {
  // Copy rather than swap so finished_ keeps its capacity: the rollout calls this every step and
  // most steps end no episode, so most calls allocate nothing.
  std::vector<EpisodeRecord> out(finished_.begin(), finished_.end());
  finished_.clear();
  return out;
}

std::vector<Rng::State> VecEnv::rng_states() const {
  std::vector<Rng::State> states;
  for (const auto& slot : slots_) states.push_back(slot.level_rng.state());
  return states;
}

void VecEnv::set_rng_states(const std::vector<Rng::State>& states) {
  if (states.size() != slots_.size()) throw RuntimeFailure("VecEnv RNG state count mismatch");
  for (size_t i = 0; i < slots_.size(); ++i) slots_[i].level_rng.set_state(states[i]);
}

}  // namespace lever

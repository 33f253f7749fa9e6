#include "lever/algo/replay_buffer.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "lever/core/errors.h"

namespace lever {
namespace {

size_t frame_bytes_of(const EnvSpec& spec) {
  if (spec.frame_stack <= 1) return spec.obs_bytes();
  if (spec.obs_type != ObsType::kU8Image || spec.obs_shape.size() != 3 ||
      spec.obs_shape[2] != spec.frame_stack) {
    throw UsageError("env '" + spec.id + "' declares a frame stack of " +
                     std::to_string(spec.frame_stack) +
                     " but its observations are not uint8 [H, W, stack] images");
  }
  return static_cast<size_t>(spec.obs_shape[0] * spec.obs_shape[1]);
}

}  // namespace

size_t ReplayBuffer::bytes_for(int64_t capacity, int num_envs, const EnvSpec& spec) {
  const size_t slots = static_cast<size_t>(capacity / num_envs) * num_envs;
  return slots * (frame_bytes_of(spec) + sizeof(float) + 2);
}

ReplayBuffer::ReplayBuffer(int64_t capacity, int num_envs, const EnvSpec& spec)
    : num_envs_(num_envs),
      capacity_per_env_(num_envs > 0 ? capacity / num_envs : 0),
      frame_stack_(std::max(1, spec.frame_stack)),
      frame_bytes_(frame_bytes_of(spec)),
      obs_bytes_(spec.obs_bytes()) {
  if (num_envs < 1 || capacity_per_env_ < frame_stack_ + 2) {
    throw UsageError("replay buffer of " + std::to_string(capacity) + " transitions for " +
                     std::to_string(num_envs) + " envs: each env needs at least " +
                     std::to_string(frame_stack_ + 2) + " (buffer_size too small)");
  }
  if (spec.num_actions > 256) {
    throw UsageError("replay buffer stores actions as bytes; env '" + spec.id + "' has " +
                     std::to_string(spec.num_actions) + " actions");
  }
  const size_t slots = static_cast<size_t>(capacity_per_env_) * num_envs;
  frames_.assign(slots * frame_bytes_, 0);
  actions_.assign(slots, 0);
  rewards_.assign(slots, 0.0f);
  flags_.assign(slots, 0);
  rings_.assign(num_envs, Ring{});
  positions_.resize(frame_stack_);
  next_positions_.resize(frame_stack_);
}

size_t ReplayBuffer::bytes() const {
  return frames_.size() + actions_.size() + rewards_.size() * sizeof(float) + flags_.size();
}

const uint8_t* ReplayBuffer::frame(int env, int64_t position) const {
  return frames_.data() + slot(env, position) * frame_bytes_;
}

void ReplayBuffer::write_frame(int env, const void* obs, uint8_t flags) {
  Ring& ring = rings_[env];
  const int64_t s = slot(env, ring.next);
  uint8_t* frame = frames_.data() + s * frame_bytes_;
  const auto* in = static_cast<const uint8_t*>(obs);
  if (frame_stack_ == 1) {
    std::memcpy(frame, in, frame_bytes_);
  } else {
    // The newest frame is the last of each pixel's frame_stack_ values.
    const int k = frame_stack_;
    for (size_t p = 0; p < frame_bytes_; ++p) frame[p] = in[p * k + k - 1];
  }
  flags_[s] = flags;
  actions_[s] = 0;
  rewards_[s] = 0.0f;
  ring.next = (ring.next + 1) % capacity_per_env_;
  ring.count = std::min(ring.count + 1, capacity_per_env_);
}

void ReplayBuffer::start_episode(int env, const void* obs) { write_frame(env, obs, kEpisodeStart); }

void ReplayBuffer::add_step(int env, int64_t action, float reward, bool terminal,
                            const void* next_obs) {
  Ring& ring = rings_[env];
  if (ring.count == 0) throw RuntimeFailure("ReplayBuffer::add_step before start_episode");
  const int64_t s = slot(env, (ring.next + capacity_per_env_ - 1) % capacity_per_env_);
  actions_[s] = static_cast<uint8_t>(action);
  rewards_[s] = reward;
  flags_[s] |= kHasTransition | (terminal ? kTerminal : 0);
  write_frame(env, next_obs, 0);
}

int64_t ReplayBuffer::size() const {
  int64_t total = 0;
  for (const Ring& ring : rings_) total += std::max<int64_t>(0, ring.count - 1);
  return total;
}

int ReplayBuffer::stack_frames(int env, int64_t newest_age,
                               std::vector<int64_t>& positions) const {
  const Ring& ring = rings_[env];
  const int64_t oldest = (ring.next - ring.count + capacity_per_env_) % capacity_per_env_;
  const auto position_of = [&](int64_t age) { return (oldest + age) % capacity_per_env_; };
  const int k = frame_stack_;
  positions[k - 1] = position_of(newest_age);
  int real = 1;
  for (int back = 1; back < k; ++back) {
    if (flags_[slot(env, positions[k - back])] & kEpisodeStart) break;
    // Older frames are gone (overwritten), and the stack cannot tell where the episode began.
    if (newest_age - back < 0) return -1;
    positions[k - 1 - back] = position_of(newest_age - back);
    ++real;
  }
  return real;
}

void ReplayBuffer::write_stack(int env, const std::vector<int64_t>& positions, int real,
                               uint8_t* out) const {
  const int k = frame_stack_;
  if (k == 1) {
    std::memcpy(out, frame(env, positions[0]), obs_bytes_);
    return;
  }
  for (int f = 0; f < k; ++f) {
    if (f < k - real) {
      for (size_t p = 0; p < frame_bytes_; ++p) out[p * k + f] = 0;
      continue;
    }
    const uint8_t* source = frame(env, positions[f]);
    for (size_t p = 0; p < frame_bytes_; ++p) out[p * k + f] = source[p];
  }
}

void ReplayBuffer::sample(int64_t batch, Rng& rng, const ReplayBatch& out) const {
  // Candidates: every stored frame but each ring's newest (its successor is not written yet).
  const auto candidates_in = [this](int env) {
    return std::max<int64_t>(0, rings_[env].count - 1);
  };
  const int64_t candidates = size();
  const int64_t max_attempts = 1000 + 100 * batch;
  int64_t filled = 0;
  for (int64_t attempt = 0; filled < batch && attempt < max_attempts && candidates > 0;
       ++attempt) {
    int64_t draw = static_cast<int64_t>(rng.below(static_cast<uint64_t>(candidates)));
    int env = 0;
    while (draw >= candidates_in(env)) {
      draw -= candidates_in(env);
      ++env;
    }
    const int64_t age = draw;
    const Ring& ring = rings_[env];
    const int64_t position =
        (ring.next - ring.count + age + capacity_per_env_) % capacity_per_env_;
    const uint8_t flags = flags_[slot(env, position)];
    if (!(flags & kHasTransition)) continue;  // an episode's final frame
    const int real = stack_frames(env, age, positions_);
    if (real < 0) continue;
    const int next_real = stack_frames(env, age + 1, next_positions_);
    write_stack(env, positions_, real, out.obs + filled * obs_bytes_);
    write_stack(env, next_positions_, next_real, out.next_obs + filled * obs_bytes_);
    out.actions[filled] = actions_[slot(env, position)];
    out.rewards[filled] = rewards_[slot(env, position)];
    out.terminals[filled] = (flags & kTerminal) ? 1.0f : 0.0f;
    if (out.real_frames) out.real_frames[filled] = static_cast<uint8_t>(real);
    ++filled;
  }
  if (filled < batch) {
    throw RuntimeFailure("replay buffer: found only " + std::to_string(filled) + " of " +
                         std::to_string(batch) + " valid transitions among " +
                         std::to_string(candidates) + " stored");
  }
}

}  // namespace lever

#include "lever/algo/replay_buffer.h"

#include <lz4.h>

#include <algorithm>
#include <cstring>
#include <limits>
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

// Compressed frames of one env: room for its share of frames at the assumed ratio, and never less
// than two incompressible frames.
size_t arena_bytes_for(int64_t capacity_per_env, size_t frame_bytes, double assumed_ratio) {
  const auto worst = static_cast<size_t>(LZ4_compressBound(static_cast<int>(frame_bytes)));
  const auto share =
      static_cast<size_t>(static_cast<double>(capacity_per_env) * frame_bytes / assumed_ratio);
  return std::max(share, 2 * worst);
}

}  // namespace

size_t ReplayBuffer::bytes_for(int64_t capacity, int num_envs, const EnvSpec& spec,
                               const ReplayCompression& compression) {
  const int64_t per_env = capacity / num_envs;
  const size_t slots = static_cast<size_t>(per_env) * num_envs;
  const size_t scalars = slots * (sizeof(float) + 2);
  if (!compression.lz4) return scalars + slots * frame_bytes_of(spec);
  return scalars + slots * (sizeof(uint32_t) + sizeof(uint16_t)) +
         num_envs * arena_bytes_for(per_env, frame_bytes_of(spec), compression.assumed_ratio);
}

ReplayBuffer::ReplayBuffer(int64_t capacity, int num_envs, const EnvSpec& spec,
                           const ReplayCompression& compression)
    : num_envs_(num_envs),
      capacity_per_env_(num_envs > 0 ? capacity / num_envs : 0),
      frame_stack_(std::max(1, spec.frame_stack)),
      frame_bytes_(frame_bytes_of(spec)),
      obs_bytes_(spec.obs_bytes()),
      compression_(compression) {
  if (num_envs < 1 || capacity_per_env_ < frame_stack_ + 2) {
    throw UsageError("replay buffer of " + std::to_string(capacity) + " transitions for " +
                     std::to_string(num_envs) + " envs: each env needs at least " +
                     std::to_string(frame_stack_ + 2) + " (buffer_size too small)");
  }
  if (spec.num_actions > 256) {
    throw UsageError("replay buffer stores actions as bytes; env '" + spec.id + "' has " +
                     std::to_string(spec.num_actions) + " actions");
  }
  if (compression.lz4 && (compression.assumed_ratio < 1.0 || frame_bytes_ > 65535)) {
    throw UsageError("LZ4 replay needs replay_compress_ratio >= 1 and frames under 64 KiB");
  }
  const size_t slots = static_cast<size_t>(capacity_per_env_) * num_envs;
  if (compression.lz4) {
    arena_bytes_per_env_ =
        arena_bytes_for(capacity_per_env_, frame_bytes_, compression.assumed_ratio);
    if (arena_bytes_per_env_ > std::numeric_limits<uint32_t>::max()) {
      throw UsageError("LZ4 replay: each env's arena would take " +
                       std::to_string(arena_bytes_per_env_) +
                       " bytes, over the 4 GiB its offsets address; raise "
                       "replay_compress_ratio or use more envs");
    }
    arena_.assign(arena_bytes_per_env_ * num_envs, 0);
    offsets_.assign(slots, 0);
    sizes_.assign(slots, 0);
    compress_scratch_.resize(LZ4_compressBound(static_cast<int>(frame_bytes_)));
  } else {
    frames_.assign(slots * frame_bytes_, 0);
  }
  frame_scratch_.resize(frame_bytes_);
  actions_.assign(slots, 0);
  rewards_.assign(slots, 0.0f);
  flags_.assign(slots, 0);
  rings_.assign(num_envs, Ring{});
  positions_.resize(frame_stack_);
  next_positions_.resize(frame_stack_);
}

size_t ReplayBuffer::bytes() const {
  return frames_.size() + arena_.size() + offsets_.size() * sizeof(uint32_t) +
         sizes_.size() * sizeof(uint16_t) + actions_.size() + rewards_.size() * sizeof(float) +
         flags_.size();
}

const uint8_t* ReplayBuffer::frame_of(int env, int64_t position, uint8_t* scratch) const {
  const int64_t s = slot(env, position);
  if (!compression_.lz4) return frames_.data() + s * frame_bytes_;
  const auto* source =
      reinterpret_cast<const char*>(arena_.data() + env * arena_bytes_per_env_ + offsets_[s]);
  const int written = LZ4_decompress_safe(source, reinterpret_cast<char*>(scratch), sizes_[s],
                                          static_cast<int>(frame_bytes_));
  if (written != static_cast<int>(frame_bytes_)) {
    throw RuntimeFailure("replay buffer: a compressed frame does not decompress");
  }
  return scratch;
}

void ReplayBuffer::store_compressed(int env, int64_t slot_index, const uint8_t* frame) {
  const int size = LZ4_compress_default(
      reinterpret_cast<const char*>(frame), reinterpret_cast<char*>(compress_scratch_.data()),
      static_cast<int>(frame_bytes_), static_cast<int>(compress_scratch_.size()));
  if (size <= 0) throw RuntimeFailure("replay buffer: LZ4 compression failed");
  Ring& ring = rings_[env];
  // Live frames lie in the arena in ring order, from the oldest's offset up to arena_next
  // (wrapping at most once), so the oldest frames are the ones in the way of a new one.
  const auto oldest_offset = [&] {
    const int64_t oldest = (ring.next - ring.count + capacity_per_env_) % capacity_per_env_;
    return static_cast<size_t>(offsets_[slot(env, oldest)]);
  };
  if (ring.arena_next + size > arena_bytes_per_env_) {
    while (ring.count > 0 && oldest_offset() >= ring.arena_next) --ring.count;
    ring.arena_next = 0;
  }
  while (ring.count > 0 && oldest_offset() >= ring.arena_next &&
         oldest_offset() < ring.arena_next + size) {
    --ring.count;
  }
  std::memcpy(arena_.data() + env * arena_bytes_per_env_ + ring.arena_next,
              compress_scratch_.data(), size);
  offsets_[slot_index] = static_cast<uint32_t>(ring.arena_next);
  sizes_[slot_index] = static_cast<uint16_t>(size);
  ring.arena_next += size;
}

void ReplayBuffer::write_frame(int env, const void* obs, uint8_t flags) {
  Ring& ring = rings_[env];
  const int64_t s = slot(env, ring.next);
  // A full ring's next slot is its oldest frame: it goes first.
  if (ring.count == capacity_per_env_) --ring.count;
  uint8_t* frame = compression_.lz4 ? frame_scratch_.data() : frames_.data() + s * frame_bytes_;
  const auto* in = static_cast<const uint8_t*>(obs);
  if (frame_stack_ == 1) {
    std::memcpy(frame, in, frame_bytes_);
  } else {
    // The newest frame is the last of each pixel's frame_stack_ values.
    const int k = frame_stack_;
    for (size_t p = 0; p < frame_bytes_; ++p) frame[p] = in[p * k + k - 1];
  }
  if (compression_.lz4) store_compressed(env, s, frame);
  flags_[s] = flags;
  actions_[s] = 0;
  rewards_[s] = 0.0f;
  ring.next = (ring.next + 1) % capacity_per_env_;
  ++ring.count;
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

double ReplayBuffer::mean_stored_frame_bytes() const {
  if (!compression_.lz4) return static_cast<double>(frame_bytes_);
  double total = 0.0;
  int64_t frames = 0;
  for (int env = 0; env < num_envs_; ++env) {
    const Ring& ring = rings_[env];
    for (int64_t age = 0; age < ring.count; ++age) {
      total +=
          sizes_[slot(env, (ring.next - ring.count + age + capacity_per_env_) % capacity_per_env_)];
      ++frames;
    }
  }
  return frames > 0 ? total / frames : 0.0;
}

int64_t ReplayBuffer::size() const {
  int64_t total = 0;
  for (const Ring& ring : rings_) total += std::max<int64_t>(0, ring.count - 1);
  return total;
}

int ReplayBuffer::stack_frames(int env, int64_t newest_age, std::vector<int64_t>& positions) const {
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
    std::memcpy(out, frame_of(env, positions[0], frame_scratch_.data()), obs_bytes_);
    return;
  }
  for (int f = 0; f < k; ++f) {
    if (f < k - real) {
      for (size_t p = 0; p < frame_bytes_; ++p) out[p * k + f] = 0;
      continue;
    }
    const uint8_t* source = frame_of(env, positions[f], frame_scratch_.data());
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
  for (int64_t attempt = 0; filled < batch && attempt < max_attempts && candidates > 0; ++attempt) {
    int64_t draw = static_cast<int64_t>(rng.below(static_cast<uint64_t>(candidates)));
    int env = 0;
    while (draw >= candidates_in(env)) {
      draw -= candidates_in(env);
      ++env;
    }
    const int64_t age = draw;
    const Ring& ring = rings_[env];
    const int64_t position = (ring.next - ring.count + age + capacity_per_env_) % capacity_per_env_;
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

// DQN's experience replay, storing each observation frame once. An Atari observation is a stack of
// the last 4 frames, so storing whole observations (and next observations) keeps every frame 4-8
// times; here each env step stores only the newest frame (84x84 uint8), its action, reward and
// flags, and sample() rebuilds the stacks, as DeepMind's replay memory and Dopamine's circular
// buffer do: 1M transitions take ~7 GB instead of ~28 GB.
//
// Each env writes its own ring (capacity / num_envs slots), so a stack never mixes envs. A slot
// holds a frame and, once the env has stepped from it, the transition taken there. Stacks are
// rebuilt backwards from a slot and stop at the first frame of an episode: older frames are
// zero-filled, exactly as the env's own frame stack zero-fills at reset, so the network sees in
// training the same states it acted on. The next state of a transition is the stack ending at the
// following slot; an episode's last frame (terminated or truncated) is stored in a slot of its own
// with no transition, so a truncated episode bootstraps from its true final state. sample() never
// returns a transition whose next frame is not written yet, nor a stack that would reach past the
// ring's oldest slot (overwritten frames of another time).
//
// With LZ4 compression each frame is compressed on write into a byte arena per env (Atari frames,
// mostly flat colour, shrink ~15x) and decompressed when sampled. The arena is sized for an assumed
// compression ratio and allocated once like everything else; if frames compress worse than that,
// the arena fills before the slots do and the oldest frames are dropped early, which size() shows.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "lever/core/rng.h"
#include "lever/env/env.h"

namespace lever {

// Where sample() writes a batch: obs and next_obs hold batch observations in the env's layout
// (spec.obs_bytes() bytes each); the rest one value per transition.
struct ReplayBatch {
  uint8_t* obs = nullptr;
  uint8_t* next_obs = nullptr;
  int64_t* actions = nullptr;
  float* rewards = nullptr;
  float* terminals = nullptr;      // 1 when the transition ended in a terminal state
  uint8_t* real_frames = nullptr;  // optional: frames of obs that are not zero-fill (debug views)
};

struct ReplayCompression {
  bool lz4 = false;
  // The arena holds capacity × frame bytes / assumed_ratio bytes of compressed frames.
  double assumed_ratio = 4.0;
};

class ReplayBuffer {
 public:
  // capacity: slots (one frame + one transition each) over all envs; at least frame_stack + 2 per
  // env. Everything is allocated here, once.
  ReplayBuffer(int64_t capacity, int num_envs, const EnvSpec& spec,
               const ReplayCompression& compression = {});

  // The first observation of an episode in env `env` (after reset or an auto-reset).
  void start_episode(int env, const void* obs);
  // The step taken from env's latest frame: its action and reward, whether it ended in a terminal
  // state (no bootstrap), and the observation it led to. When the episode ended (terminated or
  // truncated), pass its final observation and call start_episode with the next episode's first.
  void add_step(int env, int64_t action, float reward, bool terminal, const void* next_obs);

  // Frames stored with a successor: an upper bound on the transitions sample() can draw (it skips
  // episodes' final frames and the few stacks that would reach past a ring's oldest slot).
  int64_t size() const;
  int64_t capacity() const { return capacity_per_env_ * num_envs_; }
  // Uniform over the sampleable transitions of all envs (rejection sampling; throws
  // RuntimeFailure when it cannot find batch of them, e.g. an empty buffer).
  void sample(int64_t batch, Rng& rng, const ReplayBatch& out) const;

  // Exactly the bytes this buffer allocated for its storage, and the same per transition slot
  // (frame or compressed arena share, action, reward, flags, and the arena index with LZ4).
  size_t bytes() const;
  double bytes_per_transition() const { return static_cast<double>(bytes()) / capacity(); }
  static size_t bytes_for(int64_t capacity, int num_envs, const EnvSpec& spec,
                          const ReplayCompression& compression = {});
  int frame_stack() const { return frame_stack_; }
  bool compressed() const { return compression_.lz4; }
  // The mean bytes a stored frame takes (its compressed size with LZ4), over the frames stored.
  double mean_stored_frame_bytes() const;

 private:
  enum Flag : uint8_t { kEpisodeStart = 1, kTerminal = 2, kHasTransition = 4 };
  struct Ring {
    int64_t next = 0;       // position the next frame goes to
    int64_t count = 0;      // frames stored (at most capacity_per_env_)
    size_t arena_next = 0;  // LZ4: where the next compressed frame goes in the env's arena
  };
  int64_t slot(int env, int64_t position) const { return env * capacity_per_env_ + position; }
  void write_frame(int env, const void* obs, uint8_t flags);
  // Compresses frame into env's arena, dropping the ring's oldest frames while they are in the way.
  void store_compressed(int env, int64_t slot_index, const uint8_t* frame);
  // The frame of a slot: in place, or decompressed into scratch.
  const uint8_t* frame_of(int env, int64_t position, uint8_t* scratch) const;
  // Writes the stack ending at ring position `newest` (logical age `newest_age`, 0 = oldest);
  // returns the number of real frames, or -1 when the stack would reach past the oldest slot.
  int stack_frames(int env, int64_t newest_age, std::vector<int64_t>& positions) const;
  void write_stack(int env, const std::vector<int64_t>& positions, int real, uint8_t* out) const;

  int num_envs_;
  int64_t capacity_per_env_;
  int frame_stack_;
  size_t frame_bytes_, obs_bytes_;
  ReplayCompression compression_;
  size_t arena_bytes_per_env_ = 0;
  std::vector<uint8_t> frames_;    // [slots, frame_bytes]; empty with LZ4
  std::vector<uint8_t> arena_;     // LZ4: [envs, arena_bytes_per_env_]
  std::vector<uint32_t> offsets_;  // LZ4: per slot, where its frame starts in the env's arena
  std::vector<uint16_t> sizes_;    // LZ4: per slot, its compressed size
  mutable std::vector<uint8_t> frame_scratch_, compress_scratch_;
  std::vector<uint8_t> actions_;
  std::vector<float> rewards_;
  std::vector<uint8_t> flags_;
  std::vector<Ring> rings_;
  mutable std::vector<int64_t> positions_, next_positions_;  // sample()'s scratch
};

}  // namespace lever

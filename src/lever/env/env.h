// The environment interface. An Env is a small class that writes its observation into memory it is
// handed (a slot of VecEnv's batch buffer) and knows nothing of threads, tensors or logging.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "lever/core/image.h"

namespace lever {

enum class ObsType { kU8Image, kF32 };  // kU8Image is height x width x channels

struct EnvSpec {
  std::string id;
  std::vector<int64_t> obs_shape;
  ObsType obs_type = ObsType::kF32;
  int num_actions = 0;
  // MultiDiscrete actions (Memory Gym's free movement: {3, 3}): the sizes of the sub-actions.
  // The env still receives one int, the flat index sum_i a_i * prod_{j>i} n_j, so num_actions is
  // the product; a policy that knows the structure samples each sub-action on its own. Empty:
  // Discrete(num_actions).
  std::vector<int> action_nvec;
  int max_episode_steps = 0;  // the env's own time limit; VecEnv truncates episodes there
  // Image observations whose last axis holds this many consecutive frames, oldest first (Atari's
  // 4-frame stack). A replay buffer then stores only the newest frame of each observation and
  // rebuilds the stack when it samples; 1 = the channels are not a frame history.
  int frame_stack = 1;
  // What StepResult reports at an episode's end, so logs show a success rate and mean progress
  // only for envs that have them (SB3 logs success_rate only when infos carry is_success).
  bool reports_success = false;   // level_complete means the task was solved
  bool reports_progress = false;  // progress holds the task's counter

  int64_t obs_elements() const {
    int64_t n = 1;
    for (int64_t d : obs_shape) n *= d;
    return n;
  }
  size_t obs_bytes() const {
    return static_cast<size_t>(obs_elements()) * (obs_type == ObsType::kF32 ? 4 : 1);
  }
};

struct StepResult {
  float reward = 0.0f;
  bool terminated = false;      // the episode ended inside the MDP (no bootstrapping)
  bool level_complete = false;  // the agent reached the level's goal (Procgen's level_complete)
  bool life_lost = false;       // a game with lives lost one and goes on (DQN may end an episode)
  // The task's progress counter so far in this episode (Memory Gym: commands completed, tiles
  // reached, coins collected); -1 for envs without one.
  int progress = -1;
};

class Env {
 public:
  virtual ~Env() = default;
  virtual const EnvSpec& spec() const = 0;
  // Starts an episode whose layout and randomness depend only on level_seed; writes the first
  // observation into obs (spec().obs_bytes() bytes).
  virtual void reset(uint64_t level_seed, void* obs) = 0;
  virtual StepResult step(int action, void* obs) = 0;
  // The human view of the current state, for videos.
  virtual void render(Image& out) const = 0;
};

}  // namespace lever

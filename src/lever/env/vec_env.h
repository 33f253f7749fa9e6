// N environments stepped together on a thread pool. Observations live in one contiguous buffer that
// torch sees as a tensor without copying. Finished episodes reset automatically, as in Procgen:
// after a step that ends an episode, the observation is the next episode's first frame, and the
// last frame of the ended episode is kept in final_observations() so a truncated episode can be
// bootstrapped.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lever/core/rng.h"
#include "lever/core/thread_pool.h"
#include "lever/env/env.h"

namespace lever {

struct EpisodeRecord {
  double episode_return = 0.0;
  int64_t length = 0;
  uint64_t level_seed = 0;
  bool level_complete = false;
  int progress = -1;  // the task's progress counter at the end (StepResult::progress)
  bool terminated = false;
  bool truncated = false;
  int env_index = 0;
};

struct VecEnvOptions {
  std::string env_id = "cartpole";
  nlohmann::json env_options = nlohmann::json::object();
  int num_envs = 1;
  int num_threads = 0;     // 0 = one per core
  int64_t num_levels = 0;  // 0 = unlimited
  int64_t start_level = 0;
  int64_t max_episode_steps = 0;  // 0 = the env's own limit
  uint64_t seed = 0;
};

class VecEnv {
 public:
  explicit VecEnv(const VecEnvOptions& options);

  const EnvSpec& spec() const { return spec_; }
  int num_envs() const { return static_cast<int>(envs_.size()); }
  int num_threads() const { return pool_->num_threads(); }
  int64_t max_episode_steps() const { return max_episode_steps_; }

  // Starts a new episode in every env (called by the constructor; call again to restart all).
  void reset();
  // actions: int64 CPU tensor of shape [N] (or a pointer to N actions).
  void step(const torch::Tensor& actions);
  void step(const int64_t* actions);

  // Views over VecEnv's own buffers, valid until the VecEnv is destroyed; contents change on
  // step().
  torch::Tensor observations() const { return obs_view_; }
  torch::Tensor final_observations() const { return final_obs_view_; }
  torch::Tensor rewards() const { return reward_view_; }         // float [N]
  torch::Tensor terminated() const { return terminated_view_; }  // uint8 [N]
  torch::Tensor truncated() const { return truncated_view_; }    // uint8 [N]
  const uint8_t* life_lost() const { return life_lost_.data(); }  // [N], see StepResult

  // Episodes that ended since the last call, in env order within each step.
  std::vector<EpisodeRecord> take_finished_episodes();

  const Env& env(int index) const { return *envs_[index]; }
  uint64_t level_seed(int index) const { return slots_[index].level_seed; }

  // The level-seed generators' states, so a resumed run draws the same levels.
  std::vector<Rng::State> rng_states() const;
  void set_rng_states(const std::vector<Rng::State>& states);

 private:
  struct Slot {
    Rng level_rng;
    uint64_t level_seed = 0;
    double episode_return = 0.0;
    int64_t length = 0;
  };
  uint64_t next_level_seed(Slot& slot) const;
  void step_range(int64_t begin, int64_t end, const int64_t* actions);

  EnvSpec spec_;
  int64_t num_levels_, start_level_, max_episode_steps_;
  std::vector<std::unique_ptr<Env>> envs_;
  std::vector<Slot> slots_;
  std::vector<uint8_t> obs_, final_obs_, terminated_, truncated_, life_lost_;
  std::vector<float> rewards_;
  std::vector<EpisodeRecord> finished_;      // filled by the caller thread after each step
  std::vector<uint8_t> ended_;               // per env: did the last step end an episode
  std::vector<EpisodeRecord> ended_record_;  // per env: the record of that episode
  torch::Tensor obs_view_, final_obs_view_, reward_view_, terminated_view_, truncated_view_;
  std::unique_ptr<ThreadPool> pool_;
  std::function<void(int64_t, int64_t)> step_body_;
  const int64_t* pending_actions_ = nullptr;
};

}  // namespace lever

// Playing episodes with a trained (or random) policy: evaluation of a checkpoint and videos.
#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "lever/algo/acting.h"
#include "lever/algo/checkpoint.h"
#include "lever/core/config.h"

namespace lever {

// A trained policy restored from a checkpoint, with the config it was trained with.
struct LoadedPolicy {
  Config config;
  std::shared_ptr<Policy> net;  // feed-forward or recurrent
  torch::Device device{torch::kCPU};
};
LoadedPolicy load_policy(const std::filesystem::path& checkpoint, const std::string& device);

struct EvalRequest {
  int64_t episodes = 10;
  bool deterministic = false;
  bool test_levels = true;  // false: the training levels
  uint64_t seed = 0;
  int num_envs = 8;
};
EvalStats evaluate_checkpoint(const std::filesystem::path& checkpoint, const EvalRequest& request);

// The generator that samples a played episode's actions from its seed: `lever play`, `enjoy` and
// `saliency` with the same --seed play the same episode.
Rng play_action_rng(uint64_t seed);

struct PlayRequest {
  std::string env_id;            // used when there is no checkpoint
  std::filesystem::path policy;  // empty: uniformly random actions
  std::filesystem::path out;     // .mp4 or .gif
  uint64_t seed = 0;
  int64_t episodes = 1;
  int64_t max_steps = 1000;  // per episode; an episode cut here counts with its partial return
  bool deterministic = false;
  int fps = 50;
};
struct PlayResult {
  std::vector<double> returns;   // per episode
  std::vector<int64_t> lengths;  // per episode
  int64_t steps = 0;
  int frames = 0;
};
// Plays `episodes` episodes one after another in one env (a recurrent policy carries or resets its
// state between them as in training) and writes the env's human view of every step as one video.
// on_episode, when given, hears of each episode as it ends (index from 0, return, length).
PlayResult play_episodes(
    const PlayRequest& request,
    const std::function<void(int64_t episode, double episode_return, int64_t length)>&
        on_episode = nullptr);

}  // namespace lever

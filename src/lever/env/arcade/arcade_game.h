// A native port of an Atari 2600 game as the Arcade Learning Environment presents it: each step()
// is ONE emulated frame, the observation is the 210x160 RGB screen, actions are the game's minimal
// action set, the reward is the change in score, and StepResult.life_lost is set on the frame a
// life goes. Atari ROMs cannot be shipped, so these are re-implementations of the games' rules and
// geometry, not emulations. DQN's preprocessing (frame skip with max-pool, grey, 84x84, frame
// stack, no-op starts, sticky actions) wraps a game: see atari_preprocessing.h.
#pragma once
#include <string>
#include <vector>

#include "lever/env/env.h"

namespace lever::arcade {

inline constexpr int kScreenHeight = 210;
inline constexpr int kScreenWidth = 160;
// ALE caps an episode at 108,000 emulated frames (30 minutes at 60 Hz).
inline constexpr int kMaxEpisodeFrames = 108000;

class ArcadeGame : public Env {
 public:
  // spec(): obs_shape {210, 160, 3}, kU8Image; max_episode_steps = kMaxEpisodeFrames.
  // render(): the same screen as the observation.
  virtual int lives() const = 0;  // lives left; 0 for games without lives
  // ALE's names, e.g. {"NOOP", "FIRE", "RIGHT", "LEFT"}; index = action.
  virtual const std::vector<std::string>& action_meanings() const = 0;
};

}  // namespace lever::arcade

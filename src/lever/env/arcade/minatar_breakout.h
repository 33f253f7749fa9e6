// MinAtar's Breakout (kenjyoung/MinAtar, minatar/environments/breakout.py): a 10x10 grid, the
// paddle on row 9, three rows of bricks (rows 1-3), a ball that moves one cell diagonally per
// step. Walls and bricks reflect the ball; a brick pays +1 and vanishes (at most one per step: a
// ball that meets a brick on the step right after a strike passes into it); the paddle sends the
// ball back up, straight back if it was above the paddle, reversed in x if it lands on the paddle
// from the side. The ball reaching row 9 anywhere else ends the episode. When no brick is left,
// rows 1-3 refill the next time the ball reaches the paddle row. No difficulty ramp (breakout.py
// has none) and no time limit in MinAtar: lever caps an episode at kMaxEpisodeSteps as a safety.
//
// Actions are MinAtar's minimal set n, l, r: 0 noop, 1 left, 2 right. Sticky actions as MinAtar's
// Environment wrapper: each step, with probability minatar_sticky_action_prob, the previously
// executed action runs instead; unlike MinAtar, the previous action is noop again at reset, so an
// episode depends only on its level seed.
//
// Observation: uint8 [10, 10, 4] (row, column, channel), channels paddle, ball, trail (the ball's
// previous cell), brick, as MinAtar's booleans x 255 (a network's /255 gives back exactly 0/1).
#pragma once
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "lever/core/rng.h"
#include "lever/env/env.h"
#include "lever/env/registry.h"

namespace lever::arcade {

class MinatarBreakout : public Env {
 public:
  static constexpr int kGridSize = 10;
  static constexpr int kNumChannels = 4;
  static constexpr int kChannelPaddle = 0, kChannelBall = 1, kChannelTrail = 2, kChannelBrick = 3;
  static constexpr int kNumActions = 3;
  enum Action { kNoop = 0, kLeft = 1, kRight = 2 };
  // MinAtar's ball directions.
  enum Direction { kUpLeft = 0, kUpRight = 1, kDownRight = 2, kDownLeft = 3 };
  static constexpr int kPaddleRow = 9;
  static constexpr int kMaxEpisodeSteps = 10000;
  static constexpr int kRenderCell = 16;  // render(): 160 x 160 pixels

  struct Options {
    float sticky_action_prob = 0.1f;  // [0, 1]
  };
  // Throws UsageError naming the option when a value is mistyped or out of range.
  static Options parse_options(const nlohmann::json& options);

  struct State {
    int ball_x = 0, ball_y = 3;
    int ball_dir = kDownRight;
    int last_x = 0, last_y = 3;  // the trail
    int paddle_x = 4;
    std::array<std::array<bool, kGridSize>, kGridSize> bricks{};  // [row][column]
    bool strike = false;  // a brick was hit on the previous step
    bool terminal = false;
  };

  MinatarBreakout();
  explicit MinatarBreakout(const Options& options);
  const EnvSpec& spec() const override { return spec_; }
  void reset(uint64_t level_seed, void* obs) override;
  StepResult step(int action, void* obs) override;
  // The grid at kRenderCell px per cell: bricks, trail, paddle and ball in their own colours.
  void render(Image& out) const override;

  // Exposed for tests: scripted states, and the observation of the current one.
  const State& state() const { return state_; }
  void set_state(const State& state) { state_ = state; }
  void observe(void* obs) const;

 private:
  EnvSpec spec_;
  float sticky_action_prob_;
  Rng rng_;
  int last_action_ = kNoop;
  State state_;
};

EnvInfo minatar_breakout_info();

}  // namespace lever::arcade

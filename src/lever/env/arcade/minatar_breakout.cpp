#include "lever/env/arcade/minatar_breakout.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "lever/core/errors.h"

namespace lever::arcade {

namespace {

constexpr int kN = MinatarBreakout::kGridSize;
// Direction after a bounce, indexed by the direction before (breakout.py's lookup lists).
constexpr int kFlipX[4] = {1, 0, 3, 2};
constexpr int kFlipY[4] = {3, 2, 1, 0};
constexpr int kFlipBoth[4] = {2, 3, 0, 1};

void fill_brick_rows(MinatarBreakout::State& s) {
  for (int row = 1; row <= 3; ++row) s.bricks[row].fill(true);
}

bool any_brick(const MinatarBreakout::State& s) {
  for (const auto& row : s.bricks) {
    if (std::find(row.begin(), row.end(), true) != row.end()) return true;
  }
  return false;
}

}  // namespace

MinatarBreakout::Options MinatarBreakout::parse_options(const nlohmann::json& o) {
  Options options;
  if (o.contains("minatar_sticky_action_prob")) {
    const nlohmann::json& v = o.at("minatar_sticky_action_prob");
    const double p = v.is_number() ? v.get<double>() : -1.0;
    if (!(p >= 0.0 && p <= 1.0)) {
      throw UsageError(
          "env 'minatar_breakout': minatar_sticky_action_prob must be a number in [0, 1], got " +
          v.dump());
    }
    options.sticky_action_prob = static_cast<float>(p);
  }
  return options;
}

MinatarBreakout::MinatarBreakout() : MinatarBreakout(Options()) {}

MinatarBreakout::MinatarBreakout(const Options& options)
    : sticky_action_prob_(options.sticky_action_prob) {
  parse_options({{"minatar_sticky_action_prob", options.sticky_action_prob}});
  spec_.id = "minatar_breakout";
  spec_.obs_shape = {kGridSize, kGridSize, kNumChannels};
  spec_.obs_type = ObsType::kU8Image;
  spec_.num_actions = kNumActions;
  spec_.max_episode_steps = kMaxEpisodeSteps;
  spec_.frame_stack = 1;
}

void MinatarBreakout::observe(void* obs) const {
  uint8_t* out = static_cast<uint8_t*>(obs);
  std::memset(out, 0, spec_.obs_bytes());
  auto cell = [out](int x, int y, int channel) -> uint8_t& {
    return out[(y * kN + x) * kNumChannels + channel];
  };
  cell(state_.ball_x, state_.ball_y, kChannelBall) = 255;
  cell(state_.paddle_x, kPaddleRow, kChannelPaddle) = 255;
  cell(state_.last_x, state_.last_y, kChannelTrail) = 255;
  for (int y = 0; y < kN; ++y) {
    for (int x = 0; x < kN; ++x) {
      if (state_.bricks[y][x]) cell(x, y, kChannelBrick) = 255;
    }
  }
}

void MinatarBreakout::reset(uint64_t level_seed, void* obs) {
  rng_.reseed(level_seed);
  last_action_ = kNoop;
  state_ = State();
  const bool right = rng_.below(2) == 1;
  state_.ball_x = right ? kN - 1 : 0;
  state_.ball_dir = right ? kDownLeft : kDownRight;
  state_.ball_y = 3;
  state_.last_x = state_.ball_x;
  state_.last_y = state_.ball_y;
  state_.paddle_x = 4;
  fill_brick_rows(state_);
  observe(obs);
}

StepResult MinatarBreakout::step(int action, void* obs) {
  if (action < 0 || action >= kNumActions) {
    throw UsageError("env 'minatar_breakout': action " + std::to_string(action) +
                     " outside [0, 3)");
  }
  // MinAtar draws the sticky coin every step, also once the episode is over.
  if (rng_.uniform() < sticky_action_prob_) action = last_action_;
  last_action_ = action;

  StepResult result;
  State& s = state_;
  if (s.terminal) {
    result.terminated = true;
    observe(obs);
    return result;
  }
  if (action == kLeft) s.paddle_x = std::max(0, s.paddle_x - 1);
  if (action == kRight) s.paddle_x = std::min(kN - 1, s.paddle_x + 1);

  s.last_x = s.ball_x;
  s.last_y = s.ball_y;
  int new_x = s.ball_x + (s.ball_dir == kUpRight || s.ball_dir == kDownRight ? 1 : -1);
  int new_y = s.ball_y + (s.ball_dir == kDownRight || s.ball_dir == kDownLeft ? 1 : -1);

  bool struck_now = false;
  if (new_x < 0 || new_x >= kN) {
    new_x = std::clamp(new_x, 0, kN - 1);
    s.ball_dir = kFlipX[s.ball_dir];
  }
  if (new_y < 0) {
    new_y = 0;
    s.ball_dir = kFlipY[s.ball_dir];
  } else if (s.bricks[new_y][new_x]) {
    struck_now = true;
    if (!s.strike) {
      result.reward = 1.0f;
      s.strike = true;
      s.bricks[new_y][new_x] = false;
      new_y = s.last_y;
      s.ball_dir = kFlipY[s.ball_dir];
    }
  } else if (new_y == kPaddleRow) {
    if (!any_brick(s)) fill_brick_rows(s);
    if (s.ball_x == s.paddle_x) {
      s.ball_dir = kFlipY[s.ball_dir];
      new_y = s.last_y;
    } else if (new_x == s.paddle_x) {
      s.ball_dir = kFlipBoth[s.ball_dir];
      new_y = s.last_y;
    } else {
      s.terminal = true;
    }
  }
  if (!struck_now) s.strike = false;
  s.ball_x = new_x;
  s.ball_y = new_y;

  result.terminated = s.terminal;
  observe(obs);
  return result;
}

void MinatarBreakout::render(Image& out) const {
  constexpr int kSide = kN * kRenderCell;
  const Color background{0, 0, 0}, brick{214, 92, 64}, trail{60, 90, 150}, paddle{92, 186, 92},
      ball{250, 250, 250};
  out.resize(kSide, kSide);
  out.fill(background);
  auto paint = [&out](int x, int y, Color color, float inset) {
    fill_rect(out, x * kRenderCell + inset, y * kRenderCell + inset, (x + 1) * kRenderCell - inset,
              (y + 1) * kRenderCell - inset, color);
  };
  for (int y = 0; y < kN; ++y) {
    for (int x = 0; x < kN; ++x) {
      if (state_.bricks[y][x]) paint(x, y, brick, 1.0f);
    }
  }
  paint(state_.last_x, state_.last_y, trail, 4.0f);
  paint(state_.paddle_x, kPaddleRow, paddle, 0.0f);
  paint(state_.ball_x, state_.ball_y, ball, 3.0f);
}

EnvInfo minatar_breakout_info() {
  EnvInfo info;
  info.id = "minatar_breakout";
  info.description =
      "MinAtar Breakout: 10x10 grid, paddle on the bottom row, 3 rows of bricks, the ball moves "
      "diagonally one cell per step; +1 per brick, bricks refill when cleared, the episode ends "
      "when the ball passes the paddle; obs uint8 10x10x4 (paddle, ball, trail, brick; 0/255), "
      "actions noop/left/right, safety cap 10000 steps";
  info.options = {
      {"minatar_sticky_action_prob", 0.1,
       "per step, the probability that the previous action runs instead (MinAtar's "
       "sticky_action_prob), in [0, 1]"},
  };
  info.make = [](const nlohmann::json& options) {
    return std::make_unique<MinatarBreakout>(MinatarBreakout::parse_options(options));
  };
  return info;
}

}  // namespace lever::arcade

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lever/core/errors.h"
#include "lever/core/rng.h"
#include "lever/env/arcade/minatar_breakout.h"

namespace lever::arcade {
namespace {

using B = MinatarBreakout;

struct Game {
  MinatarBreakout env;
  std::vector<uint8_t> obs;

  explicit Game(float sticky = 0.0f) : env(B::Options{sticky}) {
    obs.resize(env.spec().obs_bytes());
    env.reset(0, obs.data());
  }
  uint8_t at(int x, int y, int channel) const {
    return obs[(static_cast<size_t>(y) * B::kGridSize + x) * B::kNumChannels + channel];
  }
  int count(int channel) const {
    int n = 0;
    for (int y = 0; y < B::kGridSize; ++y) {
      for (int x = 0; x < B::kGridSize; ++x) n += at(x, y, channel) != 0;
    }
    return n;
  }
  // Sets the ball; the trail starts on it.
  void place(int x, int y, int dir, int paddle_x = 4, bool bricks = true) {
    B::State s;
    s.ball_x = s.last_x = x;
    s.ball_y = s.last_y = y;
    s.ball_dir = dir;
    s.paddle_x = paddle_x;
    if (bricks) {
      for (int row = 1; row <= 3; ++row) s.bricks[row].fill(true);
    }
    env.set_state(s);
  }
  StepResult step(int action = B::kNoop) { return env.step(action, obs.data()); }
  int bricks_left() const {
    int n = 0;
    for (const auto& row : env.state().bricks) {
      for (bool b : row) n += b;
    }
    return n;
  }
};

TEST(MinatarBreakoutReset, StartStateAndObservationChannels) {
  Game g;
  const EnvSpec& spec = g.env.spec();
  EXPECT_EQ(spec.id, "minatar_breakout");
  EXPECT_EQ(spec.obs_shape, (std::vector<int64_t>{10, 10, 4}));
  EXPECT_EQ(spec.obs_type, ObsType::kU8Image);
  EXPECT_EQ(spec.frame_stack, 1);
  EXPECT_EQ(spec.num_actions, 3);
  EXPECT_EQ(spec.max_episode_steps, 10000);

  const B::State& s = g.env.state();
  EXPECT_EQ(s.ball_y, 3);
  EXPECT_TRUE(s.ball_x == 0 || s.ball_x == 9);
  EXPECT_EQ(s.ball_dir, s.ball_x == 0 ? B::kDownRight : B::kDownLeft);
  EXPECT_EQ(s.paddle_x, 4);

  EXPECT_EQ(g.count(B::kChannelPaddle), 1);
  EXPECT_EQ(g.at(4, 9, B::kChannelPaddle), 255);
  EXPECT_EQ(g.count(B::kChannelBall), 1);
  EXPECT_EQ(g.at(s.ball_x, 3, B::kChannelBall), 255);
  EXPECT_EQ(g.count(B::kChannelTrail), 1);
  EXPECT_EQ(g.at(s.ball_x, 3, B::kChannelTrail), 255);
  EXPECT_EQ(g.count(B::kChannelBrick), 30);
  for (int x = 0; x < 10; ++x) {
    EXPECT_EQ(g.at(x, 0, B::kChannelBrick), 0);
    for (int row = 1; row <= 3; ++row) EXPECT_EQ(g.at(x, row, B::kChannelBrick), 255);
    EXPECT_EQ(g.at(x, 4, B::kChannelBrick), 0);
  }
  for (uint8_t v : g.obs) EXPECT_TRUE(v == 0 || v == 255);
}

TEST(MinatarBreakoutReset, BallStartsOnEitherSideDependingOnSeed) {
  MinatarBreakout env(B::Options{0.0f});
  std::vector<uint8_t> obs(env.spec().obs_bytes());
  int left = 0, right = 0;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    env.reset(seed, obs.data());
    (env.state().ball_x == 0 ? left : right)++;
  }
  EXPECT_GT(left, 5);
  EXPECT_GT(right, 5);
}

TEST(MinatarBreakoutBall, ReflectsOffSideAndTopWalls) {
  Game g;
  g.place(9, 5, B::kUpRight);
  StepResult r = g.step();
  EXPECT_EQ(r.reward, 0.0f);
  EXPECT_EQ(g.env.state().ball_x, 9);  // clamped at the wall, x direction flipped
  EXPECT_EQ(g.env.state().ball_y, 4);
  EXPECT_EQ(g.env.state().ball_dir, B::kUpLeft);
  EXPECT_EQ(g.at(9, 4, B::kChannelBall), 255);
  EXPECT_EQ(g.at(9, 5, B::kChannelTrail), 255);

  g.place(0, 6, B::kDownLeft);
  g.step();
  EXPECT_EQ(g.env.state().ball_x, 0);
  EXPECT_EQ(g.env.state().ball_y, 7);
  EXPECT_EQ(g.env.state().ball_dir, B::kDownRight);

  g.place(5, 0, B::kUpRight, 4, false);
  g.step();
  EXPECT_EQ(g.env.state().ball_x, 6);
  EXPECT_EQ(g.env.state().ball_y, 0);
  EXPECT_EQ(g.env.state().ball_dir, B::kDownRight);
}

TEST(MinatarBreakoutBall, BrickPaysOneVanishesAndReflects) {
  Game g;
  g.place(4, 4, B::kUpLeft);
  StepResult r = g.step();
  EXPECT_EQ(r.reward, 1.0f);
  EXPECT_FALSE(g.env.state().bricks[3][3]);
  EXPECT_EQ(g.at(3, 3, B::kChannelBrick), 0);
  EXPECT_EQ(g.bricks_left(), 29);
  EXPECT_EQ(g.env.state().ball_x, 3);  // moved in x, stayed in its row
  EXPECT_EQ(g.env.state().ball_y, 4);
  EXPECT_EQ(g.env.state().ball_dir, B::kDownLeft);
  EXPECT_TRUE(g.env.state().strike);
  r = g.step();
  EXPECT_EQ(r.reward, 0.0f);
  EXPECT_EQ(g.env.state().ball_x, 2);
  EXPECT_EQ(g.env.state().ball_y, 5);
  EXPECT_FALSE(g.env.state().strike);
}

TEST(MinatarBreakoutBall, OneBrickPerStrikeTheNextPassesThrough) {
  // breakout.py: on the step right after a strike, a brick in the way is entered, not broken.
  Game g;
  g.place(4, 4, B::kUpLeft);
  B::State s = g.env.state();
  s.strike = true;
  g.env.set_state(s);
  const StepResult r = g.step();
  EXPECT_EQ(r.reward, 0.0f);
  EXPECT_TRUE(g.env.state().bricks[3][3]);
  EXPECT_EQ(g.env.state().ball_x, 3);
  EXPECT_EQ(g.env.state().ball_y, 3);
  EXPECT_EQ(g.env.state().ball_dir, B::kUpLeft);
  EXPECT_TRUE(g.env.state().strike);
}

TEST(MinatarBreakoutPaddle, MovesAndStopsAtTheWalls) {
  Game g;
  g.place(5, 5, B::kUpRight);
  g.step(B::kLeft);
  EXPECT_EQ(g.env.state().paddle_x, 3);
  EXPECT_EQ(g.at(3, 9, B::kChannelPaddle), 255);
  EXPECT_EQ(g.count(B::kChannelPaddle), 1);
  g.step(B::kRight);
  g.step(B::kRight);
  EXPECT_EQ(g.env.state().paddle_x, 5);
  g.place(5, 5, B::kUpRight, 0);
  g.step(B::kLeft);
  EXPECT_EQ(g.env.state().paddle_x, 0);
  g.place(5, 5, B::kUpRight, 9);
  g.step(B::kRight);
  EXPECT_EQ(g.env.state().paddle_x, 9);
}

TEST(MinatarBreakoutPaddle, BouncesStraightFromAboveReversedFromTheSide) {
  Game g;
  g.place(4, 8, B::kDownRight, 5);
  StepResult r = g.step(B::kLeft);  // the paddle moves first, under the ball
  EXPECT_FALSE(r.terminated);
  EXPECT_EQ(g.env.state().ball_x, 5);
  EXPECT_EQ(g.env.state().ball_y, 8);
  EXPECT_EQ(g.env.state().ball_dir, B::kUpRight);

  g.place(3, 8, B::kDownRight, 4);
  r = g.step();
  EXPECT_FALSE(r.terminated);
  EXPECT_EQ(g.env.state().ball_x, 4);
  EXPECT_EQ(g.env.state().ball_y, 8);
  EXPECT_EQ(g.env.state().ball_dir, B::kUpLeft);
}

TEST(MinatarBreakoutEnd, BallPastThePaddleTerminates) {
  Game g;
  g.place(0, 8, B::kDownRight, 5);
  StepResult r = g.step();
  EXPECT_TRUE(r.terminated);
  EXPECT_EQ(r.reward, 0.0f);
  EXPECT_EQ(g.env.state().ball_x, 1);
  EXPECT_EQ(g.env.state().ball_y, 9);
  EXPECT_EQ(g.at(1, 9, B::kChannelBall), 255);
  r = g.step(B::kRight);  // over: nothing moves
  EXPECT_TRUE(r.terminated);
  EXPECT_EQ(g.env.state().paddle_x, 5);
  EXPECT_EQ(g.env.state().ball_y, 9);
}

TEST(MinatarBreakoutBricks, RefillWhenClearedAndTheBallReachesThePaddleRow) {
  Game g;
  g.place(4, 8, B::kDownLeft, 4, false);
  EXPECT_EQ(g.bricks_left(), 0);
  g.step();
  EXPECT_EQ(g.bricks_left(), 30);
  for (int row = 1; row <= 3; ++row) {
    for (int x = 0; x < 10; ++x) EXPECT_TRUE(g.env.state().bricks[row][x]);
  }
  EXPECT_EQ(g.count(B::kChannelBrick), 30);
  EXPECT_EQ(g.env.state().ball_dir, B::kUpLeft);

  // Clearing the last brick alone does not refill.
  B::State s;
  s.bricks[2][5] = true;
  s.ball_x = s.last_x = 6;
  s.ball_y = s.last_y = 3;
  s.ball_dir = B::kUpLeft;
  g.env.set_state(s);
  EXPECT_EQ(g.step().reward, 1.0f);
  EXPECT_EQ(g.bricks_left(), 0);
}

TEST(MinatarBreakoutSticky, ProbabilityOneKeepsTheResetNoop) {
  Game stuck(1.0f);
  for (int t = 0; t < 3; ++t) stuck.step(B::kLeft);
  EXPECT_EQ(stuck.env.state().paddle_x, 4);
  Game free(0.0f);
  for (int t = 0; t < 3; ++t) free.step(B::kLeft);
  EXPECT_EQ(free.env.state().paddle_x, 1);
}

TEST(MinatarBreakoutDeterminism, SameSeedSameEpisode) {
  Game a(0.1f), b(0.1f);
  Rng actions(7);
  float total = 0.0f;
  for (uint64_t seed : {3u, 4u}) {
    a.env.reset(seed, a.obs.data());
    b.env.reset(seed, b.obs.data());
    ASSERT_EQ(a.obs, b.obs);
    for (int t = 0; t < 300; ++t) {
      // Follow the ball, with random moves mixed in, so episodes last and score.
      const int toward = a.env.state().ball_x < a.env.state().paddle_x   ? B::kLeft
                         : a.env.state().ball_x > a.env.state().paddle_x ? B::kRight
                                                                         : B::kNoop;
      const int action = actions.uniform() < 0.2 ? static_cast<int>(actions.below(3)) : toward;
      const StepResult ra = a.step(action), rb = b.step(action);
      ASSERT_EQ(a.obs, b.obs);
      ASSERT_EQ(ra.reward, rb.reward);
      ASSERT_EQ(ra.terminated, rb.terminated);
      total += ra.reward;
      if (ra.terminated) break;
    }
  }
  EXPECT_GT(total, 0.0f);
}

TEST(MinatarBreakoutRender, DrawsEachObjectInItsColour) {
  Game g;
  g.place(2, 6, B::kDownRight, 7);
  g.step();  // ball to (3, 7), trail at (2, 6)
  Image frame;
  g.env.render(frame);
  ASSERT_EQ(frame.width, 160);
  ASSERT_EQ(frame.height, 160);
  auto centre = [&frame](int x, int y) { return frame.color_at(x * 16 + 8, y * 16 + 8); };
  const Color background = centre(5, 5), ball = centre(3, 7), trail = centre(2, 6),
              paddle = centre(7, 9), brick = centre(0, 1);
  EXPECT_EQ(background, (Color{0, 0, 0}));
  const std::vector<Color> colours = {background, ball, trail, paddle, brick};
  for (size_t i = 0; i < colours.size(); ++i) {
    for (size_t j = i + 1; j < colours.size(); ++j) EXPECT_NE(colours[i], colours[j]) << i << j;
  }
}

TEST(MinatarBreakoutOptions, DefaultsValidationAndRegistryEntry) {
  EXPECT_FLOAT_EQ(B::parse_options(nlohmann::json::object()).sticky_action_prob, 0.1f);
  EXPECT_FLOAT_EQ(B::parse_options({{"minatar_sticky_action_prob", 0}}).sticky_action_prob, 0.0f);
  for (const nlohmann::json& bad :
       {nlohmann::json(1.5), nlohmann::json(-0.1), nlohmann::json("a")}) {
    try {
      B::parse_options({{"minatar_sticky_action_prob", bad}});
      ADD_FAILURE() << bad.dump() << " was accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("minatar_sticky_action_prob"), std::string::npos);
    }
  }
  EXPECT_THROW(MinatarBreakout(B::Options{2.0f}), UsageError);

  const EnvInfo info = minatar_breakout_info();
  EXPECT_EQ(info.id, "minatar_breakout");
  ASSERT_EQ(info.options.size(), 1u);
  EXPECT_EQ(info.options[0].name, "minatar_sticky_action_prob");
  EXPECT_DOUBLE_EQ(info.options[0].default_value.get<double>(), 0.1);
  auto env = info.make({{"minatar_sticky_action_prob", 0.0}});
  EXPECT_EQ(env->spec().id, "minatar_breakout");
  std::vector<uint8_t> obs(env->spec().obs_bytes());
  EXPECT_THROW(env->step(3, obs.data()), UsageError);
}

}  // namespace
}  // namespace lever::arcade

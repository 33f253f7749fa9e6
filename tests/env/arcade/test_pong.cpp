#include <gtest/gtest.h>

#include <vector>

#include "lever/core/errors.h"
#include "lever/core/rng.h"
#include "lever/env/arcade/pong.h"

namespace lever::arcade {
namespace {

using Screen = std::vector<uint8_t>;

Color pixel(const Screen& screen, int x, int y) {
  const uint8_t* p = screen.data() + (static_cast<size_t>(y) * kScreenWidth + x) * 3;
  return {p[0], p[1], p[2]};
}

// A game whose first serve is over, with the ball, both paddles and the frame counter where a
// test puts them.
struct PongFixture {
  Pong game;
  Screen screen = Screen(static_cast<size_t>(kScreenHeight) * kScreenWidth * 3);
  explicit PongFixture(uint64_t seed = 0) { game.reset(seed, screen.data()); }
  StepResult step(int action = Pong::kNoop) { return game.step(action, screen.data()); }
};

TEST(PongSpec, MatchesAleMinimalActionSetAndScreen) {
  Pong game;
  EXPECT_EQ(game.spec().id, "pong_raw");
  EXPECT_EQ(game.spec().obs_shape, (std::vector<int64_t>{210, 160, 3}));
  EXPECT_EQ(game.spec().obs_type, ObsType::kU8Image);
  EXPECT_EQ(game.spec().num_actions, 6);
  EXPECT_EQ(game.spec().max_episode_steps, 108000);
  EXPECT_EQ(game.action_meanings(),
            (std::vector<std::string>{"NOOP", "FIRE", "RIGHT", "LEFT", "RIGHTFIRE", "LEFTFIRE"}));
  EXPECT_EQ(game.lives(), 0);
  auto made = make_pong();
  EXPECT_EQ(made->spec().id, "pong_raw");
  PongFixture f;
  EXPECT_THROW(f.game.step(6, f.screen.data()), UsageError);
  EXPECT_THROW(f.game.step(-1, f.screen.data()), UsageError);
}

TEST(PongWalls, ReflectVerticalSpeedAtHandComputedPositions) {
  PongFixture f;
  // Half pixels: y 80 -> 76 -> 72 -> 68 (row 34, the top of the field) -> 64, mirrored about 68
  // to 72 (row 36) with vy +4; x 160 -> 172 (pixel 86).
  f.game.set_ball(80, 40, 3, -4);
  for (int i = 0; i < 3; ++i) EXPECT_FLOAT_EQ(f.step().reward, 0.0f);
  EXPECT_EQ(f.game.ball_y(), 34);
  EXPECT_EQ(f.game.ball_vy(), -4);
  f.step();
  EXPECT_EQ(f.game.ball_x(), 86);
  EXPECT_EQ(f.game.ball_y(), 36);
  EXPECT_EQ(f.game.ball_vy(), 4);
  f.step();
  EXPECT_EQ(f.game.ball_y(), 38);
  // Bottom: the ball's lowest top row is 194 - 4 = 190 (380 half pixels); 376 -> 380 -> 384,
  // mirrored to 376 (row 188).
  f.game.set_ball(60, 188, -3, 4);
  f.step();
  EXPECT_EQ(f.game.ball_y(), 190);
  EXPECT_EQ(f.game.ball_vy(), 4);
  f.step();
  EXPECT_EQ(f.game.ball_y(), 188);
  EXPECT_EQ(f.game.ball_vy(), -4);
  EXPECT_EQ(f.game.ball_x(), 57);  // 120 - 6 = 114 half pixels
  EXPECT_EQ(f.game.ball_vx(), -3);
}

TEST(PongPaddleZones, AgentPaddleSetsTheZonesSlope) {
  PongFixture f;
  f.game.set_agent_paddle_y(100);
  ASSERT_EQ(f.game.agent_paddle_y(), 100);
  // Ball top 2 rows above the paddle (offset -2): the top zone, vy -4. In half pixels the ball's
  // left edge goes 268 -> 271 -> 274 (right edge 278, short of the face at 280), then 277: the
  // right edge crosses the face, so the ball is put back at 276 (pixel 138) moving left.
  f.game.set_ball(134, 98, 3, 0);
  f.step();
  f.step();
  EXPECT_EQ(f.game.ball_x(), 137);
  EXPECT_EQ(f.game.ball_vx(), 3);
  f.step();
  EXPECT_EQ(f.game.ball_x(), 138);
  EXPECT_EQ(f.game.ball_vx(), -3);
  EXPECT_EQ(f.game.ball_vy(), -4);
  EXPECT_EQ(f.game.ball_y(), 98);
  EXPECT_EQ(f.game.rally_hits(), 1);
  f.step();
  EXPECT_EQ(f.game.ball_x(), 136);  // 273 half pixels
  EXPECT_EQ(f.game.ball_y(), 96);   // 196 - 4 = 192 half pixels

  // Offset 12 (rows 11-13 are zone 5): vy +3. The slope is set from the row at impact, after
  // this frame's vertical move: 220 + 4 = 224 half pixels = row 112 = paddle + 12.
  f.game.set_ball(138, 110, 3, 4);
  f.step();
  EXPECT_EQ(f.game.ball_vx(), -3);
  EXPECT_EQ(f.game.ball_vy(), 3);
  EXPECT_EQ(f.game.ball_y(), 112);
  EXPECT_EQ(f.game.ball_x(), 138);
  // Offset 6 is the straight-across zone.
  f.game.set_ball(138, 106, 3, 0);
  f.step();
  EXPECT_EQ(f.game.ball_vx(), -3);
  EXPECT_EQ(f.game.ball_vy(), 0);
  // The rally's 4th hit speeds the ball up: |vx| 4 and the top zone's vy -5.
  EXPECT_EQ(f.game.rally_hits(), 3);
  f.game.set_ball(138, 98, 3, 0);
  f.step();
  EXPECT_EQ(f.game.rally_hits(), 4);
  EXPECT_EQ(f.game.ball_vx(), -4);
  EXPECT_EQ(f.game.ball_vy(), -5);
}

TEST(PongPaddleZones, ZoneTableIsSymmetricWithSevenAngles) {
  const int expected[19] = {-4, -4, -3, -3, -3, -2, -2, -2, 0, 0, 0, 2, 2, 2, 3, 3, 3, 4, 4};
  for (int offset = -3; offset <= 15; ++offset)
    EXPECT_EQ(Pong::zone_vy(offset), expected[offset + 3]) << "offset " << offset;
  EXPECT_EQ(Pong::zone_vy(-3, 1), -5);
  EXPECT_EQ(Pong::zone_vy(15, 2), 8);
  EXPECT_EQ(Pong::zone_vy(6, 2), 0);
  EXPECT_EQ(Pong::speed_level(0), 0);
  EXPECT_EQ(Pong::speed_level(3), 0);
  EXPECT_EQ(Pong::speed_level(4), 1);
  EXPECT_EQ(Pong::speed_level(11), 1);
  EXPECT_EQ(Pong::speed_level(12), 2);
  EXPECT_EQ(Pong::speed_level(100), 2);
}

TEST(PongPaddleZones, CpuPaddleReflectsWithItsZone) {
  PongFixture f;
  // The CPU moves first: frame 60 after reset is not a rest frame, its target is 117 - 1 = 116,
  // so it steps 2 px down to 102; the ball (half pixels 42 -> 39, past the face at 40) sits at
  // offset 15: the bottom zone, vy +4.
  ASSERT_EQ(f.game.frame_count(), 0);
  for (int i = 0; i < 60; ++i) f.step();
  f.game.set_cpu_paddle_y(100);
  f.game.set_ball(21, 117, -3, 0);
  f.step();
  EXPECT_EQ(f.game.cpu_paddle_y(), 102);
  EXPECT_EQ(f.game.ball_x(), 20);
  EXPECT_EQ(f.game.ball_vx(), 3);
  EXPECT_EQ(f.game.ball_vy(), 4);
}

TEST(PongScoring, PointsOnTheExactFrameThenServeAfterThePause) {
  PongFixture f;
  // Past the CPU, in half pixels: 2 -> -1 (pixel -1, its right column still on screen) -> -4
  // (right edge at 0: gone).
  f.game.set_cpu_paddle_y(34);
  f.game.set_ball(1, 170, -3, 0);
  EXPECT_FLOAT_EQ(f.step().reward, 0.0f);
  EXPECT_EQ(f.game.ball_x(), -1);
  StepResult r = f.step();
  EXPECT_FLOAT_EQ(r.reward, 1.0f);
  EXPECT_FALSE(r.terminated);
  EXPECT_FALSE(r.life_lost);
  EXPECT_EQ(f.game.agent_score(), 1);
  EXPECT_EQ(f.game.cpu_score(), 0);
  EXPECT_FALSE(f.game.ball_in_play());
  for (int i = 0; i < Pong::kServeDelayFrames - 1; ++i) {
    EXPECT_FLOAT_EQ(f.step().reward, 0.0f);
    EXPECT_FALSE(f.game.ball_in_play());
  }
  f.step();
  ASSERT_TRUE(f.game.ball_in_play());
  EXPECT_EQ(f.game.ball_x(), 78);
  EXPECT_EQ(f.game.ball_y(), 112);
  EXPECT_EQ(f.game.ball_vx(), -3);  // the CPU lost the point, so it receives the serve
  EXPECT_NE(f.game.ball_vy(), 0);

  // Past the agent: 314 -> 317 -> 320 half pixels (pixel 160, gone), the paddle far away.
  f.game.set_agent_paddle_y(34);
  f.game.set_ball(157, 170, 3, 0);
  EXPECT_FLOAT_EQ(f.step().reward, 0.0f);
  r = f.step();
  EXPECT_FLOAT_EQ(r.reward, -1.0f);
  EXPECT_EQ(f.game.agent_score(), 1);
  EXPECT_EQ(f.game.cpu_score(), 1);
  for (int i = 0; i < Pong::kServeDelayFrames; ++i) f.step();
  ASSERT_TRUE(f.game.ball_in_play());
  EXPECT_EQ(f.game.ball_vx(), 3);
}

TEST(PongScoring, TwentyOnePointsEndTheGame) {
  PongFixture f;
  f.game.set_scores(20, 7);
  f.game.set_cpu_paddle_y(34);
  f.game.set_ball(1, 170, -3, 0);
  EXPECT_FALSE(f.step().terminated);
  StepResult r = f.step();
  EXPECT_FLOAT_EQ(r.reward, 1.0f);
  EXPECT_TRUE(r.terminated);
  EXPECT_TRUE(r.level_complete);
  EXPECT_EQ(f.game.agent_score(), 21);
  // The game stays over: nothing moves and no reward is paid.
  r = f.step(Pong::kRight);
  EXPECT_TRUE(r.terminated);
  EXPECT_FLOAT_EQ(r.reward, 0.0f);

  PongFixture g;
  g.game.set_scores(3, 20);
  g.game.set_agent_paddle_y(34);
  g.game.set_ball(157, 170, 3, 0);
  EXPECT_FALSE(g.step().terminated);
  r = g.step();
  EXPECT_FLOAT_EQ(r.reward, -1.0f);
  EXPECT_TRUE(r.terminated);
  EXPECT_FALSE(r.level_complete);
  EXPECT_EQ(g.game.cpu_score(), 21);
}

TEST(PongCpu, FollowsTheBallTwoPixelsOnSevenFramesInEight) {
  PongFixture f;
  // Frames 0..15 after reset; the CPU rests on frames 0 and 8. The hidden serve ball sits at
  // row 112, so the CPU's target is 111; it starts at the top.
  f.game.set_cpu_paddle_y(34);
  std::vector<int> ys;
  for (int i = 0; i < 16; ++i) {
    f.step();
    ys.push_back(f.game.cpu_paddle_y());
  }
  const std::vector<int> expected = {34, 36, 38, 40, 42, 44, 46, 48,
                                     48, 50, 52, 54, 56, 58, 60, 62};
  EXPECT_EQ(ys, expected);
  // It stops on its target instead of overshooting: 111 is odd, 62 + 2k is even.
  for (int i = 0; i < 40; ++i) f.step();
  EXPECT_EQ(f.game.cpu_paddle_y(), 111);
}

TEST(PongCpu, LosesToATrackerThatAimsLowShots) {
  // The CPU is beatable: an agent that keeps the ball 10 rows below its paddle's top (zone 4,
  // a shallow downward return) wins rallies once the ball speeds up past the CPU's pace.
  for (uint64_t seed : {0, 1}) {
    PongFixture f(seed);
    float total = 0.0f;
    StepResult r;
    for (int frame = 0; frame < kMaxEpisodeFrames && !r.terminated; ++frame) {
      const int target = f.game.ball_y() - 10, y = f.game.agent_paddle_y();
      const int action = target < y - 2 ? Pong::kRight : target > y + 2 ? Pong::kLeft : Pong::kNoop;
      r = f.step(action);
      total += r.reward;
    }
    EXPECT_TRUE(r.terminated) << "seed " << seed;
    EXPECT_TRUE(r.level_complete) << "seed " << seed;
    EXPECT_EQ(f.game.agent_score(), 21);
    EXPECT_GE(total, 15.0f) << "seed " << seed;
  }
}

TEST(PongAgentPaddle, RightMovesUpLeftMovesDownWithControllerTravel) {
  PongFixture f;
  // Mid resistance 408823 -> row 34 + 381373 * 144 / 762746 = 106.
  EXPECT_EQ(f.game.agent_paddle_y(), 106);
  f.step(Pong::kRight);  // resistance 385823: 34 + floor(358373 * 144 / 762746) = 34 + 67
  EXPECT_EQ(f.game.agent_paddle_y(), 101);
  f.step(Pong::kLeftFire);
  EXPECT_EQ(f.game.agent_paddle_y(), 106);
  f.step(Pong::kFire);  // FIRE alone does not move the paddle
  EXPECT_EQ(f.game.agent_paddle_y(), 106);
  // From the top, full travel to the bottom takes ceil(762746 / 23000) = 34 frames.
  f.game.set_agent_paddle_y(Pong::kPaddleMinY);
  for (int i = 0; i < 33; ++i) f.step(Pong::kLeft);
  EXPECT_LT(f.game.agent_paddle_y(), Pong::kPaddleMaxY);
  f.step(Pong::kLeft);
  EXPECT_EQ(f.game.agent_paddle_y(), Pong::kPaddleMaxY);
  f.step(Pong::kLeft);  // clamped at the bottom wall
  EXPECT_EQ(f.game.agent_paddle_y(), Pong::kPaddleMaxY);
  for (int i = 0; i < 40; ++i) f.step(Pong::kRightFire);
  EXPECT_EQ(f.game.agent_paddle_y(), Pong::kPaddleMinY);
}

TEST(PongRandomAgent, LosesAWholeGameByAWideMargin) {
  // ALE reports random play at -20.7 per game; over 200 seeds this game gives -20.70.
  int agent_points = 0;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    PongFixture f(seed);
    Rng actions(100 + seed);
    float total = 0.0f;
    bool terminated = false;
    int frames = 0;
    while (!terminated && frames < kMaxEpisodeFrames) {
      const StepResult r = f.step(static_cast<int>(actions.below(6)));
      total += r.reward;
      terminated = r.terminated;
      ++frames;
    }
    EXPECT_TRUE(terminated) << "seed " << seed;
    EXPECT_EQ(f.game.cpu_score(), 21) << "seed " << seed;
    EXPECT_LE(f.game.agent_score(), 5) << "seed " << seed;
    EXPECT_FLOAT_EQ(total, static_cast<float>(f.game.agent_score() - 21));
    agent_points += f.game.agent_score();
  }
  EXPECT_LE(agent_points, 5);  // a mean of at most one point a game
}

TEST(PongScreen, ObjectsHaveTheReferenceColours) {
  const Color background{144, 72, 17}, white{236, 236, 236}, green{92, 186, 92},
      orange{213, 130, 74};
  PongFixture f;
  f.game.set_agent_paddle_y(120);
  f.game.set_cpu_paddle_y(60);
  f.game.set_ball(80, 100, 3, 0);
  f.step();  // frame 0: the CPU rests; the ball moves to half pixel 163, pixel (81, 100)
  const Screen& s = f.screen;
  EXPECT_EQ(pixel(s, 140, 120), green);
  EXPECT_EQ(pixel(s, 143, 135), green);
  EXPECT_EQ(pixel(s, 144, 120), background);
  EXPECT_EQ(pixel(s, 140, 136), background);
  EXPECT_EQ(pixel(s, 16, 60), orange);
  EXPECT_EQ(pixel(s, 19, 75), orange);
  EXPECT_EQ(pixel(s, 15, 60), background);
  EXPECT_EQ(pixel(s, 81, 100), white);
  EXPECT_EQ(pixel(s, 82, 103), white);
  EXPECT_EQ(pixel(s, 83, 100), background);
  EXPECT_EQ(pixel(s, 80, 100), background);
  EXPECT_EQ(pixel(s, 81, 104), background);
  EXPECT_EQ(pixel(s, 50, 24), white);  // top wall rows 24..33
  EXPECT_EQ(pixel(s, 50, 33), white);
  EXPECT_EQ(pixel(s, 50, 34), background);
  EXPECT_EQ(pixel(s, 50, 193), background);
  EXPECT_EQ(pixel(s, 50, 194), white);  // bottom wall rows 194..209
  EXPECT_EQ(pixel(s, 50, 209), white);
  // Scores 0 - 0: the "0" glyph's top bar at row 1 and its hollow centre.
  EXPECT_EQ(pixel(s, 36, 1), orange);
  EXPECT_EQ(pixel(s, 41, 10), background);
  EXPECT_EQ(pixel(s, 116, 1), green);
  EXPECT_EQ(pixel(s, 127, 20), green);
  EXPECT_EQ(pixel(s, 116, 21), background);

  Image image;
  f.game.render(image);
  ASSERT_EQ(image.width, 160);
  ASSERT_EQ(image.height, 210);
  EXPECT_EQ(image.pixels, s);
}

TEST(PongScreen, BallIsHiddenDuringTheServePause) {
  PongFixture f;
  int white_pixels = 0;
  for (int y = Pong::kFieldTop; y < Pong::kFieldBottom; ++y)
    for (int x = 0; x < kScreenWidth; ++x)
      white_pixels += pixel(f.screen, x, y) == Color{236, 236, 236};
  EXPECT_EQ(white_pixels, 0);
  for (int i = 0; i < Pong::kServeDelayFrames; ++i) f.step();
  ASSERT_TRUE(f.game.ball_in_play());
  EXPECT_EQ(pixel(f.screen, 78, 112), (Color{236, 236, 236}));
}

TEST(PongDeterminism, SameSeedGivesIdenticalScreens) {
  PongFixture a(7), b(7), c(8);
  EXPECT_EQ(a.screen, b.screen);
  Rng actions(5);
  bool differs = false;
  for (int i = 0; i < 500; ++i) {
    const int action = static_cast<int>(actions.below(6));
    const StepResult ra = a.step(action), rb = b.step(action);
    c.step(action);
    ASSERT_EQ(a.screen, b.screen) << "frame " << i;
    ASSERT_EQ(ra.reward, rb.reward);
    differs = differs || a.screen != c.screen;
  }
  EXPECT_TRUE(differs);
  // reset() with the seed again replays the same game.
  PongFixture d(7);
  a.game.reset(7, a.screen.data());
  EXPECT_EQ(a.screen, d.screen);
  Rng replay(5);
  for (int i = 0; i < 500; ++i) {
    const int action = static_cast<int>(replay.below(6));
    a.step(action);
    d.step(action);
  }
  EXPECT_EQ(a.screen, b.screen);
}

}  // namespace
}  // namespace lever::arcade

// Breakout (Atari 2600 "Breakout - Breakaway IV", CX2622) as ALE presents it: one step() is one
// emulated frame of the 210x160 RGB screen, actions NOOP, FIRE, RIGHT, LEFT.
//
// Faithful (facts in /work/shared/reference/arcade-and-memorygym.md, Part A2, from ALE, OCAtari
// and JAXAtari): screen geometry (side walls 8 px, top wall y 17..31, 6x18 bricks of 8x6 from
// (8, 57), paddle 16x4 at y 189, ball 2x4), the exact NTSC colours, HUD positions (score at
// (36, 5), lives at (100, 5), player number at (136, 5)), row points 7,7,4,4,1,1 top to bottom,
// 5 lives, the frozen serve until FIRE (after reset and every lost life), the paddle shrinking to
// 12 px when the ball hits the top wall (restored after a lost life), and the second wall: a
// paddle hit at score 432 refills the bricks once per game; after that no bricks return and the
// game goes on until the lives are gone.
//
// Approximated (no ROM; the 2600's exact rules are unverified):
// - Paddle response: a constant 4 px per frame while RIGHT/LEFT is held, so full travel (128 px)
//   takes 32 frames, close to the ~33 frames derived from ALE's paddle resistance step.
// - Ball: integer position and constant integer velocity per frame. Vertical speed |vy| = 1 + the
//   speed level; the level (JAXAtari's rule, made integer) is 0 at a serve, at least 1 after 12
//   paddle hits since the serve, and 2 once a brick in rows 0-2 (red, orange, ochre) is hit; a
//   lost life resets it.
// - Paddle hit: the ball centre's fifth of the paddle sets vx: -2, -1, keep direction at 1, +1,
//   +2 (left to right), as JAXAtari's five sections; vy turns upward.
// - Walls mirror the ball's position (a 2 px overshoot comes back 2 px); a brick flips vy and the
//   ball keeps its position; at most one brick per frame, the first one the ball meets in its
//   vertical direction (ties: leftmost).
// - Serve: at y 122 (under the bricks) and x 16, 78, 80 or 142 (JAXAtari's spawn points) picked
//   by the episode's Rng, moving down diagonally towards the middle at level 0.
// - The ball is lost when its top reaches the bottom of the screen (y >= 210), as JAXAtari.
// - HUD digits are drawn from a 3x5 cell font (cells 4x2 px, so a digit is 12x10); the score
//   always shows three digits.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lever/core/rng.h"
#include "lever/env/arcade/arcade_game.h"

namespace lever::arcade {

class Breakout : public ArcadeGame {
 public:
  enum Action { kNoop = 0, kFire = 1, kRight = 2, kLeft = 3 };

  static constexpr int kBrickRows = 6;
  static constexpr int kBrickCols = 18;
  static constexpr int kBrickWidth = 8;
  static constexpr int kBrickHeight = 6;
  static constexpr int kBrickTop = 57;
  static constexpr int kWallWidth = 8;
  static constexpr int kTopWallY = 17;
  static constexpr int kTopWallHeight = 15;
  static constexpr int kPlayTop = kTopWallY + kTopWallHeight;  // first row below the top wall
  static constexpr int kPlayLeft = kWallWidth;
  static constexpr int kPlayRight = kScreenWidth - kWallWidth;  // one past the last free column
  static constexpr int kPaddleY = 189;
  static constexpr int kPaddleHeight = 4;
  static constexpr int kPaddleWidth = 16;
  static constexpr int kSmallPaddleWidth = 12;
  static constexpr int kPaddleSpeed = 4;
  static constexpr int kPaddleStartX = 72;
  static constexpr int kBallWidth = 2;
  static constexpr int kBallHeight = 4;
  static constexpr int kServeY = 122;
  static constexpr int kLives = 5;
  static constexpr int kFullWallScore = 432;
  static constexpr int kHitsForSpeedUp = 12;

  static constexpr Color kBackground{0, 0, 0};
  static constexpr Color kGrey{142, 142, 142};  // walls and HUD digits
  static constexpr Color kRed{200, 72, 72};     // paddle, ball and the top brick row
  static constexpr std::array<Color, kBrickRows> kRowColors{{{200, 72, 72},
                                                             {198, 108, 58},
                                                             {180, 122, 48},
                                                             {162, 162, 42},
                                                             {72, 160, 72},
                                                             {66, 72, 200}}};
  static constexpr std::array<int, kBrickRows> kRowPoints{{7, 7, 4, 4, 1, 1}};

  Breakout();
  const EnvSpec& spec() const override { return spec_; }
  void reset(uint64_t level_seed, void* obs) override;
  // Throws UsageError on an action outside [0, 4).
  StepResult step(int action, void* obs) override;
  void render(Image& out) const override;
  int lives() const override { return lives_; }
  const std::vector<std::string>& action_meanings() const override { return action_meanings_; }

  // State, for tests.
  int paddle_x() const { return paddle_x_; }
  int paddle_width() const { return small_paddle_ ? kSmallPaddleWidth : kPaddleWidth; }
  bool ball_in_play() const { return ball_in_play_; }
  int ball_x() const { return ball_x_; }
  int ball_y() const { return ball_y_; }
  int ball_vx() const { return ball_vx_; }
  int ball_vy() const { return ball_vy_; }
  int score() const { return score_; }
  int speed_level() const { return speed_level_; }
  int paddle_hits() const { return paddle_hits_; }
  bool wall_refilled() const { return wall_refilled_; }
  bool brick_alive(int row, int col) const { return bricks_[row][col]; }
  // The current screen (what the last reset/step wrote), HWC RGB.
  const uint8_t* screen() const { return screen_.data(); }

  // Scripted situations for tests; the screen is redrawn on the next step.
  void set_ball(int x, int y, int vx, int vy);  // puts the ball in play
  void set_paddle_x(int x);                     // clamped to the walls
  void set_score(int score) { score_ = score; }
  void set_brick_alive(int row, int col, bool alive) { bricks_[row][col] = alive; }

 private:
  void serve();
  void move_paddle(int action);
  // Moves the ball one frame and resolves walls, bricks, paddle and loss; returns the points won.
  int move_ball(StepResult& result);
  int hit_brick();
  void hit_paddle();
  void lose_ball(StepResult& result);
  void draw();
  void draw_digit(int x, int y, int digit);
  void write_observation(void* obs) const;

  EnvSpec spec_;
  std::vector<std::string> action_meanings_;
  Rng rng_;
  std::vector<uint8_t> screen_;  // kScreenHeight x kScreenWidth x 3, reused every frame

  std::array<std::array<bool, kBrickCols>, kBrickRows> bricks_{};
  int paddle_x_ = kPaddleStartX;
  bool small_paddle_ = false;
  bool ball_in_play_ = false;
  int ball_x_ = 0, ball_y_ = 0, ball_vx_ = 0, ball_vy_ = 0;
  int speed_level_ = 0;
  int paddle_hits_ = 0;
  int score_ = 0;
  int lives_ = kLives;
  bool wall_refilled_ = false;
  bool game_over_ = false;
};

std::unique_ptr<ArcadeGame> make_breakout();

}  // namespace lever::arcade

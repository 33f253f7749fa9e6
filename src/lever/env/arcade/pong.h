// Pong as ALE presents the Atari 2600 cartridge "Video Olympics" (CX2621, game 1): the agent plays
// the right (green) paddle against the cartridge's CPU on the left (orange); first to 21 wins.
// One step() is one emulated frame; the reward is +1 when the CPU misses, -1 when the agent does.
//
// Faithful (sources: /work/shared/reference/arcade-and-memorygym.md A1 and A3, i.e. ALE Pong.cpp,
// OC_Atari, JAXAtari, mathpirate.net "Atari 2600 Pong Paddle Zones"):
// - the minimal action set and its meanings (RIGHT moves the paddle up), lives() = 0, the
//   108,000-frame cap, terminal at 21, reward = change in (agent - CPU) score;
// - colours (exact NTSC palette entries), the paddles' x, width and the ball's 2x4 size, the wall
//   rows (top 24-33, bottom 194-209), the score positions;
// - the paddle controller: each RIGHT/LEFT frame moves ALE's paddle resistance by 23,000 within
//   [27450, 790196], starting mid-range, so full travel takes about 33 frames;
// - walls reflect the ball; a paddle sets a new slope from the zone it is hit in (7 zones: three
//   up, straight, three down; 45 degrees from the middle of each half); the CPU seeks the ball
//   with a point on its upper half, moving 2 px on 7 of every 8 frames, so it cannot follow steep
//   or fast balls; the loser of a point receives the next serve.
// Approximated (the cartridge's exact logic is not public; these are our choices):
// - the resistance-to-pixel mapping is linear over the space between the walls;
// - the ball moves in half pixels: 1.5 px per frame across, then 2 and 3 px from the 4th and 12th
//   paddle hit of a rally (arcade Pong's speed-ups, per David Ahl's "Playing PONG to Win"), with
//   zone slopes of about 53, 45, 34 and 0 degrees kept at each speed. These numbers were chosen
//   so that random play scores -20.7 a game as in ALE (measured over 200 seeds) while a paddle
//   aiming shallow shots beats the CPU once the rally has sped up;
// - FIRE does not change the ball: FIRE alone is NOOP and RIGHTFIRE/LEFTFIRE move as RIGHT/LEFT;
// - zone widths 2,3,3,3,3,3,2 over the 19 overlapping ball offsets; the CPU's seek point puts the
//   ball in zone 1 (a 45-degree upward return);
// - the serve: the ball stays hidden for 60 frames after a point (and after reset), then appears
//   at the centre moving towards the side that lost the point (random at the first serve) with a
//   random non-zero slope of 0.5 to 1.5 px per frame, drawn from the episode's Rng;
// - score digits are a 3x5 block font scaled to 12x20 px (a tens digit 16 px left of the units).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lever/core/rng.h"
#include "lever/env/arcade/arcade_game.h"

namespace lever::arcade {

class Pong : public ArcadeGame {
 public:
  enum Action { kNoop = 0, kFire, kRight, kLeft, kRightFire, kLeftFire };

  // Playfield rows: the ball and paddles live strictly between the walls.
  static constexpr int kTopWallY = 24, kTopWallHeight = 10;         // rows 24..33
  static constexpr int kBottomWallY = 194, kBottomWallHeight = 16;  // rows 194..209
  static constexpr int kFieldTop = kTopWallY + kTopWallHeight;      // 34
  static constexpr int kFieldBottom = kBottomWallY;                 // 194, exclusive
  static constexpr int kPaddleWidth = 4, kPaddleHeight = 16;
  static constexpr int kAgentPaddleX = 140, kCpuPaddleX = 16;
  static constexpr int kPaddleMinY = kFieldTop, kPaddleMaxY = kFieldBottom - kPaddleHeight;
  static constexpr int kBallWidth = 2, kBallHeight = 4;
  static constexpr int kBallMinY = kFieldTop, kBallMaxY = kFieldBottom - kBallHeight;
  // The ball moves in half pixels: speeds below are half pixels per frame.
  static constexpr int kSubpixels = 2;
  // The rally's paddle hits at which the ball speeds up: |vx| 3, then 4, then 6.
  static constexpr int kSpeedUpHits[2] = {4, 12};
  static constexpr int kMaxServeSlope = 3;  // a serve's |vy| is 1..3
  static constexpr int kServeX = 78, kServeY = 112;
  static constexpr int kServeDelayFrames = 60;
  static constexpr int kCpuStep = 2;
  static constexpr int kCpuSeekOffset = 1;  // the CPU aims its row 1 at the ball's top row
  static constexpr int kWinningScore = 21;
  // ALE's paddle resistance range and per-frame change.
  static constexpr int kResistanceMin = 27450, kResistanceMax = 790196, kResistanceStep = 23000;

  Pong();
  const EnvSpec& spec() const override { return spec_; }
  void reset(uint64_t level_seed, void* obs) override;
  StepResult step(int action, void* obs) override;
  void render(Image& out) const override;
  int lives() const override { return 0; }
  const std::vector<std::string>& action_meanings() const override;

  // The vertical speed (half pixels per frame) a paddle gives the ball whose top row is `offset`
  // rows below the paddle's top row (offset in [-3, 15], the rows where they overlap), at a
  // speed level (0 to 2, see speed_level()).
  static int zone_vy(int offset, int level = 0);
  static int speed_level(int rally_hits);

  // State for scripted tests. Positions are top-left corners in screen pixels.
  int agent_paddle_y() const;
  void set_agent_paddle_y(int y);  // clamped to [kPaddleMinY, kPaddleMaxY]
  int cpu_paddle_y() const { return cpu_y_; }
  void set_cpu_paddle_y(int y);  // clamped to [kPaddleMinY, kPaddleMaxY]
  // The ball's pixel (its half-pixel position rounded down) and velocity in half pixels/frame.
  int ball_x() const { return floor_half(ball_x2_); }
  int ball_y() const { return floor_half(ball_y2_); }
  int ball_vx() const { return ball_vx_; }
  int ball_vy() const { return ball_vy_; }
  int rally_hits() const { return rally_hits_; }  // paddle hits since the last serve
  // Puts the ball in play at once (ends any serve pause) at pixel (x, y), rally count kept.
  void set_ball(int x, int y, int vx, int vy);
  bool ball_in_play() const { return serve_timer_ == 0 && !game_over_; }
  int serve_timer() const { return serve_timer_; }  // frames until the ball reappears
  int agent_score() const { return agent_score_; }
  int cpu_score() const { return cpu_score_; }
  void set_scores(int agent, int cpu);
  int64_t frame_count() const { return frame_count_; }  // frames stepped since reset

 private:
  void move_agent_paddle(int action);
  void move_cpu_paddle();
  // Returns +1 / -1 on the frame the ball leaves the screen past the CPU / the agent, else 0.
  int move_ball();
  void launch_ball();
  void paddle_hit(int paddle_y);  // sends the ball back with the zone's slope
  static int floor_half(int v) { return v >= 0 ? v / 2 : -((1 - v) / 2); }
  void draw(Canvas canvas) const;

  EnvSpec spec_;
  Rng rng_;
  int resistance_ = 0;  // the agent's paddle controller, ALE's units
  int cpu_y_ = 0;
  int ball_x2_ = 0, ball_y2_ = 0;  // half pixels
  int ball_vx_ = 0, ball_vy_ = 0;
  int rally_hits_ = 0;
  int serve_timer_ = 0;
  int serve_direction_ = 0;  // +1 towards the agent, -1 towards the CPU, 0 = random
  int agent_score_ = 0, cpu_score_ = 0;
  bool game_over_ = false;
  int64_t frame_count_ = 0;
};

std::unique_ptr<ArcadeGame> make_pong();

}  // namespace lever::arcade

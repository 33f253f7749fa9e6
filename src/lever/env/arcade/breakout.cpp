#include "lever/env/arcade/breakout.h"

#include <algorithm>
#include <cstring>

#include "lever/core/errors.h"

namespace lever::arcade {
namespace {

constexpr int kNumActions = 4;
constexpr int kWallBottom = 196;  // the side walls end a little below the paddle
constexpr int kDigitY = 5;
constexpr int kScoreX = 36;
constexpr int kLivesX = 100;
constexpr int kPlayerX = 136;
constexpr int kDigitCell = 4;      // a font cell is 4 px wide and 2 px tall
constexpr int kDigitAdvance = 16;  // 12 px glyph + 4 px gap: three digits fill OCAtari's 44 px box
constexpr std::array<int, 4> kServeXs{{16, 78, 80, 142}};

// 3x5 glyphs, one 3-bit row mask per line (bit 2 = left column).
constexpr std::array<std::array<uint8_t, 5>, 10> kDigitGlyphs{{
    {{0b111, 0b101, 0b101, 0b101, 0b111}},
    {{0b010, 0b010, 0b010, 0b010, 0b010}},
    {{0b111, 0b001, 0b111, 0b100, 0b111}},
    {{0b111, 0b001, 0b111, 0b001, 0b111}},
    {{0b101, 0b101, 0b111, 0b001, 0b001}},
    {{0b111, 0b100, 0b111, 0b001, 0b111}},
    {{0b111, 0b100, 0b111, 0b101, 0b111}},
    {{0b111, 0b001, 0b001, 0b001, 0b001}},
    {{0b111, 0b101, 0b111, 0b101, 0b111}},
    {{0b111, 0b101, 0b111, 0b001, 0b111}},
}};

// Floor division, so positions above the brick area map to negative rows.
int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

int sign_or_plus(int v) { return v < 0 ? -1 : 1; }

}  // namespace

Breakout::Breakout()
    : action_meanings_{"NOOP", "FIRE", "RIGHT", "LEFT"},
      screen_(static_cast<size_t>(kScreenHeight) * kScreenWidth * 3) {
  spec_.id = "breakout_raw";
  spec_.obs_shape = {kScreenHeight, kScreenWidth, 3};
  spec_.obs_type = ObsType::kU8Image;
  spec_.num_actions = kNumActions;
  spec_.max_episode_steps = kMaxEpisodeFrames;
  for (auto& row : bricks_) row.fill(true);
  draw();
}

void Breakout::reset(uint64_t level_seed, void* obs) {
  rng_.reseed(level_seed);
  for (auto& row : bricks_) row.fill(true);
  paddle_x_ = kPaddleStartX;
  small_paddle_ = false;
  ball_in_play_ = false;
  ball_x_ = ball_y_ = ball_vx_ = ball_vy_ = 0;
  speed_level_ = 0;
  paddle_hits_ = 0;
  score_ = 0;
  lives_ = kLives;
  wall_refilled_ = false;
  game_over_ = false;
  draw();
  write_observation(obs);
}

StepResult Breakout::step(int action, void* obs) {
  if (action < 0 || action >= kNumActions) {
    throw UsageError("breakout: action " + std::to_string(action) + " is outside [0, " +
                     std::to_string(kNumActions) + ")");
  }
  StepResult result;
  if (game_over_) {
    result.terminated = true;
    draw();
    write_observation(obs);
    return result;
  }
  move_paddle(action);
  if (!ball_in_play_) {
    if (action == kFire) serve();
  } else {
    result.reward = static_cast<float>(move_ball(result));
  }
  draw();
  write_observation(obs);
  return result;
}

void Breakout::serve() {
  const int spawn = static_cast<int>(rng_.below(kServeXs.size()));
  ball_x_ = kServeXs[spawn];
  ball_y_ = kServeY;
  // The outer spawn points lean inward; the middle two pick opposite diagonals.
  ball_vx_ = spawn % 2 == 0 ? 1 : -1;
  speed_level_ = 0;
  ball_vy_ = 1 + speed_level_;
  ball_in_play_ = true;
}

void Breakout::move_paddle(int action) {
  if (action == kRight) paddle_x_ += kPaddleSpeed;
  if (action == kLeft) paddle_x_ -= kPaddleSpeed;
  paddle_x_ = std::clamp(paddle_x_, kPlayLeft, kPlayRight - paddle_width());
}

int Breakout::move_ball(StepResult& result) {
  ball_x_ += ball_vx_;
  ball_y_ += ball_vy_;
  if (ball_x_ < kPlayLeft) {
    ball_x_ = 2 * kPlayLeft - ball_x_;
    ball_vx_ = -ball_vx_;
  } else if (ball_x_ + kBallWidth > kPlayRight) {
    ball_x_ = 2 * (kPlayRight - kBallWidth) - ball_x_;
    ball_vx_ = -ball_vx_;
  }
  if (ball_y_ < kPlayTop) {
    ball_y_ = 2 * kPlayTop - ball_y_;
    ball_vy_ = -ball_vy_;
    small_paddle_ = true;
  }
  const int points = hit_brick();
  const int width = paddle_width();
  if (ball_vy_ > 0 && ball_x_ < paddle_x_ + width && ball_x_ + kBallWidth > paddle_x_ &&
      ball_y_ < kPaddleY + kPaddleHeight && ball_y_ + kBallHeight > kPaddleY) {
    hit_paddle();
  }
  if (ball_y_ >= kScreenHeight) lose_ball(result);
  return points;
}

int Breakout::hit_brick() {
  const int row_first = std::max(0, floor_div(ball_y_ - kBrickTop, kBrickHeight));
  const int row_last =
      std::min(kBrickRows - 1, floor_div(ball_y_ + kBallHeight - 1 - kBrickTop, kBrickHeight));
  if (row_first > row_last) return 0;
  const int col_first = std::max(0, (ball_x_ - kPlayLeft) / kBrickWidth);
  const int col_last =
      std::min(kBrickCols - 1, (ball_x_ + kBallWidth - 1 - kPlayLeft) / kBrickWidth);
  // The row the ball meets first is the lower one when it rises and the upper one when it falls.
  const bool rising = ball_vy_ < 0;
  const int row_step = rising ? -1 : 1;
  const int row_begin = rising ? row_last : row_first;
  const int row_end = rising ? row_first - 1 : row_last + 1;
  for (int row = row_begin; row != row_end; row += row_step) {
    for (int col = col_first; col <= col_last; ++col) {
      if (!bricks_[row][col]) continue;
      bricks_[row][col] = false;
      score_ += kRowPoints[row];
      if (row < 3) speed_level_ = 2;
      ball_vy_ = (rising ? 1 : -1) * (1 + speed_level_);
      return kRowPoints[row];
    }
  }
  return 0;
}

void Breakout::hit_paddle() {
  const int width = paddle_width();
  ball_y_ = 2 * (kPaddleY - kBallHeight) - ball_y_;
  const int section = std::clamp((ball_x_ + kBallWidth / 2 - paddle_x_) * 5 / width, 0, 4);
  constexpr std::array<int, 5> kSectionVx{{-2, -1, 0, 1, 2}};
  ball_vx_ = section == 2 ? sign_or_plus(ball_vx_) : kSectionVx[section];
  ++paddle_hits_;
  if (paddle_hits_ >= kHitsForSpeedUp) speed_level_ = std::max(speed_level_, 1);
  ball_vy_ = -(1 + speed_level_);
  if (score_ == kFullWallScore && !wall_refilled_) {
    for (auto& row : bricks_) row.fill(true);
    wall_refilled_ = true;
  }
}

void Breakout::lose_ball(StepResult& result) {
  ball_in_play_ = false;
  --lives_;
  result.life_lost = true;
  small_paddle_ = false;
  speed_level_ = 0;
  paddle_hits_ = 0;
  paddle_x_ = std::clamp(paddle_x_, kPlayLeft, kPlayRight - paddle_width());
  if (lives_ == 0) {
    game_over_ = true;
    result.terminated = true;
  }
}

void Breakout::set_ball(int x, int y, int vx, int vy) {
  ball_x_ = x;
  ball_y_ = y;
  ball_vx_ = vx;
  ball_vy_ = vy;
  ball_in_play_ = true;
}

void Breakout::set_paddle_x(int x) {
  paddle_x_ = std::clamp(x, kPlayLeft, kPlayRight - paddle_width());
}

void Breakout::draw_digit(int x, int y, int digit) {
  Canvas canvas(screen_.data(), kScreenWidth, kScreenHeight);
  const auto& glyph = kDigitGlyphs[digit];
  for (int line = 0; line < 5; ++line) {
    for (int column = 0; column < 3; ++column) {
      if (!(glyph[line] & (0b100 >> column))) continue;
      const int x0 = x + column * kDigitCell;
      const int y0 = y + line * 2;
      fill_rect(canvas, x0, y0, x0 + kDigitCell, y0 + 2, kGrey);
    }
  }
}

void Breakout::draw() {
  Canvas canvas(screen_.data(), kScreenWidth, kScreenHeight);
  canvas.fill(kBackground);
  fill_rect(canvas, 0, kTopWallY, kScreenWidth, kPlayTop, kGrey);
  fill_rect(canvas, 0, kTopWallY, kPlayLeft, kWallBottom, kGrey);
  fill_rect(canvas, kPlayRight, kTopWallY, kScreenWidth, kWallBottom, kGrey);
  for (int row = 0; row < kBrickRows; ++row) {
    const int y = kBrickTop + row * kBrickHeight;
    for (int col = 0; col < kBrickCols; ++col) {
      if (!bricks_[row][col]) continue;
      const int x = kPlayLeft + col * kBrickWidth;
      fill_rect(canvas, x, y, x + kBrickWidth, y + kBrickHeight, kRowColors[row]);
    }
  }
  fill_rect(canvas, paddle_x_, kPaddleY, paddle_x_ + paddle_width(), kPaddleY + kPaddleHeight,
            kRed);
  if (ball_in_play_) {
    fill_rect(canvas, ball_x_, ball_y_, ball_x_ + kBallWidth, ball_y_ + kBallHeight, kRed);
  }
  draw_digit(kScoreX, kDigitY, score_ / 100 % 10);
  draw_digit(kScoreX + kDigitAdvance, kDigitY, score_ / 10 % 10);
  draw_digit(kScoreX + 2 * kDigitAdvance, kDigitY, score_ % 10);
  draw_digit(kLivesX, kDigitY, lives_ % 10);
  draw_digit(kPlayerX, kDigitY, 1);
}

void Breakout::write_observation(void* obs) const {
  std::memcpy(obs, screen_.data(), screen_.size());
}

void Breakout::render(Image& out) const {
  out.resize(kScreenWidth, kScreenHeight);
  std::memcpy(out.pixels.data(), screen_.data(), screen_.size());
}

std::unique_ptr<ArcadeGame> make_breakout() { return std::make_unique<Breakout>(); }

}  // namespace lever::arcade

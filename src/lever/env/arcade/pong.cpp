#include "lever/env/arcade/pong.h"

#include <algorithm>

#include "lever/core/errors.h"

namespace lever::arcade {
namespace {

constexpr Color kBackground{144, 72, 17};
constexpr Color kWhite{236, 236, 236};  // walls and ball
constexpr Color kAgentColor{92, 186, 92};
constexpr Color kCpuColor{213, 130, 74};

constexpr int kNumActions = 6;
// Half pixels per frame by speed level (rows) and paddle zone, top to bottom. Against level 0's
// 3 across: steep (53 deg), 45 deg, shallow (34 deg), straight; faster levels keep the angles
// roughly and so outrun the CPU's 1.75 px per frame.
constexpr int kLevelVx[3] = {3, 4, 6};
constexpr int kZoneVy[3][7] = {
    {-4, -3, -2, 0, 2, 3, 4}, {-5, -4, -3, 0, 3, 4, 5}, {-8, -6, -4, 0, 4, 6, 8}};

// Score digits: a 3x5 block font, each block 4x4 px, so a digit is 12x20 px at row 1.
constexpr int kDigitBlock = 4;
constexpr int kDigitY = 1;
constexpr int kCpuScoreX = 36, kAgentScoreX = 116;
constexpr int kTensOffset = 16;  // a tens digit sits this far left of the units digit
constexpr uint8_t kDigitRows[10][5] = {
    {7, 5, 5, 5, 7}, {1, 1, 1, 1, 1}, {7, 1, 7, 4, 7}, {7, 1, 7, 1, 7}, {5, 5, 7, 1, 1},
    {7, 4, 7, 1, 7}, {7, 4, 7, 5, 7}, {7, 1, 1, 1, 1}, {7, 5, 7, 5, 7}, {7, 5, 7, 1, 7}};

void draw_digit(const Canvas& canvas, int x, int digit, Color color) {
  for (int row = 0; row < 5; ++row) {
    for (int col = 0; col < 3; ++col) {
      if (!(kDigitRows[digit][row] & (4 >> col))) continue;
      const float x0 = static_cast<float>(x + col * kDigitBlock);
      const float y0 = static_cast<float>(kDigitY + row * kDigitBlock);
      fill_rect(canvas, x0, y0, x0 + kDigitBlock, y0 + kDigitBlock, color);
    }
  }
}

void draw_score(const Canvas& canvas, int x, int score, Color color) {
  draw_digit(canvas, x, score % 10, color);
  if (score >= 10) draw_digit(canvas, x - kTensOffset, (score / 10) % 10, color);
}

void draw_box(const Canvas& canvas, int x, int y, int w, int h, Color color) {
  fill_rect(canvas, static_cast<float>(x), static_cast<float>(y), static_cast<float>(x + w),
            static_cast<float>(y + h), color);
}

constexpr int kPaddleTravel = Pong::kPaddleMaxY - Pong::kPaddleMinY;
constexpr int kResistanceRange = Pong::kResistanceMax - Pong::kResistanceMin;

}  // namespace

Pong::Pong() {
  spec_.id = "pong_raw";
  spec_.obs_shape = {kScreenHeight, kScreenWidth, 3};
  spec_.obs_type = ObsType::kU8Image;
  spec_.num_actions = kNumActions;
  spec_.max_episode_steps = kMaxEpisodeFrames;
  spec_.reports_success = true;  // won 21 points first
}

const std::vector<std::string>& Pong::action_meanings() const {
  static const std::vector<std::string> kMeanings = {"NOOP", "FIRE",      "RIGHT",
                                                     "LEFT", "RIGHTFIRE", "LEFTFIRE"};
  return kMeanings;
}

int Pong::speed_level(int rally_hits) {
  int level = 0;
  for (int threshold : kSpeedUpHits) level += rally_hits >= threshold ? 1 : 0;
  return level;
}

int Pong::zone_vy(int offset, int level) {
  // Zones 2,3,3,3,3,3,2 rows wide over offsets -3..15, symmetric about the paddle's centre.
  const int zone = std::clamp((offset + 4) / 3, 0, 6);
  return kZoneVy[std::clamp(level, 0, 2)][zone];
}

int Pong::agent_paddle_y() const {
  const int64_t travelled =
      static_cast<int64_t>(resistance_ - kResistanceMin) * kPaddleTravel / kResistanceRange;
  return kPaddleMinY + static_cast<int>(travelled);
}

void Pong::set_agent_paddle_y(int y) {
  const int64_t rows = std::clamp(y, kPaddleMinY, kPaddleMaxY) - kPaddleMinY;
  // The smallest resistance that maps to this row, so agent_paddle_y() returns y exactly.
  resistance_ = kResistanceMin +
                static_cast<int>((rows * kResistanceRange + kPaddleTravel - 1) / kPaddleTravel);
}

void Pong::set_cpu_paddle_y(int y) { cpu_y_ = std::clamp(y, kPaddleMinY, kPaddleMaxY); }

void Pong::set_ball(int x, int y, int vx, int vy) {
  ball_x2_ = x * kSubpixels;
  ball_y2_ = y * kSubpixels;
  ball_vx_ = vx;
  ball_vy_ = vy;
  serve_timer_ = 0;
}

void Pong::set_scores(int agent, int cpu) {
  if (agent < 0 || cpu < 0 || agent > kWinningScore || cpu > kWinningScore)
    throw UsageError("pong: scores must lie in [0, 21]");
  agent_score_ = agent;
  cpu_score_ = cpu;
  game_over_ = agent == kWinningScore || cpu == kWinningScore;
}

void Pong::reset(uint64_t level_seed, void* obs) {
  rng_.reseed(level_seed);
  resistance_ = (kResistanceMin + kResistanceMax) / 2;
  cpu_y_ = (kPaddleMinY + kPaddleMaxY) / 2;
  ball_x2_ = kServeX * kSubpixels;
  ball_y2_ = kServeY * kSubpixels;
  ball_vx_ = ball_vy_ = 0;
  rally_hits_ = 0;
  serve_timer_ = kServeDelayFrames;
  serve_direction_ = 0;
  agent_score_ = cpu_score_ = 0;
  game_over_ = false;
  frame_count_ = 0;
  draw(Canvas(static_cast<uint8_t*>(obs), kScreenWidth, kScreenHeight));
}

void Pong::move_agent_paddle(int action) {
  if (action == kRight || action == kRightFire) {
    resistance_ = std::max(resistance_ - kResistanceStep, kResistanceMin);
  } else if (action == kLeft || action == kLeftFire) {
    resistance_ = std::min(resistance_ + kResistanceStep, kResistanceMax);
  }
}

void Pong::move_cpu_paddle() {
  if (frame_count_ % 8 == 0) return;  // the CPU rests one frame in eight
  const int target = ball_y() - kCpuSeekOffset;
  cpu_y_ += std::clamp(target - cpu_y_, -kCpuStep, kCpuStep);
  cpu_y_ = std::clamp(cpu_y_, kPaddleMinY, kPaddleMaxY);
}

void Pong::launch_ball() {
  ball_x2_ = kServeX * kSubpixels;
  ball_y2_ = kServeY * kSubpixels;
  rally_hits_ = 0;
  const int direction = serve_direction_ != 0 ? serve_direction_ : (rng_.below(2) ? 1 : -1);
  ball_vx_ = direction * kLevelVx[0];
  const int slope = 1 + static_cast<int>(rng_.below(kMaxServeSlope));
  ball_vy_ = rng_.below(2) ? slope : -slope;
}

void Pong::paddle_hit(int paddle_y) {
  const int level = speed_level(++rally_hits_);
  ball_vx_ = ball_vx_ < 0 ? kLevelVx[level] : -kLevelVx[level];
  ball_vy_ = zone_vy(ball_y() - paddle_y, level);
}

int Pong::move_ball() {
  constexpr int kMinY2 = kBallMinY * kSubpixels, kMaxY2 = kBallMaxY * kSubpixels;
  const int old_x2 = ball_x2_;
  ball_x2_ += ball_vx_;
  ball_y2_ += ball_vy_;
  if (ball_y2_ < kMinY2) {
    ball_y2_ = 2 * kMinY2 - ball_y2_;
    ball_vy_ = -ball_vy_;
  } else if (ball_y2_ > kMaxY2) {
    ball_y2_ = 2 * kMaxY2 - ball_y2_;
    ball_vy_ = -ball_vy_;
  }
  const int y = ball_y();
  const auto overlaps = [y](int paddle_y) {
    return y + kBallHeight > paddle_y && y < paddle_y + kPaddleHeight;
  };
  // A hit is the ball's leading edge crossing the paddle's front face this frame; the ball is
  // put back against the face.
  constexpr int kCpuFace2 = (kCpuPaddleX + kPaddleWidth) * kSubpixels;
  constexpr int kAgentFace2 = kAgentPaddleX * kSubpixels, kBallWidth2 = kBallWidth * kSubpixels;
  const int agent_y = agent_paddle_y();
  if (ball_vx_ < 0 && old_x2 >= kCpuFace2 && ball_x2_ < kCpuFace2 && overlaps(cpu_y_)) {
    ball_x2_ = kCpuFace2;
    paddle_hit(cpu_y_);
  } else if (ball_vx_ > 0 && old_x2 + kBallWidth2 <= kAgentFace2 &&
             ball_x2_ + kBallWidth2 > kAgentFace2 && overlaps(agent_y)) {
    ball_x2_ = kAgentFace2 - kBallWidth2;
    paddle_hit(agent_y);
  }
  if (ball_x2_ + kBallWidth2 <= 0) return 1;
  if (ball_x2_ >= kScreenWidth * kSubpixels) return -1;
  return 0;
}

StepResult Pong::step(int action, void* obs) {
  if (action < 0 || action >= kNumActions) {
    throw UsageError("pong: action " + std::to_string(action) + " is outside [0, " +
                     std::to_string(kNumActions) + ")");
  }
  StepResult result;
  if (!game_over_) {
    move_agent_paddle(action);
    move_cpu_paddle();
    if (serve_timer_ > 0) {
      if (--serve_timer_ == 0) launch_ball();
    } else {
      const int point = move_ball();
      if (point != 0) {
        result.reward = static_cast<float>(point);
        (point > 0 ? agent_score_ : cpu_score_) += 1;
        serve_direction_ = point > 0 ? -1 : 1;  // towards the side that lost the point
        ball_x2_ = kServeX * kSubpixels;
        ball_y2_ = kServeY * kSubpixels;
        ball_vx_ = ball_vy_ = 0;
        if (agent_score_ == kWinningScore || cpu_score_ == kWinningScore) {
          game_over_ = true;
        } else {
          serve_timer_ = kServeDelayFrames;
        }
      }
    }
    ++frame_count_;
  }
  result.terminated = game_over_;
  result.level_complete = game_over_ && agent_score_ == kWinningScore;
  draw(Canvas(static_cast<uint8_t*>(obs), kScreenWidth, kScreenHeight));
  return result;
}

void Pong::draw(Canvas canvas) const {
  canvas.fill(kBackground);
  draw_box(canvas, 0, kTopWallY, kScreenWidth, kTopWallHeight, kWhite);
  draw_box(canvas, 0, kBottomWallY, kScreenWidth, kBottomWallHeight, kWhite);
  draw_score(canvas, kCpuScoreX, cpu_score_, kCpuColor);
  draw_score(canvas, kAgentScoreX, agent_score_, kAgentColor);
  draw_box(canvas, kCpuPaddleX, cpu_y_, kPaddleWidth, kPaddleHeight, kCpuColor);
  draw_box(canvas, kAgentPaddleX, agent_paddle_y(), kPaddleWidth, kPaddleHeight, kAgentColor);
  if (ball_in_play()) draw_box(canvas, ball_x(), ball_y(), kBallWidth, kBallHeight, kWhite);
}

void Pong::render(Image& out) const {
  out.resize(kScreenWidth, kScreenHeight);
  draw(out);
}

std::unique_ptr<ArcadeGame> make_pong() { return std::make_unique<Pong>(); }

}  // namespace lever::arcade

#include "lever/env/memorygym/common.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "lever/core/errors.h"

namespace lever::memorygym {

void Painter::rect(float x, float y, float w, float h, Color color) const {
  fill_rect(canvas, x * scale, y * scale, (x + w) * scale, (y + h) * scale, color);
}

void Painter::rect_outline(float x, float y, float w, float h, float width, Color color) const {
  if (width <= 0 || 2 * width >= std::min(w, h)) {
    rect(x, y, w, h, color);
    return;
  }
  rect(x, y, w, width, color);
  rect(x, y + h - width, w, width, color);
  rect(x, y + width, width, h - 2 * width, color);
  rect(x + w - width, y + width, width, h - 2 * width, color);
}

void Painter::circle(float cx, float cy, float radius, Color color) const {
  fill_circle(canvas, (cx + 0.5f) * scale, (cy + 0.5f) * scale, radius * scale, color);
}

void Painter::ring(float cx, float cy, float radius, float width, Color color) const {
  if (width <= 0 || width >= radius) {
    circle(cx, cy, radius, color);
    return;
  }
  const float px = (cx + 0.5f) * scale, py = (cy + 0.5f) * scale;
  const float outer = radius * scale, inner = (radius - width) * scale;
  const float outer2 = outer * outer, inner2 = inner * inner;
  const int x0 = std::max(0, static_cast<int>(std::floor(px - outer)));
  const int x1 = std::min(canvas.width - 1, static_cast<int>(std::ceil(px + outer)));
  const int y0 = std::max(0, static_cast<int>(std::floor(py - outer)));
  const int y1 = std::min(canvas.height - 1, static_cast<int>(std::ceil(py + outer)));
  for (int y = y0; y <= y1; ++y) {
    const float dy = y + 0.5f - py;
    for (int x = x0; x <= x1; ++x) {
      const float dx = x + 0.5f - px;
      const float d2 = dx * dx + dy * dy;
      if (d2 <= outer2 && d2 > inner2) {
        uint8_t* p = canvas.at(x, y);
        p[0] = color.r;
        p[1] = color.g;
        p[2] = color.b;
      }
    }
  }
}

void Painter::line(float x0, float y0, float x1, float y1, float width, Color color) const {
  draw_line(canvas, (x0 + 0.5f) * scale, (y0 + 0.5f) * scale, (x1 + 0.5f) * scale,
            (y1 + 0.5f) * scale, width * scale, color);
}

void Painter::polygon(const Point* points, int count, Color color) const {
  constexpr int kMaxPoints = 16;
  if (count > kMaxPoints) throw UsageError("Painter::polygon: at most 16 points");
  Point scaled_points[kMaxPoints];
  for (int i = 0; i < count; ++i) {
    scaled_points[i] = {(points[i].x + 0.5f) * scale, (points[i].y + 0.5f) * scale};
  }
  fill_convex_polygon(canvas, scaled_points, count, color);
}

Painter observation_painter(void* obs) {
  return Painter{Canvas(static_cast<uint8_t*>(obs), kScreenSize, kScreenSize), 1.0f};
}

Painter render_painter(Image& out) {
  out.resize(kRenderSize, kRenderSize);
  return Painter{Canvas(out), static_cast<float>(kRenderScale)};
}

AgentShape agent_shape(float s) {
  AgentShape shape;
  shape.radius = static_cast<int>(25 * s);
  shape.hand_radius = static_cast<int>(10 * s);
  shape.hand_outline = static_cast<int>(3 * s);
  constexpr int kExtension = 14;  // the original sprite's padding
  const int sprite_side = shape.radius * 2 + shape.hand_radius + kExtension;
  shape.hand_dx = static_cast<int>(18 * s);
  shape.hand_dy = static_cast<int>(12 * s) + kExtension / 2 - sprite_side / 2;
  return shape;
}

void hand_offsets(const AgentShape& shape, int rotation, float* left_xy, float* right_xy) {
  // Facing up, the hands sit at (-dx, dy) and (dx, dy); a rotation r turns them r degrees
  // anticlockwise on screen (y down), i.e. by -r in pygame's Vector2.rotate.
  const double a = -rotation * M_PI / 180.0;
  const double c = std::cos(a), s = std::sin(a);
  auto turn = [&](double x, double y, float* out) {
    double tx = x * c - y * s, ty = x * s + y * c;
    // Multiples of 90 degrees must land on whole pixels, not 1e-16 away from them.
    tx = std::round(tx * 1e6) / 1e6;
    ty = std::round(ty * 1e6) / 1e6;
    out[0] = static_cast<float>(tx);
    out[1] = static_cast<float>(ty);
  };
  turn(-shape.hand_dx, shape.hand_dy, left_xy);
  turn(shape.hand_dx, shape.hand_dy, right_xy);
}

void draw_agent(const Painter& painter, const AgentShape& shape, float x, float y, int rotation) {
  painter.circle(x, y, static_cast<float>(shape.radius), kAgentBody);
  float hands[2][2];
  hand_offsets(shape, rotation, hands[0], hands[1]);
  for (const auto& hand : hands) {
    const float hx = x + hand[0], hy = y + hand[1];
    painter.circle(hx, hy, static_cast<float>(shape.hand_radius), kAgentHand);
    painter.ring(hx, hy, static_cast<float>(shape.hand_radius),
                 static_cast<float>(shape.hand_outline), kAgentHandOutline);
  }
}

FreeAction decode_free_action(int action, const char* env_id) {
  if (action < 0 || action >= kFreeActions) {
    throw UsageError(std::string(env_id) + ": action " + std::to_string(action) +
                     " is outside [0, 9) (horizontal * 3 + vertical; horizontal none/left/right, "
                     "vertical none/up/down)");
  }
  return {action / 3, action % 3};
}

void FreeController::velocity(FreeAction action, int* vx, int* vy) {
  int dx = 0, dy = 0;
  if (action.horizontal == 1) dx = -1;
  if (action.horizontal == 2) dx = 1;
  if (action.vertical == 1) dy = -1;
  if (action.vertical == 2) dy = 1;
  if (dx != 0 || dy != 0) {
    static constexpr int kRotation[3][3] = {// [dx + 1][dy + 1]
                                            {45, 90, 135},
                                            {0, 0, 180},
                                            {315, 270, 225}};
    rotation_ = kRotation[dx + 1][dy + 1];
  }
  const double length = std::sqrt(static_cast<double>(dx * dx + dy * dy));
  if (length == 0.0) {
    *vx = *vy = 0;
    return;
  }
  *vx = static_cast<int>(dx / length * speed_);
  *vy = static_cast<int>(dy / length * speed_);
}

void FreeController::step(FreeAction action) {
  int vx, vy;
  velocity(action, &vx, &vy);
  x_ += vx;
  y_ += vy;
}

void FreeController::step(FreeAction action, const Bounds& bounds) {
  step(action);
  x_ = std::max(bounds.left + radius_, std::min(x_, bounds.right() - radius_));
  y_ = std::max(bounds.top + radius_, std::min(y_, bounds.bottom() - radius_));
}

void ScreenWrapController::step(FreeAction action, const Bounds& bounds) {
  FreeController::step(action);
  const float margin = radius_ * 0.5f;
  // The original compares and assigns floats, then pygame's Rect truncates them.
  if (x_ > bounds.right() + margin) x_ = static_cast<int>(bounds.left - margin);
  if (x_ < bounds.left - margin) x_ = static_cast<int>(bounds.right() + margin);
  if (y_ > bounds.bottom() + margin) y_ = static_cast<int>(bounds.top - margin);
  if (y_ < bounds.top - margin) y_ = static_cast<int>(bounds.bottom() + margin);
}

void GridController::step(int action, const char* env_id) {
  if (action < 0 || action >= kGridActions) {
    throw UsageError(std::string(env_id) + ": action " + std::to_string(action) +
                     " is outside [0, 4) (noop, rotate left, rotate right, forward)");
  }
  if (action == kGridRotateLeft) rotation_ = (rotation_ + 90) % 360;
  if (action == kGridRotateRight) rotation_ = (rotation_ + 270) % 360;
  if (action != kGridForward) return;
  switch (rotation_) {
    case 0:
      if (cell_y_ > 0) --cell_y_;
      break;
    case 90:
      if (cell_x_ > 0) --cell_x_;
      break;
    case 180:
      if (cell_y_ < size_ - 1) ++cell_y_;
      break;
    default:
      if (cell_x_ < size_ - 1) ++cell_x_;
      break;
  }
}

}  // namespace lever::memorygym

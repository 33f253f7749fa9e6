// Pieces shared by the Memory Gym tasks (MarcoMeter/endless-memory-gym): the screen, a drawing
// helper that serves both the 84x84 observation and the 336x336 human view, the agent sprite and
// the three character controllers (free movement, grid, screen wrap).
//
// Coordinates. The original draws its observation directly on an 84x84 pygame screen, every size
// given for a 336 screen and multiplied by SCALE = 0.25 (agent radius int(25 * 0.25) = 6, speed
// 12 * 0.25 = 3, Mortar Mayhem tiles 56 * 0.25 = 14), and all mechanics (positions, truncation of
// the velocity to int, distances) happen in those 84-pixel units. So lever keeps game state in
// "screen units" = observation pixels, and a Painter maps them onto a canvas `scale` times larger:
// scale 1 for the observation, kRenderScale = 4 for the 336x336 render. A shape that the original
// sizes as int(s * SCALE) is given in screen units that way, so the render is the observation
// enlarged, with sharper edges.
//
// Pixel convention. Rectangles cover screen pixels [x, x + w) x [y, y + h) as pygame's Rect does;
// circles, ring and line endpoints are centred on the screen pixel (cx, cy), i.e. on the point
// (cx + 0.5, cy + 0.5), as pygame.draw.circle centres on a pixel.
#pragma once
#include <cstdint>

#include "lever/core/image.h"

namespace lever::memorygym {

constexpr int kScreenSize = 84;                          // observation side, in screen units
constexpr int kRenderSize = 336;                         // human view side, in canvas pixels
constexpr int kRenderScale = kRenderSize / kScreenSize;  // 4
constexpr float kScale = 0.25f;                          // the original's SCALE (336 -> 84)

// The original's int(value * SCALE) for sizes quoted at 336.
inline int scaled(float value_at_336) { return static_cast<int>(value_at_336 * kScale); }

// Draws shapes given in screen units onto a canvas `scale` pixels per unit.
struct Painter {
  Canvas canvas;
  float scale;

  void fill(Color color) const { canvas.fill(color); }
  void rect(float x, float y, float w, float h, Color color) const;
  // pygame.draw.rect with width > 0: a border `width` units thick inside the rectangle.
  void rect_outline(float x, float y, float w, float h, float width, Color color) const;
  void circle(float cx, float cy, float radius, Color color) const;
  // pygame.draw.circle with width > 0: the points at distance in (radius - width, radius].
  // width <= 0 fills the disc, as pygame does.
  void ring(float cx, float cy, float radius, float width, Color color) const;
  void line(float x0, float y0, float x1, float y1, float width, Color color) const;
  // Vertices are pixel positions like circle centres.
  void polygon(const Point* points, int count, Color color) const;
};

// The 84x84x3 observation buffer, drawn at scale 1.
Painter observation_painter(void* obs);
// Resizes `out` to 336x336 and returns a painter at kRenderScale over it.
Painter render_painter(Image& out);

// ---- The agent (CharacterController's sprite) ----

constexpr Color kAgentBody{250, 204, 153};
constexpr Color kAgentHand{250, 250, 250};
constexpr Color kAgentHandOutline{50, 50, 50};

// Sprite geometry for an agent_scale (0.25 in every task): body radius int(25 s), hands of
// radius int(10 s) with an outline int(3 s) wide, centred (hand_dx, hand_dy) from the body centre
// when facing up (dx = -/+int(18 s), dy = int(12 s) + 7 - rect_dim / 2 with the sprite's 14-pixel
// extension). At s = 0.25: radius 6, hands of radius 2 at (-4, -4) and (4, -4), outline width
// int(0.75) = 0, which pygame draws as a filled disc, so the hands come out dark grey.
struct AgentShape {
  int radius;
  int hand_radius;
  int hand_outline;
  int hand_dx;
  int hand_dy;
};
AgentShape agent_shape(float agent_scale);

// rotation: degrees anticlockwise on screen, 0 = facing up, a multiple of 45 (90 left, 180 down,
// 270 right), as CharacterController's sprites. Draws body then both hands.
void draw_agent(const Painter& painter, const AgentShape& shape, float x, float y, int rotation);

// The two hand centres for a rotation (screen units, relative to the body centre), for tests and
// for tasks that draw the agent themselves.
void hand_offsets(const AgentShape& shape, int rotation, float* left_xy, float* right_xy);

// ---- Free movement ----

// Flat MultiDiscrete {3, 3} action h * 3 + v: horizontal 0 none / 1 left / 2 right, vertical
// 0 none / 1 up / 2 down.
constexpr int kFreeActions = 9;
struct FreeAction {
  int horizontal;
  int vertical;
};
// Throws UsageError naming `env_id` when the action is outside [0, 9).
FreeAction decode_free_action(int action, const char* env_id);

// An axis-aligned rectangle in screen units, pygame's Rect: [left, left + width) etc.
struct Bounds {
  int left, top, width, height;
  int right() const { return left + width; }
  int bottom() const { return top + height; }
};

// CharacterController: the velocity is the action's direction normalised to `speed` and truncated
// to int (speed 3: straight (3, 0), diagonal (2, 2)); the rotation follows the direction of
// movement and is kept when standing still. Positions are integers as in pygame's Rect.
class FreeController {
 public:
  FreeController(float speed, int radius) : speed_(speed), radius_(radius) {}
  void place(int x, int y, int rotation = 0) {
    x_ = x;
    y_ = y;
    rotation_ = rotation;
  }
  // Moves, then clamps the centre so the body (radius) stays inside `bounds`.
  void step(FreeAction action, const Bounds& bounds);
  // Moves without any limit.
  void step(FreeAction action);

  int x() const { return x_; }
  int y() const { return y_; }
  int rotation() const { return rotation_; }
  int radius() const { return radius_; }
  float speed() const { return speed_; }

 protected:
  // Sets the rotation from the action and returns the truncated velocity.
  void velocity(FreeAction action, int* vx, int* vy);

  float speed_;
  int radius_;
  int x_ = 0, y_ = 0;
  int rotation_ = 0;
};

// ScreenWrapCharacterController: free movement where leaving `bounds` by more than half the
// radius puts the agent half a radius outside the opposite side (a torus). The original leaves
// the velocity unrounded but stores it in pygame's integer Rect; lever truncates the velocity
// as the bounded controller does, so moving left and right are symmetric.
class ScreenWrapController : public FreeController {
 public:
  using FreeController::FreeController;
  void step(FreeAction action, const Bounds& bounds);
};

// ---- Grid movement ----

// Discrete(4) of the grid variants.
enum GridAction { kGridNoop = 0, kGridRotateLeft = 1, kGridRotateRight = 2, kGridForward = 3 };
constexpr int kGridActions = 4;

// GridCharacterController on a size x size grid of cells: rotate left adds 90 degrees (0 north,
// 90 west, 180 south, 270 east), forward moves one cell the way the agent faces unless that
// leaves the grid. Cell (0, 0) is the top-left; x grows right, y down.
class GridController {
 public:
  explicit GridController(int size) : size_(size) {}
  void place(int cell_x, int cell_y, int rotation = 0) {
    cell_x_ = cell_x;
    cell_y_ = cell_y;
    rotation_ = rotation;
  }
  // Throws UsageError naming `env_id` when the action is outside [0, 4).
  void step(int action, const char* env_id);

  int cell_x() const { return cell_x_; }
  int cell_y() const { return cell_y_; }
  int rotation() const { return rotation_; }
  int size() const { return size_; }

 private:
  int size_;
  int cell_x_ = 0, cell_y_ = 0;
  int rotation_ = 0;
};

}  // namespace lever::memorygym

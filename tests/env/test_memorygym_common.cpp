#include <gtest/gtest.h>

#include <vector>

#include "lever/core/errors.h"
#include "lever/env/memorygym/common.h"

namespace lever::memorygym {
namespace {

Color pixel(const std::vector<uint8_t>& obs, int x, int y) {
  const uint8_t* p = obs.data() + (static_cast<size_t>(y) * kScreenSize + x) * 3;
  return {p[0], p[1], p[2]};
}

TEST(MemoryGymScreen, ConstantsMatchTheOriginal) {
  EXPECT_EQ(kScreenSize, 84);
  EXPECT_EQ(kRenderSize, 336);
  EXPECT_EQ(kRenderScale, 4);
  EXPECT_EQ(scaled(56), 14);  // Mortar Mayhem tile
  EXPECT_EQ(scaled(25), 6);   // agent radius
}

TEST(MemoryGymPainter, RectCoversScreenPixelsAtBothScales) {
  std::vector<uint8_t> obs(kScreenSize * kScreenSize * 3, 0);
  Painter p = observation_painter(obs.data());
  p.rect(10, 20, 3, 2, Color{1, 2, 3});
  EXPECT_EQ(pixel(obs, 10, 20), (Color{1, 2, 3}));
  EXPECT_EQ(pixel(obs, 12, 21), (Color{1, 2, 3}));
  EXPECT_EQ(pixel(obs, 13, 21), (Color{0, 0, 0}));
  EXPECT_EQ(pixel(obs, 12, 22), (Color{0, 0, 0}));

  Image big;
  Painter r = render_painter(big);
  ASSERT_EQ(big.width, 336);
  r.rect(10, 20, 3, 2, Color{1, 2, 3});
  EXPECT_EQ(big.color_at(40, 80), (Color{1, 2, 3}));
  EXPECT_EQ(big.color_at(51, 87), (Color{1, 2, 3}));
  EXPECT_EQ(big.color_at(52, 87), (Color{0, 0, 0}));
  EXPECT_EQ(big.color_at(39, 80), (Color{0, 0, 0}));
}

TEST(MemoryGymPainter, CircleIsCentredOnAPixelAndRingLeavesTheMiddle) {
  std::vector<uint8_t> obs(kScreenSize * kScreenSize * 3, 0);
  Painter p = observation_painter(obs.data());
  const Color white{255, 255, 255};
  p.circle(40, 40, 3, white);
  EXPECT_EQ(pixel(obs, 40, 40), white);
  EXPECT_EQ(pixel(obs, 43, 40), white);
  EXPECT_EQ(pixel(obs, 37, 40), white);
  EXPECT_EQ(pixel(obs, 44, 40), (Color{0, 0, 0}));
  EXPECT_EQ(pixel(obs, 43, 43), (Color{0, 0, 0}));

  const Color red{255, 0, 0};
  p.ring(40, 40, 3, 1, red);
  EXPECT_EQ(pixel(obs, 43, 40), red);
  EXPECT_EQ(pixel(obs, 40, 37), red);
  EXPECT_EQ(pixel(obs, 40, 40), white);
  EXPECT_EQ(pixel(obs, 41, 40), white);
  // width 0 fills the disc, as pygame does
  p.ring(20, 20, 2, 0, red);
  EXPECT_EQ(pixel(obs, 20, 20), red);
}

TEST(MemoryGymAgent, ShapeAtQuarterScaleMatchesTheOriginalSprite) {
  const AgentShape s = agent_shape(0.25f);
  EXPECT_EQ(s.radius, 6);
  EXPECT_EQ(s.hand_radius, 2);
  EXPECT_EQ(s.hand_outline, 0);
  EXPECT_EQ(s.hand_dx, 4);
  EXPECT_EQ(s.hand_dy, -4);
  const AgentShape full = agent_shape(1.0f);
  EXPECT_EQ(full.radius, 25);
  EXPECT_EQ(full.hand_radius, 10);
  EXPECT_EQ(full.hand_outline, 3);
  EXPECT_EQ(full.hand_dx, 18);
  EXPECT_EQ(full.hand_dy, 12 + 7 - (50 + 10 + 14) / 2);
}

TEST(MemoryGymAgent, HandsTurnWithTheRotation) {
  const AgentShape s = agent_shape(0.25f);
  float l[2], r[2];
  hand_offsets(s, 0, l, r);  // facing up: both hands above the centre
  EXPECT_FLOAT_EQ(l[0], -4);
  EXPECT_FLOAT_EQ(l[1], -4);
  EXPECT_FLOAT_EQ(r[0], 4);
  EXPECT_FLOAT_EQ(r[1], -4);
  hand_offsets(s, 90, l, r);  // facing left
  EXPECT_FLOAT_EQ(l[0], -4);
  EXPECT_FLOAT_EQ(l[1], 4);
  EXPECT_FLOAT_EQ(r[0], -4);
  EXPECT_FLOAT_EQ(r[1], -4);
  hand_offsets(s, 180, l, r);  // facing down
  EXPECT_FLOAT_EQ(l[1], 4);
  EXPECT_FLOAT_EQ(r[1], 4);
  hand_offsets(s, 270, l, r);  // facing right
  EXPECT_FLOAT_EQ(l[0], 4);
  EXPECT_FLOAT_EQ(r[0], 4);
  hand_offsets(s, 45, l, r);  // up-left: one hand straight up, one straight left
  EXPECT_NEAR(l[0], -5.65685f, 1e-4);
  EXPECT_NEAR(l[1], 0.0f, 1e-4);
  EXPECT_NEAR(r[0], 0.0f, 1e-4);
  EXPECT_NEAR(r[1], -5.65685f, 1e-4);
}

TEST(MemoryGymAgent, SpriteDrawsBodyAndDarkHandsInTheObservation) {
  std::vector<uint8_t> obs(kScreenSize * kScreenSize * 3, 0);
  Painter p = observation_painter(obs.data());
  draw_agent(p, agent_shape(0.25f), 40, 40, 0);
  EXPECT_EQ(pixel(obs, 40, 40), kAgentBody);
  EXPECT_EQ(pixel(obs, 40, 45), kAgentBody);
  EXPECT_EQ(pixel(obs, 36, 36), kAgentHandOutline);
  EXPECT_EQ(pixel(obs, 44, 36), kAgentHandOutline);
  EXPECT_EQ(pixel(obs, 36, 44), kAgentBody);  // no hands below when facing up
  EXPECT_EQ(pixel(obs, 47, 40), (Color{0, 0, 0}));

  Image big;
  Painter r = render_painter(big);
  draw_agent(r, agent_shape(0.25f), 40, 40, 0);
  EXPECT_EQ(big.color_at(40 * 4 + 2, 40 * 4 + 2), kAgentBody);
  EXPECT_EQ(big.color_at(36 * 4 + 2, 36 * 4 + 2), kAgentHandOutline);
}

TEST(MemoryGymFreeController, DiagonalSpeedThreeTruncatesToTwo) {
  FreeController c(3.0f, 6);
  c.place(40, 40);
  c.step(decode_free_action(2 * 3 + 2, "test"));  // right + down
  EXPECT_EQ(c.x(), 42);
  EXPECT_EQ(c.y(), 42);
  EXPECT_EQ(c.rotation(), 225);
  c.step(decode_free_action(1 * 3 + 0, "test"));  // left
  EXPECT_EQ(c.x(), 39);
  EXPECT_EQ(c.y(), 42);
  EXPECT_EQ(c.rotation(), 90);
  c.step(decode_free_action(0, "test"));  // standing still keeps the rotation
  EXPECT_EQ(c.x(), 39);
  EXPECT_EQ(c.rotation(), 90);
  c.step(decode_free_action(1 * 3 + 1, "test"));  // left + up
  EXPECT_EQ(c.x(), 37);
  EXPECT_EQ(c.y(), 40);
  EXPECT_EQ(c.rotation(), 45);
  c.step(decode_free_action(2, "test"));  // down
  EXPECT_EQ(c.rotation(), 180);
  c.step(decode_free_action(1, "test"));  // up
  EXPECT_EQ(c.rotation(), 0);
  c.step(decode_free_action(2 * 3 + 1, "test"));  // right + up
  EXPECT_EQ(c.rotation(), 315);
  c.step(decode_free_action(1 * 3 + 2, "test"));  // left + down
  EXPECT_EQ(c.rotation(), 135);
  c.step(decode_free_action(2 * 3, "test"));  // right
  EXPECT_EQ(c.rotation(), 270);
}

TEST(MemoryGymFreeController, ClampsTheBodyInsideTheBounds) {
  FreeController c(3.0f, 6);
  const Bounds arena{7, 7, 70, 70};  // the 5x5 Mortar Mayhem arena
  c.place(14, 14);
  c.step(decode_free_action(1 * 3 + 1, "test"), arena);
  EXPECT_EQ(c.x(), 13);
  EXPECT_EQ(c.y(), 13);
  c.place(75, 75);
  c.step(decode_free_action(2 * 3 + 2, "test"), arena);
  EXPECT_EQ(c.x(), 71);
  EXPECT_EQ(c.y(), 71);
}

TEST(MemoryGymFreeController, ActionsOutsideTheSpaceAreRejected) {
  EXPECT_THROW(decode_free_action(9, "mortar_mayhem"), UsageError);
  EXPECT_THROW(decode_free_action(-1, "mortar_mayhem"), UsageError);
  try {
    decode_free_action(9, "mortar_mayhem");
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("mortar_mayhem"), std::string::npos);
  }
}

TEST(MemoryGymScreenWrap, LeavingOneSideEntersTheOpposite) {
  ScreenWrapController c(3.0f, 6);
  const Bounds screen{0, 0, 84, 84};
  c.place(86, 40);
  c.step(decode_free_action(2 * 3, "test"), screen);  // 89 > 84 + 3: wraps to -3
  EXPECT_EQ(c.x(), -3);
  EXPECT_EQ(c.y(), 40);
  c.place(-2, 40);
  c.step(decode_free_action(1 * 3, "test"), screen);  // -5 < -3: wraps to 87
  EXPECT_EQ(c.x(), 87);
  c.place(40, 86);
  c.step(decode_free_action(2, "test"), screen);
  EXPECT_EQ(c.y(), -3);
  c.place(40, 50);
  c.step(decode_free_action(1, "test"), screen);
  EXPECT_EQ(c.y(), 47);
}

TEST(MemoryGymGridController, RotationsAndForwardMovesStayOnTheGrid) {
  GridController g(3);
  g.place(1, 1, 0);
  g.step(kGridForward, "test");  // north
  EXPECT_EQ(g.cell_x(), 1);
  EXPECT_EQ(g.cell_y(), 0);
  g.step(kGridForward, "test");  // blocked by the edge
  EXPECT_EQ(g.cell_y(), 0);
  g.step(kGridRotateLeft, "test");
  EXPECT_EQ(g.rotation(), 90);  // west
  g.step(kGridForward, "test");
  EXPECT_EQ(g.cell_x(), 0);
  g.step(kGridRotateLeft, "test");
  EXPECT_EQ(g.rotation(), 180);  // south
  g.step(kGridForward, "test");
  EXPECT_EQ(g.cell_y(), 1);
  g.step(kGridRotateRight, "test");
  g.step(kGridRotateRight, "test");
  EXPECT_EQ(g.rotation(), 0);
  g.step(kGridRotateRight, "test");
  EXPECT_EQ(g.rotation(), 270);  // east
  g.step(kGridForward, "test");
  g.step(kGridForward, "test");
  g.step(kGridForward, "test");
  EXPECT_EQ(g.cell_x(), 2);
  g.step(kGridNoop, "test");
  EXPECT_EQ(g.cell_x(), 2);
  EXPECT_EQ(g.rotation(), 270);
  EXPECT_THROW(g.step(4, "mortar_mayhem_grid"), UsageError);
}

}  // namespace
}  // namespace lever::memorygym

#include <gtest/gtest.h>

#include <cmath>

#include "lever/env/classic/cartpole.h"

namespace lever {
namespace {

// From rest, a push right: temp = F/(m_c+m_p) = 100/11, theta_acc = -(100/11)/(l(4/3 -
// m_p/(m_c+m_p))) = -600/41, x_acc = 100/11 + m_p l (600/41)/(m_c+m_p) = 4400/451 (hand-derived).
TEST(CartPoleDynamics, PushRightFromRestMatchesHandComputedEulerSteps) {
  CartPole env;
  float obs[4];
  env.reset(0, obs);
  env.set_state({0.0, 0.0, 0.0, 0.0});
  StepResult r = env.step(1, obs);
  EXPECT_FLOAT_EQ(obs[0], 0.0f);
  EXPECT_NEAR(obs[1], 0.02 * 4400.0 / 451.0, 1e-7);
  EXPECT_FLOAT_EQ(obs[2], 0.0f);
  EXPECT_NEAR(obs[3], -0.02 * 600.0 / 41.0, 1e-7);
  EXPECT_EQ(r.reward, 1.0f);
  EXPECT_FALSE(r.terminated);

  // Second step: sin(theta) is still 0, so the accelerations repeat; Euler uses the old velocities.
  env.step(1, obs);
  EXPECT_NEAR(obs[0], 0.02 * 0.02 * 4400.0 / 451.0, 1e-7);
  EXPECT_NEAR(obs[1], 2 * 0.02 * 4400.0 / 451.0, 1e-7);
  EXPECT_NEAR(obs[2], -0.02 * 0.02 * 600.0 / 41.0, 1e-7);
  EXPECT_NEAR(obs[3], -2 * 0.02 * 600.0 / 41.0, 1e-7);
}

TEST(CartPoleDynamics, PushLeftIsMirrorImage) {
  CartPole env;
  float obs[4];
  env.set_state({0.0, 0.0, 0.0, 0.0});
  env.step(0, obs);
  EXPECT_NEAR(obs[1], -0.02 * 4400.0 / 451.0, 1e-7);
  EXPECT_NEAR(obs[3], 0.02 * 600.0 / 41.0, 1e-7);
}

TEST(CartPoleDynamics, GravityTipsATiltedPole) {
  // theta = 0.1 at rest, push right: temp = 100/11; theta_acc = (9.8 sin - cos temp)/(0.5(4/3 - 0.1
  // cos^2/1.1)).
  CartPole env;
  float obs[4];
  env.set_state({0.0, 0.0, 0.1, 0.0});
  env.step(1, obs);
  const double s = std::sin(0.1), c = std::cos(0.1);
  const double temp = 10.0 / 1.1;
  const double theta_acc = (9.8 * s - c * temp) / (0.5 * (4.0 / 3.0 - 0.1 * c * c / 1.1));
  const double x_acc = temp - 0.05 * theta_acc * c / 1.1;
  EXPECT_NEAR(obs[1], 0.02 * x_acc, 1e-6);
  EXPECT_NEAR(obs[3], 0.02 * theta_acc, 1e-6);
  EXPECT_NEAR(obs[2], 0.1, 1e-7);
}

TEST(CartPoleDynamics, TerminatesPastTheThresholds) {
  CartPole env;
  float obs[4];
  env.set_state({2.39, 1.0, 0.0, 0.0});  // x becomes 2.41 > 2.4
  EXPECT_TRUE(env.step(1, obs).terminated);
  env.set_state({0.0, 0.0, 0.2094, 0.1});  // 12 deg = 0.20944 rad; theta becomes 0.2114
  EXPECT_TRUE(env.step(1, obs).terminated);
  env.set_state({0.0, 0.0, 0.2, 0.0});  // theta stays 0.2 < 0.20944
  EXPECT_FALSE(env.step(1, obs).terminated);
}

TEST(CartPoleDynamics, ResetDependsOnlyOnLevelSeedAndStaysSmall) {
  CartPole a, b;
  float obs_a[4], obs_b[4];
  a.reset(42, obs_a);
  b.reset(42, obs_b);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(obs_a[i], obs_b[i]);
    EXPECT_LE(std::abs(obs_a[i]), 0.05f);
  }
  b.reset(43, obs_b);
  EXPECT_NE(obs_a[0], obs_b[0]);
}

}  // namespace
}  // namespace lever

namespace lever {
namespace {

// Gym's 600x400 view: 125 px per metre (600 / 4.8), track at y = 300, axle 22.5 px above it,
// pole 1 m = 125 px long.
TEST(CartPoleRender, DrawsCartAndPoleWhereTheStateSays) {
  CartPole env;
  Image frame;
  env.set_state({0.0, 0.0, 0.0, 0.0});
  env.render(frame);
  ASSERT_EQ(frame.width, 600);
  ASSERT_EQ(frame.height, 400);
  const Color pole{202, 152, 101}, cart{0, 0, 0}, background{255, 255, 255};
  EXPECT_EQ(frame.color_at(300, 290), cart);
  EXPECT_EQ(frame.color_at(300, 200), pole);
  EXPECT_EQ(frame.color_at(340, 200), background);

  env.set_state({1.0, 0.0, 0.2, 0.0});  // cart 125 px right, pole tilted right by 0.2 rad
  env.render(frame);
  EXPECT_EQ(frame.color_at(425, 290), cart);
  EXPECT_EQ(frame.color_at(300, 290), background);
  const int tip_x = static_cast<int>(425 + std::sin(0.2) * 100),
            tip_y = static_cast<int>(277.5 - std::cos(0.2) * 100);
  EXPECT_EQ(frame.color_at(tip_x, tip_y), pole);
  EXPECT_EQ(frame.color_at(425, tip_y - 20), background);  // an upright pole would be here
}

}  // namespace
}  // namespace lever

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <utility>
#include <vector>

#include "lever/env/classic/cartpole.h"
#include "lever/env/classic/cartpole_masked.h"
#include "lever/env/classic/poc_memory.h"

namespace lever {
namespace {

// The first seed whose episode starts at `ticks` with the +1 goal on the right (or left).
uint64_t poc_seed_with(int ticks, bool reward_right) {
  PocMemory env;
  float obs[3];
  for (uint64_t seed = 0; seed < 1000; ++seed) {
    env.reset(seed, obs);
    if (env.position_ticks() == ticks && (env.goal_right() > 0.0f) == reward_right) return seed;
  }
  ADD_FAILURE() << "no seed starts at " << ticks << " ticks";
  return 0;
}

TEST(PocMemorySpec, DescribesThreeFloatsTwoActionsAndA64StepLimit) {
  const auto env = poc_memory_info().make(nlohmann::json::object());
  EXPECT_EQ(env->spec().id, "poc_memory");
  EXPECT_EQ(env->spec().obs_shape, std::vector<int64_t>{3});
  EXPECT_EQ(env->spec().obs_type, ObsType::kF32);
  EXPECT_EQ(env->spec().num_actions, 2);
  EXPECT_EQ(env->spec().max_episode_steps, 64);
  EXPECT_EQ(poc_memory_info().id, "poc_memory");
  EXPECT_TRUE(poc_memory_info().options.empty());
}

TEST(PocMemoryLevels, SameLevelSeedReplaysTheSameEpisode) {
  PocMemory a, b;
  float obs_a[3], obs_b[3];
  const int actions[] = {1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  for (uint64_t seed : {3u, 11u, 12345u}) {
    a.reset(seed, obs_a);
    b.reset(seed, obs_b);
    for (int i = 0; i < 3; ++i) ASSERT_EQ(obs_a[i], obs_b[i]);
    for (int action : actions) {
      const StepResult ra = a.step(action, obs_a);
      const StepResult rb = b.step(action, obs_b);
      for (int i = 0; i < 3; ++i) ASSERT_EQ(obs_a[i], obs_b[i]);
      ASSERT_EQ(ra.reward, rb.reward);
      ASSERT_EQ(ra.terminated, rb.terminated);
      if (ra.terminated) break;
    }
  }
}

TEST(PocMemoryLevels, SeedsCoverBothGoalOrdersAndAllFiveStarts) {
  PocMemory env;
  float obs[3];
  std::set<std::pair<float, float>> goal_orders;
  std::set<float> starts;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    env.reset(seed, obs);
    goal_orders.insert({obs[0], obs[2]});
    starts.insert(obs[1]);
  }
  const std::set<std::pair<float, float>> want_orders = {{-1.0f, 1.0f}, {1.0f, -1.0f}};
  EXPECT_EQ(goal_orders, want_orders);
  const std::set<float> want_starts = {-0.4f, -0.2f, 0.0f, 0.2f, 0.4f};
  EXPECT_EQ(starts, want_starts);
}

TEST(PocMemoryFreeze, FirstTwoStepsShowGoalsAndIgnoreActions) {
  for (int action : {0, 1}) {
    PocMemory env;
    float start[3], obs[3];
    env.reset(poc_seed_with(2, true), start);  // 0.4: a move right would be visible at once
    ASSERT_FLOAT_EQ(start[1], 0.4f);
    for (int step = 0; step < 2; ++step) {
      const StepResult r = env.step(action, obs);
      EXPECT_EQ(obs[0], start[0]);
      EXPECT_EQ(obs[1], start[1]);
      EXPECT_EQ(obs[2], start[2]);
      EXPECT_EQ(obs[0], -1.0f);
      EXPECT_EQ(obs[2], 1.0f);
      EXPECT_EQ(r.reward, 0.0f);
      EXPECT_FALSE(r.terminated);
      EXPECT_FALSE(r.level_complete);
    }
    EXPECT_EQ(env.position_ticks(), 2);
  }
}

TEST(PocMemoryFreeze, GoalsReadZeroFromTheThirdStepAndPositionsStayOnTwoDecimals) {
  PocMemory env;
  float obs[3];
  env.reset(poc_seed_with(-2, false), obs);  // -0.4, +1 goal on the left
  env.step(1, obs);
  env.step(1, obs);
  // Walk right across the corridor to +1: -0.2, 0.0, ..., 1.0.
  for (int ticks = -1; ticks <= 5; ++ticks) {
    const StepResult r = env.step(1, obs);
    EXPECT_EQ(obs[0], 0.0f);
    EXPECT_EQ(obs[2], 0.0f);
    EXPECT_EQ(obs[1], static_cast<float>(ticks / 5.0)) << "ticks " << ticks;
    EXPECT_EQ(r.terminated, ticks == 5);
    EXPECT_FALSE(env.goals_visible());
  }
}

TEST(PocMemoryRewards, EachMoveCostsATenthUntilAGoal) {
  PocMemory env;
  float obs[3];
  env.reset(poc_seed_with(0, true), obs);
  env.step(0, obs);
  env.step(0, obs);
  // Left, right, left, right: never reaches an end.
  for (int action : {0, 1, 0, 1, 0}) {
    const StepResult r = env.step(action, obs);
    EXPECT_FLOAT_EQ(r.reward, -0.1f);
    EXPECT_FALSE(r.terminated);
  }
  EXPECT_FLOAT_EQ(obs[1], -0.2f);
}

// Walks from the start to one end (after the 2 frozen steps); returns the last step's result.
StepResult walk_to_end(PocMemory& env, int action, float* obs) {
  env.step(action, obs);
  env.step(action, obs);
  StepResult r;
  for (int i = 0; i < 20 && !r.terminated; ++i) r = env.step(action, obs);
  return r;
}

TEST(PocMemoryRewards, RewardingGoalPaysAndCompletesTheLevelPunishingGoalCosts) {
  for (bool reward_right : {true, false}) {
    PocMemory env;
    float obs[3];
    const uint64_t seed = poc_seed_with(0, reward_right);
    env.reset(seed, obs);
    StepResult r = walk_to_end(env, reward_right ? 1 : 0, obs);
    EXPECT_TRUE(r.terminated);
    EXPECT_FLOAT_EQ(r.reward, 1.6f);
    EXPECT_TRUE(r.level_complete);
    EXPECT_FLOAT_EQ(std::abs(obs[1]), 1.0f);

    env.reset(seed, obs);
    r = walk_to_end(env, reward_right ? 0 : 1, obs);
    EXPECT_TRUE(r.terminated);
    EXPECT_FLOAT_EQ(r.reward, -1.6f);
    EXPECT_FALSE(r.level_complete);
  }
}

// 2 frozen steps (0 each), 4 moves at -0.1 and the fifth onto the +1 goal (+1.6): 7 steps, 1.2.
TEST(PocMemoryRewards, OptimalPolicyFromTheCentreReturnsOnePointTwo) {
  for (bool reward_right : {true, false}) {
    PocMemory env;
    float obs[3];
    env.reset(poc_seed_with(0, reward_right), obs);
    ASSERT_EQ(obs[1], 0.0f);
    const int action = obs[2] > 0.0f ? 1 : 0;  // remembered from the first observation
    float episode_return = 0.0f;
    int steps = 0;
    StepResult r;
    while (!r.terminated && steps < 64) {
      r = env.step(action, obs);
      episode_return += r.reward;
      ++steps;
      EXPECT_EQ(r.level_complete, r.terminated);
    }
    EXPECT_NEAR(episode_return, 1.2f, 1e-5);
    EXPECT_EQ(steps, 7);
  }
}

TEST(PocMemoryRender, ShowsGoalColoursWhileVisibleGreyOnceHiddenAndTheAgentCell) {
  PocMemory env;
  float obs[3];
  env.reset(poc_seed_with(0, true), obs);
  Image frame;
  env.render(frame);
  // 11 cells of 40 px after a 20 px margin; cell i's centre is at x = 40 + 40 i, y = 40.
  EXPECT_EQ(frame.width, 480);
  EXPECT_GT(frame.height, 60);
  const Color good{40, 170, 60}, bad{200, 40, 40}, hidden{150, 150, 150}, agent{40, 90, 220};
  EXPECT_EQ(frame.color_at(40 + 5, 40), bad);
  EXPECT_EQ(frame.color_at(40 + 40 * 10 - 5, 40), good);
  EXPECT_EQ(frame.color_at(40 + 40 * 5, 40), agent);
  EXPECT_NE(frame.color_at(40 + 40 * 6, 40), agent);

  env.step(1, obs);
  env.step(1, obs);
  env.step(1, obs);  // goals hidden, agent one cell right
  env.render(frame);
  EXPECT_EQ(frame.color_at(40 + 5, 40), hidden);
  EXPECT_EQ(frame.color_at(40 + 40 * 10 - 5, 40), hidden);
  EXPECT_EQ(frame.color_at(40 + 40 * 6, 40), agent);
  EXPECT_NE(frame.color_at(40 + 40 * 5, 40), agent);
}

TEST(CartPoleMaskedSpec, IsCartPoleV0WithA200StepLimit) {
  const auto env = cartpole_masked_info().make(nlohmann::json::object());
  EXPECT_EQ(env->spec().id, "cartpole_masked");
  EXPECT_EQ(env->spec().obs_shape, std::vector<int64_t>{4});
  EXPECT_EQ(env->spec().obs_type, ObsType::kF32);
  EXPECT_EQ(env->spec().num_actions, 2);
  EXPECT_EQ(env->spec().max_episode_steps, 200);
  EXPECT_EQ(cartpole_masked_info().id, "cartpole_masked");
}

TEST(CartPoleMaskedObservation, VelocitiesReadZeroPositionsMatchUnmaskedCartPole) {
  CartPoleMasked masked;
  CartPole plain;
  float obs_m[4], obs_p[4];
  masked.reset(9, obs_m);
  plain.reset(9, obs_p);
  EXPECT_EQ(obs_m[0], obs_p[0]);
  EXPECT_EQ(obs_m[2], obs_p[2]);
  EXPECT_EQ(obs_m[1], 0.0f);
  EXPECT_EQ(obs_m[3], 0.0f);
  for (int action : {1, 1, 1, 0, 1, 1}) {
    const StepResult rm = masked.step(action, obs_m);
    const StepResult rp = plain.step(action, obs_p);
    EXPECT_EQ(obs_m[0], obs_p[0]);
    EXPECT_EQ(obs_m[2], obs_p[2]);
    EXPECT_EQ(obs_m[1], 0.0f);
    EXPECT_EQ(obs_m[3], 0.0f);
    EXPECT_EQ(rm.reward, rp.reward);
    EXPECT_EQ(rm.reward, 1.0f);
    EXPECT_EQ(rm.terminated, rp.terminated);
  }
  // The hidden velocities are real: the simulation underneath moves.
  EXPECT_GT(std::abs(masked.cartpole().state()[1]), 0.1);
  EXPECT_GT(std::abs(masked.cartpole().state()[3]), 0.1);
  EXPECT_EQ(masked.cartpole().state(), plain.state());
  EXPECT_NE(obs_m[0], 0.0f);
  EXPECT_NE(obs_m[2], 0.0f);
}

TEST(CartPoleMaskedObservation, TerminatesLikeCartPoleAndRendersItsView) {
  CartPoleMasked masked;
  CartPole plain;
  float obs_m[4], obs_p[4];
  masked.reset(1, obs_m);
  plain.reset(1, obs_p);
  int steps = 0;
  StepResult rm, rp;
  while (!rm.terminated && steps < 100) {
    rm = masked.step(1, obs_m);
    rp = plain.step(1, obs_p);
    ++steps;
    ASSERT_EQ(rm.terminated, rp.terminated);
  }
  EXPECT_TRUE(rm.terminated);  // always pushing right tips the pole well before 100 steps
  Image a, b;
  masked.render(a);
  plain.render(b);
  EXPECT_EQ(a.width, 600);
  EXPECT_EQ(a.pixels, b.pixels);
}

}  // namespace
}  // namespace lever

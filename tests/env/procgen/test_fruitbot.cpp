#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "lever/core/rng.h"
#include "lever/env/procgen/kernel.h"
#include "lever/env/registry.h"

namespace lever {
namespace {

// FruitBot's entity types (fruitbot.cpp keeps them private; the tests build situations with them).
constexpr int kWall = 1, kDoor = 2, kLock = 3, kKey = 4, kFruit = 5, kJunk = 6, kPresent = 7;
constexpr float kStepRise = 0.9f * 0.5f * 0.85f * 0.2f;  // first-step vy from rest

using Obs = std::array<uint8_t, 64 * 64 * 3>;

struct Game {
  std::unique_ptr<Env> env;
  procgen::ProcgenGame* game;
  Obs obs{};
};

Game make_game(const std::string& mode, nlohmann::json options = nlohmann::json::object()) {
  options["distribution_mode"] = mode;
  Game g;
  g.env = make_env("fruitbot", options);
  g.game = dynamic_cast<procgen::ProcgenGame*>(g.env.get());
  return g;
}

uint64_t hash_obs(const Obs& obs) {
  uint64_t h = 1469598103934665603ULL;
  for (uint8_t b : obs) h = (h ^ b) * 1099511628211ULL;
  return h;
}

procgen::Entity object(int type, float x, float y, float rx, float ry) {
  procgen::Entity e;
  e.type = type;
  e.x = x;
  e.y = y;
  e.rx = rx;
  e.ry = ry;
  return e;
}

// An empty easy level with the agent at rest at (x, y).
Game empty_level(float x, float y, const std::string& mode = "easy") {
  Game g = make_game(mode);
  g.env->reset(3, g.obs.data());
  g.game->entities().clear();
  procgen::Entity& a = g.game->mutable_agent();
  a.x = x;
  a.y = y;
  a.vx = a.vy = 0;
  return g;
}

int count_type(procgen::ProcgenGame* game, int type) {
  const auto& es = game->entities();
  return static_cast<int>(std::count_if(
      es.begin(), es.end(), [&](const procgen::Entity& e) { return e.type == type && e.alive; }));
}

std::vector<uint64_t> rollout_hashes(uint64_t seed, const std::string& mode) {
  Game g = make_game(mode);
  Rng actions(11);
  std::vector<uint64_t> hashes;
  g.env->reset(seed, g.obs.data());
  hashes.push_back(hash_obs(g.obs));
  for (int t = 0; t < 300; ++t) {
    const StepResult r = g.env->step(static_cast<int>(actions.below(15)), g.obs.data());
    if (r.terminated) g.env->reset(seed, g.obs.data());
    hashes.push_back(hash_obs(g.obs));
  }
  return hashes;
}

TEST(FruitBotDeterminism, SameSeedAndActionsGiveIdenticalFrames) {
  for (const char* mode : {"easy", "hard"}) {
    const std::vector<uint64_t> a = rollout_hashes(1234, mode), b = rollout_hashes(1234, mode);
    ASSERT_EQ(a.size(), 301u);
    for (size_t t = 0; t < a.size(); ++t) ASSERT_EQ(a[t], b[t]) << mode << " step " << t;
    const std::vector<uint64_t> c = rollout_hashes(1235, mode);
    int differing = 0;
    for (size_t t = 0; t < a.size(); ++t) differing += a[t] != c[t];
    EXPECT_GT(differing, 250) << mode;
  }
}

TEST(FruitBotLevels, TimeoutIs1000InBothModes) {
  EXPECT_EQ(make_game("easy").env->spec().max_episode_steps, 1000);
  EXPECT_EQ(make_game("hard").env->spec().max_episode_steps, 1000);
  EXPECT_EQ(make_game("hard").env->spec().num_actions, 15);
}

// Easy: 10 wide, 5 wall rows, gaps 20-40% of the width, no doors, 2 looks per object kind.
// Hard: 20 wide, 10 rows, gaps 10-30% (a door row adds 10% and rounds up to whole fence panels).
TEST(FruitBotLevels, EasyAndHardDifferInWidthWallsGapsDoorsAndLooks) {
  for (const char* mode : {"easy", "hard"}) {
    const bool easy = std::string(mode) == "easy";
    const float width = easy ? 10.0f : 20.0f;
    int door_levels = 0;
    std::set<std::tuple<int, int, int>> fruit_looks;
    for (uint64_t seed = 0; seed < 60; ++seed) {
      Game g = make_game(mode);
      g.env->reset(seed, g.obs.data());
      const procgen::Entity& agent = g.game->agent();
      EXPECT_FLOAT_EQ(agent.y, 0.4f);
      EXPECT_GE(agent.x, 0.4f);
      EXPECT_LE(agent.x, width - 0.4f);
      EXPECT_EQ(count_type(g.game, kPresent), static_cast<int>(width));
      const int fruit = count_type(g.game, kFruit), junk = count_type(g.game, kJunk);
      EXPECT_GE(fruit, 10);
      EXPECT_LE(fruit, 19);
      EXPECT_GE(junk, 10);
      EXPECT_LE(junk, 19);
      // Each row's walls and door cover the width minus the gap (the door closes part of it).
      std::vector<float> rows;
      for (const auto& e : g.game->entities()) {
        if (e.type == kFruit) fruit_looks.insert({e.color.r, e.color.g, e.color.b});
        if (e.type != kWall && e.type != kDoor) continue;
        if (std::find(rows.begin(), rows.end(), e.y) == rows.end()) rows.push_back(e.y);
      }
      EXPECT_EQ(rows.size(), easy ? 5u : 10u);
      bool has_door = false;
      for (float y : rows) {
        EXPECT_GE(y, 4.0f);
        EXPECT_LE(y, 56.0f);
        float walls = 0;
        bool door = false;
        for (const auto& e : g.game->entities()) {
          if (e.y != y) continue;
          if (e.type == kWall) walls += 2 * e.rx;
          if (e.type == kDoor) door = true;
        }
        const float gap = (width - walls) / width;
        if (door) {
          EXPECT_GE(gap, 0.2f - 1e-4f);
          EXPECT_LE(gap, 0.4f + 1.95f / width + 1e-4f);
        } else {
          EXPECT_GE(gap, (easy ? 0.2f : 0.1f) - 1e-4f);
          EXPECT_LE(gap, (easy ? 0.4f : 0.3f) + 1e-4f);
        }
        has_door = has_door || door;
      }
      door_levels += has_door;
      EXPECT_EQ(count_type(g.game, kDoor), count_type(g.game, kLock));
    }
    if (easy) {
      EXPECT_EQ(door_levels, 0);
      EXPECT_LE(fruit_looks.size(), 2u + 1u);  // + the fallback colour near the robot's
    } else {
      EXPECT_GT(door_levels, 5);
      EXPECT_GE(fruit_looks.size(), 5u);
    }
  }
}

TEST(FruitBotRewards, FruitGivesPlusOneAndDisappears) {
  Game g = empty_level(5, 10);
  g.game->entities().push_back(object(kFruit, 5.2f, 10.3f, 0.5f, 0.5f));
  const StepResult r = g.env->step(4, g.obs.data());
  EXPECT_FLOAT_EQ(r.reward, 1.0f);
  EXPECT_FALSE(r.terminated);
  EXPECT_FALSE(r.level_complete);
  EXPECT_EQ(count_type(g.game, kFruit), 0);
  EXPECT_FLOAT_EQ(g.env->step(4, g.obs.data()).reward, 0.0f);
}

TEST(FruitBotRewards, NonFruitCostsFourAndStacksWithFruit) {
  Game g = empty_level(5, 10);
  g.game->entities().push_back(object(kJunk, 4.6f, 10.5f, 0.5f, 0.5f));
  StepResult r = g.env->step(4, g.obs.data());
  EXPECT_FLOAT_EQ(r.reward, -4.0f);
  EXPECT_FALSE(r.terminated);
  EXPECT_EQ(count_type(g.game, kJunk), 0);

  g.game->entities().push_back(object(kJunk, 4.5f, 10.5f, 0.5f, 0.5f));
  g.game->entities().push_back(object(kFruit, 5.5f, 10.5f, 0.5f, 0.5f));
  r = g.env->step(4, g.obs.data());
  EXPECT_FLOAT_EQ(r.reward, -3.0f);
}

TEST(FruitBotRewards, WallOrLockedDoorKills) {
  for (int type : {kWall, kDoor}) {
    Game g = empty_level(5, 10);
    // The wall row sits just above the agent's top edge: the upward drive carries it in.
    g.game->entities().push_back(object(type, 5, 10 + 0.4f + 0.3f + 0.05f, 3, 0.3f));
    const StepResult r = g.env->step(4, g.obs.data());
    EXPECT_TRUE(r.terminated) << type;
    EXPECT_FALSE(r.level_complete);
    EXPECT_FLOAT_EQ(r.reward, 0.0f);
  }
}

TEST(FruitBotRewards, LockAloneIsHarmless) {
  Game g = empty_level(5, 10);
  g.game->entities().push_back(object(kLock, 5, 10, 0.25f, 0.45f));
  const StepResult r = g.env->step(4, g.obs.data());
  EXPECT_FALSE(r.terminated);
  EXPECT_FLOAT_EQ(r.reward, 0.0f);
}

TEST(FruitBotRewards, PresentsGiveTenOnceAndCompleteTheLevel) {
  Game g = empty_level(5.0f, 58.6f);
  // The agent straddles two presents; the bonus is paid once.
  g.game->entities().push_back(object(kPresent, 4.5f, 59.5f, 0.5f, 0.5f));
  g.game->entities().push_back(object(kPresent, 5.5f, 59.5f, 0.5f, 0.5f));
  const StepResult r = g.env->step(4, g.obs.data());
  EXPECT_FLOAT_EQ(r.reward, 10.0f);
  EXPECT_TRUE(r.terminated);
  EXPECT_TRUE(r.level_complete);
}

TEST(FruitBotRewards, DrivingStraightUpAnEmptyLevelReachesThePresents) {
  Game g = make_game("easy");
  g.env->reset(9, g.obs.data());
  auto& es = g.game->entities();
  es.erase(std::remove_if(es.begin(), es.end(),
                          [](const procgen::Entity& e) { return e.type != kPresent; }),
           es.end());
  float total = 0;
  int steps = 0;
  StepResult r;
  do {
    r = g.env->step(4, g.obs.data());
    total += r.reward;
    ++steps;
  } while (!r.terminated && steps < 1000);
  EXPECT_TRUE(r.level_complete);
  EXPECT_FLOAT_EQ(total, 10.0f);
  // Steady climb 0.0765 / 0.55 = 0.139 per step: 58.2 units in about 420 steps.
  EXPECT_GT(steps, 400);
  EXPECT_LT(steps, 440);
}

TEST(FruitBotKeys, Action9FiresAKeyEveryEightSteps) {
  Game g = empty_level(5, 10, "hard");
  for (int t = 1; t <= 7; ++t) {
    g.env->step(9, g.obs.data());
    EXPECT_EQ(count_type(g.game, kKey), 0) << t;
  }
  g.env->step(9, g.obs.data());  // step 8: the first key
  ASSERT_EQ(count_type(g.game, kKey), 1);
  const procgen::Entity key = g.game->entities().back();
  EXPECT_FLOAT_EQ(key.x, g.game->agent().x);
  EXPECT_FLOAT_EQ(key.y, g.game->agent().y);
  EXPECT_FLOAT_EQ(key.vy, 0.5f);
  for (int t = 9; t <= 15; ++t) {
    g.env->step(9, g.obs.data());
    EXPECT_EQ(count_type(g.game, kKey), 1) << t;
  }
  EXPECT_NEAR(g.game->entities().back().y, key.y + 7 * 0.5f, 1e-5);
  g.env->step(10, g.obs.data());  // step 16: the first key's 8th move; action 10 fires nothing
  EXPECT_EQ(count_type(g.game, kKey), 1);
  g.env->step(9, g.obs.data());  // step 17: the first key expires, a second one leaves
  ASSERT_EQ(count_type(g.game, kKey), 1);
  EXPECT_FLOAT_EQ(g.game->entities().back().y, g.game->agent().y);
}

TEST(FruitBotKeys, KeyOnTheLockOpensTheDoorAndAWallStopsAKey) {
  Game g = empty_level(5, 10, "hard");
  auto& es = g.game->entities();
  es.push_back(object(kDoor, 5.5f, 13, 1.0f, 0.3f));
  es.push_back(object(kLock, 4.25f, 12.85f, 0.25f, 0.45f));
  es.push_back(object(kWall, 12, 13, 1.0f, 0.3f));
  es.push_back(object(kDoor, 5.5f, 20, 1.0f, 0.3f));  // another row's door stays shut
  procgen::Entity key = object(kKey, 4.25f, 10.5f, 0.25f, 0.25f);
  key.vy = 0.5f;
  es.push_back(key);
  key.x = 12;
  es.push_back(key);
  for (int t = 0; t < 5; ++t) g.env->step(4, g.obs.data());
  EXPECT_EQ(count_type(g.game, kLock), 0);
  EXPECT_EQ(count_type(g.game, kKey), 0);
  EXPECT_EQ(count_type(g.game, kWall), 1);
  ASSERT_EQ(count_type(g.game, kDoor), 1);
  for (const auto& e : g.game->entities()) {
    if (e.type == kDoor) {
      EXPECT_FLOAT_EQ(e.y, 20.0f);
    }
  }
  // The opened row no longer kills: drive through where the door was.
  for (int t = 0; t < 30; ++t) ASSERT_FALSE(g.env->step(4, g.obs.data()).terminated) << t;
  EXPECT_GT(g.game->agent().y, 13.5f);
}

TEST(FruitBotActions, OnlyLeftRightSteerAndTheDriveIsAlwaysUp) {
  for (int action = 0; action < 15; ++action) {
    Game g = empty_level(5, 10);
    const StepResult r = g.env->step(action, g.obs.data());
    EXPECT_FALSE(r.terminated);
    const procgen::Entity& a = g.game->agent();
    const int ax = action < 9 ? action / 3 - 1 : 0;
    EXPECT_NEAR(a.x, 5 + ax * 0.9f * 0.5f * 0.85f, 1e-5) << action;
    EXPECT_NEAR(a.y, 10 + kStepRise, 1e-5) << action;
    EXPECT_EQ(count_type(g.game, kKey), 0) << action;  // no key before the 8-step cooldown
  }
}

TEST(FruitBotActions, SideWallsBlockWithoutKilling) {
  Game g = empty_level(1, 10);
  for (int t = 0; t < 10; ++t) ASSERT_FALSE(g.env->step(1, g.obs.data()).terminated);
  EXPECT_FLOAT_EQ(g.game->agent().x, 0.4f);
  for (int t = 0; t < 30; ++t) g.env->step(7, g.obs.data());
  EXPECT_NEAR(g.game->agent().x, 9.6f, 1e-5);
}

TEST(FruitBotRendering, RobotSitsNearTheBottomAcrossTheFullWidth) {
  for (const char* mode : {"easy", "hard"}) {
    Game g = make_game(mode);
    g.env->reset(21, g.obs.data());
    g.game->entities().clear();
    Rng actions(3);
    for (int t = 0; t < 60; ++t) g.env->step(static_cast<int>(actions.below(9)), g.obs.data());
    const procgen::Entity& a = g.game->agent();
    const float width = std::string(mode) == "easy" ? 10.0f : 20.0f;
    const float scale = 64.0f / width;
    const int px = static_cast<int>(a.x * scale);
    const int py = static_cast<int>((width - 2 * a.ry) * scale);  // fixed row: the camera follows
    const uint8_t* p = g.obs.data() + (py * 64 + px) * 3;
    EXPECT_EQ(Color({p[0], p[1], p[2]}), a.color) << mode;
    EXPECT_GT(a.y, 5.0f);
  }
}

TEST(FruitBotRendering, FruitAndWallsAppearWhereTheyAre) {
  Game g = empty_level(2, 10);
  g.game->entities().push_back(object(kFruit, 7.5f, 15.5f, 0.5f, 0.5f));
  g.game->entities().back().color = {225, 35, 40};
  g.game->entities().push_back(object(kWall, 5, 17.5f, 5, 0.3f));
  g.game->entities().back().color = {110, 110, 120};
  g.game->entities().back().detail = {70, 70, 70};
  g.env->step(4, g.obs.data());
  const float y0 = g.game->agent().y - 0.8f;
  auto pixel = [&](float x, float y) {
    const int px = static_cast<int>(x * 6.4f), py = static_cast<int>((y0 + 10 - y) * 6.4f);
    const uint8_t* p = g.obs.data() + (py * 64 + px) * 3;
    return Color{p[0], p[1], p[2]};
  };
  EXPECT_EQ(pixel(7.5f, 15.5f), Color({225, 35, 40}));
  EXPECT_EQ(pixel(1.5f, 17.6f), Color({110, 110, 120}));
}

TEST(FruitBotRendering, WholeWorldViewWhenCenterAgentIsOff) {
  Game g = make_game("hard", {{"center_agent", false}});
  g.env->reset(5, g.obs.data());
  const procgen::Entity& a = g.game->agent();
  // 60 x 60 units centred on the 20-wide world: columns outside it are black.
  const float scale = 64.0f / 60.0f;
  const int px = static_cast<int>((a.x + 20) * scale), py = static_cast<int>((60 - a.y) * scale);
  const uint8_t* p = g.obs.data() + (py * 64 + px) * 3;
  EXPECT_EQ(Color({p[0], p[1], p[2]}), a.color);
  const uint8_t* left = g.obs.data() + (30 * 64 + 2) * 3;
  EXPECT_EQ(Color({left[0], left[1], left[2]}), Color({0, 0, 0}));
}

TEST(FruitBotSpeed, RandomActionsWithResets) {
  Game g = make_game("hard");
  Rng actions(5);
  uint64_t seed = 0;
  int episodes = 0;
  g.env->reset(seed, g.obs.data());
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < 20000; ++t) {
    const StepResult r = g.env->step(static_cast<int>(actions.below(15)), g.obs.data());
    if (r.terminated || g.game->steps() >= 1000) {
      g.env->reset(++seed, g.obs.data());
      ++episodes;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("fruitbot: %.0f steps/s, %d episodes\n", 20000 / seconds, episodes);
  EXPECT_GT(episodes, 10);  // random play hits walls well before the presents
}

}  // namespace
}  // namespace lever

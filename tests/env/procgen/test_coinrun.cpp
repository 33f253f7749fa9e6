#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
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

// Mirrors coinrun.cpp: grid tiles and entity types.
constexpr uint8_t kEmpty = 0, kWall = 1, kLava = 2, kCrate = 3, kBarrier = 4;
constexpr int kCoin = 1, kSaw = 2, kEnemy = 3, kPitEnemy = 4;
constexpr float kAgentRy = 0.579f;

using Obs = std::array<uint8_t, 64 * 64 * 3>;

uint64_t hash_bytes(const Obs& obs) {
  uint64_t h = 1469598103934665603ULL;
  for (uint8_t b : obs) h = (h ^ b) * 1099511628211ULL;
  return h;
}

struct CoinRun {
  std::unique_ptr<Env> env;
  procgen::ProcgenGame* game;
  Obs obs{};
  explicit CoinRun(const std::string& mode = "easy", uint64_t seed = 1) {
    env = make_env("coinrun", {{"distribution_mode", mode}});
    game = dynamic_cast<procgen::ProcgenGame*>(env.get());
    env->reset(seed, obs.data());
  }
  StepResult step(int action) { return env->step(action, obs.data()); }
  procgen::Entity& agent() { return game->mutable_agent(); }
  int count_entities(int type) const {
    int n = 0;
    for (const procgen::Entity& e : game->entities()) n += e.type == type;
    return n;
  }
  // A quiet scripted arena: no entities, a floor of wall along row 0 and nothing else, the agent
  // standing on it at x with no velocity.
  void flat_arena(float x = 10.5f) {
    game->entities().clear();
    procgen::Grid& g = game->mutable_grid();
    for (uint8_t& t : g.cells) t = kEmpty;
    for (int tx = 0; tx < g.width; ++tx) g.set(tx, 0, kWall);
    agent().x = x;
    agent().y = 1.0f + kAgentRy;
    agent().vx = agent().vy = 0;
  }
  void add(int type, float x, float y, float vx = 0) {
    procgen::Entity e;
    e.type = type;
    e.x = x;
    e.y = y;
    e.vx = vx;
    e.rx = e.ry = 0.5f;
    game->entities().push_back(e);
  }
};

TEST(CoinRunSpec, TimeoutActionsAndObservationShape) {
  CoinRun cr;
  EXPECT_EQ(cr.env->spec().max_episode_steps, 1000);
  EXPECT_EQ(cr.env->spec().num_actions, 15);
  EXPECT_EQ(cr.env->spec().obs_shape, (std::vector<int64_t>{64, 64, 3}));
  EXPECT_EQ(cr.game->grid().width, 64);
  EXPECT_EQ(cr.game->grid().height, 64);
  EXPECT_FLOAT_EQ(cr.game->agent().x, 1.5f);
  EXPECT_NEAR(cr.game->agent().y, 1.58f, 0.002f);
  EXPECT_FLOAT_EQ(cr.game->agent().rx, 0.5f);
  EXPECT_FLOAT_EQ(cr.game->agent().ry, kAgentRy);
}

TEST(CoinRunDeterminism, SameSeedAndActionsGiveIdenticalFrames) {
  auto run = [](uint64_t seed, const std::string& mode) {
    CoinRun cr(mode, seed);
    Rng actions(7);
    std::vector<uint64_t> hashes{hash_bytes(cr.obs)};
    for (int i = 0; i < 300; ++i) {
      const StepResult r = cr.step(static_cast<int>(actions.below(15)));
      if (r.terminated) cr.env->reset(seed, cr.obs.data());
      hashes.push_back(hash_bytes(cr.obs));
    }
    return hashes;
  };
  for (const std::string mode : {"easy", "hard"}) {
    const auto a = run(42, mode), b = run(42, mode), c = run(43, mode);
    ASSERT_EQ(a.size(), 301u);
    EXPECT_EQ(a, b) << mode;
    EXPECT_NE(a[0], c[0]) << mode;
    int differing = 0;
    for (size_t i = 0; i < a.size(); ++i) differing += a[i] != c[i];
    EXPECT_GT(differing, 250) << mode;
  }
}

TEST(CoinRunLevels, OneCoinAtTheEndWithWallBeyond) {
  for (uint64_t seed = 0; seed < 200; ++seed) {
    CoinRun cr("hard", seed);
    const procgen::Grid& g = cr.game->grid();
    ASSERT_EQ(cr.count_entities(kCoin), 1) << seed;
    const procgen::Entity* coin = nullptr;
    for (const procgen::Entity& e : cr.game->entities()) {
      if (e.type == kCoin) coin = &e;
    }
    const int cx = static_cast<int>(coin->x), cy = static_cast<int>(coin->y);
    EXPECT_EQ(g.get(cx, cy - 1), kWall) << seed;  // the coin stands on ground
    for (int y = 0; y < g.height; ++y) EXPECT_EQ(g.get(cx + 1, y), kWall) << seed;
    for (int x = 0; x < g.width; ++x) EXPECT_EQ(g.get(x, 0), kWall) << seed;  // a floor everywhere
    EXPECT_GE(cx, 7) << seed;  // at least one 3-wide section after the 5-tile start
    EXPECT_EQ(g.get(1, 1), kEmpty) << seed;
    // Every section is reachable: the ground rises at most 5 tiles from one column to the next.
    int previous = 1;
    for (int x = 0; x <= cx; ++x) {
      int top = 0;
      while (top < g.height && g.get(x, top) == kWall) ++top;
      if (top > 1) {  // pit floors sit at 1 and do not count as steps
        EXPECT_LE(top - previous, 5) << seed << " x " << x;
        previous = top;
      }
    }
  }
}

TEST(CoinRunModes, EasyHasNoPlatformEnemiesButTheSameLayout) {
  int hard_enemies = 0, easy_pit_enemies = 0;
  for (uint64_t seed = 0; seed < 400; ++seed) {
    CoinRun easy("easy", seed), hard("hard", seed);
    EXPECT_EQ(easy.count_entities(kEnemy), 0) << seed;
    EXPECT_EQ(easy.game->grid().cells, hard.game->grid().cells) << seed;
    EXPECT_EQ(easy.count_entities(kSaw), hard.count_entities(kSaw)) << seed;
    EXPECT_EQ(easy.count_entities(kPitEnemy), hard.count_entities(kPitEnemy)) << seed;
    hard_enemies += hard.count_entities(kEnemy);
    easy_pit_enemies += easy.count_entities(kPitEnemy);
  }
  EXPECT_GT(hard_enemies, 20);
  EXPECT_GT(easy_pit_enemies, 0);  // pits still hold slimes in easy
}

TEST(CoinRunModes, EasyHasOneLookHardVariesIt) {
  std::set<std::tuple<int, int, int>> easy_agents, hard_agents;
  std::set<uint64_t> easy_corner, hard_corner;
  for (uint64_t seed = 0; seed < 60; ++seed) {
    CoinRun easy("easy", seed), hard("hard", seed);
    const Color e = easy.game->agent().color, h = hard.game->agent().color;
    easy_agents.insert({e.r, e.g, e.b});
    hard_agents.insert({h.r, h.g, h.b});
    // The start view is the same region of every level: its bottom-left quarter is wall and floor,
    // coloured by the ground theme.
    const uint8_t* p = easy.obs.data() + (60 * 64 + 2) * 3;
    const uint8_t* q = hard.obs.data() + (60 * 64 + 2) * 3;
    easy_corner.insert((p[0] << 16) | (p[1] << 8) | p[2]);
    hard_corner.insert((q[0] << 16) | (q[1] << 8) | q[2]);
  }
  EXPECT_EQ(easy_agents.size(), 1u);
  EXPECT_EQ(hard_agents.size(), 5u);
  EXPECT_EQ(easy_corner.size(), 1u);
  EXPECT_EQ(hard_corner.size(), 6u);
}

TEST(CoinRunRewards, CoinGivesTenAndCompletesTheLevel) {
  CoinRun cr("hard", 3);
  cr.flat_arena();
  cr.add(kCoin, 12.5f, 1.5f);
  StepResult r;
  int steps = 0;
  while (!r.terminated && steps < 30) {
    r = cr.step(7);
    ++steps;
  }
  EXPECT_TRUE(r.terminated);
  EXPECT_TRUE(r.level_complete);
  EXPECT_FLOAT_EQ(r.reward, 10.0f);
  EXPECT_LT(cr.game->agent().x, 12.5f);  // touched from the side, one tile away
}

TEST(CoinRunRewards, SawEnemyAndLavaKillWithoutReward) {
  for (int hazard = 0; hazard < 3; ++hazard) {
    CoinRun cr("easy", 5);
    cr.flat_arena();
    if (hazard == 0) cr.add(kSaw, 13.5f, 1.5f);
    if (hazard == 1) cr.add(kEnemy, 13.5f, 1.5f);
    if (hazard == 2) cr.game->mutable_grid().set(13, 1, kLava);
    StepResult r;
    float reward = 0;
    int steps = 0;
    while (!r.terminated && steps < 40) {
      r = cr.step(7);
      reward += r.reward;
      ++steps;
    }
    EXPECT_TRUE(r.terminated) << hazard;
    EXPECT_FALSE(r.level_complete) << hazard;
    EXPECT_EQ(reward, 0.0f) << hazard;
    EXPECT_GT(steps, 5) << hazard;  // it took the walk to get there
  }
}

TEST(CoinRunRewards, LavaPitFloorKillsAFallingAgent) {
  CoinRun cr("easy", 5);
  cr.flat_arena();
  cr.game->mutable_grid().set(10, 1, kLava);
  cr.agent().y = 6.0f;
  StepResult r;
  int steps = 0;
  while (!r.terminated && steps < 20) {
    r = cr.step(4);
    ++steps;
  }
  EXPECT_TRUE(r.terminated);
  EXPECT_FALSE(r.level_complete);
  EXPECT_EQ(r.reward, 0.0f);
  EXPECT_LT(cr.game->agent().y - kAgentRy, 2.0f);
}

TEST(CoinRunEnemies, WalkAtFixedSpeedAndTurnAtWallsAndBarriers) {
  CoinRun cr("hard", 2);
  cr.flat_arena(3.5f);
  procgen::Grid& g = cr.game->mutable_grid();
  g.set(20, 1, kWall);
  g.set(15, 1, kBarrier);
  cr.add(kEnemy, 17.5f, 1.5f, 0.15f);
  procgen::Entity& enemy = cr.game->entities().back();
  float min_x = 100, max_x = 0;
  bool turned_right = false, turned_left = false;
  float previous_vx = enemy.vx;
  for (int i = 0; i < 120; ++i) {
    ASSERT_FALSE(cr.step(4).terminated);
    EXPECT_FLOAT_EQ(std::abs(enemy.vx), 0.15f);
    if (enemy.vx < 0 && previous_vx > 0) turned_left = true;
    if (enemy.vx > 0 && previous_vx < 0) turned_right = true;
    previous_vx = enemy.vx;
    min_x = std::min(min_x, enemy.x);
    max_x = std::max(max_x, enemy.x);
  }
  EXPECT_TRUE(turned_left);
  EXPECT_TRUE(turned_right);
  EXPECT_LE(max_x + 0.5f, 20.0f);  // never enters the wall
  EXPECT_GE(min_x - 0.5f, 16.0f);  // nor the barrier cell
  EXPECT_GT(max_x, 19.3f);
  EXPECT_LT(min_x, 16.7f);
}

TEST(CoinRunActions, EachActionMovesAsTheTableSays) {
  // dx sign and whether the agent leaves the ground, for actions 0-14.
  const int dx[15] = {-1, -1, -1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0};
  const bool jumps[15] = {false, false, true,  false, false, true,  false, false,
                          true,  false, false, false, false, false, false};
  for (int a = 0; a < 15; ++a) {
    CoinRun cr("easy", 9);
    cr.flat_arena();
    const float x0 = cr.game->agent().x, y0 = cr.game->agent().y;
    cr.step(a);
    const procgen::Entity& agent = cr.game->agent();
    // On the ground one step moves 0.2 * maxspeed = 0.1; a jump starts at 1.5.
    EXPECT_NEAR(agent.x - x0, 0.1f * dx[a], 1e-5f) << a;
    EXPECT_NEAR(agent.y - y0, jumps[a] ? 1.5f : 0.0f, 1e-5f) << a;
  }
}

TEST(CoinRunPhysics, RunSpeedJumpApexAndNoAirJump) {
  CoinRun cr("easy", 11);
  cr.flat_arena(2.5f);
  for (int i = 0; i < 40; ++i) cr.step(7);
  EXPECT_NEAR(cr.game->agent().vx, 0.5f, 0.001f);
  EXPECT_FLOAT_EQ(cr.game->agent().y, 1.0f + kAgentRy);

  // Jump straight up: rise 1.5 + 1.3 + ... + 0.1 = 6.4 tiles, clearing a 5-tile step.
  cr.flat_arena();
  const float ground = cr.game->agent().y;
  float apex = ground;
  cr.step(5);
  for (int i = 0; i < 30; ++i) {
    cr.step(5);  // holding UP in the air must not jump again
    apex = std::max(apex, cr.game->agent().y);
    if (i < 7) {
      EXPECT_LT(cr.game->agent().vy, 1.5f);
    }
  }
  EXPECT_NEAR(apex - ground, 6.4f, 1e-3f);

  // A running jump covers more than the widest (7-tile) pit.
  cr.flat_arena(2.5f);
  for (int i = 0; i < 30; ++i) cr.step(7);
  const float takeoff = cr.game->agent().x;
  cr.step(8);
  int air_steps = 0;
  while (cr.game->agent().y > ground + 1e-3f && air_steps < 40) {
    cr.step(7);
    ++air_steps;
  }
  EXPECT_GE(air_steps, 15);  // 7 steps up, 8 down; float rounding may add a last snap
  EXPECT_LE(air_steps, 16);
  EXPECT_GT(cr.game->agent().x - takeoff, 7.0f);
  EXPECT_NEAR(cr.game->agent().y, ground, 1e-4f);  // landed on the floor
}

TEST(CoinRunPhysics, WallsBlockSidewaysAndReleasedKeysStopTheAgent) {
  CoinRun cr("easy", 11);
  cr.flat_arena();
  cr.game->mutable_grid().set(13, 1, kWall);
  for (int i = 0; i < 30; ++i) cr.step(7);
  EXPECT_FLOAT_EQ(cr.game->agent().x, 12.5f);  // flush against the wall
  EXPECT_EQ(cr.game->agent().vx, 0.0f);
  cr.flat_arena();
  for (int i = 0; i < 20; ++i) cr.step(1);
  for (int i = 0; i < 30; ++i) cr.step(4);
  EXPECT_EQ(cr.game->agent().vx, 0.0f);  // the dead zone ends the slide

  // A ceiling stops a jump: the head rests against the tile's underside.
  cr.flat_arena();
  cr.game->mutable_grid().set(10, 4, kWall);
  cr.step(5);
  cr.step(4);
  EXPECT_FLOAT_EQ(cr.game->agent().y, 4.0f - kAgentRy);
  EXPECT_LE(cr.game->agent().vy, 0.0f);
}

TEST(CoinRunPhysics, CratesAreLandedOnFromAboveOnly) {
  CoinRun cr("easy", 13);
  cr.flat_arena();
  procgen::Grid& g = cr.game->mutable_grid();
  g.set(12, 1, kCrate);
  for (int i = 0; i < 25; ++i) cr.step(7);
  EXPECT_GT(cr.game->agent().x, 13.5f);  // walked straight through
  EXPECT_FLOAT_EQ(cr.game->agent().y, 1.0f + kAgentRy);

  cr.flat_arena(12.5f);
  g.set(12, 1, kCrate);
  cr.agent().y = 5.0f;
  for (int i = 0; i < 20; ++i) cr.step(4);
  EXPECT_FLOAT_EQ(cr.game->agent().y, 2.0f + kAgentRy);  // standing on the crate
  cr.step(5);
  EXPECT_GT(cr.game->agent().vy, 1.0f);  // the crate is ground to jump from

  // Jumping up from below passes through a crate overhead.
  cr.flat_arena(20.5f);
  g.set(20, 3, kCrate);
  cr.step(5);
  cr.step(4);
  EXPECT_GT(cr.game->agent().y - kAgentRy, 3.0f);
}

TEST(CoinRunRendering, AgentColourAtTheCentreAndNowhereElse) {
  for (uint64_t seed = 0; seed < 30; ++seed) {
    CoinRun cr("hard", seed);
    Rng actions(seed);
    for (int i = 0; i < 25; ++i) {
      if (cr.step(static_cast<int>(actions.below(15))).terminated) break;
    }
    const Color c = cr.game->agent().color;
    const uint8_t* centre = cr.obs.data() + (32 * 64 + 32) * 3;
    EXPECT_EQ(Color({centre[0], centre[1], centre[2]}), c) << seed;
    int count = 0;
    for (int i = 0; i < 64 * 64; ++i) {
      count += Color({cr.obs[i * 3], cr.obs[i * 3 + 1], cr.obs[i * 3 + 2]}) == c;
    }
    // 64/13 px per tile: a 1 x 1.158 tile body is 5 x 6 pixels less its eye.
    EXPECT_GE(count, 20) << seed;
    EXPECT_LE(count, 36) << seed;
  }
}

}  // namespace
}  // namespace lever

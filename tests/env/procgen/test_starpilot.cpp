#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "lever/core/errors.h"
#include "lever/core/rng.h"
#include "lever/env/procgen/kernel.h"
#include "lever/env/registry.h"

namespace lever {
namespace {

// The entity type numbers documented at the top of starpilot.cpp.
constexpr int kPlayerBullet = 1, kFlyerBullet = 2, kTurretBullet = 3, kFlyer = 4, kMeteor = 5,
              kCloud = 6, kTurret = 7, kFastFlyer = 8, kFinishLine = 9, kExplosion = 10;
constexpr size_t kObsBytes = 64 * 64 * 3;

struct Game {
  std::unique_ptr<Env> env;
  procgen::ProcgenGame* game = nullptr;
  std::vector<uint8_t> obs = std::vector<uint8_t>(kObsBytes);

  explicit Game(const std::string& mode, uint64_t seed = 1) {
    env = make_env("starpilot", {{"distribution_mode", mode}});
    game = dynamic_cast<procgen::ProcgenGame*>(env.get());
    env->reset(seed, obs.data());
  }
  StepResult step(int action) { return env->step(action, obs.data()); }
  // A quiet scene: no entities, the agent at rest at (x, y). Scheduled enemies start at step 11.
  void place_agent(float x, float y) {
    game->entities().clear();
    procgen::Entity& agent = game->mutable_agent();
    agent.x = x;
    agent.y = y;
    agent.vx = agent.vy = 0;
  }
  procgen::Entity& add(int type, float x, float y, float r, int health = 1, int timer = 0) {
    procgen::Entity e;
    e.type = type;
    e.x = x;
    e.y = y;
    e.rx = e.ry = r;
    e.health = health;
    e.timer = timer;
    game->entities().push_back(e);
    return game->entities().back();
  }
  int count(int type) const {
    int n = 0;
    for (const auto& e : game->entities()) n += e.type == type && e.alive;
    return n;
  }
  const procgen::Entity* find(int type) const {
    for (const auto& e : game->entities()) {
      if (e.type == type && e.alive) return &e;
    }
    return nullptr;
  }
  Color pixel(int x, int y) const {
    const uint8_t* p = obs.data() + (static_cast<size_t>(y) * 64 + x) * 3;
    return {p[0], p[1], p[2]};
  }
};

uint64_t fnv1a(const std::vector<uint8_t>& bytes) {
  uint64_t h = 1469598103934665603ULL;
  for (uint8_t b : bytes) h = (h ^ b) * 1099511628211ULL;
  return h;
}

std::vector<uint64_t> frame_hashes(const std::string& mode, uint64_t seed) {
  Game g(mode, seed);
  Rng actions(2024);
  std::vector<uint64_t> hashes = {fnv1a(g.obs)};
  for (int i = 0; i < 300; ++i) {
    const StepResult r = g.step(static_cast<int>(actions.below(15)));
    hashes.push_back(fnv1a(g.obs));
    if (r.terminated) {
      g.env->reset(seed, g.obs.data());
      hashes.push_back(fnv1a(g.obs));
    }
  }
  return hashes;
}

TEST(StarPilotDeterminism, SameSeedAndActionsGiveIdenticalFrames) {
  for (const std::string mode : {"easy", "hard", "extreme"}) {
    const std::vector<uint64_t> a = frame_hashes(mode, 42), b = frame_hashes(mode, 42);
    ASSERT_EQ(a.size(), b.size()) << mode;
    for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << mode << " frame " << i;
    const std::vector<uint64_t> c = frame_hashes(mode, 43);
    EXPECT_NE(a[0], c[0]) << mode;
    size_t differing = 0;
    for (size_t i = 0; i < std::min(a.size(), c.size()); ++i) differing += a[i] != c[i];
    EXPECT_GT(differing, std::min(a.size(), c.size()) * 9 / 10) << mode;
  }
}

TEST(StarPilotSpec, TimeoutActionsObservationAndOptions) {
  Game g("easy");
  EXPECT_EQ(g.env->spec().id, "starpilot");
  EXPECT_EQ(g.env->spec().max_episode_steps, 1000);
  EXPECT_EQ(g.env->spec().num_actions, 15);
  EXPECT_EQ(g.env->spec().obs_shape, (std::vector<int64_t>{64, 64, 3}));
  EXPECT_NO_THROW(make_env("starpilot", {{"distribution_mode", "extreme"}}));
  EXPECT_THROW(make_env("starpilot", {{"distribution_mode", "memory"}}), UsageError);
  // The whole world is always in view, so there is no center_agent option.
  EXPECT_THROW(make_env("starpilot", {{"center_agent", true}}), UsageError);
  EXPECT_FLOAT_EQ(g.game->agent().rx, 0.4f);
}

// Every enemy that enters in the first 500 steps of a level; the scene is cleared after each
// step, so the agent survives and each enemy is seen exactly once, on the step it enters.
struct Survey {
  std::vector<procgen::Entity> enemies;
  int first_spawn_step = -1;
  bool finish_line_at_500 = false;
  bool colour_clash = false;
};

Survey survey(const std::string& mode, uint64_t seed) {
  Game g(mode, seed);
  Survey s;
  const Color agent = g.game->agent().color;
  for (int t = 1; t <= 500; ++t) {
    g.place_agent(8, 8);
    const StepResult r = g.step(4);
    EXPECT_FALSE(r.terminated);
    for (const auto& e : g.game->entities()) {
      if (e.color == agent) s.colour_clash = true;
      if (e.type >= kFlyer && e.type <= kFastFlyer) {
        s.enemies.push_back(e);
        if (s.first_spawn_step < 0) s.first_spawn_step = t;
      }
      if (e.type == kFinishLine && t == 500) {
        s.finish_line_at_500 = std::abs(e.x - 17.0f) < 1e-5f && e.vx == -0.2f && e.ry == 8.0f;
      }
    }
  }
  return s;
}

TEST(StarPilotModes, EasyHasOnlySlowFlyersFromTheRight) {
  for (uint64_t seed = 0; seed < 4; ++seed) {
    const Survey s = survey("easy", seed);
    ASSERT_GE(s.enemies.size(), 17u);  // a group at least every 29 steps
    EXPECT_GE(s.first_spawn_step, 11);
    EXPECT_LE(s.first_spawn_step, 30);
    EXPECT_TRUE(s.finish_line_at_500);
    EXPECT_FALSE(s.colour_clash);
    for (const auto& e : s.enemies) {
      EXPECT_EQ(e.type, kFlyer);
      EXPECT_EQ(e.health, 2);
      EXPECT_NEAR(std::hypot(e.vx, e.vy), 0.3f, 1e-5f);
      EXPECT_LT(e.vx, 0.0f);
      EXPECT_LE(std::abs(e.vy), -e.vx + 1e-5f);  // within 45 degrees of straight left
      EXPECT_FLOAT_EQ(e.x, 16.5f);
    }
  }
}

TEST(StarPilotModes, HardAddsEnemyKindsFasterFlyersAndLeftEntries) {
  std::set<int> types;
  int from_left = 0, straight = 0, angled = 0;
  for (uint64_t seed = 0; seed < 6; ++seed) {
    const Survey s = survey("hard", seed);
    EXPECT_TRUE(s.finish_line_at_500);
    EXPECT_FALSE(s.colour_clash);
    for (const auto& e : s.enemies) {
      types.insert(e.type);
      const float speed = std::hypot(e.vx, e.vy);
      switch (e.type) {
        case kFlyer:
          EXPECT_NEAR(speed, 0.4f, 1e-5f);
          EXPECT_EQ(e.health, 2);
          break;
        case kFastFlyer:
          EXPECT_NEAR(speed, 0.6f, 1e-5f);
          EXPECT_EQ(e.health, 1);
          break;
        case kTurret:
          EXPECT_EQ(e.health, 5);
          [[fallthrough]];
        case kMeteor:
        case kCloud:
          EXPECT_FLOAT_EQ(e.vx, -0.2f);
          EXPECT_FLOAT_EQ(e.vy, 0.0f);
          EXPECT_FLOAT_EQ(e.rx, 2.0f);
          EXPECT_FLOAT_EQ(e.x, 18.0f);
          break;
      }
      if (e.type == kMeteor) {
        EXPECT_EQ(e.health, 500);
      }
      if (e.type == kCloud) {
        EXPECT_EQ(e.z, 1);  // drawn over the agent
      }
      if (e.type == kFlyer || e.type == kFastFlyer) {
        if (e.vx > 0) {
          ++from_left;
          EXPECT_FLOAT_EQ(e.x, -0.5f);
        }
        if (e.vy == 0.0f) {
          ++straight;
        } else {
          ++angled;
        }
      }
    }
  }
  EXPECT_EQ(types, (std::set<int>{kFlyer, kMeteor, kCloud, kTurret, kFastFlyer}));
  EXPECT_GT(from_left, 0);
  EXPECT_GT(straight, angled / 2);  // straight half the time, else a random angle
  EXPECT_GT(angled, 0);
}

TEST(StarPilotModes, ExtremeHasTougherEnemiesSlowerShipSmallerBullets) {
  bool saw_flyer = false, saw_turret = false;
  for (uint64_t seed = 0; seed < 6; ++seed) {
    for (const auto& e : survey("extreme", seed).enemies) {
      if (e.type == kFlyer) {
        saw_flyer = true;
        EXPECT_EQ(e.health, 5);
      }
      if (e.type == kFastFlyer) {
        EXPECT_EQ(e.health, 2);
      }
      if (e.type == kTurret) {
        saw_turret = true;
        EXPECT_EQ(e.health, 10);
      }
    }
  }
  EXPECT_TRUE(saw_flyer);
  EXPECT_TRUE(saw_turret);

  // One step right from rest: v = 0.9 * 0.5 * maxspeed.
  for (const auto& [mode, speed, bullet_r] :
       {std::tuple{"hard", 0.75f, 0.4f}, std::tuple{"extreme", 0.5f, 0.2f}}) {
    Game g(mode);
    g.place_agent(8, 8);
    g.step(7);
    EXPECT_NEAR(g.game->agent().x, 8 + 0.45f * speed, 1e-5f) << mode;
    g.step(9);
    ASSERT_NE(g.find(kPlayerBullet), nullptr);
    EXPECT_FLOAT_EQ(g.find(kPlayerBullet)->rx, bullet_r) << mode;
  }
}

TEST(StarPilotRewards, TwoBulletsKillAFlyerForOnePoint) {
  Game g("hard");
  g.place_agent(4, 8);
  g.add(kFlyer, 7, 8, 0.5f, 2);
  // Bullets leave at x 4.4 and fly 0.8 a step: the first reaches 6.8 on step 4, the second on 5.
  const float expected[] = {0, 0, 0, 0, 1};
  for (float reward : expected) {
    const StepResult r = g.step(9);
    EXPECT_FLOAT_EQ(r.reward, reward);
    EXPECT_FALSE(r.terminated);
  }
  EXPECT_EQ(g.count(kFlyer), 0);
  EXPECT_GE(g.count(kExplosion), 1);
  const StepResult r = g.step(4);
  EXPECT_FLOAT_EQ(r.reward, 0.0f);
}

TEST(StarPilotRewards, MeteorsSoakBulletsAndCloudsLetThemThrough) {
  Game g("hard");
  g.place_agent(4, 8);
  g.add(kCloud, 7, 8, 2.0f, 0).z = 1;
  float total = g.step(9).reward;
  for (int i = 0; i < 4; ++i) total += g.step(4).reward;
  // The bullet is at 4.4 + 4 * 0.8 = 7.6, inside the cloud, and still flying.
  ASSERT_NE(g.find(kPlayerBullet), nullptr);
  EXPECT_NEAR(g.find(kPlayerBullet)->x, 7.6f, 1e-5f);
  EXPECT_EQ(g.count(kCloud), 1);
  EXPECT_FLOAT_EQ(total, 0.0f);

  Game h("hard");
  h.place_agent(4, 8);
  h.add(kMeteor, 8, 8, 2.0f, 500);
  // The bullet leaves at 4.4 and reaches 6.0 on the third step, 2.0 from the meteor's centre.
  total = h.step(9).reward + h.step(4).reward;
  EXPECT_EQ(h.count(kPlayerBullet), 1);
  total += h.step(4).reward;
  EXPECT_EQ(h.count(kPlayerBullet), 0);
  ASSERT_NE(h.find(kMeteor), nullptr);
  EXPECT_EQ(h.find(kMeteor)->health, 499);
  EXPECT_FLOAT_EQ(total, 0.0f);
}

TEST(StarPilotRewards, LethalThingsEndTheEpisodeWithoutReward) {
  for (int type : {kFlyerBullet, kTurretBullet, kFlyer, kFastFlyer, kMeteor, kTurret}) {
    Game g("hard");
    g.place_agent(8, 8);
    g.add(type, 8.5f, 8.2f, 0.4f, 5);
    const StepResult r = g.step(4);
    EXPECT_TRUE(r.terminated) << type;
    EXPECT_FALSE(r.level_complete) << type;
    EXPECT_FLOAT_EQ(r.reward, 0.0f) << type;
  }
  for (int type : {kCloud, kExplosion, kPlayerBullet}) {
    Game g("hard");
    g.place_agent(8, 8);
    g.add(type, 8.5f, 8.2f, 0.4f, 5);
    const StepResult r = g.step(4);
    EXPECT_FALSE(r.terminated) << type;
    EXPECT_FLOAT_EQ(r.reward, 0.0f) << type;
  }
}

TEST(StarPilotRewards, FinishLineGivesTenAndCompletesTheLevel) {
  Game g("easy");
  g.place_agent(8, 8);
  procgen::Entity& finish = g.add(kFinishLine, 9.9f, 8, 1.0f);
  finish.ry = 8;
  finish.vx = -0.2f;
  // Touching needs |dx| < 0.4 + 1.0: the line's centre goes 9.7, 9.5, then 9.3.
  for (int i = 0; i < 2; ++i) {
    const StepResult r = g.step(4);
    EXPECT_FALSE(r.terminated);
    EXPECT_FLOAT_EQ(r.reward, 0.0f);
  }
  const StepResult r = g.step(4);
  EXPECT_TRUE(r.terminated);
  EXPECT_TRUE(r.level_complete);
  EXPECT_FLOAT_EQ(r.reward, 10.0f);
}

TEST(StarPilotEnemyFire, FlyersFireOnceAimedTurretsRepeatedly) {
  for (const auto& [mode, speed] : {std::pair{"easy", 0.5f}, std::pair{"hard", 0.8f}}) {
    Game g(mode);
    g.place_agent(4, 8);
    g.add(kFlyer, 12, 8, 0.5f, 2, /*timer=*/3);
    g.step(4);
    g.step(4);
    EXPECT_EQ(g.count(kFlyerBullet), 0) << mode;
    g.step(4);
    ASSERT_EQ(g.count(kFlyerBullet), 1) << mode;
    EXPECT_NEAR(g.find(kFlyerBullet)->vx, -speed, 1e-5f) << mode;
    EXPECT_NEAR(g.find(kFlyerBullet)->vy, 0.0f, 1e-5f) << mode;
    for (int i = 0; i < 4; ++i) g.step(4);
    EXPECT_EQ(g.count(kFlyerBullet), 1) << mode;
  }
  Game g("hard");
  g.place_agent(4, 4);
  g.add(kTurret, 12, 12, 2.0f, 5, /*timer=*/2);
  for (int i = 0; i < 4; ++i) g.step(4);
  EXPECT_EQ(g.count(kTurretBullet), 2);
  const procgen::Entity* bullet = g.find(kTurretBullet);
  ASSERT_NE(bullet, nullptr);
  EXPECT_NEAR(bullet->vx, -0.8f / std::sqrt(2.0f), 1e-5f);
  EXPECT_NEAR(bullet->vy, -0.8f / std::sqrt(2.0f), 1e-5f);
}

TEST(StarPilotActions, MovesFollowTheActionTableAndSpecialsFire) {
  for (int action = 0; action < 9; ++action) {
    Game g("hard");
    g.place_agent(8, 8);
    g.step(action);
    const float ax = static_cast<float>(action / 3 - 1), ay = static_cast<float>(action % 3 - 1);
    // From rest: v = 0.9 * 0.5 * 0.75 = 0.3375 along each pressed axis.
    EXPECT_NEAR(g.game->agent().x, 8 + 0.3375f * ax, 1e-5f) << action;
    EXPECT_NEAR(g.game->agent().y, 8 + 0.3375f * ay, 1e-5f) << action;
    EXPECT_EQ(g.count(kPlayerBullet), 0) << action;
  }
  for (int action = 9; action < 15; ++action) {
    Game g("hard");
    g.place_agent(8, 8);
    g.step(action);
    EXPECT_FLOAT_EQ(g.game->agent().x, 8.0f) << action;
    EXPECT_FLOAT_EQ(g.game->agent().y, 8.0f) << action;
    ASSERT_EQ(g.count(kPlayerBullet), 1) << action;
    const float dir = action == 10 ? -1.0f : 1.0f;
    EXPECT_FLOAT_EQ(g.find(kPlayerBullet)->vx, 0.8f * dir) << action;
    EXPECT_FLOAT_EQ(g.find(kPlayerBullet)->x, 8 + 0.4f * dir) << action;
    EXPECT_FLOAT_EQ(g.find(kPlayerBullet)->vy, 0.0f) << action;
  }
  // Firing every step keeps one new bullet per step: no cooldown.
  Game g("hard");
  g.place_agent(2, 8);
  for (int i = 0; i < 5; ++i) g.step(9);
  EXPECT_EQ(g.count(kPlayerBullet), 5);
  // The ship stops at the world border.
  g.place_agent(15.5f, 8);
  for (int i = 0; i < 5; ++i) g.step(7);
  EXPECT_FLOAT_EQ(g.game->agent().x, 15.6f);
}

TEST(StarPilotRendering, PlayerColourAtThePlayerPixel) {
  for (uint64_t seed = 0; seed < 6; ++seed) {
    Game g("easy", seed);
    const Color agent = g.game->agent().color;
    for (const auto& [x, y] : {std::pair{8.0f, 8.0f}, std::pair{3.0f, 12.0f}}) {
      g.place_agent(x, y);
      g.step(4);
      const int px = static_cast<int>(x * 4), py = static_cast<int>((16 - y) * 4);
      EXPECT_EQ(g.pixel(px, py), agent) << seed;
      int inside = 0, outside = 0;
      for (int row = 0; row < 64; ++row) {
        for (int col = 0; col < 64; ++col) {
          if (g.pixel(col, row) != agent) continue;
          if (std::abs(col - px) <= 2 && std::abs(row - py) <= 2) {
            ++inside;
          } else {
            ++outside;
          }
        }
      }
      EXPECT_GE(inside, 3) << seed;
      EXPECT_EQ(outside, 0) << seed;
    }
    // An enemy ship and its bullet show in their own colours, not the player's.
    g.place_agent(3, 12);
    g.add(kFlyer, 12, 4, 0.5f, 2).color = {170, 80, 255};
    g.step(4);
    EXPECT_EQ(g.pixel(48, 48), (Color{170, 80, 255}));
  }
}

}  // namespace
}  // namespace lever

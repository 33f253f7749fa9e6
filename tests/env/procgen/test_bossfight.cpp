#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lever/core/rng.h"
#include "lever/env/procgen/kernel.h"
#include "lever/env/registry.h"

namespace lever {
namespace {

using procgen::Entity;
using procgen::ProcgenGame;

// The entity types and layout documented at the top of bossfight.cpp.
constexpr int kBoss = 1, kShield = 2, kPlayerBullet = 3, kBossBullet = 4, kDeflected = 5,
              kMeteor = 6;

struct Fixture {
  std::unique_ptr<Env> env;
  ProcgenGame* game;
  std::array<uint8_t, 64 * 64 * 3> obs{};
  explicit Fixture(const char* mode = "easy")
      : env(make_env("bossfight", {{"distribution_mode", mode}})),
        game(dynamic_cast<ProcgenGame*>(env.get())) {}
  Entity& boss() { return game->entities()[0]; }
  Entity& shield() { return game->entities()[1]; }
  int count(int type) {
    int n = 0;
    for (const Entity& e : game->entities()) n += e.alive && e.type == type;
    return n;
  }
  // Removes meteors and bullets and parks the boss, so a scripted situation is all there is.
  void clear_arena() {
    for (Entity& e : game->entities()) {
      if (e.type != kBoss && e.type != kShield) e.alive = false;
    }
    boss().x = 10;
    boss().y = 13;
    boss().vx = boss().vy = 0;
  }
  Entity player_bullet(float x, float y) {
    Entity b;
    b.type = kPlayerBullet;
    b.x = x;
    b.y = y;
    b.rx = b.ry = 0.25f;
    b.vy = 1.0f;
    b.timer = 25;
    return b;
  }
};

uint64_t fnv1a(const uint8_t* data, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; ++i) h = (h ^ data[i]) * 1099511628211ULL;
  return h;
}

std::vector<uint64_t> frame_hashes(uint64_t seed) {
  Fixture f;
  Rng actions(7);
  std::vector<uint64_t> hashes;
  f.env->reset(seed, f.obs.data());
  hashes.push_back(fnv1a(f.obs.data(), f.obs.size()));
  for (int i = 0; i < 300; ++i) {
    const StepResult r = f.env->step(static_cast<int>(actions.below(15)), f.obs.data());
    hashes.push_back(fnv1a(f.obs.data(), f.obs.size()));
    if (r.terminated) f.env->reset(seed, f.obs.data());
  }
  return hashes;
}

TEST(BossFightDeterminism, SameSeedAndActionsGiveIdenticalFrames) {
  const std::vector<uint64_t> a = frame_hashes(42), b = frame_hashes(42);
  ASSERT_EQ(a.size(), 301u);
  EXPECT_EQ(a, b);
}

TEST(BossFightDeterminism, DifferentSeedGivesDifferentFrames) {
  const std::vector<uint64_t> a = frame_hashes(42), b = frame_hashes(43);
  int differing = 0;
  for (size_t i = 0; i < a.size(); ++i) differing += a[i] != b[i];
  EXPECT_GT(differing, 250);
}

TEST(BossFightSpec, TimeoutIs4000AndFifteenActions) {
  Fixture f;
  EXPECT_EQ(f.env->spec().max_episode_steps, 4000);
  EXPECT_EQ(f.env->spec().num_actions, 15);
  EXPECT_EQ(f.env->spec().obs_shape, (std::vector<int64_t>{64, 64, 3}));
}

TEST(BossFightLevels, BossHealthIsRoundHealthTimesRoundsAndMeteorsSitLow) {
  Fixture f;
  bool saw_multi_round = false;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    f.env->reset(seed, f.obs.data());
    const int round_health = static_cast<int>(f.boss().aux);
    ASSERT_GE(round_health, 1);
    ASSERT_LE(round_health, 9);
    ASSERT_EQ(f.boss().health % round_health, 0);
    const int rounds = f.boss().health / round_health;
    ASSERT_GE(rounds, 1);
    ASSERT_LE(rounds, 5);
    saw_multi_round = saw_multi_round || rounds > 1;
    EXPECT_EQ(f.boss().type, kBoss);
    EXPECT_FLOAT_EQ(f.boss().rx, 3.0f);
    EXPECT_EQ(f.shield().type, kShield);
    EXPECT_EQ(f.shield().health, 1);  // shields start up
    const int meteors = f.count(kMeteor);
    EXPECT_GE(meteors, 1);
    EXPECT_LE(meteors, 3);
    for (const Entity& e : f.game->entities()) {
      if (e.type != kMeteor) continue;
      EXPECT_LT(e.y + e.ry, 6.0f);
      EXPECT_FALSE(procgen::overlaps(e, f.game->agent()));
    }
    EXPECT_FLOAT_EQ(f.game->agent().rx, 0.75f);
    EXPECT_FLOAT_EQ(f.game->agent().y, 0.75f);
  }
  EXPECT_TRUE(saw_multi_round);
}

// Bullet speed and shield duration are the only easy/hard differences.
TEST(BossFightModes, EasyHasSlowerBossBulletsAndShorterShields) {
  for (const char* mode : {"easy", "hard"}) {
    const bool easy = std::string(mode) == "easy";
    Fixture f(mode);
    int max_moves = 0, min_moves = 100;
    for (uint64_t seed = 0; seed < 60; ++seed) {
      f.env->reset(seed, f.obs.data());
      max_moves = std::max(max_moves, f.shield().timer);
      min_moves = std::min(min_moves, f.shield().timer);
    }
    EXPECT_EQ(min_moves, 3) << mode;
    EXPECT_EQ(max_moves, easy ? 4 : 6) << mode;

    f.env->reset(5, f.obs.data());
    f.game->mutable_agent().x = 1.0f;  // out of the way of the first volleys
    float speed = 0;
    for (int i = 0; i < 12 && speed == 0; ++i) {
      f.env->step(4, f.obs.data());
      for (const Entity& e : f.game->entities()) {
        if (e.alive && e.type == kBossBullet) speed = std::hypot(e.vx, e.vy);
      }
    }
    EXPECT_NEAR(speed, easy ? 0.5f : 0.75f, 1e-5f) << mode;
  }
}

TEST(BossFightShields, DropAfterTheirLastBossMoveAndStayDown) {
  Fixture f;
  f.env->reset(3, f.obs.data());
  const int moves = f.shield().timer;
  int dropped_at = -1;
  for (int t = 1; t <= 200; ++t) {
    for (Entity& e : f.game->entities()) {
      if (e.type == kBossBullet) e.alive = false;  // keep the agent alive
    }
    ASSERT_FALSE(f.env->step(4, f.obs.data()).terminated);
    if (dropped_at < 0 && f.shield().health == 0) dropped_at = t;
  }
  EXPECT_EQ(dropped_at, 20 * moves);
  EXPECT_EQ(f.shield().health, 0);
}

TEST(BossFightRewards, HitWithShieldsDownCostsOneHealthAndNoReward) {
  Fixture f;
  uint64_t seed = 0;
  do {
    f.env->reset(seed++, f.obs.data());
  } while (f.boss().aux < 2);  // with one hit per round every hit would end a round
  f.clear_arena();
  const int round_health = static_cast<int>(f.boss().aux);
  f.boss().health = 2 * round_health + 2;
  f.shield().health = 0;
  f.game->entities().push_back(f.player_bullet(10, 9));
  const StepResult r = f.env->step(4, f.obs.data());
  EXPECT_EQ(f.boss().health, 2 * round_health + 1);
  EXPECT_EQ(r.reward, 0.0f);
  EXPECT_FALSE(r.terminated);
  EXPECT_EQ(f.count(kPlayerBullet), 0);
}

TEST(BossFightRewards, EndOfRoundGivesOneRaisesShieldsAndPausesBoss) {
  Fixture f;
  f.env->reset(11, f.obs.data());
  f.clear_arena();
  const int round_health = static_cast<int>(f.boss().aux);
  f.boss().health = round_health + 1;
  f.shield().health = 0;
  f.game->entities().push_back(f.player_bullet(10, 9));
  const StepResult r = f.env->step(4, f.obs.data());
  EXPECT_EQ(r.reward, 1.0f);
  EXPECT_FALSE(r.terminated);
  EXPECT_FALSE(r.level_complete);
  EXPECT_EQ(f.boss().health, round_health);
  EXPECT_EQ(f.shield().health, 1);
  EXPECT_GE(f.shield().timer, 3);
  EXPECT_EQ(f.boss().timer, 40);
  // Damaged: no boss bullets for 40 steps even with the shields up.
  for (int i = 0; i < 40; ++i) {
    f.env->step(4, f.obs.data());
    ASSERT_EQ(f.count(kBossBullet), 0) << "step " << i;
  }
  EXPECT_EQ(f.boss().timer, 0);
}

TEST(BossFightRewards, FinalHitGivesElevenAndCompletesLevel) {
  Fixture f;
  f.env->reset(11, f.obs.data());
  f.clear_arena();
  f.boss().health = 1;
  f.shield().health = 0;
  f.game->entities().push_back(f.player_bullet(10, 9));
  const StepResult r = f.env->step(4, f.obs.data());
  EXPECT_EQ(r.reward, 11.0f);
  EXPECT_TRUE(r.terminated);
  EXPECT_TRUE(r.level_complete);
}

TEST(BossFightRewards, RaisedShieldDeflectsShotsDownward) {
  Fixture f;
  f.env->reset(11, f.obs.data());
  f.clear_arena();
  f.boss().health = 1;
  f.shield().health = 1;
  f.game->entities().push_back(f.player_bullet(10, 9));
  const StepResult r = f.env->step(4, f.obs.data());
  EXPECT_EQ(r.reward, 0.0f);
  EXPECT_FALSE(r.terminated);
  EXPECT_EQ(f.boss().health, 1);
  ASSERT_EQ(f.count(kDeflected), 1);
  for (const Entity& e : f.game->entities()) {
    if (e.alive && e.type == kDeflected) {
      EXPECT_FLOAT_EQ(e.vy, -0.5f);
    }
  }
}

TEST(BossFightRewards, MeteorBlocksPlayerShot) {
  Fixture f;
  f.env->reset(11, f.obs.data());
  f.clear_arena();
  f.boss().health = 1;
  f.shield().health = 0;
  Entity meteor;
  meteor.type = kMeteor;
  meteor.x = 10;
  meteor.y = 4;
  meteor.rx = meteor.ry = 0.6f;
  f.game->entities().push_back(meteor);
  f.game->entities().push_back(f.player_bullet(10, 2.5f));
  const StepResult r = f.env->step(4, f.obs.data());
  EXPECT_EQ(f.count(kPlayerBullet), 0);
  EXPECT_EQ(r.reward, 0.0f);
  EXPECT_EQ(f.boss().health, 1);
}

TEST(BossFightDeaths, BossBulletMeteorAndBossEachEndTheEpisodeWithoutReward) {
  for (int hazard : {kBossBullet, kMeteor, kBoss}) {
    Fixture f;
    f.env->reset(11, f.obs.data());
    f.clear_arena();
    Entity& agent = f.game->mutable_agent();
    agent.x = 5;
    agent.y = 3;
    if (hazard == kBoss) {
      f.boss().x = 5;
      f.boss().y = 7;  // boss bottom at 4, agent top at 3.75: overlap after one step of gliding
      f.boss().vy = -0.5f;
    } else {
      Entity e;
      e.type = hazard;
      e.x = 5.5f;
      e.y = 3.5f;
      e.rx = e.ry = hazard == kMeteor ? 0.6f : 0.5f;
      e.timer = 50;
      f.game->entities().push_back(e);
    }
    const StepResult r = f.env->step(4, f.obs.data());
    EXPECT_TRUE(r.terminated) << hazard;
    EXPECT_FALSE(r.level_complete) << hazard;
    EXPECT_EQ(r.reward, 0.0f) << hazard;
  }
}

TEST(BossFightDeaths, DeflectedShotsAndOwnBulletsAreHarmless) {
  Fixture f;
  f.env->reset(11, f.obs.data());
  f.clear_arena();
  Entity& agent = f.game->mutable_agent();
  agent.x = 5;
  agent.y = 3;
  Entity d = f.player_bullet(5, 3);
  d.type = kDeflected;
  d.vy = -0.5f;
  f.game->entities().push_back(d);
  f.game->entities().push_back(f.player_bullet(5, 3));
  EXPECT_FALSE(f.env->step(4, f.obs.data()).terminated);
}

TEST(BossFightActions, MovementFollowsTheActionTable) {
  // {action, sign of dx, sign of dy}
  const int table[9][3] = {{0, -1, -1}, {1, -1, 0}, {2, -1, 1}, {3, 0, -1}, {4, 0, 0},
                           {5, 0, 1},   {6, 1, -1}, {7, 1, 0},  {8, 1, 1}};
  for (const auto& row : table) {
    Fixture f;
    f.env->reset(11, f.obs.data());
    f.clear_arena();
    Entity& agent = f.game->mutable_agent();
    agent.x = 10;
    agent.y = 4;
    f.env->step(row[0], f.obs.data());
    const float dx = f.game->agent().x - 10, dy = f.game->agent().y - 4;
    // One step from rest: v = 0.9 * 0.5 * 0.85 = 0.3825 per pressed axis.
    EXPECT_NEAR(dx, 0.3825f * row[1], 1e-5f) << "action " << row[0];
    EXPECT_NEAR(dy, 0.3825f * row[2], 1e-5f) << "action " << row[0];
    EXPECT_EQ(f.count(kPlayerBullet), 0) << "action " << row[0];
  }
}

TEST(BossFightActions, OnlyActionNineFiresEveryThirdStepAndSpecialsStandStill) {
  for (int action = 9; action < 15; ++action) {
    Fixture f;
    f.env->reset(11, f.obs.data());
    f.clear_arena();
    int fired = 0;
    for (int i = 0; i < 7; ++i) {
      f.env->step(action, f.obs.data());
      for (Entity& e : f.game->entities()) {
        if (e.alive && e.type == kPlayerBullet) {
          ++fired;
          EXPECT_FLOAT_EQ(e.vy, 1.0f);
          EXPECT_FLOAT_EQ(e.rx, 0.25f);
          e.alive = false;  // count each shot once
        }
      }
    }
    EXPECT_EQ(fired, action == 9 ? 3 : 0) << "action " << action;  // steps 1, 4 and 7
    EXPECT_FLOAT_EQ(f.game->agent().x, 10.0f) << "action " << action;
    EXPECT_FLOAT_EQ(f.game->agent().y, 0.75f) << "action " << action;
  }
}

TEST(BossFightActions, ShotStartsAtTheShipsNoseAndRisesOneUnitPerStep) {
  Fixture f;
  f.env->reset(11, f.obs.data());
  f.clear_arena();
  f.env->step(9, f.obs.data());
  ASSERT_EQ(f.count(kPlayerBullet), 1);
  for (const Entity& b : f.game->entities()) {
    if (!b.alive || b.type != kPlayerBullet) continue;
    EXPECT_FLOAT_EQ(b.x, 10.0f);
    EXPECT_FLOAT_EQ(b.y, 0.75f + 0.75f + 1.0f);
    EXPECT_EQ(b.timer, 24);  // 25 steps of life, one spent
  }
}

TEST(BossFightRendering, PlayerColourAtPlayerPixel) {
  for (uint64_t seed : {1, 2, 3, 4, 5, 6, 7, 8}) {
    Fixture f;
    f.env->reset(seed, f.obs.data());
    f.game->mutable_agent().x = 6.0f;
    f.game->mutable_agent().y = 2.0f;
    f.clear_arena();
    f.env->step(4, f.obs.data());
    const Entity& agent = f.game->agent();
    const int px = static_cast<int>(agent.x * 3.2f), py = static_cast<int>((20 - agent.y) * 3.2f);
    const uint8_t* p = f.obs.data() + (py * 64 + px) * 3;
    EXPECT_EQ(Color({p[0], p[1], p[2]}), agent.color) << "seed " << seed;
    // The boss centre is never drawn in the player's colour.
    const int bx = static_cast<int>(f.boss().x * 3.2f),
              by = static_cast<int>((20 - f.boss().y) * 3.2f);
    const uint8_t* q = f.obs.data() + (by * 64 + bx) * 3;
    EXPECT_NE(Color({q[0], q[1], q[2]}), agent.color) << "seed " << seed;
  }
}

TEST(BossFightPerformance, RandomPlayNeverGrowsTheEntityBuffer) {
  Fixture f("hard");
  Rng actions(3);
  f.env->reset(0, f.obs.data());
  const size_t capacity = f.game->entities().capacity();
  int episodes = 0;
  size_t most = 0;
  for (int i = 0; i < 20000; ++i) {
    const StepResult r = f.env->step(static_cast<int>(actions.below(15)), f.obs.data());
    most = std::max(most, f.game->entities().size());
    if (r.terminated || f.game->steps() >= 4000) {
      f.env->reset(static_cast<uint64_t>(++episodes), f.obs.data());
    }
  }
  EXPECT_EQ(f.game->entities().capacity(), capacity);
  EXPECT_GT(episodes, 10);
  EXPECT_GT(most, 10u);
}

}  // namespace
}  // namespace lever

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lever/core/errors.h"
#include "lever/core/rng.h"
#include "lever/env/procgen/kernel.h"
#include "lever/env/registry.h"

namespace lever {
namespace {

// Mirrors chaser.cpp: grid tiles and entity types.
constexpr uint8_t kEmpty = 0, kWall = 1, kOrb = 2, kLargeOrb = 3;
constexpr int kEgg = 0, kEnemy = 1;

using Obs = std::array<uint8_t, 64 * 64 * 3>;

struct Chaser {
  std::unique_ptr<Env> env;
  procgen::ProcgenGame* game;
  Obs obs{};
  explicit Chaser(const std::string& mode = "easy", uint64_t seed = 1) {
    env = make_env("chaser", {{"distribution_mode", mode}});
    game = dynamic_cast<procgen::ProcgenGame*>(env.get());
    env->reset(seed, obs.data());
  }
  StepResult step(int action) { return env->step(action, obs.data()); }
  int count_tiles(uint8_t value) const {
    int n = 0;
    for (uint8_t t : game->grid().cells) n += t == value;
    return n;
  }
  int count_entities(int type) const {
    int n = 0;
    for (const procgen::Entity& e : game->entities()) n += e.type == type;
    return n;
  }
  // A quiet scripted situation: no enemies, no orbs on the grid, the agent at the centre of cell
  // (x, y) with the four neighbouring cells open. The game's own count of orbs left is untouched,
  // so clearing the grid does not complete the level.
  void open_cross(int x, int y) {
    game->entities().clear();
    procgen::Grid& g = game->mutable_grid();
    for (uint8_t& t : g.cells) t = t == kWall ? kWall : kEmpty;
    g.set(x, y, kEmpty);
    g.set(x + 1, y, kEmpty);
    g.set(x - 1, y, kEmpty);
    g.set(x, y + 1, kEmpty);
    g.set(x, y - 1, kEmpty);
    game->mutable_agent().x = x + 0.5f;
    game->mutable_agent().y = y + 0.5f;
  }
  // An enemy at the centre of the dead-end cell (x, y), whose only exit is to the left.
  void enemy_in_pocket(int x, int y) {
    procgen::Grid& g = game->mutable_grid();
    g.set(x, y, kEmpty);
    g.set(x + 1, y, kWall);
    g.set(x, y + 1, kWall);
    g.set(x, y - 1, kWall);
    procgen::Entity enemy;
    enemy.type = kEnemy;
    enemy.rx = enemy.ry = 0.4f;
    enemy.x = x + 0.5f;
    enemy.y = y + 0.5f;
    game->entities().push_back(enemy);
  }
};

uint64_t hash_bytes(const uint8_t* data, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; ++i) h = (h ^ data[i]) * 1099511628211ULL;
  return h;
}

std::vector<uint64_t> frame_hashes(uint64_t seed) {
  Chaser c("hard", seed);
  Rng actions(7);
  std::vector<uint64_t> hashes{hash_bytes(c.obs.data(), c.obs.size())};
  for (int i = 0; i < 300; ++i) {
    const StepResult r = c.step(static_cast<int>(actions.below(15)));
    if (r.terminated) c.env->reset(seed, c.obs.data());
    hashes.push_back(hash_bytes(c.obs.data(), c.obs.size()));
  }
  return hashes;
}

TEST(ChaserDeterminism, SameSeedAndActionsGiveIdenticalFrames) {
  const std::vector<uint64_t> a = frame_hashes(42), b = frame_hashes(42);
  ASSERT_EQ(a.size(), 301u);
  EXPECT_EQ(a, b);
  const std::vector<uint64_t> other = frame_hashes(43);
  EXPECT_NE(a[0], other[0]);
  int differing = 0;
  for (size_t i = 0; i < a.size(); ++i) differing += a[i] != other[i];
  EXPECT_GT(differing, 290);
}

TEST(ChaserSpec, TimeoutActionsAndFullView) {
  Chaser c;
  EXPECT_EQ(c.env->spec().max_episode_steps, 1000);
  EXPECT_EQ(c.env->spec().num_actions, 15);
  EXPECT_EQ(c.env->spec().obs_shape, (std::vector<int64_t>{64, 64, 3}));
  EXPECT_FALSE(c.game->options().center_agent);
  EXPECT_THROW(make_env("chaser", {{"center_agent", true}}), UsageError);
}

TEST(ChaserModes, MazeSizeEnemiesAndLargeOrbsFollowTheMode) {
  struct Expected {
    std::string mode;
    int size, enemies, large_orbs;
  };
  for (const Expected& x :
       {Expected{"easy", 11, 3, 4}, Expected{"hard", 13, 3, 3}, Expected{"extreme", 19, 5, 5}}) {
    for (uint64_t seed : {1u, 2u, 3u}) {
      Chaser c(x.mode, seed);
      EXPECT_EQ(c.game->grid().width, x.size) << x.mode;
      EXPECT_EQ(c.game->grid().height, x.size) << x.mode;
      EXPECT_EQ(c.count_entities(kEgg), x.enemies) << x.mode;
      EXPECT_EQ(c.count_entities(kEnemy), 0) << x.mode;
      EXPECT_EQ(c.count_tiles(kLargeOrb), x.large_orbs) << x.mode;
    }
  }
}

// Walls all round, pillars at even-even tiles, every corridor cell holds an orb (but the agent's
// start), no dead ends, and every free cell reachable from the agent.
TEST(ChaserMaze, KruskalMazeWithoutDeadEndsFullOfOrbs) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Chaser c("hard", seed);
    const procgen::Grid& g = c.game->grid();
    const int ax = static_cast<int>(c.game->agent().x), ay = static_cast<int>(c.game->agent().y);
    EXPECT_EQ(g.get(ax, ay), kEmpty);
    int free_cells = 0;
    for (int y = 0; y < g.height; ++y) {
      for (int x = 0; x < g.width; ++x) {
        const uint8_t t = g.get(x, y);
        const bool border = x == 0 || y == 0 || x == g.width - 1 || y == g.height - 1;
        if (border || (x % 2 == 0 && y % 2 == 0)) {
          EXPECT_EQ(t, kWall) << x << "," << y;
          continue;
        }
        if (x % 2 == 1 && y % 2 == 1) {
          EXPECT_NE(t, kWall) << x << "," << y;
        }
        if (t == kWall) continue;
        ++free_cells;
        if (x != ax || y != ay) {
          EXPECT_TRUE(t == kOrb || t == kLargeOrb) << x << "," << y;
        }
        int exits = 0;
        exits += g.get(x + 1, y) != kWall;
        exits += g.get(x - 1, y) != kWall;
        exits += g.get(x, y + 1) != kWall;
        exits += g.get(x, y - 1) != kWall;
        EXPECT_GE(exits, 2) << "dead end at " << x << "," << y << " seed " << seed;
      }
    }
    // A spanning tree of 6 x 6 cells has 36 + 35 free tiles; removing dead ends adds some.
    EXPECT_GT(free_cells, 71);
    std::vector<int> stack{ay * g.width + ax};
    std::vector<bool> seen(g.cells.size(), false);
    seen[stack[0]] = true;
    int reached = 0;
    while (!stack.empty()) {
      const int i = stack.back();
      stack.pop_back();
      ++reached;
      const int x = i % g.width, y = i / g.width;
      for (const auto& d : {std::array<int, 2>{1, 0}, {-1, 0}, {0, 1}, {0, -1}}) {
        const int j = (y + d[1]) * g.width + x + d[0];
        if (g.get(x + d[0], y + d[1]) != kWall && !seen[j]) {
          seen[j] = true;
          stack.push_back(j);
        }
      }
    }
    EXPECT_EQ(reached, free_cells);
  }
}

TEST(ChaserActions, EachActionMovesAsTheTableSays) {
  // action -> (dx, dy) in half cells; diagonals take their horizontal part first.
  const int expected[15][2] = {{-1, 0}, {-1, 0}, {-1, 0}, {0, -1}, {0, 0}, {0, 1}, {1, 0}, {1, 0},
                               {1, 0},  {0, 0},  {0, 0},  {0, 0},  {0, 0}, {0, 0}, {0, 0}};
  for (int action = 0; action < 15; ++action) {
    Chaser c;
    c.open_cross(5, 5);
    c.step(action);
    EXPECT_FLOAT_EQ(c.game->agent().x, 5.5f + 0.5f * expected[action][0]) << "action " << action;
    EXPECT_FLOAT_EQ(c.game->agent().y, 5.5f + 0.5f * expected[action][1]) << "action " << action;
  }
}

TEST(ChaserActions, WallsBlockAndDiagonalsFallBackToTheirVerticalPart) {
  Chaser c;
  c.open_cross(5, 5);
  c.game->mutable_grid().set(6, 5, kWall);
  c.step(7);  // right into a wall
  EXPECT_FLOAT_EQ(c.game->agent().x, 5.5f);
  EXPECT_FLOAT_EQ(c.game->agent().y, 5.5f);
  c.step(8);  // right+up: right is blocked, so up
  EXPECT_FLOAT_EQ(c.game->agent().x, 5.5f);
  EXPECT_FLOAT_EQ(c.game->agent().y, 6.0f);
  c.step(7);  // between two cells a sideways key keeps it going up to the next centre
  EXPECT_FLOAT_EQ(c.game->agent().x, 5.5f);
  EXPECT_FLOAT_EQ(c.game->agent().y, 6.5f);
  c.step(4);
  EXPECT_FLOAT_EQ(c.game->agent().y, 6.5f);
  c.step(3);
  c.step(3);
  EXPECT_FLOAT_EQ(c.game->agent().y, 5.5f);
}

TEST(ChaserRewards, SmallOrbGivesPointZeroFour) {
  Chaser c;
  c.open_cross(5, 5);
  c.game->mutable_grid().set(6, 5, kOrb);
  StepResult r = c.step(7);  // half-way: the agent touches the next cell's orb
  EXPECT_FLOAT_EQ(r.reward, 0.04f);
  EXPECT_FALSE(r.terminated);
  EXPECT_EQ(c.game->grid().get(6, 5), kEmpty);
  r = c.step(7);
  EXPECT_FLOAT_EQ(r.reward, 0.0f);
}

TEST(ChaserRewards, LastOrbCompletesTheLevelWithBonus) {
  Chaser c;
  procgen::Grid& g = c.game->mutable_grid();
  const int ax = static_cast<int>(c.game->agent().x), ay = static_cast<int>(c.game->agent().y);
  // The last orb will be a neighbour of the start cell, reached by one real move.
  int neighbour_x = -1, neighbour_y = -1;
  for (const auto& d : {std::array<int, 2>{1, 0}, {-1, 0}, {0, 1}, {0, -1}}) {
    if (g.get(ax + d[0], ay + d[1]) == kOrb) {
      neighbour_x = ax + d[0];
      neighbour_y = ay + d[1];
      break;
    }
  }
  ASSERT_GE(neighbour_x, 0);
  const int orbs = c.count_tiles(kOrb);
  ASSERT_GT(orbs, 40);
  c.game->entities().clear();
  // Move the agent onto each orb cell in turn (teleport), then step 4 (no-op) to collect it.
  float total = 0;
  int collected = 0;
  for (int y = 0; y < g.height; ++y) {
    for (int x = 0; x < g.width; ++x) {
      if (g.get(x, y) != kOrb || (x == neighbour_x && y == neighbour_y)) continue;
      c.game->mutable_agent().x = x + 0.5f;
      c.game->mutable_agent().y = y + 0.5f;
      const StepResult r = c.step(4);
      ASSERT_FALSE(r.terminated);
      total += r.reward;
      ++collected;
    }
  }
  EXPECT_EQ(collected, orbs - 1);
  EXPECT_NEAR(total, 0.04 * (orbs - 1), 1e-4);
  // Large orbs do not count towards completion.
  EXPECT_GT(c.count_tiles(kLargeOrb), 0);
  c.game->mutable_agent().x = ax + 0.5f;
  c.game->mutable_agent().y = ay + 0.5f;
  const int action = neighbour_x > ax ? 7 : neighbour_x < ax ? 1 : neighbour_y > ay ? 5 : 3;
  const StepResult r = c.step(action);
  EXPECT_FLOAT_EQ(r.reward, 10.04f);
  EXPECT_TRUE(r.terminated);
  EXPECT_TRUE(r.level_complete);
}

TEST(ChaserRewards, TouchingAnEnemyKills) {
  Chaser c;
  c.open_cross(5, 5);
  c.enemy_in_pocket(7, 5);
  StepResult r = c.step(7);  // agent 5.5 -> 6.0, enemy 7.5 -> 7.0: a cell apart, not touching
  EXPECT_FALSE(r.terminated);
  EXPECT_FLOAT_EQ(c.game->entities()[0].x, 7.0f);
  r = c.step(7);  // both reach 6.5
  EXPECT_FLOAT_EQ(r.reward, 0.0f);
  EXPECT_TRUE(r.terminated);
  EXPECT_FALSE(r.level_complete);
}

TEST(ChaserRewards, LargeOrbMakesEnemiesEdibleAndAnEatenOneBecomesAnEgg) {
  Chaser c;
  c.open_cross(5, 5);
  c.game->mutable_grid().set(6, 5, kLargeOrb);
  c.enemy_in_pocket(7, 5);
  StepResult r = c.step(7);  // eats the large orb; the enemy is edible and moves at half speed
  EXPECT_FLOAT_EQ(r.reward, 0.04f);
  EXPECT_FALSE(r.terminated);
  EXPECT_EQ(c.game->grid().get(6, 5), kEmpty);
  ASSERT_EQ(c.game->entities().size(), 1u);
  EXPECT_FLOAT_EQ(c.game->entities()[0].x, 7.25f);
  r = c.step(7);  // agent 6.5, enemy 7.0: touching, so it is eaten; no reward, no death
  EXPECT_FALSE(r.terminated);
  EXPECT_FLOAT_EQ(r.reward, 0.0f);
  const procgen::Entity& egg = c.game->entities()[0];
  EXPECT_EQ(egg.type, kEgg);
  EXPECT_EQ(egg.timer, 50);
  // Respawned at least half the maze (11 / 2 = 5 cells, Manhattan) from the agent.
  const float distance = std::abs(egg.x - c.game->agent().x) + std::abs(egg.y - c.game->agent().y);
  EXPECT_GE(distance, 5.0f);
}

TEST(ChaserRewards, EdibleTimeRunsOutAfterSeventyFiveSteps) {
  Chaser c;
  c.open_cross(5, 5);
  c.game->mutable_grid().set(6, 5, kLargeOrb);
  c.step(7);
  c.step(1);  // back to the centre of (5, 5)
  // An enemy placed now in the pocket moves at half speed until step 75 after the orb.
  c.enemy_in_pocket(7, 5);
  for (int i = 2; i < 75; ++i) {
    c.game->entities()[0].x = 7.5f;
    c.game->entities()[0].vx = c.game->entities()[0].vy = 0;
    ASSERT_FALSE(c.step(4).terminated);
    ASSERT_FLOAT_EQ(c.game->entities()[0].x, 7.25f) << "step " << i;
  }
  c.game->entities()[0].x = 7.5f;
  c.game->entities()[0].vx = 0;
  c.step(4);
  EXPECT_FLOAT_EQ(c.game->entities()[0].x, 7.0f);
}

TEST(ChaserEnemies, EggsHatchAfterFiftyStepsAndEnemiesMoveAlongCorridors) {
  Chaser c("hard", 5);
  for (int i = 0; i < 49; ++i) {
    c.step(4);
    ASSERT_EQ(c.count_entities(kEgg), 3) << "step " << i;
  }
  const std::vector<procgen::Entity> eggs = c.game->entities();
  c.step(4);
  EXPECT_EQ(c.count_entities(kEnemy), 3);
  for (size_t i = 0; i < eggs.size(); ++i) {  // hatching takes the step; they move from the next
    EXPECT_FLOAT_EQ(c.game->entities()[i].x, eggs[i].x);
    EXPECT_FLOAT_EQ(c.game->entities()[i].y, eggs[i].y);
  }
  for (int step = 0; step < 8; ++step) {
    std::vector<procgen::Entity> before = c.game->entities();
    const StepResult r = c.step(4);
    if (r.terminated) break;
    for (size_t i = 0; i < before.size(); ++i) {
      const procgen::Entity& e = c.game->entities()[i];
      const float moved = std::abs(e.x - before[i].x) + std::abs(e.y - before[i].y);
      EXPECT_FLOAT_EQ(moved, 0.5f);
      EXPECT_NE(c.game->grid().get(static_cast<int>(e.x), static_cast<int>(e.y)), kWall);
    }
  }
}

// Half of their junction choices close in on the agent, so one that never moves is caught soon
// after the eggs hatch at step 50 (the seeds here take 64-122 steps).
TEST(ChaserEnemies, AnAgentThatStandsStillIsCaught) {
  for (uint64_t seed = 0; seed < 10; ++seed) {
    Chaser c("hard", seed);
    int steps = 0;
    StepResult r;
    while (steps < 1000 && !(r = c.step(4)).terminated) ++steps;
    EXPECT_GT(steps, 50) << "seed " << seed;
    EXPECT_LT(steps, 250) << "seed " << seed;
    EXPECT_FALSE(r.level_complete);
    EXPECT_FLOAT_EQ(r.reward, 0.0f);
  }
}

TEST(ChaserRendering, AgentColourAtItsPixelAndOnlyThere) {
  for (uint64_t seed : {1u, 2u, 3u, 4u, 5u, 6u}) {
    Chaser c("hard", seed);
    const procgen::Entity& agent = c.game->agent();
    bool is_theme_colour = false;
    for (int t = 0; t < procgen::kNumThemes; ++t) {
      is_theme_colour = is_theme_colour || procgen::theme(t).agent == agent.color;
    }
    EXPECT_TRUE(is_theme_colour);
    const float scale = 64.0f / c.game->grid().width;
    const int px = static_cast<int>(agent.x * scale), py = static_cast<int>(64 - agent.y * scale);
    const uint8_t* p = c.obs.data() + (py * 64 + px) * 3;
    EXPECT_EQ((Color{p[0], p[1], p[2]}), agent.color) << "seed " << seed;
    // The agent is the only thing drawn in its colour: a disc about 4 pixels across.
    int agent_pixels = 0;
    for (size_t i = 0; i < c.obs.size(); i += 3) {
      agent_pixels += Color{c.obs[i], c.obs[i + 1], c.obs[i + 2]} == agent.color;
    }
    EXPECT_GE(agent_pixels, 5);
    EXPECT_LE(agent_pixels, 21);
  }
}

// The observation reuses a cached frame of the walls; editing the grid must still show.
TEST(ChaserRendering, WallsInTheThemeTileColourAndGridEditsShow) {
  Chaser c("hard", 9);
  c.game->entities().clear();
  const procgen::Grid& g = c.game->grid();
  int theme_index = -1;
  for (int t = 0; t < procgen::kNumThemes; ++t) {
    if (procgen::theme(t).agent == c.game->agent().color) theme_index = t;
  }
  ASSERT_GE(theme_index, 0);
  const Color tile = procgen::theme(theme_index).tile;
  int wx = -1, wy = -1;
  for (int y = 1; y < g.height - 1 && wx < 0; y += 2) {
    for (int x = 2; x < g.width - 1; x += 2) {
      if (g.get(x, y) == kWall) {
        wx = x;
        wy = y;
        break;
      }
    }
  }
  ASSERT_GE(wx, 0);
  const float scale = 64.0f / g.width;
  auto pixel = [&](int x, int y) {
    const int px = static_cast<int>((x + 0.5f) * scale),
              py = static_cast<int>(64 - (y + 0.5f) * scale);
    const uint8_t* p = c.obs.data() + (py * 64 + px) * 3;
    return Color{p[0], p[1], p[2]};
  };
  c.step(4);
  EXPECT_EQ(pixel(wx, wy), tile);
  EXPECT_EQ(pixel(0, 0), tile);
  c.game->mutable_grid().set(wx, wy, kEmpty);
  c.step(4);
  EXPECT_NE(pixel(wx, wy), tile);
  c.game->mutable_grid().set(wx, wy, kWall);
  c.step(4);
  EXPECT_EQ(pixel(wx, wy), tile);
}

}  // namespace
}  // namespace lever

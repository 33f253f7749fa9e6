#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "lever/core/errors.h"
#include "lever/core/rng.h"
#include "lever/env/memorygym/mystery_path.h"

namespace lever::memorygym {
namespace {

constexpr Color kBlack{0, 0, 0};
constexpr Color kRed{255, 0, 0};
constexpr Color kWhite{255, 255, 255};
constexpr int kTile = kPathTile;

using Obs = std::vector<uint8_t>;
Obs make_obs() { return Obs(kScreenSize * kScreenSize * 3, 0); }

Color pixel(const Obs& obs, int x, int y) {
  const uint8_t* p = obs.data() + (static_cast<size_t>(y) * kScreenSize + x) * 3;
  return {p[0], p[1], p[2]};
}

int count_color(const Obs& obs, Color c) {
  int n = 0;
  for (int y = 0; y < kScreenSize; ++y) {
    for (int x = 0; x < kScreenSize; ++x) n += pixel(obs, x, y) == c;
  }
  return n;
}

// Flat MultiDiscrete index h * 3 + v for a unit step (dx, dy).
int free_action(int dx, int dy) {
  const int h = dx < 0 ? 1 : (dx > 0 ? 2 : 0);
  const int v = dy < 0 ? 1 : (dy > 0 ? 2 : 0);
  return h * 3 + v;
}

MysteryPath make_free(MysteryPath::Options o = MysteryPath::default_options(false)) {
  return MysteryPath(o, false);
}
MysteryPath make_grid(MysteryPath::Options o = MysteryPath::default_options(true)) {
  return MysteryPath(o, true);
}

bool opposite_borders(PathCell o, PathCell g) {
  const int last = PathLayout::kSize - 1;
  return (o.x == 0 && g.x == last) || (o.x == last && g.x == 0) || (o.y == 0 && g.y == last) ||
         (o.y == last && g.y == 0);
}

// Breadth-first search over the path's cells only.
bool connected_over_path(const PathLayout& layout) {
  const int n = PathLayout::kSize;
  std::vector<bool> on_path(n * n, false), seen(n * n, false);
  for (PathCell c : layout.cells) on_path[c.y * n + c.x] = true;
  std::deque<PathCell> queue = {layout.cells.front()};
  seen[layout.cells.front().y * n + layout.cells.front().x] = true;
  while (!queue.empty()) {
    const PathCell c = queue.front();
    queue.pop_front();
    if (c == layout.cells.back()) return true;
    const int dx[4] = {1, -1, 0, 0}, dy[4] = {0, 0, 1, -1};
    for (int k = 0; k < 4; ++k) {
      const int x = c.x + dx[k], y = c.y + dy[k];
      if (x < 0 || y < 0 || x >= n || y >= n || !on_path[y * n + x] || seen[y * n + x]) continue;
      seen[y * n + x] = true;
      queue.push_back({x, y});
    }
  }
  return false;
}

TEST(MysteryPathGeneration, PathConnectsOriginToGoalForManySeeds) {
  MysteryPath env = make_free();
  Obs obs = make_obs();
  int with_walls = 0, winding = 0;
  for (uint64_t seed = 0; seed < 400; ++seed) {
    env.reset(seed, obs.data());
    const PathLayout& layout = env.layout();
    ASSERT_GE(layout.cells.size(), 7u) << "seed " << seed;
    EXPECT_TRUE(opposite_borders(env.origin(), env.goal())) << "seed " << seed;
    EXPECT_TRUE(connected_over_path(layout)) << "seed " << seed;
    std::vector<bool> seen(49, false);
    for (size_t i = 0; i < layout.cells.size(); ++i) {
      const PathCell c = layout.cells[i];
      EXPECT_FALSE(layout.is_wall(c.x, c.y)) << "seed " << seed;
      EXPECT_FALSE(seen[c.y * 7 + c.x]) << "seed " << seed << " revisits a cell";
      seen[c.y * 7 + c.x] = true;
      if (i > 0) {
        const PathCell p = layout.cells[i - 1];
        EXPECT_EQ(std::abs(c.x - p.x) + std::abs(c.y - p.y), 1) << "seed " << seed;
      }
    }
    int walls = 0;
    for (int y = 0; y < 7; ++y) {
      for (int x = 0; x < 7; ++x) {
        if (!layout.is_wall(x, y)) continue;
        ++walls;
        const bool border = x == 0 || y == 0 || x == 6 || y == 6;
        // Inner walls only in [1, 4]^2; the fifth ring is never a wall.
        EXPECT_TRUE(border || (x <= 4 && y <= 4)) << "seed " << seed;
      }
    }
    with_walls += walls > 0;
    winding += layout.cells.size() > 7;
  }
  EXPECT_EQ(with_walls, 400);  // 4 or 8 border walls are always placed when room allows
  EXPECT_GT(winding, 100);     // random step costs bend most paths
}

TEST(MysteryPathGeneration, CardinalOriginChoiceSelectsTheBorder) {
  MysteryPath::Options o = MysteryPath::default_options(false);
  o.cardinal_origin_choice = {1};
  MysteryPath env = make_free(o);
  Obs obs = make_obs();
  for (uint64_t seed = 0; seed < 30; ++seed) {
    env.reset(seed, obs.data());
    EXPECT_EQ(env.origin().x, 6);
    EXPECT_EQ(env.goal().x, 0);
  }
}

TEST(MysteryPathSpec, SpacesAndLimits) {
  MysteryPath free_env = make_free();
  EXPECT_EQ(free_env.spec().id, "mystery_path");
  EXPECT_EQ(free_env.spec().obs_shape, (std::vector<int64_t>{84, 84, 3}));
  EXPECT_EQ(free_env.spec().obs_type, ObsType::kU8Image);
  EXPECT_EQ(free_env.spec().action_nvec, (std::vector<int>{3, 3}));
  EXPECT_EQ(free_env.spec().num_actions, 9);
  EXPECT_EQ(free_env.spec().max_episode_steps, 512);
  MysteryPath grid_env = make_grid();
  EXPECT_EQ(grid_env.spec().id, "mystery_path_grid");
  EXPECT_TRUE(grid_env.spec().action_nvec.empty());
  EXPECT_EQ(grid_env.spec().num_actions, 4);
  EXPECT_EQ(grid_env.spec().max_episode_steps, 128);
  EndlessMysteryPath endless;
  EXPECT_EQ(endless.spec().num_actions, 4);
  EXPECT_EQ(endless.spec().max_episode_steps, 0);
}

TEST(MysteryPathObservation, HiddenByDefaultShowsOnlyTheAgentOnBlack) {
  MysteryPath env = make_free();
  Obs obs = make_obs();
  env.reset(7, obs.data());
  EXPECT_EQ(env.agent_x(), env.origin().x * kTile + 6);
  EXPECT_EQ(env.agent_y(), env.origin().y * kTile + 6);
  int agent_pixels = 0;
  for (int y = 0; y < kScreenSize; ++y) {
    for (int x = 0; x < kScreenSize; ++x) {
      const Color c = pixel(obs, x, y);
      const bool agent = c == kAgentBody || c == kAgentHand || c == kAgentHandOutline;
      ASSERT_TRUE(agent || c == kBlack) << x << "," << y;
      if (agent) {
        ++agent_pixels;
        EXPECT_LE(std::abs(x - env.agent_x()), 7);
        EXPECT_LE(std::abs(y - env.agent_y()), 7);
      }
    }
  }
  EXPECT_GT(agent_pixels, 80);
  EXPECT_EQ(pixel(obs, env.agent_x(), env.agent_y() + 3), kAgentBody);
}

TEST(MysteryPathObservation, ShowOptionsDrawOriginGoalAndPathDistinctly) {
  MysteryPath::Options o = MysteryPath::default_options(false);
  o.show_origin = o.show_goal = o.show_path = true;
  MysteryPath env = make_free(o);
  Obs obs = make_obs();
  env.reset(3, obs.data());
  const PathLayout& layout = env.layout();
  // Tile corners lie outside the agent's body and hands.
  const PathCell origin = env.origin(), goal = env.goal(), middle = layout.cells[3];
  EXPECT_EQ(pixel(obs, origin.x * kTile, origin.y * kTile), (Color{0, 0, 255}));
  EXPECT_EQ(pixel(obs, goal.x * kTile + 6, goal.y * kTile + 6), (Color{0, 255, 0}));
  EXPECT_EQ(pixel(obs, middle.x * kTile + 6, middle.y * kTile + 6), kWhite);
  EXPECT_EQ(pixel(obs, env.agent_x(), env.agent_y() + 3), kAgentBody);
  // The agent's body reaches one pixel row into the neighbouring path tile.
  const int white_tiles = 144 * static_cast<int>(layout.cells.size() - 2);
  EXPECT_LE(count_color(obs, kWhite), white_tiles);
  EXPECT_GE(count_color(obs, kWhite), white_tiles - 12);
}

// Moves one cell with four steps of three units; returns the summed reward and the last result.
StepResult walk_free(MysteryPath& env, Obs& obs, PathCell to, float* total) {
  const int action = free_action(to.x - env.agent_cell().x, to.y - env.agent_cell().y);
  StepResult r;
  for (int i = 0; i < 4; ++i) {
    r = env.step(action, obs.data());
    *total += r.reward;
    if (r.terminated) break;
  }
  return r;
}

TEST(MysteryPathRewards, WalkingThePathPaysEachNewTileOnceAndTheGoal) {
  MysteryPath env = make_free();
  Obs obs = make_obs();
  env.reset(11, obs.data());
  const std::vector<PathCell> cells = env.layout().cells;
  const int n = static_cast<int>(cells.size());
  float total = 0.0f;
  // Into the first tile, back to the origin, in again: paid once.
  StepResult r = walk_free(env, obs, cells[1], &total);
  EXPECT_FLOAT_EQ(total, 0.1f);
  EXPECT_EQ(r.progress, 1);
  walk_free(env, obs, cells[0], &total);
  walk_free(env, obs, cells[1], &total);
  EXPECT_FLOAT_EQ(total, 0.1f);
  EXPECT_EQ(env.agent_cell(), cells[1]);
  for (int i = 2; i < n; ++i) {
    r = walk_free(env, obs, cells[i], &total);
    ASSERT_EQ(r.terminated, i == n - 1) << "tile " << i;
    ASSERT_FALSE(env.off_path());
    EXPECT_EQ(r.progress, i);
  }
  EXPECT_TRUE(r.level_complete);
  EXPECT_NEAR(total, 0.1 * (n - 2) + 1.0, 1e-4);
  EXPECT_EQ(env.num_fails(), 0);
}

// A seed whose origin has a neighbour inside the grid that is off the path.
bool off_path_neighbor(const MysteryPath& env, PathCell* out) {
  const int dx[4] = {1, -1, 0, 0}, dy[4] = {0, 0, 1, -1};
  for (int k = 0; k < 4; ++k) {
    const PathCell c{env.origin().x + dx[k], env.origin().y + dy[k]};
    if (c.x < 0 || c.y < 0 || c.x > 6 || c.y > 6) continue;
    if (env.layout().index_of(c) < 0) {
      *out = c;
      return true;
    }
  }
  return false;
}

TEST(MysteryPathFallOff, RedCrossThenOriginOnTheNextStepAndTheEpisodeGoesOn) {
  MysteryPath::Options o = MysteryPath::default_options(false);
  o.reward_fall_off = -0.5f;
  MysteryPath env = make_free(o);
  Obs obs = make_obs();
  PathCell off{};
  uint64_t seed = 0;
  for (env.reset(seed, obs.data()); !off_path_neighbor(env, &off); env.reset(++seed, obs.data())) {
  }
  const PathCell origin = env.origin();
  const int action = free_action(off.x - origin.x, off.y - origin.y);
  StepResult r;
  int steps = 0;
  while (env.agent_cell() == origin) {
    ASSERT_EQ(count_color(obs, kRed), 0);
    r = env.step(action, obs.data());
    ++steps;
  }
  EXPECT_EQ(steps, off.x > origin.x || off.y > origin.y ? 2 : 3);  // centre 6 +/- 3 per step
  EXPECT_FALSE(r.terminated);
  EXPECT_FLOAT_EQ(r.reward, -0.5f);
  EXPECT_TRUE(env.off_path());
  EXPECT_TRUE(env.cross_visible());
  EXPECT_EQ(env.num_fails(), 1);
  EXPECT_GT(count_color(obs, kRed), 15);
  EXPECT_EQ(pixel(obs, env.agent_x() - 4, env.agent_y() + 4), kRed);  // the cross's arm
  // The next step's action is ignored: back on the origin's centre, cross gone.
  r = env.step(action, obs.data());
  EXPECT_FALSE(r.terminated);
  EXPECT_FLOAT_EQ(r.reward, 0.0f);
  EXPECT_EQ(env.agent_x(), origin.x * kTile + 6);
  EXPECT_EQ(env.agent_y(), origin.y * kTile + 6);
  EXPECT_FALSE(env.cross_visible());
  EXPECT_EQ(count_color(obs, kRed), 0);
  EXPECT_EQ(r.progress, 0);
}

TEST(MysteryPathFallOff, NoCrossWithoutVisualFeedback) {
  MysteryPath::Options o = MysteryPath::default_options(false);
  o.visual_feedback = false;
  MysteryPath env = make_free(o);
  Obs obs = make_obs();
  PathCell off{};
  uint64_t seed = 0;
  for (env.reset(seed, obs.data()); !off_path_neighbor(env, &off); env.reset(++seed, obs.data())) {
  }
  const int action = free_action(off.x - env.origin().x, off.y - env.origin().y);
  while (!env.off_path()) env.step(action, obs.data());
  EXPECT_EQ(count_color(obs, kRed), 0);
  EXPECT_EQ(env.num_fails(), 1);
}

// Grid rotation: 0 north, 90 west, 180 south, 270 east; rotate left adds 90.
int facing(int dx, int dy) { return dx > 0 ? 270 : dx < 0 ? 90 : dy > 0 ? 180 : 0; }

StepResult walk_grid(MysteryPath& env, Obs& obs, PathCell to, float* total) {
  const int want = facing(to.x - env.agent_cell().x, to.y - env.agent_cell().y);
  while (env.agent_rotation() != want) {
    const int left_turns = ((want - env.agent_rotation()) % 360 + 360) % 360 / 90;
    const StepResult turn =
        env.step(left_turns == 3 ? kGridRotateRight : kGridRotateLeft, obs.data());
    EXPECT_FLOAT_EQ(turn.reward, 0.0f);
    EXPECT_FALSE(turn.terminated);
  }
  const StepResult r = env.step(kGridForward, obs.data());
  *total += r.reward;
  return r;
}

TEST(MysteryPathGrid, TurnsAndForwardFollowThePathToTheGoal) {
  MysteryPath env = make_grid();
  Obs obs = make_obs();
  env.reset(5, obs.data());
  EXPECT_EQ(env.agent_rotation(), 0);
  const std::vector<PathCell> cells = env.layout().cells;
  const int n = static_cast<int>(cells.size());
  float total = 0.0f;
  StepResult r;
  for (int i = 1; i < n; ++i) {
    r = walk_grid(env, obs, cells[i], &total);
    ASSERT_EQ(env.agent_cell(), cells[i]);
    ASSERT_EQ(r.terminated, i == n - 1);
    EXPECT_EQ(r.progress, i);
  }
  EXPECT_TRUE(r.level_complete);
  EXPECT_NEAR(total, 0.1 * (n - 2) + 1.0, 1e-4);
  EXPECT_EQ(env.agent_x(), cells.back().x * kTile + 6);
}

TEST(MysteryPathGrid, ForwardOffThePathReturnsToTheOriginNextStep) {
  MysteryPath env = make_grid();
  Obs obs = make_obs();
  PathCell off{};
  uint64_t seed = 0;
  for (env.reset(seed, obs.data()); !off_path_neighbor(env, &off); env.reset(++seed, obs.data())) {
  }
  float total = 0.0f;
  const StepResult r = walk_grid(env, obs, off, &total);
  EXPECT_FALSE(r.terminated);
  EXPECT_EQ(env.agent_cell(), off);
  EXPECT_TRUE(env.cross_visible());
  EXPECT_GT(count_color(obs, kRed), 15);
  const int rotation = env.agent_rotation();
  env.step(kGridForward, obs.data());  // ignored: the agent is put back
  EXPECT_EQ(env.agent_cell(), env.origin());
  EXPECT_EQ(env.agent_rotation(), rotation);
  EXPECT_EQ(count_color(obs, kRed), 0);
}

TEST(MysteryPathDeterminism, SameSeedSameFramesAndRenders) {
  for (bool grid : {false, true}) {
    MysteryPath a = grid ? make_grid() : make_free();
    MysteryPath b = grid ? make_grid() : make_free();
    Obs oa = make_obs(), ob = make_obs();
    a.reset(42, oa.data());
    b.reset(42, ob.data());
    ASSERT_EQ(oa, ob);
    Rng actions(9);
    Image ra, rb;
    for (int t = 0; t < 60; ++t) {
      const int action = static_cast<int>(actions.below(a.spec().num_actions));
      const StepResult sa = a.step(action, oa.data());
      const StepResult sb = b.step(action, ob.data());
      ASSERT_EQ(oa, ob) << "step " << t;
      ASSERT_EQ(sa.reward, sb.reward);
      a.render(ra);
      b.render(rb);
      ASSERT_EQ(ra.pixels, rb.pixels);
      if (sa.terminated) break;
    }
    EXPECT_EQ(ra.width, 336);
    EXPECT_EQ(ra.height, 336);
  }
  MysteryPath env = make_free();
  Obs obs = make_obs();
  env.reset(1, obs.data());
  const std::vector<PathCell> first = env.layout().cells;
  int different = 0;
  for (uint64_t seed = 2; seed < 7; ++seed) {
    env.reset(seed, obs.data());
    const auto& cells = env.layout().cells;
    different +=
        cells.size() != first.size() || !std::equal(cells.begin(), cells.end(), first.begin());
  }
  EXPECT_GE(different, 4);
}

TEST(MysteryPathRender, DebugViewShowsPathGoalAndWallsAtScaleFour) {
  MysteryPath env = make_free();
  Obs obs = make_obs();
  env.reset(3, obs.data());
  Image view;
  env.render(view);
  const int t = kTile * kRenderScale;  // 48
  const PathCell goal = env.goal(), middle = env.layout().cells[2];
  EXPECT_EQ(view.color_at(goal.x * t + 24, goal.y * t + 24), (Color{0, 255, 0}));
  EXPECT_EQ(view.color_at(middle.x * t + 24, middle.y * t + 24), kWhite);
  EXPECT_EQ(view.color_at(env.agent_x() * 4 + 2, env.agent_y() * 4 + 14), kAgentBody);
  bool wall_drawn = false;
  for (int y = 0; y < 7; ++y) {
    for (int x = 0; x < 7; ++x) {
      if (env.layout().is_wall(x, y)) {
        EXPECT_EQ(view.color_at(x * t + 24, y * t + 24), kRed);
        wall_drawn = true;
      }
    }
  }
  EXPECT_TRUE(wall_drawn);
}

void expect_option_error(bool grid, const nlohmann::json& options, const std::string& name) {
  try {
    MysteryPath::parse_options(options, grid);
    ADD_FAILURE() << "accepted " << options.dump();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
  }
}

void expect_endless_option_error(const nlohmann::json& options, const std::string& name) {
  try {
    EndlessMysteryPath::parse_options(options);
    ADD_FAILURE() << "accepted " << options.dump();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
  }
}

TEST(MysteryPathOptions, EveryOptionValidatedByName) {
  expect_option_error(false, {{"max_steps", 0}}, "max_steps");
  expect_option_error(false, {{"max_steps", 1.5}}, "max_steps");
  expect_option_error(false, {{"agent_speed", 0.5}}, "agent_speed");
  expect_option_error(false, {{"agent_speed", 13}}, "agent_speed");
  expect_option_error(false, {{"cardinal_origin_choice", nlohmann::json::array()}},
                      "cardinal_origin_choice");
  expect_option_error(false, {{"cardinal_origin_choice", {0, 4}}}, "cardinal_origin_choice");
  expect_option_error(false, {{"cardinal_origin_choice", 2}}, "cardinal_origin_choice");
  for (const char* flag : {"show_origin", "show_goal", "show_path", "visual_feedback"}) {
    expect_option_error(true, {{flag, 1}}, flag);
  }
  for (const char* reward :
       {"reward_goal", "reward_fall_off", "reward_path_progress", "reward_step"}) {
    expect_option_error(true, {{reward, "x"}}, reward);
    expect_option_error(false, {{reward, {1}}}, reward);
  }
  const MysteryPath::Options o = MysteryPath::parse_options(
      {{"max_steps", 64}, {"agent_speed", 6}, {"reward_path_progress", 0}, {"show_goal", true}},
      false);
  EXPECT_EQ(o.max_steps, 64);
  EXPECT_FLOAT_EQ(o.agent_speed, 6.0f);
  EXPECT_FLOAT_EQ(o.reward_path_progress, 0.0f);
  EXPECT_TRUE(o.show_goal);
  EXPECT_EQ(MysteryPath::parse_options(nlohmann::json::object(), true).max_steps, 128);

  expect_endless_option_error({{"max_steps", 0}}, "max_steps");
  expect_endless_option_error({{"agent_speed", 0}}, "agent_speed");
  expect_endless_option_error({{"camera_offset_scale", 6}}, "camera_offset_scale");
  expect_endless_option_error({{"stamina_level", 0}}, "stamina_level");
  for (const char* flag : {"show_past_path", "show_background", "show_stamina", "visual_feedback"})
    expect_endless_option_error({{flag, "yes"}}, flag);
  for (const char* reward : {"reward_fall_off", "reward_path_progress", "reward_step"})
    expect_endless_option_error({{reward, true}}, reward);
}

TEST(MysteryPathOptions, RegistryEntriesListParsableDefaults) {
  for (const EnvInfo& info :
       {mystery_path_info(), mystery_path_grid_info(), endless_mystery_path_info()}) {
    nlohmann::json defaults = nlohmann::json::object();
    for (const EnvOptionInfo& option : info.options) defaults[option.name] = option.default_value;
    std::unique_ptr<Env> env = info.make(defaults);
    EXPECT_EQ(env->spec().id, info.id);
    Obs obs = make_obs();
    env->reset(0, obs.data());
    EXPECT_THROW(env->step(env->spec().num_actions, obs.data()), UsageError);
    EXPECT_THROW(env->step(-1, obs.data()), UsageError);
  }
  EXPECT_FLOAT_EQ(mystery_path_info().options[1].default_value.get<float>(), 3.0f);
  for (const EnvOptionInfo& option : mystery_path_grid_info().options)
    EXPECT_NE(option.name, "agent_speed");
}

TEST(MysteryPathActions, InvalidActionsThrow) {
  MysteryPath env = make_free();
  Obs obs = make_obs();
  env.reset(0, obs.data());
  EXPECT_THROW(env.step(9, obs.data()), UsageError);
  MysteryPath grid = make_grid();
  grid.reset(0, obs.data());
  EXPECT_THROW(grid.step(4, obs.data()), UsageError);
}

// ---- Endless ----

int endless_action(PathCell from, PathCell to) {
  if (to.x > from.x) return EndlessMysteryPath::kRight;
  if (to.y < from.y) return EndlessMysteryPath::kUp;
  if (to.y > from.y) return EndlessMysteryPath::kDown;
  return -1;  // left: the endless task has no such move
}

// Walks from node to node with four steps each; stops before the first leftward node. Returns
// the number of nodes reached.
int walk_endless(EndlessMysteryPath& env, Obs& obs, int nodes, float* total) {
  for (int i = 1; i <= nodes; ++i) {
    const int action = endless_action(env.path()[i - 1].cell, env.path()[i].cell);
    if (action < 0) return i - 1;
    for (int s = 0; s < 4; ++s) {
      const StepResult r = env.step(action, obs.data());
      *total += r.reward;
      EXPECT_FALSE(r.terminated);
      EXPECT_FALSE(env.off_path());
    }
    EXPECT_EQ(env.agent_cell(), env.path()[i].cell);
  }
  return nodes;
}

TEST(EndlessMysteryPathLayout, SegmentsChainThroughTransitionTiles) {
  EndlessMysteryPath env;
  Obs obs = make_obs();
  for (uint64_t seed = 0; seed < 50; ++seed) {
    env.reset(seed, obs.data());
    ASSERT_EQ(env.num_segments(), 3);
    const auto& path = env.path();
    EXPECT_EQ(path.front().cell.x, 0);
    int transitions = 0;
    for (size_t i = 1; i < path.size(); ++i) {
      const PathCell a = path[i - 1].cell, b = path[i].cell;
      ASSERT_EQ(std::abs(a.x - b.x) + std::abs(a.y - b.y), 1) << "seed " << seed << " node " << i;
      if (b.x % EndlessMysteryPath::kSegmentStride == 7) {
        ++transitions;
        EXPECT_EQ(a.x, b.x - 1);  // entered from the segment's goal, to its right
      }
      EXPECT_GE(b.y, 0);
      EXPECT_LT(b.y, 7);
    }
    EXPECT_EQ(transitions, 3);
    EXPECT_EQ(path.back().cell.x, 2 * 8 + 7);
  }
}

TEST(EndlessMysteryPathStamina, EndsAfterStaminaStepsWithoutANewTile) {
  EndlessMysteryPath env;
  Obs obs = make_obs();
  env.reset(4, obs.data());
  for (int t = 1; t <= 20; ++t) {
    const StepResult r = env.step(EndlessMysteryPath::kNoop, obs.data());
    EXPECT_EQ(r.terminated, t == 20) << "step " << t;
    EXPECT_EQ(env.stamina(), 20 - t);
  }
  // A new tile refills the stamina.
  uint64_t seed = 0;
  for (env.reset(seed, obs.data()); endless_action(env.path()[0].cell, env.path()[1].cell) < 0;
       env.reset(++seed, obs.data())) {
  }
  float total = 0.0f;
  ASSERT_EQ(walk_endless(env, obs, 1, &total), 1);
  EXPECT_FLOAT_EQ(total, 0.1f);
  // The tile was entered on step 2 (right, down) or 3 (up) of 4, refilling the stamina to 20
  // before that step's cost.
  const int left = env.stamina();
  EXPECT_EQ(left, env.path()[1].cell.y < env.path()[0].cell.y ? 18 : 17);
  int steps = 0;
  StepResult r;
  do {
    r = env.step(EndlessMysteryPath::kNoop, obs.data());
    ++steps;
  } while (!r.terminated && steps < 50);
  EXPECT_EQ(steps, left);
  EXPECT_EQ(env.stamina(), 0);
}

TEST(EndlessMysteryPathRewards, NewTilesPayOnceAndCountAsProgress) {
  EndlessMysteryPath env;
  Obs obs = make_obs();
  env.reset(8, obs.data());
  float total = 0.0f;
  const int reached = walk_endless(env, obs, 8, &total);
  ASSERT_GE(reached, 2);
  EXPECT_NEAR(total, 0.1 * reached, 1e-5);
  EXPECT_EQ(env.tiles_visited(), reached);
  const StepResult r = env.step(EndlessMysteryPath::kNoop, obs.data());
  EXPECT_FLOAT_EQ(r.reward, 0.0f);
  EXPECT_EQ(r.progress, reached);
  EXPECT_FALSE(r.level_complete);
}

TEST(EndlessMysteryPathCamera, AgentStaysInItsColumnAndPastTilesShowWhite) {
  EndlessMysteryPath env;
  Obs obs = make_obs();
  uint64_t seed = 0;
  // Two moves right, so both earlier tiles lie within the drawn columns.
  for (env.reset(seed, obs.data()); env.path()[1].cell.x != 1 || env.path()[2].cell.x != 2;
       env.reset(++seed, obs.data())) {
  }
  EXPECT_EQ(env.agent_screen_x(), 66);  // 6 + 5 tiles of camera offset
  EXPECT_EQ(pixel(obs, 66, env.agent_y() + 3), kAgentBody);
  EXPECT_EQ(count_color(obs, kWhite), 0);
  float total = 0.0f;
  ASSERT_EQ(walk_endless(env, obs, 2, &total), 2);
  EXPECT_EQ(pixel(obs, 66, env.agent_y() + 3), kAgentBody);
  EXPECT_FLOAT_EQ(env.camera_x(), -60.0f + env.agent_x() - 6);
  for (int i = 0; i < 2; ++i) {
    const PathCell c = env.path()[i].cell;
    const int sx = static_cast<int>(c.x * kTile - env.camera_x()) + 6;
    EXPECT_EQ(pixel(obs, sx, c.y * kTile + 6), kWhite) << "past tile " << i;
  }
  EXPECT_EQ(count_color(obs, kWhite), 2 * 100);  // 10x10 inside a 1-unit grey border each
}

// A vertical move from `from` that leaves the path (or the screen), or -1.
int vertical_fall(const EndlessMysteryPath& env, PathCell from) {
  for (int dy : {-1, 1}) {
    const PathCell c{from.x, from.y + dy};
    bool on_path = false;
    for (const auto& node : env.path()) on_path |= node.cell == c;
    if (!on_path) return dy < 0 ? EndlessMysteryPath::kUp : EndlessMysteryPath::kDown;
  }
  return -1;
}

StepResult step_until_cell_changes(EndlessMysteryPath& env, Obs& obs, int action) {
  const PathCell start = env.agent_cell();
  StepResult r;
  for (int s = 0; s < 4 && env.agent_cell() == start; ++s) r = env.step(action, obs.data());
  return r;
}

TEST(EndlessMysteryPathFallOff, FallingTwiceAtOneCellEnds) {
  EndlessMysteryPath env;
  Obs obs = make_obs();
  uint64_t seed = 0;
  for (env.reset(seed, obs.data()); vertical_fall(env, env.path()[0].cell) < 0;
       env.reset(++seed, obs.data())) {
  }
  const int action = vertical_fall(env, env.path()[0].cell);
  StepResult r = step_until_cell_changes(env, obs, action);
  EXPECT_FALSE(r.terminated);
  EXPECT_TRUE(env.off_path());
  EXPECT_TRUE(env.cross_visible());
  EXPECT_GT(count_color(obs, kRed), 15);
  EXPECT_EQ(env.stamina(), 19);  // refilled on falling off, then one step spent
  r = env.step(EndlessMysteryPath::kRight, obs.data());  // ignored: back to the first tile
  EXPECT_FALSE(r.terminated);
  EXPECT_EQ(env.agent_cell(), env.path()[0].cell);
  EXPECT_FLOAT_EQ(env.camera_x(), -60.0f);
  r = step_until_cell_changes(env, obs, action);
  EXPECT_TRUE(r.terminated);
  EXPECT_EQ(env.num_fails(), 2);
}

TEST(EndlessMysteryPathFallOff, FallingBehindTheFarthestColumnEnds) {
  EndlessMysteryPath env;
  Obs obs = make_obs();
  uint64_t seed = 0;
  auto suitable = [&]() {
    const auto& p = env.path();
    return p[1].cell.x == 1 && vertical_fall(env, p[1].cell) >= 0 &&
           vertical_fall(env, p[0].cell) >= 0;
  };
  for (env.reset(seed, obs.data()); !suitable(); env.reset(++seed, obs.data())) {
  }
  float total = 0.0f;
  ASSERT_EQ(walk_endless(env, obs, 1, &total), 1);
  EXPECT_EQ(env.max_x_reached(), 1);
  // Falling off at the farthest column sends the agent back to the first tile.
  StepResult r = step_until_cell_changes(env, obs, vertical_fall(env, env.path()[1].cell));
  EXPECT_FALSE(r.terminated);
  EXPECT_TRUE(env.off_path());
  env.step(EndlessMysteryPath::kNoop, obs.data());
  EXPECT_EQ(env.agent_cell(), env.path()[0].cell);
  // Column 0 lies behind column 1.
  r = step_until_cell_changes(env, obs, vertical_fall(env, env.path()[0].cell));
  EXPECT_TRUE(r.terminated);
}

TEST(EndlessMysteryPathDeterminism, SameSeedSameFramesAndRenders) {
  EndlessMysteryPath::Options o;
  o.show_background = o.show_stamina = true;
  EndlessMysteryPath a(o), b(o);
  Obs oa = make_obs(), ob = make_obs();
  a.reset(21, oa.data());
  b.reset(21, ob.data());
  ASSERT_EQ(oa, ob);
  EXPECT_GT(count_color(oa, Color{125, 177, 250}), 1000);  // the icy floor
  EXPECT_EQ(pixel(oa, 82, 40), (Color{0, 255, 0}));        // a full stamina bar
  Rng actions(3);
  Image ra, rb;
  for (int t = 0; t < 40; ++t) {
    const int action = static_cast<int>(actions.below(4));
    const StepResult sa = a.step(action, oa.data());
    const StepResult sb = b.step(action, ob.data());
    ASSERT_EQ(oa, ob);
    ASSERT_EQ(sa.reward, sb.reward);
    ASSERT_EQ(sa.terminated, sb.terminated);
    a.render(ra);
    b.render(rb);
    ASSERT_EQ(ra.pixels, rb.pixels);
    if (sa.terminated) break;
  }
  EXPECT_EQ(ra.width, 336);
}

}  // namespace
}  // namespace lever::memorygym

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "lever/core/errors.h"
#include "lever/env/grid/minigrid_memory.h"
#include "support/error_message.h"

namespace lever {
namespace {

using Cell = MinigridMemory::Cell;
using Obs = std::vector<uint8_t>;

constexpr int kTile = MinigridMemory::kObsTile;
// MiniGrid's highlight blends 30% towards white and truncates: 0 -> 76, 100 -> 146, 255 -> 255.
constexpr Color kSeenFloor{76, 76, 76};
constexpr Color kSeenWall{146, 146, 146};
constexpr Color kSeenGreen{76, 255, 76};
constexpr Color kSeenAgent{255, 76, 76};
constexpr Color kHidden{0, 0, 0};
constexpr Color kGridLine{100, 100, 100};
constexpr Color kWall{100, 100, 100};
constexpr Color kGreen{0, 255, 0};

// An env, its observation buffer and the last step's result, for scripted walks.
struct Episode {
  MinigridMemory env;
  Obs obs;
  StepResult last;

  explicit Episode(uint64_t seed, MinigridMemory::Options options = MinigridMemory::Options())
      : env(options), obs(env.spec().obs_bytes()) {
    env.reset(seed, obs.data());
  }
  void act(int action, int times = 1) {
    for (int i = 0; i < times; ++i) last = env.step(action, obs.data());
  }
  Color pixel(int x, int y) const {
    const uint8_t* p = obs.data() + (static_cast<size_t>(y) * MinigridMemory::kObsPixels + x) * 3;
    return {p[0], p[1], p[2]};
  }
  // Centre pixel of the view tile at (column, row); row 2 is the agent's row.
  Color tile_centre(int col, int row) const {
    return pixel(col * kTile + kTile / 2, row * kTile + kTile / 2);
  }
  int count_in_tile(int col, int row, Color c, int y_begin = 0, int y_end = kTile) const {
    int n = 0;
    for (int y = y_begin; y < y_end; ++y) {
      for (int x = 0; x < kTile; ++x) n += pixel(col * kTile + x, row * kTile + y) == c;
    }
    return n;
  }
};

// The first seed whose layout satisfies pred.
template <typename Pred>
uint64_t find_seed(Pred pred, MinigridMemory::Options options = MinigridMemory::Options()) {
  MinigridMemory env(options);
  Obs obs(env.spec().obs_bytes());
  for (uint64_t seed = 0; seed < 1000; ++seed) {
    env.reset(seed, obs.data());
    if (pred(env)) return seed;
  }
  ADD_FAILURE() << "no seed in [0, 1000) has the wanted layout";
  return 0;
}

// memory.py at size 9: hallway_end = 6, corridor on row 4, choice objects at (7, 2) and (7, 6),
// cue at (1, 3). '#' wall, '.' floor, 'c' cue, 'o' choice object.
const char* const kS9Map[9] = {
    "#########",  //
    "#.....#.#",  //
    "#####.#o#",  //
    "#c..###.#",  //
    "#.......#",  //
    "#...###.#",  //
    "#####.#o#",  //
    "#.....#.#",  //
    "#########",
};

TEST(MinigridMemoryLayout, Size9MatchesMemoryPyCellForCell) {
  for (uint64_t seed : {0u, 1u, 2u, 3u}) {
    Episode e(seed);
    const MinigridMemory& env = e.env;
    ASSERT_EQ(env.size(), 9);
    EXPECT_EQ(env.hallway_end(), 6);
    for (int y = 0; y < 9; ++y) {
      for (int x = 0; x < 9; ++x) {
        const char want = kS9Map[y][x];
        const Cell got = env.cell(x, y);
        if (want == '#') {
          EXPECT_EQ(got, Cell::kWall) << x << "," << y;
        } else if (want == '.') {
          EXPECT_EQ(got, Cell::kFloor) << x << "," << y;
        } else {
          EXPECT_TRUE(got == Cell::kKey || got == Cell::kBall) << x << "," << y;
        }
      }
    }
    EXPECT_NE(env.cell(7, 2), env.cell(7, 6));  // one key, one ball
    EXPECT_EQ(env.cell(-1, 4), Cell::kWall);    // outside the grid reads as wall
    EXPECT_EQ(env.agent_y(), 4);
    EXPECT_EQ(env.agent_dir(), MinigridMemory::kDirRight);
    EXPECT_GE(env.agent_x(), 1);
    EXPECT_LE(env.agent_x(), 6);
    // The success cell is the one between the corridor and the object that matches the cue.
    const bool top_matches = env.cell(7, 2) == env.cell(1, 3);
    EXPECT_EQ(env.success_y(), top_matches ? 3 : 5);
    EXPECT_EQ(env.failure_y(), top_matches ? 5 : 3);
    EXPECT_EQ(env.step_count(), 0);
  }
}

TEST(MinigridMemoryLayout, SpecIsTheReferenceWrapper) {
  MinigridMemory env;
  EXPECT_EQ(env.spec().id, "minigrid_memory");
  EXPECT_EQ(env.spec().obs_shape, (std::vector<int64_t>{84, 84, 3}));
  EXPECT_EQ(env.spec().obs_type, ObsType::kU8Image);
  EXPECT_EQ(env.spec().num_actions, 3);
  EXPECT_EQ(env.spec().max_episode_steps, 405);
  MinigridMemory big(MinigridMemory::Options{17, true});
  EXPECT_EQ(big.spec().max_episode_steps, 1445);
}

TEST(MinigridMemoryLayout, SameSeedGivesIdenticalObservationBytes) {
  Episode a(77), b(77);
  EXPECT_EQ(a.obs, b.obs);
  for (int action : {2, 0, 2, 1, 1, 2}) {
    a.act(action);
    b.act(action);
    ASSERT_EQ(a.obs, b.obs);
  }
  // Turning all the way round redraws the same view.
  Episode c(77);
  const Obs first = c.obs;
  c.act(MinigridMemory::kTurnRight, 4);
  EXPECT_EQ(c.obs, first);
}

TEST(MinigridMemoryLayout, SeedsCoverCuesObjectOrdersAndStarts) {
  std::set<Cell> cues, tops;
  std::set<int> starts;
  std::set<std::pair<Cell, Cell>> layouts;
  MinigridMemory env;
  Obs obs(env.spec().obs_bytes());
  for (uint64_t seed = 0; seed < 200; ++seed) {
    env.reset(seed, obs.data());
    cues.insert(env.cell(1, 3));
    tops.insert(env.cell(7, 2));
    starts.insert(env.agent_x());
    layouts.insert({env.cell(1, 3), env.cell(7, 2)});
  }
  EXPECT_EQ(cues, (std::set<Cell>{Cell::kKey, Cell::kBall}));
  EXPECT_EQ(tops, (std::set<Cell>{Cell::kKey, Cell::kBall}));
  EXPECT_EQ(layouts.size(), 4u);                         // every cue with every order
  EXPECT_EQ(starts, (std::set<int>{1, 2, 3, 4, 5, 6}));  // [1, hallway_end], as memory.py
}

}  // namespace
}  // namespace lever

namespace lever {
namespace {

TEST(MinigridMemoryMotion, TurnsFollowMiniGridDirections) {
  Episode e(5);
  const int x0 = e.env.agent_x();
  e.act(MinigridMemory::kTurnLeft);
  EXPECT_EQ(e.env.agent_dir(), MinigridMemory::kDirUp);
  e.act(MinigridMemory::kTurnLeft);
  EXPECT_EQ(e.env.agent_dir(), MinigridMemory::kDirLeft);
  e.act(MinigridMemory::kTurnRight, 2);
  EXPECT_EQ(e.env.agent_dir(), MinigridMemory::kDirRight);
  e.act(MinigridMemory::kTurnRight);
  EXPECT_EQ(e.env.agent_dir(), MinigridMemory::kDirDown);
  EXPECT_EQ(e.env.agent_x(), x0);
  EXPECT_EQ(e.env.agent_y(), 4);
  EXPECT_EQ(e.env.step_count(), 5);
  EXPECT_FALSE(e.last.terminated);
  EXPECT_EQ(e.last.reward, 0.0f);
}

TEST(MinigridMemoryMotion, ForwardMovesOneCellAndWallsAndObjectsBlock) {
  const uint64_t seed = find_seed([](const MinigridMemory& env) { return env.agent_x() == 2; });
  Episode e(seed);
  e.act(MinigridMemory::kForward);
  EXPECT_EQ(e.env.agent_x(), 3);
  e.act(MinigridMemory::kForward, 4);
  EXPECT_EQ(e.env.agent_x(), 7);  // the junction beside the choice objects
  e.act(MinigridMemory::kForward, 2);
  EXPECT_EQ(e.env.agent_x(), 7);  // (8, 4) is the outer wall
  EXPECT_EQ(e.env.agent_y(), 4);
  EXPECT_EQ(e.env.step_count(), 7);

  // Back at the start room's left end, facing up: the cue at (1, 3) blocks.
  Episode f(seed);
  f.act(MinigridMemory::kTurnLeft, 2);
  f.act(MinigridMemory::kForward, 3);
  EXPECT_EQ(f.env.agent_x(), 1);  // (0, 4) is the outer wall
  f.act(MinigridMemory::kTurnRight);
  f.act(MinigridMemory::kForward);
  EXPECT_EQ(f.env.agent_x(), 1);
  EXPECT_EQ(f.env.agent_y(), 4);
  // Facing down there is room floor at (1, 5).
  f.act(MinigridMemory::kTurnRight, 2);
  f.act(MinigridMemory::kForward);
  EXPECT_EQ(f.env.agent_y(), 5);
}

TEST(MinigridMemoryMotion, ActionOutsideTheThreeIsAUsageError) {
  Episode e(0);
  EXPECT_THROW(e.act(3), UsageError);
  EXPECT_THROW(e.act(-1), UsageError);
}

// Walk the corridor to the junction (7 - x0 steps), turn towards the wanted side, step next to it.
StepResult walk_to_side(Episode& e, bool top) {
  e.act(MinigridMemory::kForward, 7 - e.env.agent_x());
  EXPECT_EQ(e.env.agent_x(), 7);
  EXPECT_FALSE(e.last.terminated);
  e.act(top ? MinigridMemory::kTurnLeft : MinigridMemory::kTurnRight);
  EXPECT_FALSE(e.last.terminated);
  e.act(MinigridMemory::kForward);
  return e.last;
}

TEST(MinigridMemoryReward, MatchingObjectPaysTheStepDiscountedRewardAndEnds) {
  // Start x = 3, top object matches: 4 forwards, a turn, a forward: t = 6.
  const uint64_t top_seed = find_seed(
      [](const MinigridMemory& env) { return env.agent_x() == 3 && env.success_y() == 3; });
  Episode top(top_seed);
  StepResult r = walk_to_side(top, true);
  EXPECT_TRUE(r.terminated);
  EXPECT_TRUE(r.level_complete);
  EXPECT_EQ(top.env.step_count(), 6);
  EXPECT_FLOAT_EQ(r.reward, 1.0f - 0.9f * 6.0f / 405.0f);

  // Start x = 6, bottom matches, after two idle turns: 2 + 1 + 1 + 1 = 5 steps.
  const uint64_t bottom_seed = find_seed(
      [](const MinigridMemory& env) { return env.agent_x() == 6 && env.success_y() == 5; });
  Episode bottom(bottom_seed);
  bottom.act(MinigridMemory::kTurnLeft);
  bottom.act(MinigridMemory::kTurnRight);
  r = walk_to_side(bottom, false);
  EXPECT_TRUE(r.terminated);
  EXPECT_TRUE(r.level_complete);
  EXPECT_EQ(bottom.env.agent_y(), 5);
  EXPECT_FLOAT_EQ(r.reward, 1.0f - 0.9f * 5.0f / 405.0f);
}

TEST(MinigridMemoryReward, WrongObjectPaysNothingAndEnds) {
  const uint64_t seed = find_seed([](const MinigridMemory& env) { return env.success_y() == 3; });
  Episode e(seed);
  const StepResult r = walk_to_side(e, false);
  EXPECT_TRUE(r.terminated);
  EXPECT_FALSE(r.level_complete);
  EXPECT_EQ(r.reward, 0.0f);
  EXPECT_EQ(e.env.agent_y(), e.env.failure_y());
}

}  // namespace
}  // namespace lever

namespace lever {
namespace {

TEST(MinigridMemoryObservation, AgentIsAnUpwardTriangleInTheBottomMiddleTile) {
  Episode e(11);
  for (int row = 0; row < 3; ++row) {
    for (int col = 0; col < 3; ++col) {
      const int red = e.count_in_tile(col, row, kSeenAgent);
      if (row == 2 && col == 1) {
        EXPECT_GT(red, 100);
      } else {
        EXPECT_EQ(red, 0) << col << "," << row;
      }
    }
  }
  // Pointing up: the base half of the tile holds more of the triangle than the tip half.
  EXPECT_GT(e.count_in_tile(1, 2, kSeenAgent, kTile / 2, kTile),
            2 * e.count_in_tile(1, 2, kSeenAgent, 0, kTile / 2));
  EXPECT_EQ(e.tile_centre(1, 2), kSeenAgent);
  EXPECT_EQ(e.pixel(kTile, 2 * kTile), (Color{146, 146, 146}));  // highlighted grid line
  // The view does not turn with the agent: facing down the triangle still points up.
  e.act(MinigridMemory::kTurnRight);
  EXPECT_GT(e.count_in_tile(1, 2, kSeenAgent, kTile / 2, kTile),
            2 * e.count_in_tile(1, 2, kSeenAgent, 0, kTile / 2));
}

TEST(MinigridMemoryObservation, WallAheadIsGreyAndCellsBehindItAreHidden) {
  Episode e(3);
  e.act(MinigridMemory::kForward, 7 - e.env.agent_x());  // junction, facing the outer wall
  ASSERT_EQ(e.env.agent_x(), 7);
  for (int col = 0; col < 3; ++col) {
    EXPECT_EQ(e.tile_centre(col, 1), kSeenWall);  // (8, 3..5)
    // Row 0 lies beyond the outer wall: hidden, drawn as unlit floor with its grid line.
    EXPECT_EQ(e.tile_centre(col, 0), kHidden);
    EXPECT_EQ(e.pixel(col * kTile, 0), kGridLine);
    EXPECT_EQ(e.pixel(col * kTile + 5, 0), kGridLine);
  }
  // Beside the agent: (7, 3) on the left and (7, 5) on the right, lit floor.
  EXPECT_EQ(e.tile_centre(0, 2), kSeenFloor);
  EXPECT_EQ(e.tile_centre(2, 2), kSeenFloor);
  EXPECT_EQ(e.pixel(2 * kTile + 5, 2 * kTile), (Color{146, 146, 146}));  // lit grid line
}

TEST(MinigridMemoryObservation, CueIsGreenWhenFacedFromTheAdjacentCell) {
  Obs key_view, ball_view;
  for (Cell cue : {Cell::kKey, Cell::kBall}) {
    const uint64_t seed = find_seed(
        [cue](const MinigridMemory& env) { return env.cell(1, 3) == cue && env.agent_x() == 4; });
    Episode e(seed);
    EXPECT_EQ(e.count_in_tile(1, 1, kSeenGreen), 0);
    e.act(MinigridMemory::kTurnLeft, 2);
    e.act(MinigridMemory::kForward, 3);
    e.act(MinigridMemory::kTurnRight);  // at (1, 4) facing the cue at (1, 3)
    ASSERT_EQ(e.env.agent_x(), 1);
    ASSERT_EQ(e.env.agent_dir(), MinigridMemory::kDirUp);
    EXPECT_EQ(e.tile_centre(1, 1), kSeenGreen);
    EXPECT_GT(e.count_in_tile(1, 1, kSeenGreen), 100);
    for (int col : {0, 2}) EXPECT_EQ(e.count_in_tile(col, 1, kSeenGreen), 0);
    (cue == Cell::kKey ? key_view : ball_view) = e.obs;
  }
  EXPECT_NE(key_view, ball_view);  // the two cues look different
}

TEST(MinigridMemoryRender, WholeGridWithTheAgentAndItsViewLit) {
  const uint64_t seed = find_seed([](const MinigridMemory& env) { return env.agent_x() == 2; });
  Episode e(seed);
  Image frame;
  e.env.render(frame);
  ASSERT_EQ(frame.width, 9 * 32);
  ASSERT_EQ(frame.height, 9 * 32);
  auto centre = [&frame](int x, int y) { return frame.color_at(x * 32 + 16, y * 32 + 16); };
  EXPECT_EQ(centre(2, 4), kSeenAgent);  // the agent, facing right
  EXPECT_EQ(centre(3, 4), kSeenFloor);  // ahead, in view
  EXPECT_EQ(centre(4, 3), kSeenWall);   // the start room's corner wall, in view
  EXPECT_EQ(centre(0, 0), kWall);       // out of view: unlit
  EXPECT_EQ(centre(2, 1), kHidden);
  EXPECT_EQ(centre(7, 2), kGreen);
  EXPECT_EQ(centre(7, 6), kGreen);
}

TEST(MinigridMemoryRandomLength, Size17DrawsSeveralCorridorLengths) {
  const MinigridMemory::Options options{17, true};
  MinigridMemory env(options);
  Obs obs(env.spec().obs_bytes());
  std::set<int> ends;
  for (uint64_t seed = 0; seed < 60; ++seed) {
    env.reset(seed, obs.data());
    const int end = env.hallway_end();
    ends.insert(end);
    ASSERT_GE(end, 4);
    ASSERT_LE(end, 14);  // randint(4, 15) excludes 15
    EXPECT_EQ(env.cell(end, 8), Cell::kFloor);
    EXPECT_EQ(env.cell(end, 7), Cell::kWall);
    EXPECT_EQ(env.cell(end + 2, 8), Cell::kWall);
    EXPECT_NE(env.cell(end + 1, 6), env.cell(end + 1, 10));
    EXPECT_NE(env.cell(end + 1, 6), Cell::kFloor);
    EXPECT_NE(env.cell(end + 1, 10), Cell::kFloor);
    EXPECT_LE(env.agent_x(), end);
    EXPECT_EQ(env.agent_y(), 8);
  }
  EXPECT_GE(ends.size(), 6u);
  MinigridMemory fixed(MinigridMemory::Options{17, false});
  fixed.reset(123, obs.data());
  EXPECT_EQ(fixed.hallway_end(), 14);
}

TEST(MinigridMemoryOptions, InfoListsDocumentedDefaults) {
  const EnvInfo info = minigrid_memory_info();
  EXPECT_EQ(info.id, "minigrid_memory");
  ASSERT_EQ(info.options.size(), 2u);
  EXPECT_EQ(info.options[0].name, "minigrid_size");
  EXPECT_EQ(info.options[0].default_value, 9);
  EXPECT_EQ(info.options[1].name, "minigrid_random_length");
  EXPECT_EQ(info.options[1].default_value, false);
  for (const auto& option : info.options) EXPECT_FALSE(option.doc.empty());
  const auto env = info.make({{"minigrid_size", 11}, {"minigrid_random_length", true}});
  EXPECT_EQ(env->spec().max_episode_steps, 605);
  EXPECT_EQ(info.make(nlohmann::json::object())->spec().max_episode_steps, 405);
}

TEST(MinigridMemoryOptions, BadValuesNameTheOption) {
  const EnvInfo info = minigrid_memory_info();
  auto message = [&info](const nlohmann::json& options) {
    return testing::thrown_message<UsageError>([&] { info.make(options); });
  };
  const std::string size_rule =
      "env 'minigrid_memory': minigrid_size must be an odd integer in [7, 101], got ";
  EXPECT_EQ(message({{"minigrid_size", 8}}), size_rule + "8");
  EXPECT_EQ(message({{"minigrid_size", 5}}), size_rule + "5");
  EXPECT_EQ(message({{"minigrid_size", 103}}), size_rule + "103");
  EXPECT_EQ(message({{"minigrid_size", 9.5}}), size_rule + "9.5");
  EXPECT_EQ(message({{"minigrid_random_length", 1}}),
            "env 'minigrid_memory': minigrid_random_length must be true or false, got 1");
  EXPECT_EQ(testing::thrown_message<UsageError>([] {
              MinigridMemory env(MinigridMemory::Options{10, false});
            }),
            size_rule + "10");
}

}  // namespace
}  // namespace lever

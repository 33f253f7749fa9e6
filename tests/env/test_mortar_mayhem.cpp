#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lever/core/errors.h"
#include "lever/env/memorygym/mortar_mayhem.h"

namespace lever::memorygym {
namespace {

using Variant = MortarMayhem::Variant;
constexpr int kObsBytes = kScreenSize * kScreenSize * 3;

Color pixel(const std::vector<uint8_t>& obs, int x, int y) {
  const uint8_t* p = obs.data() + (static_cast<size_t>(y) * kScreenSize + x) * 3;
  return {p[0], p[1], p[2]};
}

int flat(int h, int v) { return h * 3 + v; }

// Shortest signed offset on a circle of `period` (the endless torus); plain difference otherwise.
int offset(int from, int to, int period) {
  int d = to - from;
  if (period > 0) d = ((d + period / 2) % period + period) % period - period / 2;
  return d;
}

// Walks towards the centre of the current target tile, stops within a pixel of it.
int chase_target(const MortarMayhem& env) {
  const bool torus = env.variant() == Variant::kEndless;
  const int dx = offset(env.agent_x(), env.tile_center_x(env.target_x()), torus ? kScreenSize : 0);
  const int dy = offset(env.agent_y(), env.tile_center_y(env.target_y()), torus ? kScreenSize : 0);
  const int h = dx > 1 ? 2 : (dx < -1 ? 1 : 0);
  const int v = dy > 1 ? 2 : (dy < -1 ? 1 : 0);
  return flat(h, v);
}

// Turns to face the target tile and steps onto it.
int chase_target_grid(const MortarMayhem& env) {
  const int x = env.agent_tile_x(), y = env.agent_tile_y();
  int heading = -1;
  if (env.target_x() > x) heading = 270;
  if (env.target_x() < x) heading = 90;
  if (env.target_y() < y) heading = 0;
  if (env.target_y() > y) heading = 180;
  if (heading < 0) return kGridNoop;
  const int turn = (heading - env.agent_rotation() + 360) % 360;
  if (turn == 0) return kGridForward;
  return turn == 270 ? kGridRotateRight : kGridRotateLeft;
}

struct Played {
  int steps = 0;
  float total_reward = 0;
  StepResult last;
  std::vector<int> rewarded_steps;
};

template <typename Policy>
Played play(MortarMayhem& env, uint64_t seed, Policy policy, int limit = 2000) {
  std::vector<uint8_t> obs(kObsBytes);
  env.reset(seed, obs.data());
  Played p;
  while (p.steps < limit) {
    p.last = env.step(policy(env), obs.data());
    ++p.steps;
    p.total_reward += p.last.reward;
    if (p.last.reward > 0) p.rewarded_steps.push_back(p.steps);
    if (p.last.terminated) break;
  }
  return p;
}

TEST(MortarMayhemSpec, ObservationActionsAndTimeLimits) {
  MortarMayhem free(Variant::kFree);
  EXPECT_EQ(free.spec().id, "mortar_mayhem");
  EXPECT_EQ(free.spec().obs_shape, (std::vector<int64_t>{84, 84, 3}));
  EXPECT_EQ(free.spec().obs_type, ObsType::kU8Image);
  EXPECT_EQ(free.spec().num_actions, 9);
  EXPECT_EQ(free.spec().action_nvec, (std::vector<int>{3, 3}));
  EXPECT_EQ(free.spec().max_episode_steps, 275);  // (3 + 1) * 10 + (18 + 6) * 10 - 6 + 1

  MortarMayhem grid(Variant::kGrid);
  EXPECT_EQ(grid.spec().id, "mortar_mayhem_grid");
  EXPECT_EQ(grid.spec().num_actions, 4);
  EXPECT_TRUE(grid.spec().action_nvec.empty());
  EXPECT_EQ(grid.spec().max_episode_steps, 119);  // 40 + (6 + 2) * 10 - 2 + 1

  MortarMayhem endless(Variant::kEndless);
  EXPECT_EQ(endless.spec().id, "endless_mortar_mayhem");
  EXPECT_EQ(endless.spec().action_nvec, (std::vector<int>{3, 3}));
  EXPECT_EQ(endless.spec().max_episode_steps, 0);
  MortarMayhem limited(Variant::kEndless,
                       MortarMayhem::parse_options(Variant::kEndless, {{"max_steps", 500}}));
  EXPECT_EQ(limited.spec().max_episode_steps, 500);

  // The largest choices set the limit.
  MortarMayhem listed(Variant::kFree,
                      MortarMayhem::parse_options(Variant::kFree, {{"command_count", {5, 10}},
                                                                   {"explosion_delay", {10, 18}}}));
  EXPECT_EQ(listed.spec().max_episode_steps, 275);
}

TEST(MortarMayhemLayout, ArenaIsCentredAndTargetsStayInside) {
  MortarMayhem env(Variant::kFree);
  std::vector<uint8_t> obs(kObsBytes);
  for (uint64_t seed = 0; seed < 30; ++seed) {
    env.reset(seed, obs.data());
    EXPECT_EQ(env.arena().left, 7);
    EXPECT_EQ(env.arena().width, 70);
    ASSERT_EQ(env.commands().size(), 10u);
    // The agent starts on a tile centre.
    EXPECT_EQ((env.agent_x() - 7) % 14, 7);
    EXPECT_EQ((env.agent_y() - 7) % 14, 7);
    int x = env.agent_tile_x(), y = env.agent_tile_y();
    for (int c : env.commands()) {
      x += MortarMayhem::kCommandOffset[c][0];
      y += MortarMayhem::kCommandOffset[c][1];
      EXPECT_TRUE(x >= 0 && x < 5 && y >= 0 && y < 5) << "seed " << seed;
    }
  }
  // The grid default allows the first five commands only.
  MortarMayhem grid(Variant::kGrid);
  for (uint64_t seed = 0; seed < 10; ++seed) {
    grid.reset(seed, obs.data());
    for (int c : grid.commands()) EXPECT_LE(c, MortarMayhem::kStay);
  }
}

TEST(MortarMayhemClues, ShownForShowPlusDelayStepsEachWithTheAgentFrozen) {
  MortarMayhem env(Variant::kFree);
  std::vector<uint8_t> obs(kObsBytes);
  env.reset(3, obs.data());
  const std::vector<int> commands = env.commands();
  EXPECT_EQ(env.shown_command(), commands[0]);  // the reset frame is the first clue frame
  const int x0 = env.agent_x(), y0 = env.agent_y();
  // 10 commands x (3 + 1) = 40 clue frames: the reset frame and steps 1..39.
  for (int step = 1; step < 40; ++step) {
    ASSERT_TRUE(env.showing_clues()) << step;
    const StepResult r = env.step(flat(2, 2), obs.data());
    EXPECT_EQ(env.agent_x(), x0) << step;
    EXPECT_EQ(env.agent_y(), y0) << step;
    EXPECT_EQ(r.reward, 0.0f);
    EXPECT_FALSE(r.terminated);
    EXPECT_EQ(r.progress, 0);
    const int expected = step % 4 == 3 ? -1 : commands[step / 4];
    EXPECT_EQ(env.shown_command(), expected) << step;
  }
  EXPECT_FALSE(env.showing_clues());
  env.step(flat(2, 2), obs.data());  // step 40: the first move
  EXPECT_EQ(env.shown_command(), -1);
  EXPECT_TRUE(env.agent_x() != x0 || env.agent_y() != y0);
}

TEST(MortarMayhemExecution, PerfectPlayEarnsEveryCommandAndSucceeds) {
  MortarMayhem env(Variant::kFree);
  const Played p = play(env, 11, chase_target);
  // Checks at step 40 + 18 = 58 and every 18 + 6 steps after: the last at 58 + 9 * 24 = 274.
  std::vector<int> expected;
  for (int k = 0; k < 10; ++k) expected.push_back(58 + 24 * k);
  EXPECT_EQ(p.rewarded_steps, expected);
  EXPECT_EQ(p.steps, 274);
  EXPECT_LE(p.steps, env.spec().max_episode_steps);
  EXPECT_TRUE(p.last.terminated);
  EXPECT_TRUE(p.last.level_complete);
  EXPECT_EQ(p.last.progress, 10);
  EXPECT_NEAR(p.total_reward, 1.0f, 1e-5);
}

TEST(MortarMayhemExecution, RewardAndProgressPerCommandAndSuccessBonus) {
  auto options = MortarMayhem::parse_options(
      Variant::kFree, {{"command_count", 3}, {"reward_episode_success", 1.0}});
  MortarMayhem env(Variant::kFree, options);
  std::vector<uint8_t> obs(kObsBytes);
  env.reset(5, obs.data());
  int step = 0;
  std::vector<int> progress_at_checks;
  StepResult r;
  do {
    r = env.step(chase_target(env), obs.data());
    ++step;
    if (r.reward != 0) progress_at_checks.push_back(r.progress);
    if (step == 12 + 18) {
      EXPECT_NEAR(r.reward, 0.1f, 1e-6);
    }
  } while (!r.terminated);
  EXPECT_EQ(step, 12 + 18 + 2 * 24);
  EXPECT_EQ(progress_at_checks, (std::vector<int>{1, 2, 3}));
  EXPECT_NEAR(r.reward, 0.1f + 1.0f, 1e-6);  // the last command and the episode bonus
  EXPECT_TRUE(r.level_complete);
}

TEST(MortarMayhemExecution, TheTargetIsOnlyCheckedWhenTheWindowCloses) {
  // Reach the target early, wander off, come back before step 58: still a success.
  MortarMayhem env(Variant::kFree);
  std::vector<uint8_t> obs(kObsBytes);
  env.reset(11, obs.data());
  for (int step = 1; step < 40; ++step) env.step(0, obs.data());
  for (int step = 40; step < 48; ++step) {
    const StepResult r = env.step(chase_target(env), obs.data());
    EXPECT_EQ(r.reward, 0.0f);
  }
  // Six steps in one direction move 18 px, off any 14 px tile.
  const int away = env.target_x() >= 2 ? flat(1, 0) : flat(2, 0);
  for (int step = 48; step < 54; ++step) {
    const StepResult r = env.step(away, obs.data());
    EXPECT_FALSE(r.terminated);
    EXPECT_FALSE(env.tiles_on());
  }
  EXPECT_NE(env.agent_tile_x(), env.target_x());
  StepResult r;
  for (int step = 54; step <= 58; ++step) r = env.step(chase_target(env), obs.data());
  EXPECT_TRUE(env.tiles_on());  // the explosion starts at step 58
  EXPECT_FALSE(r.terminated);
  EXPECT_NEAR(r.reward, 0.1f, 1e-6);
  EXPECT_EQ(r.progress, 1);
  // The death tiles stay on for 6 steps (58..63) and the next target opens at step 64.
  for (int step = 59; step <= 63; ++step) {
    env.step(0, obs.data());
    EXPECT_TRUE(env.tiles_on()) << step;
  }
  env.step(0, obs.data());
  EXPECT_FALSE(env.tiles_on());
}

TEST(MortarMayhemExecution, OffTheTargetWhenTheExplosionComesEndsTheEpisode) {
  MortarMayhem env(Variant::kFree);
  std::vector<uint8_t> obs(kObsBytes);
  uint64_t seed = 0;
  do {  // a level whose first command moves
    env.reset(++seed, obs.data());
  } while (env.commands()[0] == MortarMayhem::kStay);
  StepResult r;
  int step = 0;
  do {
    r = env.step(0, obs.data());
    ++step;
  } while (!r.terminated && step < 300);
  EXPECT_EQ(step, 58);
  EXPECT_EQ(r.reward, 0.0f);
  EXPECT_FALSE(r.level_complete);
  EXPECT_EQ(r.progress, 0);
}

TEST(MortarMayhemExecution, LeavingTheTargetDuringTheExplosionEndsTheEpisode) {
  auto options = MortarMayhem::parse_options(Variant::kFree, {{"reward_command_failure", -0.5}});
  MortarMayhem env(Variant::kFree, options);
  std::vector<uint8_t> obs(kObsBytes);
  env.reset(11, obs.data());
  StepResult r;
  for (int step = 1; step <= 58; ++step) r = env.step(chase_target(env), obs.data());
  ASSERT_TRUE(env.tiles_on());
  ASSERT_EQ(r.progress, 1);
  const int away = env.target_x() >= 2 ? flat(1, 0) : flat(2, 0);
  int step = 58;
  do {
    r = env.step(away, obs.data());
    ++step;
  } while (!r.terminated && step < 64);
  EXPECT_TRUE(r.terminated);
  EXPECT_LE(step, 62);  // 14 px tile, 3 px per step from within a pixel of the centre
  EXPECT_EQ(r.reward, -0.5f);
  EXPECT_EQ(r.progress, 1);
  EXPECT_FALSE(r.level_complete);
}

TEST(MortarMayhemGrid, PerfectPlayEndsAtStep118WithEveryCommand) {
  MortarMayhem env(Variant::kGrid);
  const Played p = play(env, 7, chase_target_grid);
  std::vector<int> expected;
  for (int k = 0; k < 10; ++k) expected.push_back(46 + 8 * k);  // 40 + 6, then every 6 + 2
  EXPECT_EQ(p.rewarded_steps, expected);
  EXPECT_EQ(p.steps, 118);
  EXPECT_TRUE(p.last.level_complete);
  EXPECT_EQ(p.last.progress, 10);
  EXPECT_NEAR(p.total_reward, 1.0f, 1e-5);
}

TEST(MortarMayhemGrid, MovesOneTilePerForwardAndRejectsBadActions) {
  MortarMayhem env(Variant::kGrid);
  std::vector<uint8_t> obs(kObsBytes);
  env.reset(2, obs.data());
  for (int step = 1; step < 40; ++step) env.step(kGridForward, obs.data());
  const int x = env.agent_tile_x(), y = env.agent_tile_y();
  env.step(kGridRotateRight, obs.data());  // face east
  EXPECT_EQ(env.agent_rotation(), 270);
  env.step(kGridForward, obs.data());
  EXPECT_EQ(env.agent_tile_x(), std::min(x + 1, 4));
  EXPECT_EQ(env.agent_tile_y(), y);
  EXPECT_EQ(env.agent_x(), env.tile_center_x(env.agent_tile_x()));
  EXPECT_THROW(env.step(4, obs.data()), UsageError);
  EXPECT_THROW(env.step(-1, obs.data()), UsageError);
  MortarMayhem free(Variant::kFree);
  free.reset(2, obs.data());
  EXPECT_THROW(free.step(9, obs.data()), UsageError);
}

TEST(MortarMayhemEndless, SequenceGrowsByOneCommandAfterEachCompletedSequence) {
  MortarMayhem env(Variant::kEndless);
  std::vector<uint8_t> obs(kObsBytes);
  env.reset(4, obs.data());
  ASSERT_EQ(env.commands().size(), 1u);
  EXPECT_EQ(env.arena().left, 0);
  EXPECT_EQ(env.arena().width, 84);
  std::vector<int> rewarded;
  std::vector<int> progress;
  int frozen_x = 0, frozen_y = 0;
  for (int step = 1; step <= 74; ++step) {
    const StepResult r = env.step(chase_target(env), obs.data());
    ASSERT_FALSE(r.terminated) << step;
    if (r.reward > 0) {
      rewarded.push_back(step);
      progress.push_back(r.progress);
    }
    if (step == 22) {
      // First sequence done: a second command is added and only it is shown (4 frames).
      EXPECT_EQ(env.commands().size(), 2u);
      EXPECT_TRUE(env.showing_clues());
      frozen_x = env.agent_x();
      frozen_y = env.agent_y();
    }
    if (step >= 23 && step <= 26) {
      EXPECT_EQ(env.shown_command(), step == 26 ? -1 : env.commands()[1]) << step;
      EXPECT_EQ(env.agent_x(), frozen_x);
      EXPECT_EQ(env.agent_y(), frozen_y);
    }
  }
  // 4 clue frames, checks at 4 + 18 = 22; 4 more frames, the explosion ends at 32, checks at 50
  // and 50 + 24 = 74.
  EXPECT_EQ(rewarded, (std::vector<int>{22, 50, 74}));
  EXPECT_EQ(progress, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(env.commands().size(), 3u);
}

TEST(MortarMayhemEndless, TheAgentWrapsAroundTheScreen) {
  MortarMayhem env(Variant::kEndless);
  std::vector<uint8_t> obs(kObsBytes);
  uint64_t seed = 0;
  do {  // a spawn in the right half, so 18 steps right cross the edge
    env.reset(++seed, obs.data());
  } while (env.agent_x() < 50);
  for (int step = 1; step < 4; ++step) env.step(0, obs.data());
  int previous = env.agent_x();
  bool wrapped = false;
  for (int step = 4; step < 22 && !wrapped; ++step) {
    env.step(flat(2, 0), obs.data());
    if (env.agent_x() < previous) {
      wrapped = true;
      EXPECT_GT(previous + 3, 84 + 3);  // past the right edge by more than half the radius
      EXPECT_EQ(env.agent_x(), -3);     // reappears half a radius left of the left edge
    }
    previous = env.agent_x();
  }
  EXPECT_TRUE(wrapped);
}

TEST(MortarMayhemDeterminism, SameSeedSameFramesAndRenders) {
  for (Variant variant : {Variant::kFree, Variant::kGrid, Variant::kEndless}) {
    MortarMayhem a(variant), b(variant);
    std::vector<uint8_t> oa(kObsBytes), ob(kObsBytes);
    a.reset(42, oa.data());
    b.reset(42, ob.data());
    ASSERT_EQ(oa, ob);
    Image ra, rb;
    for (int step = 0; step < 80; ++step) {
      const int action = variant == Variant::kGrid ? chase_target_grid(a) : chase_target(a);
      const StepResult x = a.step(action, oa.data());
      const StepResult y = b.step(action, ob.data());
      ASSERT_EQ(oa, ob) << step;
      ASSERT_EQ(x.reward, y.reward);
      ASSERT_EQ(x.terminated, y.terminated);
      if (x.terminated) break;
    }
    a.render(ra);
    b.render(rb);
    EXPECT_EQ(ra.width, 336);
    EXPECT_EQ(ra.pixels, rb.pixels);
  }
  MortarMayhem a(Variant::kFree), b(Variant::kFree);
  std::vector<uint8_t> oa(kObsBytes), ob(kObsBytes);
  a.reset(1, oa.data());
  b.reset(2, ob.data());
  EXPECT_NE(a.commands(), b.commands());
}

TEST(MortarMayhemObservation, AgentTilesArrowsAndDeathTilesAreVisible) {
  MortarMayhem env(Variant::kFree);
  std::vector<uint8_t> obs(kObsBytes);
  env.reset(11, obs.data());
  EXPECT_EQ(pixel(obs, 0, 0), (Color{0, 0, 0}));
  EXPECT_EQ(pixel(obs, env.agent_x(), env.agent_y() + 4), kAgentBody);
  // A tile away from the agent and the centre: blue with a lighter 1 px border.
  const int tx = env.agent_tile_x() < 2 ? 4 : 0, ty = env.agent_tile_y() < 2 ? 4 : 0;
  const int tile_left = 7 + 14 * tx, tile_top = 7 + 14 * ty;
  EXPECT_EQ(pixel(obs, tile_left + 7, tile_top + 7), (Color{21, 43, 77}));
  EXPECT_EQ(pixel(obs, tile_left, tile_top + 7), (Color{29, 60, 107}));
  // The clue glyph: white pixels in the 22 px box at the centre.
  int white = 0;
  for (int y = 31; y < 53; ++y) {
    for (int x = 31; x < 53; ++x) white += pixel(obs, x, y) == Color{255, 255, 255};
  }
  EXPECT_GT(white, 20);

  for (int step = 1; step <= 58; ++step) env.step(chase_target(env), obs.data());
  ASSERT_TRUE(env.tiles_on());
  EXPECT_EQ(pixel(obs, tile_left + 7, tile_top + 7), (Color{81, 18, 26}));
  EXPECT_EQ(pixel(obs, tile_left, tile_top + 7), (Color{112, 24, 36}));
  const int safe_left = 7 + 14 * env.target_x(), safe_top = 7 + 14 * env.target_y();
  EXPECT_EQ(pixel(obs, safe_left + 1, safe_top + 1), (Color{21, 43, 77}));
  white = 0;
  for (int y = 31; y < 53; ++y) {
    for (int x = 31; x < 53; ++x) white += pixel(obs, x, y) == Color{255, 255, 255};
  }
  EXPECT_EQ(white, 0);  // no clue during execution

  // Without visual feedback the death tiles stay blue.
  MortarMayhem quiet(Variant::kFree,
                     MortarMayhem::parse_options(Variant::kFree, {{"visual_feedback", false}}));
  quiet.reset(11, obs.data());
  for (int step = 1; step <= 58; ++step) quiet.step(chase_target(quiet), obs.data());
  ASSERT_TRUE(quiet.tiles_on());
  EXPECT_EQ(pixel(obs, tile_left + 7, tile_top + 7), (Color{21, 43, 77}));
}

TEST(MortarMayhemObservation, RenderIsTheObservationAtFourTimesWithTheTargetMarked) {
  MortarMayhem env(Variant::kFree);
  std::vector<uint8_t> obs(kObsBytes);
  env.reset(11, obs.data());
  Image view;
  env.render(view);
  ASSERT_EQ(view.width, 336);
  ASSERT_EQ(view.height, 336);
  EXPECT_EQ(view.color_at(4 * env.agent_x() + 2, 4 * (env.agent_y() + 4) + 2), kAgentBody);
  EXPECT_EQ(view.color_at(4 * 7 + 1, 4 * 14), (Color{29, 60, 107}));  // border, 4 px wide
  EXPECT_EQ(view.color_at(4 * 7 + 5, 4 * 14), (Color{21, 43, 77}));
  // The green ring around the target tile: its rightmost point.
  const int cx = env.tile_center_x(env.target_x()), cy = env.tile_center_y(env.target_y());
  EXPECT_EQ(view.color_at(4 * cx + 2 + 4 * 7 - 2, 4 * cy + 2), (Color{0, 255, 0}));
}

TEST(MortarMayhemOptions, EveryOptionIsValidatedByName) {
  const std::vector<std::pair<std::string, nlohmann::json>> bad = {
      {"agent_scale", 0},
      {"agent_speed", -1},
      {"arena_size", 7},
      {"arena_size", 1},
      {"allowed_commands", 3},
      {"allowed_commands", 10},
      {"command_count", 0},
      {"command_count", nlohmann::json::array()},
      {"command_count", {10, "x"}},
      {"command_show_duration", 0},
      {"command_show_delay", -1},
      {"explosion_duration", 0},
      {"explosion_delay", {0}},
      {"visual_feedback", 1},
      {"reward_command_failure", "low"},
      {"reward_command_success", nullptr},
      {"reward_episode_success", "x"}};
  for (const auto& [name, value] : bad) {
    try {
      MortarMayhem::parse_options(Variant::kFree, {{name, value}});
      ADD_FAILURE() << name << " = " << value.dump() << " was accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("mortar_mayhem"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(MortarMayhem::parse_options(Variant::kEndless, {{"initial_command_count", 0}}),
               UsageError);
  EXPECT_THROW(MortarMayhem::parse_options(Variant::kEndless, {{"max_steps", "x"}}), UsageError);
  // Options a variant does not have are named.
  try {
    MortarMayhem::parse_options(Variant::kEndless, {{"arena_size", 5}});
    ADD_FAILURE() << "endless accepted arena_size";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("arena_size"), std::string::npos);
  }
  EXPECT_THROW(MortarMayhem::parse_options(Variant::kGrid, {{"agent_speed", 3}}), UsageError);
  EXPECT_THROW(MortarMayhem::parse_options(Variant::kFree, {{"max_steps", 3}}), UsageError);
  // Good values are taken.
  const auto o = MortarMayhem::parse_options(
      Variant::kFree, {{"arena_size", 3}, {"command_show_delay", {0, 2}}, {"agent_speed", 2.5}});
  EXPECT_EQ(o.arena_size, 3);
  EXPECT_EQ(o.command_show_delay, (std::vector<int>{0, 2}));
  EXPECT_FLOAT_EQ(o.agent_speed, 2.5f);
}

TEST(MortarMayhemRegistry, InfosCarryIdsDefaultsAndMakeTheEnv) {
  const EnvInfo free = mortar_mayhem_info();
  const EnvInfo grid = mortar_mayhem_grid_info();
  const EnvInfo endless = endless_mortar_mayhem_info();
  EXPECT_EQ(free.id, "mortar_mayhem");
  EXPECT_EQ(grid.id, "mortar_mayhem_grid");
  EXPECT_EQ(endless.id, "endless_mortar_mayhem");
  auto find = [](const EnvInfo& info, const std::string& name) -> nlohmann::json {
    for (const auto& o : info.options) {
      if (o.name == name) return o.default_value;
    }
    return nullptr;
  };
  EXPECT_EQ(find(free, "arena_size"), 5);
  EXPECT_EQ(find(free, "explosion_delay"), nlohmann::json({18}));
  EXPECT_EQ(find(grid, "explosion_delay"), nlohmann::json({6}));
  EXPECT_EQ(find(grid, "allowed_commands"), 5);
  EXPECT_TRUE(find(grid, "agent_speed").is_null());
  EXPECT_EQ(find(endless, "initial_command_count"), 1);
  EXPECT_EQ(find(endless, "max_steps"), -1);
  EXPECT_TRUE(find(endless, "arena_size").is_null());
  auto env = grid.make({{"arena_size", 4}});
  EXPECT_EQ(env->spec().id, "mortar_mayhem_grid");
  EXPECT_EQ(static_cast<MortarMayhem*>(env.get())->arena_size(), 4);
}

}  // namespace
}  // namespace lever::memorygym

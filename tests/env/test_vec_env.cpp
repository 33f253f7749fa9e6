#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <set>
#include <vector>

#include "lever/core/errors.h"
#include "lever/core/rng.h"
#include "lever/env/classic/cartpole.h"
#include "lever/env/vec_env.h"

namespace lever {
namespace {

VecEnvOptions cartpole_options(int num_envs, int num_threads, uint64_t seed) {
  VecEnvOptions options;
  options.env_id = "cartpole";
  options.num_envs = num_envs;
  options.num_threads = num_threads;
  options.seed = seed;
  return options;
}

// Row i of a float [N, 4] observation tensor equals the 4 floats in expected, bit for bit.
void expect_row_equals(const torch::Tensor& batch, int i, const float* expected) {
  const float* row = batch.data_ptr<float>() + i * 4;
  for (int k = 0; k < 4; ++k) EXPECT_EQ(row[k], expected[k]) << "env " << i << " element " << k;
}

std::vector<uint8_t> bytes_of(const torch::Tensor& t) {
  const auto* begin = static_cast<const uint8_t*>(t.data_ptr());
  return std::vector<uint8_t>(begin, begin + t.numel() * t.element_size());
}

// Alternating right/left pushes keep a near-upright pole up for 5 steps: theta starts in
// [-0.05, 0.05], each push changes theta_dot by about 0.02 * 600/41 = 0.29 rad/s, and the limit is
// 12 deg = 0.209 rad, so |theta| stays under 0.05 + 5 * 0.02 * (0.05 + 0.29) = 0.084.
TEST(VecEnvAutoReset, TimeLimitTruncatesAndStartsTheNextLevel) {
  constexpr int kEnvs = 3;
  VecEnvOptions options = cartpole_options(kEnvs, 1, 3);
  options.max_episode_steps = 5;
  VecEnv envs(options);
  ASSERT_EQ(envs.max_episode_steps(), 5);
  ASSERT_EQ(envs.spec().max_episode_steps, 5);

  std::vector<uint64_t> first_seeds(kEnvs);
  std::vector<CartPole> reference(kEnvs);
  std::vector<std::array<float, 4>> reference_obs(kEnvs);
  for (int i = 0; i < kEnvs; ++i) {
    first_seeds[i] = envs.level_seed(i);
    reference[i].reset(first_seeds[i], reference_obs[i].data());
    expect_row_equals(envs.observations(), i, reference_obs[i].data());
  }

  const int64_t pattern[5] = {1, 0, 1, 0, 1};
  for (int t = 0; t < 5; ++t) {
    const torch::Tensor actions = torch::full({kEnvs}, pattern[t], torch::kInt64);
    envs.step(actions);
    for (int i = 0; i < kEnvs; ++i) {
      ASSERT_FALSE(
          reference[i].step(static_cast<int>(pattern[t]), reference_obs[i].data()).terminated);
      EXPECT_EQ(envs.rewards()[i].item<float>(), 1.0f);
      EXPECT_EQ(envs.terminated()[i].item<uint8_t>(), 0);
    }
    if (t < 4) {
      for (int i = 0; i < kEnvs; ++i) {
        EXPECT_EQ(envs.truncated()[i].item<uint8_t>(), 0);
        expect_row_equals(envs.observations(), i, reference_obs[i].data());
      }
      EXPECT_TRUE(envs.take_finished_episodes().empty()) << "step " << t + 1;
    }
  }

  const std::vector<EpisodeRecord> records = envs.take_finished_episodes();
  ASSERT_EQ(records.size(), static_cast<size_t>(kEnvs));
  for (int i = 0; i < kEnvs; ++i) {
    EXPECT_EQ(envs.truncated()[i].item<uint8_t>(), 1);
    EXPECT_EQ(records[i].env_index, i);
    EXPECT_EQ(records[i].episode_return, 5.0);
    EXPECT_EQ(records[i].length, 5);
    EXPECT_TRUE(records[i].truncated);
    EXPECT_FALSE(records[i].terminated);
    EXPECT_EQ(records[i].level_seed, first_seeds[i]);
    // The episode's last frame is kept for bootstrapping ...
    expect_row_equals(envs.final_observations(), i, reference_obs[i].data());
    // ... and the live observation is already the next level's first frame.
    const uint64_t next_seed = envs.level_seed(i);
    EXPECT_NE(next_seed, first_seeds[i]);
    CartPole fresh;
    float fresh_obs[4];
    fresh.reset(next_seed, fresh_obs);
    expect_row_equals(envs.observations(), i, fresh_obs);
  }

  // The new episode counts its own steps: five more steps truncate it, under the new level seed.
  std::vector<uint64_t> second_seeds(kEnvs);
  for (int i = 0; i < kEnvs; ++i) second_seeds[i] = envs.level_seed(i);
  for (int t = 0; t < 5; ++t) envs.step(torch::full({kEnvs}, pattern[t], torch::kInt64));
  const std::vector<EpisodeRecord> second = envs.take_finished_episodes();
  ASSERT_EQ(second.size(), static_cast<size_t>(kEnvs));
  for (int i = 0; i < kEnvs; ++i) {
    EXPECT_EQ(second[i].length, 5);
    EXPECT_EQ(second[i].level_seed, second_seeds[i]);
  }
}

TEST(VecEnvAutoReset, FallingPoleTerminatesWithReturnEqualToSteps) {
  VecEnv envs(cartpole_options(1, 1, 21));
  EXPECT_EQ(envs.max_episode_steps(), CartPole::kTimeLimit);
  const uint64_t seed = envs.level_seed(0);
  CartPole reference;
  float reference_obs[4];
  reference.reset(seed, reference_obs);

  const int64_t push_right = 1;
  int steps = 0;
  bool reference_done = false;
  std::vector<EpisodeRecord> records;
  while (records.empty() && steps < 100) {
    envs.step(&push_right);
    reference_done = reference.step(1, reference_obs).terminated;
    ++steps;
    records = envs.take_finished_episodes();
    EXPECT_EQ(envs.terminated()[0].item<uint8_t>(), reference_done ? 1 : 0);
  }
  // Pushing one way tips the pole past 12 degrees in a few dozen steps at most.
  ASSERT_LT(steps, 100);
  ASSERT_TRUE(reference_done);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].terminated);
  EXPECT_FALSE(records[0].truncated);
  EXPECT_EQ(envs.truncated()[0].item<uint8_t>(), 0);
  EXPECT_EQ(records[0].length, steps);
  EXPECT_EQ(records[0].episode_return, static_cast<double>(steps));
  EXPECT_EQ(records[0].level_seed, seed);
  expect_row_equals(envs.final_observations(), 0, reference_obs);
}

TEST(VecEnvAutoReset, ObservationsAreAViewOfTheBatchBuffer) {
  VecEnv envs(cartpole_options(2, 1, 5));
  const torch::Tensor before = envs.observations();
  const std::vector<uint8_t> first_bytes = bytes_of(before);
  const void* buffer = before.data_ptr();
  EXPECT_EQ(before.scalar_type(), torch::kFloat32);
  EXPECT_EQ(before.sizes(), torch::IntArrayRef({2, 4}));

  const int64_t actions[2] = {0, 1};
  envs.step(actions);
  const torch::Tensor after = envs.observations();
  EXPECT_EQ(after.data_ptr(), buffer);
  // The tensor taken before the step sees the new contents: it was never a copy.
  EXPECT_NE(bytes_of(before), first_bytes);
  EXPECT_EQ(bytes_of(before), bytes_of(after));
  EXPECT_NE(envs.final_observations().data_ptr(), buffer);
}

// Actions come from their own generator so both runs see the same sequence.
std::vector<std::vector<uint8_t>> trajectory_bytes(uint64_t seed, int num_threads) {
  constexpr int kEnvs = 6;
  VecEnv envs(cartpole_options(kEnvs, num_threads, seed));
  EXPECT_EQ(envs.num_threads(), num_threads);
  Rng action_rng(99);
  std::vector<std::vector<uint8_t>> out = {bytes_of(envs.observations())};
  int64_t actions[kEnvs];
  for (int t = 0; t < 300; ++t) {
    for (int64_t& a : actions) a = static_cast<int64_t>(action_rng.below(2));
    envs.step(actions);
    std::vector<uint8_t> step_bytes = bytes_of(envs.observations());
    for (const auto& extra : {envs.final_observations(), envs.rewards(), envs.terminated()}) {
      const std::vector<uint8_t> b = bytes_of(extra);
      step_bytes.insert(step_bytes.end(), b.begin(), b.end());
    }
    for (const EpisodeRecord& r : envs.take_finished_episodes()) {
      step_bytes.push_back(static_cast<uint8_t>(r.env_index));
      step_bytes.push_back(static_cast<uint8_t>(r.length));
    }
    out.push_back(std::move(step_bytes));
  }
  return out;
}

TEST(VecEnvDeterminism, SameSeedSameBytesWhateverTheThreadCount) {
  const auto one_thread = trajectory_bytes(7, 1);
  const auto two_threads = trajectory_bytes(7, 2);
  ASSERT_EQ(one_thread.size(), 301u);
  ASSERT_EQ(two_threads.size(), 301u);
  for (size_t t = 0; t < one_thread.size(); ++t) {
    ASSERT_EQ(one_thread[t], two_threads[t]) << "step " << t;
  }
}

TEST(VecEnvDeterminism, DifferentSeedDifferentBytes) {
  const auto a = trajectory_bytes(7, 1);
  const auto b = trajectory_bytes(8, 1);
  EXPECT_NE(a[0], b[0]);  // different first levels already
  int differing = 0;
  for (size_t t = 0; t < a.size(); ++t) differing += a[t] != b[t];
  EXPECT_EQ(differing, 301);
}

// With a 1-step time limit every step ends every episode and draws a new level seed.
std::vector<uint64_t> drawn_level_seeds(int64_t num_levels, int64_t start_level, int steps) {
  VecEnvOptions options = cartpole_options(4, 1, 13);
  options.num_levels = num_levels;
  options.start_level = start_level;
  options.max_episode_steps = 1;
  VecEnv envs(options);
  std::vector<uint64_t> seeds;
  const int64_t actions[4] = {0, 1, 0, 1};
  for (int t = 0; t < steps; ++t) {
    envs.step(actions);
    const auto records = envs.take_finished_episodes();
    EXPECT_EQ(records.size(), 4u);
    for (const auto& r : records) seeds.push_back(r.level_seed);
  }
  for (int i = 0; i < 4; ++i) seeds.push_back(envs.level_seed(i));
  return seeds;
}

TEST(VecEnvLevels, SeedsComeFromTheTrainingRange) {
  const std::vector<uint64_t> seeds = drawn_level_seeds(10, 100, 200);
  ASSERT_EQ(seeds.size(), 804u);
  std::set<uint64_t> distinct;
  for (uint64_t s : seeds) {
    EXPECT_GE(s, 100u);
    EXPECT_LT(s, 110u);
    distinct.insert(s);
  }
  // 804 uniform draws from 10 levels miss one with probability about 10 * 0.9^804.
  EXPECT_EQ(distinct.size(), 10u);
}

TEST(VecEnvLevels, UnlimitedLevelsUse31BitSeeds) {
  const std::vector<uint64_t> seeds = drawn_level_seeds(0, 100, 200);
  std::set<uint64_t> distinct(seeds.begin(), seeds.end());
  uint64_t largest = 0;
  for (uint64_t s : seeds) {
    EXPECT_LT(s, uint64_t{1} << 31);
    largest = std::max(largest, s);
  }
  // Uniform over 2^31: repeats among 804 draws are rare, and half the draws lie above 2^30.
  EXPECT_GE(distinct.size(), 800u);
  EXPECT_GE(largest, uint64_t{1} << 30);
}

TEST(VecEnvLevels, OutOfRangeActionThrowsBeforeSteppingAnyEnv) {
  VecEnv envs(cartpole_options(2, 1, 1));
  const std::vector<uint8_t> before = bytes_of(envs.observations());
  const int64_t too_big[2] = {0, 2};
  const int64_t negative[2] = {-1, 0};
  EXPECT_THROW(envs.step(too_big), RuntimeFailure);
  EXPECT_THROW(envs.step(negative), RuntimeFailure);
  EXPECT_EQ(bytes_of(envs.observations()), before);
}

TEST(VecEnvLevels, RngStatesRoundTripReproducesLevelSeeds) {
  VecEnvOptions options = cartpole_options(3, 1, 17);
  options.max_episode_steps = 1;
  VecEnv original(options);
  const std::vector<Rng::State> saved = original.rng_states();
  ASSERT_EQ(saved.size(), 3u);

  options.seed = 18;
  VecEnv resumed(options);
  EXPECT_NE(resumed.rng_states(), saved);
  resumed.set_rng_states(saved);
  EXPECT_EQ(resumed.rng_states(), saved);

  const int64_t actions[3] = {1, 0, 1};
  for (int t = 0; t < 20; ++t) {
    original.step(actions);
    resumed.step(actions);
    for (int i = 0; i < 3; ++i) {
      ASSERT_EQ(resumed.level_seed(i), original.level_seed(i)) << "step " << t << " env " << i;
    }
  }
  EXPECT_EQ(bytes_of(resumed.observations()), bytes_of(original.observations()));

  EXPECT_THROW(resumed.set_rng_states(std::vector<Rng::State>(2)), RuntimeFailure);
}

}  // namespace
}  // namespace lever

namespace lever {
namespace {

// Mortar Mayhem standing still: the clue phase (40 steps), then the first explosion finds the
// agent off its target unless the first command is "stay", so the episode ends having completed 0
// commands, or 1 when it was "stay"; the record carries that counter. CartPole has none (-1).
TEST(VecEnvEpisodeRecords, CarryTheTaskProgressCounter) {
  VecEnvOptions options;
  options.env_id = "mortar_mayhem";
  options.num_envs = 4;
  options.num_threads = 1;
  options.seed = 3;
  VecEnv envs(options);
  const std::vector<int64_t> stand_still(4, 0);
  std::vector<EpisodeRecord> records;
  for (int t = 0; t < 300 && records.size() < 4; ++t) {
    envs.step(stand_still.data());
    for (const auto& record : envs.take_finished_episodes()) records.push_back(record);
  }
  ASSERT_GE(records.size(), 4u);
  for (const auto& record : records) {
    EXPECT_GE(record.progress, 0);
    EXPECT_LE(record.progress, 10);
    EXPECT_NEAR(record.episode_return, 0.1 * record.progress, 1e-9);
    EXPECT_EQ(record.level_complete, record.progress == 10);
  }

  VecEnv cartpole(cartpole_options(1, 1, 0));
  const int64_t push = 1;
  for (int t = 0; t < 600; ++t) {
    cartpole.step(&push);
    for (const auto& record : cartpole.take_finished_episodes()) EXPECT_EQ(record.progress, -1);
  }
}

}  // namespace
}  // namespace lever

#include "lever/algo/on_policy.h"
#include "lever/core/config.h"

namespace lever {
namespace {

// The config's env_options reach the env: a 3x3 Mortar Mayhem arena draws differently from the
// default 5x5 once the clue phase is over, and a misspelt option is refused by the env by name.
TEST(VecEnvEnvOptions, ReachTheEnvAndAreCheckedByIt) {
  const auto observation_after_clues = [](const nlohmann::json& env_options) {
    const Config config = Config::from_json(
        {{"env", "mortar_mayhem"}, {"env_options", env_options}}, "env options test");
    VecEnvOptions options = vec_env_options(config, 1, 0);
    options.num_threads = 1;
    VecEnv envs(options);
    const int64_t stand_still = 0;
    for (int t = 0; t < 41; ++t) envs.step(&stand_still);
    return envs.observations().clone();
  };
  const torch::Tensor small = observation_after_clues({{"arena_size", 3}});
  const torch::Tensor normal = observation_after_clues(nlohmann::json::object());
  EXPECT_FALSE(torch::equal(small, normal));
  EXPECT_TRUE(torch::equal(normal, observation_after_clues({{"arena_size", 5}})));
  try {
    observation_after_clues({{"arena_sise", 3}});
    FAIL() << "accepted a misspelt option";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("arena_sise"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace lever

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/cli_helpers.h"

namespace lever::testing {
namespace {

TEST(DqnCli, BenchReplayReportsExactBytesPerTransitionAndSamplingSpeed) {
  ScratchDir dir;
  const CommandResult result =
      run_lever("bench replay --json --capacity 2000 --seconds 0.05", dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto report = nlohmann::json::parse(result.out);
  EXPECT_EQ(report.at("bytes_per_transition").get<double>(), 7062.0);
  EXPECT_EQ(report.at("bytes").get<int64_t>(), 2000 * 7062);
  EXPECT_GT(report.at("samples_per_second").get<double>(), 0.0);
  EXPECT_EQ(report.at("stacked_obs_bytes_per_transition").get<double>(), 4.0 * 7056 + 13);

  const CommandResult lz4 = run_lever(
      "bench replay --json --capacity 2000 --seconds 0.05 --replay-compress lz4", dir.path());
  ASSERT_EQ(lz4.exit_code, 0) << lz4.err;
  const auto compressed = nlohmann::json::parse(lz4.out);
  // Arena for 4x plus 12 bytes of bookkeeping per slot.
  EXPECT_EQ(compressed.at("bytes_per_transition").get<double>(), 7056.0 / 4 + 12);
  EXPECT_GT(compressed.at("frame_compression_ratio").get<double>(), 4.0);
  EXPECT_EQ(compressed.at("transitions_kept").get<int64_t>(), 1999);
}

TEST(DqnCli, DebugWritesStackedStatesReplayBatchesAndRawFrames) {
  ScratchDir dir;
  const std::filesystem::path config = dir.path() / "dqn.json";
  write_file(config, nlohmann::json({{"env", "breakout"},
                                     {"policy", "dqn"},
                                     {"encoder", "nature"},
                                     {"feature_dim", 32},
                                     {"total_steps", 120},
                                     {"num_steps", 60},
                                     {"buffer_size", 500},
                                     {"learning_starts", 100},
                                     {"eval_episodes", 1},
                                     {"eval_num_envs", 1},
                                     {"max_episode_steps", 50},
                                     {"device", "cpu"}})
                         .dump());
  const CommandResult result =
      run_lever("train " + quoted(config) + " --run-dir run --quiet --debug", dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto debug = dir.path() / "run" / "debug";
  // The first state (three zero-filled frames), then one per step up to 64.
  EXPECT_TRUE(std::filesystem::is_regular_file(debug / "state_env0_step_000000.png"));
  EXPECT_TRUE(std::filesystem::is_regular_file(debug / "state_env0_step_000063.png"));
  EXPECT_FALSE(std::filesystem::exists(debug / "state_env0_step_000064.png"));
  // Learning starts at step 100 with an update every 4 steps: batches at updates 0, 1, 2.
  EXPECT_TRUE(std::filesystem::is_regular_file(debug / "replay_batch_update_000002.png"));
  EXPECT_FALSE(std::filesystem::exists(debug / "replay_batch_update_000003.png"));
  EXPECT_GT(std::filesystem::file_size(debug / "raw_frames.mp4"), 1000u);

  // The trained agent plays and evaluates like any other (ε-greedy, or greedy).
  const CommandResult eval = run_lever("eval run --episodes 2 --num-envs 1 --json", dir.path());
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_EQ(nlohmann::json::parse(eval.out).at("returns").size(), 2u);
  const CommandResult play = run_lever("play run --out agent.gif", dir.path());
  ASSERT_EQ(play.exit_code, 0) << play.err;
  EXPECT_TRUE(std::filesystem::is_regular_file(dir.path() / "agent.gif"));
}

TEST(DqnCli, DebugIsRefusedForOtherPolicies) {
  ScratchDir dir;
  const std::filesystem::path config = dir.path() / "ppo.json";
  write_file(config, nlohmann::json({{"env", "cartpole"}, {"total_steps", 64}}).dump());
  const CommandResult result = run_lever("train " + quoted(config) + " --debug", dir.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--debug is for policy dqn"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace lever::testing

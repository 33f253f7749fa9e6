// Memory Gym end to end: PPO and recurrent PPO train on a MultiDiscrete env, log the success rate
// and progress the env reports, checkpoint, resume and play; env options are checked before a run
// starts.
#include <gtest/gtest.h>

#include <cmath>

#include "lever/algo/checkpoint.h"
#include "lever/algo/play.h"
#include "lever/algo/train.h"
#include "lever/core/errors.h"
#include "lever/env/registry.h"
#include "run_helpers.h"
#include "support/error_message.h"

namespace lever {
namespace {

using testing::cell;
using testing::CsvTable;
using testing::metrics_without_sps;
using testing::quiet_options;
using testing::read_json;
using testing::ScratchDir;

// mystery_path moves freely (MultiDiscrete {3, 3}); 24-step episodes so several end per rollout.
Config mystery_path_config(const std::string& policy,
                           const std::vector<std::string>& overrides = {}) {
  const nlohmann::json j = {{"env", "mystery_path"},   {"env_options", {{"max_steps", 24}}},
                            {"policy", policy},        {"encoder", "nature"},
                            {"feature_dim", 32},       {"seed", 5},
                            {"device", "cpu"},         {"num_updates", 2},
                            {"num_envs", 4},           {"num_steps", 32},
                            {"num_epochs", 2},         {"num_minibatches", 2},
                            {"sequence_length", 8},    {"layer_type", "gru"},
                            {"hidden_state_size", 16}, {"hidden_layer_size", 16},
                            {"torch_threads", 1},      {"num_threads", 1},
                            {"eval_every", 1},         {"eval_episodes", 4},
                            {"eval_num_envs", 4},      {"checkpoint_every", 0}};
  return Config::from_json(j, "mystery_path test config", overrides);
}

TEST(MemoryGymRun, MultiDiscreteRunsLogSuccessAndProgressResumeAndPlay) {
  for (const char* policy : {"ppo", "recurrent_ppo"}) {
    SCOPED_TRACE(policy);
    ScratchDir dir;
    const TrainResult whole =
        train_run(mystery_path_config(policy), dir / "whole", quiet_options());
    ASSERT_TRUE(whole.finished);

    const CsvTable metrics = metrics_without_sps(dir / "whole");
    ASSERT_EQ(metrics.rows.size(), 2u);
    // Each new tile pays 0.1 and the goal (a tile too) 1: an episode's return is
    // 0.1 x tiles reached + 0.9 x success, and so are the means the run logs.
    const auto expect_return_from_progress = [](double mean_return, double progress,
                                                double success_rate) {
      EXPECT_GE(success_rate, 0.0);
      EXPECT_LE(success_rate, 1.0);
      EXPECT_NEAR(mean_return, 0.1 * progress + 0.9 * success_rate, 1e-4);
    };
    for (size_t row = 0; row < 2; ++row) {
      EXPECT_GT(cell(metrics, row, "charts/episodes"), 0.0);
      EXPECT_GT(cell(metrics, row, "charts/episodic_progress"), 0.0);
      expect_return_from_progress(cell(metrics, row, "charts/episodic_return"),
                                  cell(metrics, row, "charts/episodic_progress"),
                                  cell(metrics, row, "charts/success_rate"));
      for (const std::string levels : {"train", "test"}) {
        expect_return_from_progress(cell(metrics, row, "eval/" + levels + "_mean_return"),
                                    cell(metrics, row, "eval/" + levels + "_mean_progress"),
                                    cell(metrics, row, "eval/" + levels + "_success_rate"));
      }
    }
    const nlohmann::json summary = read_json(dir / "whole" / "summary.json");
    expect_return_from_progress(summary.at("eval_mean_return").get<double>(),
                                summary.at("eval_mean_progress").get<double>(),
                                summary.at("eval_success_rate").get<double>());

    // The policy has one categorical per sub-action: 3 + 3 logits.
    LoadedPolicy loaded = load_policy(dir / "whole" / "final.pt", "cpu");
    ASSERT_TRUE(loaded.net);
    RecurrentState state = loaded.net->initial_state(1);
    const auto obs = torch::zeros({1, 84, 84, 3}, torch::kUInt8);
    EXPECT_EQ(loaded.net->step(obs, state).logits.size(1), 6);

    // Stopped after one update: the checkpoint holds the uninterrupted run's weights at that
    // point, and resuming finishes the run (its envs start new episodes, so later rows differ).
    TrainOptions stop_early = quiet_options();
    stop_early.stop_after_updates = 1;
    EXPECT_FALSE(train_run(mystery_path_config(policy), dir / "split", stop_early).finished);
    const CsvTable first = metrics_without_sps(dir / "split");
    ASSERT_EQ(first.rows.size(), 1u);
    EXPECT_EQ(first.rows[0], metrics.rows[0]);
    const TrainResult resumed = resume_run(dir / "split", quiet_options());
    ASSERT_TRUE(resumed.finished);
    EXPECT_EQ(resumed.updates, 2);
    EXPECT_EQ(metrics_without_sps(dir / "split").rows.size(), 2u);
    EXPECT_EQ(load_checkpoint(dir / "split" / "final.pt").params.numel(),
              load_checkpoint(dir / "whole" / "final.pt").params.numel());

    // Played (as `lever enjoy` does): two episodes, each within the 24-step limit, in one video.
    PlayRequest request;
    request.policy = dir / "whole" / "final.pt";
    request.out = dir / "play.mp4";
    request.seed = 3;
    request.episodes = 2;
    const PlayResult played = play_episodes(request);
    ASSERT_EQ(played.lengths.size(), 2u);
    for (int64_t length : played.lengths) EXPECT_LE(length, 24);
    EXPECT_GT(std::filesystem::file_size(request.out), 1000u);
  }
}

TEST(MemoryGymRun, EnvsWithoutSuccessOrProgressLogNeither) {
  ScratchDir dir;
  ASSERT_TRUE(train_run(testing::tiny_run_config(), dir / "run", quiet_options()).finished);
  const CsvTable metrics = testing::read_csv(RunPaths{dir / "run"}.metrics());
  EXPECT_GE(metrics.column("charts/episodic_return"), 0);
  EXPECT_EQ(metrics.column("charts/success_rate"), -1);
  EXPECT_EQ(metrics.column("charts/episodic_progress"), -1);
  EXPECT_FALSE(read_json(dir / "run" / "summary.json").contains("eval_success_rate"));
}

TEST(MemoryGymRun, AnOptionTheEnvRefusesFailsBeforeTheRunStartsNamingFileAndKey) {
  ScratchDir dir;
  const Config config = Config::from_json(
      {{"env", "mortar_mayhem_grid"}, {"env_options", {{"arena_size", 9}}}}, "mm.json");
  EXPECT_EQ(testing::thrown_message<ConfigError>(
                [&] { train_run(config, dir / "run", quiet_options()); }),
            "mm.json: key 'env_options': env 'mortar_mayhem_grid': arena_size must be an integer "
            "in [2, 6], got 9");
  EXPECT_FALSE(std::filesystem::exists(dir / "run"));
  const Config typo = Config::from_json(
      {{"env", "mystery_path"}, {"env_options", {{"show_gaol", true}}}}, "mp.json");
  const std::string message =
      testing::thrown_message<ConfigError>([&] { train_run(typo, dir / "run", quiet_options()); });
  EXPECT_EQ(message.rfind("mp.json: key 'env_options': ", 0), 0u) << message;
  EXPECT_NE(message.find("show_gaol"), std::string::npos) << message;
}

}  // namespace
}  // namespace lever

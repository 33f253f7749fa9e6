// The levers-study workflow through the `lever` binary: a sweep trains every cell, a second run of
// it skips them, and plot and report compare the runs; train-procgen's command line and YAML
// hyperparameters, and the study's own experiment files, run as written.
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "algo/run_helpers.h"
#include "cli/cli_helpers.h"

namespace lever {
namespace {

using testing::CommandResult;
using testing::expect_mentions;
using testing::read_file;
using testing::read_json;
using testing::run_lever;
using testing::ScratchDir;
using testing::write_file;

// PNG stores its size big-endian in the IHDR chunk, bytes 16..23.
std::pair<int, int> png_size(const std::string& png) {
  auto u32 = [&](size_t at) {
    return (static_cast<uint8_t>(png[at]) << 24) | (static_cast<uint8_t>(png[at + 1]) << 16) |
           (static_cast<uint8_t>(png[at + 2]) << 8) | static_cast<uint8_t>(png[at + 3]);
  };
  return {static_cast<int>(u32(16)), static_cast<int>(u32(20))};
}

TEST(StudyCli, SweepTrainsEveryCellThenPlotAndReportCompareThem) {
  ScratchDir dir;
  write_file(dir / "tiny.json", testing::tiny_run_json(256).dump());
  const std::string sweep = "sweep tiny.json --grid policy=ppo,trpo --seeds 2 --jobs 2 "
                            "--runs-dir sw --set fisher_subsample=1";
  const CommandResult first = run_lever(sweep, dir.path());
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  const char* runs[] = {"tiny-policy_ppo-s7", "tiny-policy_ppo-s8", "tiny-policy_trpo-s7",
                        "tiny-policy_trpo-s8"};
  for (const char* run : runs) {
    const auto summary = read_json(dir / "sw" / run / "summary.json");
    EXPECT_EQ(summary.at("policy"), std::string(run).find("trpo") != std::string::npos ? "trpo"
                                                                                          : "ppo");
  }
  // A second run of the same sweep finds every run finished and trains nothing.
  const CommandResult again = run_lever(sweep, dir.path());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  expect_mentions(again.out, "skip");
  EXPECT_EQ(read_json(dir / "sw" / "sweep.json").at("runs").size(), 4u);

  const CommandResult svg = run_lever("plot sw --out cmp.svg --width 640 --height 400", dir.path());
  ASSERT_EQ(svg.exit_code, 0) << svg.err;
  const std::string svg_text = read_file(dir / "cmp.svg");
  expect_mentions(svg_text, "<svg");
  expect_mentions(svg_text, "width=\"640\"");
  expect_mentions(svg_text, "policy=trpo");
  const CommandResult png = run_lever("plot sw --metric charts/episodic_return --smooth 2 --out "
                                      "cmp.png --width 640 --height 400",
                                      dir.path());
  ASSERT_EQ(png.exit_code, 0) << png.err;
  const std::string png_bytes = read_file(dir / "cmp.png");
  ASSERT_GT(png_bytes.size(), 24u);
  EXPECT_EQ(png_bytes.substr(1, 3), "PNG");
  EXPECT_EQ(png_size(png_bytes), std::make_pair(640, 400));

  const CommandResult report = run_lever("report sw --out rep/report.md", dir.path());
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const std::string markdown = read_file(dir / "rep" / "report.md");
  // The ppo row's test return is the mean over its two seeds' summary.json, to 2 decimals.
  const double ppo_test = (read_json(dir / "sw" / runs[0] / "summary.json")["eval_mean_return"]
                               .get<double>() +
                           read_json(dir / "sw" / runs[1] / "summary.json")["eval_mean_return"]
                               .get<double>()) /
                          2;
  char expected[32];
  std::snprintf(expected, sizeof(expected), "%.2f", ppo_test);
  expect_mentions(markdown, "policy=ppo");
  expect_mentions(markdown, "policy=trpo");
  expect_mentions(markdown, expected);
  EXPECT_TRUE(std::filesystem::is_regular_file(dir / "rep" / "report_test.png"));

  const CommandResult bad = run_lever("plot sw --out cmp.jpg", dir.path());
  EXPECT_EQ(bad.exit_code, 2);
  expect_mentions(bad.err, "cmp.jpg");
}

TEST(StudyCli, TrainProcgenCommandLineAndYamlSectionRunAsWritten) {
  ScratchDir dir;
  std::filesystem::create_directories(dir / "hyperparams" / "procgen");
  std::filesystem::copy_file(LEVER_SOURCE_DIR "/hyperparams/procgen/config.yml",
                             dir / "hyperparams" / "procgen" / "config.yml");
  const CommandResult result = run_lever(
      "train --exp_name easy-run-3 --env_name bigfish --param_name cpu-small --num_levels 3 "
      "--start_level 5 --distribution_mode easy --num_timesteps 2048 --seed 4 --quiet "
      "--set eval_num_envs=2 --set eval_episodes=2",
      dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto run = dir / "logs" / "procgen" / "bigfish" / "easy-run-3";
  const auto config = read_json(run / "config.json");
  EXPECT_EQ(config.at("env"), "bigfish");
  EXPECT_EQ(config.at("num_levels"), 3);
  EXPECT_EQ(config.at("start_level"), 5);
  EXPECT_EQ(config.at("total_steps"), 2048);
  EXPECT_EQ(config.at("seed"), 4);
  EXPECT_EQ(config.at("num_envs"), 16);  // n_envs of section cpu-small
  EXPECT_EQ(config.at("encoder"), "nature");
  EXPECT_EQ(config.at("minibatch_size"), 512);  // 16 x 128 / mini_batch_per_epoch 4
  EXPECT_TRUE(std::filesystem::is_regular_file(run / "final.pt"));
}

TEST(StudyCli, TheLeversStudysExperimentFileLoadsAsWritten) {
  ScratchDir dir;
  // The study's example experiment, keys and spellings as its README shows them.
  write_file(dir / "experiment1.json", R"({
    "total_steps" : 2e6, "num_envs": 32, "num_levels": 10, "num_steps": 256, "num_epochs": 3,
    "batch_size": 512, "eps": 0.2, "grad_eps": 0.5, "value_coef": 0.5, "entropy_coef": 0.01,
    "feature_dim": 128, "policy": "trpo", "encoder": "nature", "beta": 0, "lr": 5e-4 })");
  const CommandResult result = run_lever("config experiment1.json --set env=starpilot", dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto resolved = nlohmann::json::parse(result.out);
  EXPECT_EQ(resolved.at("total_steps"), 2000000);
  EXPECT_EQ(resolved.at("minibatch_size"), 512);
  EXPECT_EQ(resolved.at("clip_coef"), 0.2);
  EXPECT_EQ(resolved.at("policy"), "trpo");
  EXPECT_EQ(resolved.at("learning_rate"), 5e-4);
  // Every cell of the catalogue loads too.
  int cells = 0;
  for (const auto& entry : std::filesystem::directory_iterator(LEVER_SOURCE_DIR "/configs/levers")) {
    const CommandResult cell = run_lever("config " + testing::quoted(entry.path()), dir.path());
    EXPECT_EQ(cell.exit_code, 0) << entry.path() << cell.err;
    ++cells;
  }
  EXPECT_EQ(cells, 16);
}

}  // namespace
}  // namespace lever

// The `lever` command as a user meets it: mistakes end in exit code 2 and one line on stderr that
// names the file (and nothing is written), and each subcommand prints what it promises.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../algo/run_helpers.h"
#include "cli/cli_helpers.h"

namespace lever {
namespace {

using testing::CommandResult;
using testing::expect_mentions;
using testing::expect_one_line;
using testing::quoted;
using testing::read_file;
using testing::run_lever;
using testing::ScratchDir;
using testing::write_file;

// Trains the tiny config through the CLI into dir/run; returns the run directory.
std::filesystem::path train_tiny_run(const ScratchDir& dir) {
  write_file(dir / "tiny.json", testing::tiny_run_json(128).dump());
  const CommandResult trained = run_lever("train tiny.json --run-dir run --quiet", dir.path());
  EXPECT_EQ(trained.exit_code, 0) << trained.err;
  EXPECT_TRUE(std::filesystem::is_regular_file(dir / "run" / "final.pt"));
  return dir / "run";
}

// A config mistake: exit 2, one stderr line with the file and the fragment, no run directory.
void expect_config_refused(const ScratchDir& dir, const nlohmann::json& config,
                           const std::string& fragment) {
  const auto file = dir / "exp.json";
  write_file(file, config.dump());
  const CommandResult result = run_lever("train " + quoted(file) + " --quiet", dir.path());
  EXPECT_EQ(result.exit_code, 2);
  expect_one_line(result.err);
  expect_mentions(result.err, file.string());
  expect_mentions(result.err, fragment);
  EXPECT_FALSE(std::filesystem::exists(dir / "runs"));
}

TEST(Cli, UnknownConfigKeySuggestsTheRightOneAndWritesNothing) {
  ScratchDir dir;
  expect_config_refused(dir, {{"env", "cartpole"}, {"num_env", 4}},
                        "unknown key 'num_env' (did you mean 'num_envs'?)");
}

TEST(Cli, WronglyTypedConfigKeyIsRefused) {
  ScratchDir dir;
  expect_config_refused(dir, {{"num_envs", "eight"}}, "key 'num_envs' must be an integer");
}

TEST(Cli, OutOfRangeConfigKeyIsRefused) {
  ScratchDir dir;
  expect_config_refused(dir, {{"gamma", 1.5}}, "key 'gamma' must be in [0, 1]");
}

TEST(Cli, OutOfRangeSetOverrideIsRefused) {
  ScratchDir dir;
  write_file(dir / "ok.json", testing::tiny_run_json(128).dump());
  const CommandResult result =
      run_lever("train ok.json --set gamma=2 --run-dir run --quiet", dir.path());
  EXPECT_EQ(result.exit_code, 2);
  expect_one_line(result.err);
  expect_mentions(result.err, "--set");
  expect_mentions(result.err, "gamma");
  EXPECT_FALSE(std::filesystem::exists(dir / "run"));
}

TEST(Cli, MissingConfigFileIsRefused) {
  ScratchDir dir;
  const CommandResult result =
      run_lever("train " + quoted(dir / "absent.json") + " --quiet", dir.path());
  EXPECT_EQ(result.exit_code, 2);
  expect_one_line(result.err);
  expect_mentions(result.err, (dir / "absent.json").string());
}

TEST(Cli, EvalOfMissingCheckpointNamesIt) {
  ScratchDir dir;
  const auto file = dir / "missing.pt";
  const CommandResult result = run_lever("eval " + quoted(file), dir.path());
  EXPECT_EQ(result.exit_code, 2);
  expect_one_line(result.err);
  expect_mentions(result.err, file.string());
}

TEST(Cli, EvalOfTruncatedCheckpointNamesIt) {
  ScratchDir dir;
  const auto run_dir = train_tiny_run(dir);
  const std::string bytes = read_file(run_dir / "final.pt");
  ASSERT_GT(bytes.size(), 1000u);
  const auto file = dir / "half.pt";
  write_file(file, bytes.substr(0, bytes.size() / 2));
  const CommandResult result = run_lever("eval " + quoted(file), dir.path());
  EXPECT_EQ(result.exit_code, 2);
  expect_one_line(result.err);
  expect_mentions(result.err, file.string());
}

TEST(Cli, EvalOfForeignCheckpointNamesIt) {
  ScratchDir dir;
  const auto tensor_file = dir / "tensor.pt";
  torch::save(torch::arange(5), tensor_file.string());
  const CommandResult tensor = run_lever("eval " + quoted(tensor_file), dir.path());
  EXPECT_EQ(tensor.exit_code, 2);
  expect_one_line(tensor.err);
  expect_mentions(tensor.err, tensor_file.string());
  expect_mentions(tensor.err, "not a lever checkpoint");

  const auto text_file = dir / "notes.txt";
  write_file(text_file, "a text file\nwith two lines\n");
  const CommandResult text = run_lever("eval " + quoted(text_file), dir.path());
  EXPECT_EQ(text.exit_code, 2);
  expect_one_line(text.err);
  expect_mentions(text.err, text_file.string());
}

TEST(Cli, EvalOfTrainedRunPrintsStatsAsJson) {
  ScratchDir dir;
  const auto run_dir = train_tiny_run(dir);
  const CommandResult result =
      run_lever("eval " + quoted(run_dir) + " --json --episodes 3", dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(result.err.empty()) << result.err;
  const auto stats = nlohmann::json::parse(result.out);
  for (const char* key : {"mean_return", "min_return", "max_return", "var_return"}) {
    EXPECT_TRUE(stats.contains(key) && stats.at(key).is_number()) << key;
  }
  EXPECT_EQ(stats.at("episodes").get<int>(), 3);
  const auto returns = stats.at("returns").get<std::vector<double>>();
  ASSERT_EQ(returns.size(), 3u);
  const double mean = (returns[0] + returns[1] + returns[2]) / 3.0;
  EXPECT_NEAR(stats.at("mean_return").get<double>(), mean, 1e-9);
  EXPECT_EQ(stats.at("min_return").get<double>(),
            *std::min_element(returns.begin(), returns.end()));
  EXPECT_EQ(stats.at("max_return").get<double>(),
            *std::max_element(returns.begin(), returns.end()));
  EXPECT_GE(stats.at("var_return").get<double>(), 0.0);
  EXPECT_GE(stats.at("min_return").get<double>(), 1.0);
}

TEST(Cli, EnvsListsCartPole) {
  ScratchDir dir;
  const CommandResult text = run_lever("envs", dir.path());
  EXPECT_EQ(text.exit_code, 0);
  expect_mentions(text.out, "cartpole");

  const CommandResult json = run_lever("envs --json", dir.path());
  ASSERT_EQ(json.exit_code, 0);
  const auto list = nlohmann::json::parse(json.out);
  ASSERT_TRUE(list.is_array());
  const auto cartpole = std::find_if(list.begin(), list.end(), [](const nlohmann::json& row) {
    return row.at("id") == "cartpole";
  });
  ASSERT_NE(cartpole, list.end());
  EXPECT_EQ(cartpole->at("num_actions"), 2);
  EXPECT_EQ(cartpole->at("obs_shape"), nlohmann::json::array({4}));
}

TEST(Cli, TopLevelHelpMentionsSet) {
  ScratchDir dir;
  const CommandResult result = run_lever("--help", dir.path());
  EXPECT_EQ(result.exit_code, 0);
  expect_mentions(result.out, "train");
  expect_mentions(result.out, "--set");
}

TEST(Cli, TrainHelpMentionsSet) {
  ScratchDir dir;
  const CommandResult result = run_lever("train --help", dir.path());
  EXPECT_EQ(result.exit_code, 0);
  expect_mentions(result.out, "--set");
  expect_mentions(result.out, "--overwrite");
}

TEST(Cli, UnknownSubcommandIsAUsageError) {
  ScratchDir dir;
  const CommandResult result = run_lever("trian configs.json", dir.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_FALSE(result.err.empty());
}

TEST(Cli, BenchEnvsPrintsOneJsonObjectKeyedByEnv) {
  ScratchDir dir;
  const CommandResult result = run_lever("bench envs --json --seconds 0.05", dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  expect_one_line(result.out);
  const auto bench = nlohmann::json::parse(result.out);
  ASSERT_TRUE(bench.is_object());
  ASSERT_TRUE(bench.contains("cartpole"));
  for (const auto& [env_id, row] : bench.items()) {
    EXPECT_GT(row.at("steps_per_second_1_thread").get<double>(), 0.0) << env_id;
    EXPECT_GT(row.at("steps_per_second_pool").get<double>(), 0.0) << env_id;
  }
}

TEST(Cli, PlayWritesAGif) {
  ScratchDir dir;
  const CommandResult result =
      run_lever("play cartpole --steps 20 --out " + quoted(dir / "X.gif"), dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string gif = read_file(dir / "X.gif");
  ASSERT_GT(gif.size(), 6u);
  EXPECT_EQ(gif.substr(0, 6), "GIF89a");
  expect_mentions(result.out, "played");
}

// The same --seed gives the same level, the same random actions and so a byte-identical video.
TEST(Cli, PlayOfAGameIsByteIdenticalForTheSameSeed) {
  ScratchDir dir;
  for (const char* name : {"a.mp4", "b.mp4", "c.mp4", "a.gif", "b.gif"}) {
    const std::string seed = std::string(name) == "c.mp4" ? "4" : "3";
    const CommandResult result = run_lever("play starpilot --steps 40 --seed " + seed +
                                               " --out " + quoted(dir / name),
                                           dir.path());
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }
  const std::string a = read_file(dir / "a.mp4");
  ASSERT_GT(a.size(), 1000u);
  EXPECT_EQ(a, read_file(dir / "b.mp4"));
  EXPECT_NE(a, read_file(dir / "c.mp4"));
  EXPECT_EQ(read_file(dir / "a.gif"), read_file(dir / "b.gif"));
  EXPECT_EQ(read_file(dir / "a.gif").substr(0, 6), "GIF89a");
}

}  // namespace
}  // namespace lever

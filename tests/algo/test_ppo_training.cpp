// Whole PPO runs: a seed fixes every number a run logs, a stopped run resumes into the same files
// an uninterrupted one writes, a run never overwrites another by accident, every run file is there
// in its format, and the shipped CartPole config actually solves CartPole.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "lever/algo/checkpoint.h"
#include "lever/algo/on_policy.h"
#include "lever/algo/train.h"
#include "lever/algo/run_files.h"
#include "lever/core/errors.h"
#include "lever/log/crc32c.h"
#include "run_helpers.h"

namespace lever {
namespace {

using testing::cell;
using testing::CsvTable;
using testing::metrics_without_sps;
using testing::quiet_options;
using testing::read_csv;
using testing::read_file;
using testing::read_json;
using testing::ScratchDir;
using testing::tiny_run_config;

constexpr int64_t kBatch = 4 * 32;  // num_envs x num_steps of the tiny config


TEST(PpoRun, SameSeedGivesIdenticalMetricsAndWeightsWhateverTheEnvThreads) {
  ScratchDir dir;
  const TrainResult one =
      train_run(tiny_run_config({"num_threads=1"}), dir / "one_thread", quiet_options());
  const TrainResult two =
      train_run(tiny_run_config({"num_threads=2"}), dir / "two_threads", quiet_options());
  ASSERT_TRUE(one.finished);
  ASSERT_TRUE(two.finished);
  EXPECT_EQ(one.updates, 2);
  EXPECT_EQ(two.updates, 2);

  const CsvTable a = metrics_without_sps(dir / "one_thread");
  const CsvTable b = metrics_without_sps(dir / "two_threads");
  ASSERT_EQ(a.rows.size(), 2u);
  ASSERT_GE(a.column("losses/policy_loss"), 0);
  ASSERT_GE(a.column("losses/value_loss"), 0);
  EXPECT_EQ(a.column("charts/SPS"), -1);
  EXPECT_EQ(a.column("perf/update_seconds"), -1);
  EXPECT_EQ(a.header, b.header);
  EXPECT_EQ(a.rows, b.rows);
  // The first update's losses are real numbers, not placeholders that would match trivially.
  EXPECT_TRUE(std::isfinite(cell(a, 0, "losses/policy_loss")));
  EXPECT_GT(cell(a, 0, "losses/value_loss"), 0.0);
  EXPECT_EQ(a.rows[0][a.column("losses/policy_loss")], b.rows[0][b.column("losses/policy_loss")]);
  EXPECT_EQ(a.rows[0][a.column("losses/value_loss")], b.rows[0][b.column("losses/value_loss")]);

  const TrainingState final_one = load_checkpoint(dir / "one_thread" / "final.pt");
  const TrainingState final_two = load_checkpoint(dir / "two_threads" / "final.pt");
  EXPECT_TRUE(torch::equal(final_one.params, final_two.params));
  EXPECT_EQ(one.final_eval.returns, two.final_eval.returns);
}

TEST(PpoRun, DifferentSeedGivesDifferentLosses) {
  ScratchDir dir;
  train_run(tiny_run_config({"seed=7"}), dir / "seed7", quiet_options());
  train_run(tiny_run_config({"seed=8"}), dir / "seed8", quiet_options());
  const CsvTable a = metrics_without_sps(dir / "seed7");
  const CsvTable b = metrics_without_sps(dir / "seed8");
  ASSERT_EQ(a.rows.size(), 2u);
  ASSERT_EQ(b.rows.size(), 2u);
  EXPECT_NE(cell(a, 0, "losses/value_loss"), cell(b, 0, "losses/value_loss"));
  EXPECT_NE(cell(a, 0, "losses/policy_loss"), cell(b, 0, "losses/policy_loss"));
  EXPECT_FALSE(torch::equal(load_checkpoint(dir / "seed7" / "final.pt").params,
                            load_checkpoint(dir / "seed8" / "final.pt").params));
}

TEST(PpoRun, StoppedAndResumedRunMatchesUninterruptedRunFiles) {
  ScratchDir dir;
  const std::vector<std::string> settings = {"checkpoint_every=1", "eval_every=2"};
  const Config config = tiny_run_config(settings, 8 * kBatch);
  const auto whole_dir = dir / "whole", split_dir = dir / "split";
  const TrainResult whole = train_run(config, whole_dir, quiet_options());
  ASSERT_TRUE(whole.finished);
  EXPECT_EQ(whole.updates, 8);
  EXPECT_EQ(whole.total_steps, 8 * kBatch);

  TrainOptions stop_early = quiet_options();
  stop_early.stop_after_updates = 3;
  const TrainResult stopped = train_run(config, split_dir, stop_early);
  EXPECT_FALSE(stopped.finished);
  EXPECT_EQ(stopped.updates, 3);
  EXPECT_EQ(stopped.total_steps, 3 * kBatch);
  const RunPaths split{split_dir};
  EXPECT_FALSE(std::filesystem::exists(split.final_checkpoint()));
  EXPECT_FALSE(std::filesystem::exists(split.summary()));
  const auto stop_checkpoint = split.checkpoints() / "update_00000003.pt";
  ASSERT_TRUE(std::filesystem::is_regular_file(stop_checkpoint));
  const TrainingState at_stop = load_checkpoint(stop_checkpoint);
  EXPECT_EQ(at_stop.update, 3);
  EXPECT_EQ(at_stop.global_step, 3 * kBatch);
  EXPECT_EQ(latest_checkpoint(split_dir), stop_checkpoint);
  EXPECT_EQ(read_csv(split.metrics()).rows.size(), 3u);

  const TrainResult resumed = resume_run(split_dir, quiet_options());
  ASSERT_TRUE(resumed.finished);
  EXPECT_EQ(resumed.updates, whole.updates);
  EXPECT_EQ(resumed.total_steps, whole.total_steps);
  EXPECT_EQ(resumed.final_eval.returns.size(), whole.final_eval.returns.size());

  const auto whole_summary = read_json(RunPaths{whole_dir}.summary());
  const auto split_summary = read_json(split.summary());
  EXPECT_EQ(split_summary.at("total_steps"), whole_summary.at("total_steps"));
  EXPECT_EQ(split_summary.at("updates"), whole_summary.at("updates"));
  EXPECT_EQ(split_summary.at("total_steps").get<int64_t>(), 8 * kBatch);
  EXPECT_EQ(split_summary.at("updates").get<int64_t>(), 8);

  const CsvTable metrics = read_csv(split.metrics());
  ASSERT_EQ(metrics.rows.size(), 8u);
  for (size_t k = 0; k < metrics.rows.size(); ++k) {
    EXPECT_EQ(std::stoll(metrics.rows[k][0]), static_cast<int64_t>(k + 1) * kBatch) << "row " << k;
  }
  // Rows logged before the stop are kept as written, and equal the uninterrupted run's.
  const CsvTable whole_rows = metrics_without_sps(whole_dir);
  const CsvTable split_rows = metrics_without_sps(split_dir);
  for (size_t k = 0; k < 3; ++k) EXPECT_EQ(split_rows.rows[k], whole_rows.rows[k]) << "row " << k;

  const auto whole_log = read_json(RunPaths{whole_dir}.study_log());
  const auto split_log = read_json(split.study_log());
  const auto steps = split_log.at("step").get<std::vector<int64_t>>();
  EXPECT_EQ(steps.size(), whole_log.at("step").size());
  EXPECT_EQ(steps, (std::vector<int64_t>{2 * kBatch, 4 * kBatch, 6 * kBatch, 8 * kBatch}));
  for (size_t i = 1; i < steps.size(); ++i) EXPECT_GT(steps[i], steps[i - 1]);
  EXPECT_EQ(split_log.at("test_mean_reward").size(), steps.size());
  EXPECT_TRUE(std::filesystem::is_regular_file(split.final_checkpoint()));

  // Resuming a finished run reports it finished and trains no further.
  const auto metrics_before = read_file(split.metrics());
  const TrainResult again = resume_run(split_dir, quiet_options());
  EXPECT_TRUE(again.finished);
  EXPECT_EQ(again.updates, 8);
  EXPECT_EQ(again.total_steps, 8 * kBatch);
  EXPECT_EQ(read_file(split.metrics()), metrics_before);
  EXPECT_EQ(load_checkpoint(split.final_checkpoint()).update, 8);
}

TEST(PpoRun, ResumeOfADirectoryWithoutARunIsAUsageError) {
  ScratchDir dir;
  EXPECT_THROW(resume_run(dir / "nothing_here", quiet_options()), UsageError);
}

TEST(PpoRun, NewRunIntoAnExistingRunNeedsOverwrite) {
  ScratchDir dir;
  const auto run_dir = dir / "run";
  const Config config = tiny_run_config({}, kBatch);
  ASSERT_TRUE(train_run(config, run_dir, quiet_options()).finished);
  const std::string config_before = read_file(RunPaths{run_dir}.config());

  try {
    train_run(config, run_dir, quiet_options());
    ADD_FAILURE() << "a second run replaced the first without overwrite";
  } catch (const UsageError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(run_dir.string()), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
  EXPECT_EQ(read_file(RunPaths{run_dir}.config()), config_before);
  EXPECT_TRUE(std::filesystem::exists(RunPaths{run_dir}.final_checkpoint()));

  TrainOptions overwrite = quiet_options();
  overwrite.overwrite = true;
  const TrainResult replaced = train_run(tiny_run_config({"seed=9"}, kBatch), run_dir, overwrite);
  EXPECT_TRUE(replaced.finished);
  EXPECT_EQ(read_json(RunPaths{run_dir}.config()).at("seed"), 9);
  EXPECT_EQ(read_csv(RunPaths{run_dir}.metrics()).rows.size(), 1u);
}

TEST(PpoRun, WritesEveryRunFileInItsFormat) {
  ScratchDir dir;
  const auto run_dir = dir / "run";
  const RunPaths paths{run_dir};
  const Config config = tiny_run_config({"eval_every=1"});
  const TrainResult result = train_run(config, run_dir, quiet_options());
  ASSERT_TRUE(result.finished);

  // config.json loads back as the same config, and records what ran it.
  const Config reloaded = Config::load_file(paths.config());
  EXPECT_EQ(reloaded.resolved(), config.resolved());
  const auto config_json = read_json(paths.config());
  ASSERT_TRUE(config_json.contains("lever"));
  const auto& meta = config_json.at("lever");
  EXPECT_EQ(meta.at("version"), LEVER_VERSION);
  ASSERT_TRUE(meta.at("machine").is_object());
  EXPECT_FALSE(meta.at("machine").at("blas").get<std::string>().empty());
  EXPECT_GT(meta.at("machine").at("logical_cores").get<int>(), 0);

  const auto summary = read_json(paths.summary());
  for (const char* key : {"eval_mean_return", "eval_min_return", "eval_max_return", "eval_episodes",
                          "total_steps", "wall_seconds", "steps_per_second"}) {
    EXPECT_TRUE(summary.contains(key) && summary.at(key).is_number()) << key;
  }
  EXPECT_EQ(summary.at("eval_episodes").get<int64_t>(), 4);
  EXPECT_EQ(summary.at("total_steps").get<int64_t>(), 2 * kBatch);
  EXPECT_DOUBLE_EQ(summary.at("eval_mean_return").get<double>(), result.final_eval.mean);
  const double mean = summary.at("eval_mean_return").get<double>();
  EXPECT_LE(summary.at("eval_min_return").get<double>(), mean);
  EXPECT_GE(summary.at("eval_max_return").get<double>(), mean);
  EXPECT_GE(summary.at("eval_min_return").get<double>(), 1.0);  // a CartPole episode earns >= 1
  const double wall = summary.at("wall_seconds").get<double>();
  EXPECT_GT(wall, 0.0);
  EXPECT_NEAR(summary.at("steps_per_second").get<double>(), 2 * kBatch / wall,
              1e-6 * 2 * kBatch / wall);

  const std::string png = read_file(paths.reward_curve());
  ASSERT_GT(png.size(), 8u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));

  const auto log = read_json(paths.study_log());
  EXPECT_EQ(log.at("step").get<std::vector<int64_t>>(), (std::vector<int64_t>{kBatch, 2 * kBatch}));

  const CsvTable metrics = read_csv(paths.metrics());
  ASSERT_FALSE(metrics.header.empty());
  EXPECT_EQ(metrics.header[0], "step");
  for (const char* column :
       {"charts/SPS", "charts/episodic_return", "losses/policy_loss", "losses/value_loss",
        "losses/entropy", "losses/approx_kl", "losses/clipfrac", "losses/explained_variance"}) {
    EXPECT_GE(metrics.column(column), 0) << column;
  }
  EXPECT_EQ(metrics.rows.size(), 2u);

  // TensorBoard: one event file whose first record is framed as TFRecord (length + its CRC).
  const auto events = testing::event_files(run_dir);
  ASSERT_EQ(events.size(), 1u);
  const std::string bytes = read_file(events[0]);
  ASSERT_GE(bytes.size(), 12u);
  uint64_t length = 0;
  for (int i = 0; i < 8; ++i)
    length |= static_cast<uint64_t>(static_cast<uint8_t>(bytes[i])) << (8 * i);
  EXPECT_GT(length, 0u);
  EXPECT_LT(length, 1024u);
  uint32_t length_crc = 0;
  std::memcpy(&length_crc, bytes.data() + 8, 4);
  EXPECT_EQ(length_crc, masked_crc32c(bytes.data(), 8));
  EXPECT_GT(bytes.size(), 12 + length + 4);  // more records follow the file-version event

  EXPECT_EQ(load_checkpoint(paths.final_checkpoint()).global_step, 2 * kBatch);
  EXPECT_TRUE(std::filesystem::is_directory(paths.checkpoints()));
  EXPECT_EQ(testing::count_temp_files(run_dir), 0);
}

TEST(PpoLearning, CartPoleConfigSolvesCartPole) {
  ScratchDir dir;
  const Config config = Config::load_file(LEVER_SOURCE_DIR "/configs/cartpole_ppo.json");
  const TrainResult result = train_run(config, dir / "run", quiet_options());
  ASSERT_TRUE(result.finished);
  EXPECT_EQ(result.final_eval.returns.size(), static_cast<size_t>(config.i64("eval_episodes")));
  EXPECT_GE(result.final_eval.mean, 475.0);
  const auto summary = read_json(RunPaths{dir / "run"}.summary());
  EXPECT_GE(summary.at("eval_mean_return").get<double>(), 475.0);
}

}  // namespace
}  // namespace lever

// Comparing runs: discovery, grouping by experiment, seed averaging with bands, smoothing and the
// markdown report, all on hand-written run directories whose numbers are checked by hand.
#include <gtest/gtest.h>
#include <stb_image.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/error_message.h"
#include "lever/core/errors.h"
#include "lever/study/compare.h"
#include "lever/study/runs.h"
#include "support/scratch_dir.h"

namespace lever {
namespace {

using nlohmann::json;
using testing::read_file;
using testing::ScratchDir;
using testing::write_file;
namespace fs = std::filesystem;

const double kNaN = std::numeric_limits<double>::quiet_NaN();

json config_of(const std::string& encoder, int num_levels, int seed) {
  return {{"env", "starpilot"},
          {"policy", "ppo"},
          {"encoder", encoder},
          {"num_levels", num_levels},
          {"learning_rate", 0.0005},
          {"seed", seed},
          {"device", seed % 2 ? "cpu" : "cuda"},
          {"description", "seed " + std::to_string(seed)},
          {"lever", {{"version", "0.1.0"}, {"git_commit", std::to_string(seed)}}}};
}

// A log.json with the given steps and test/train returns (NaN is written as null).
json log_of(const std::vector<double>& steps, const std::vector<double>& test,
            const std::vector<double>& train) {
  auto list = [](const std::vector<double>& values) {
    json out = json::array();
    for (double v : values) out.push_back(std::isfinite(v) ? json(v) : json());
    return out;
  };
  json log = {
      {"step", list(steps)}, {"test_mean_reward", list(test)}, {"train_mean_reward", list(train)}};
  json nulls = json::array();
  for (size_t i = 0; i < steps.size(); ++i) nulls.push_back(nullptr);
  log["pi_loss"] = nulls;
  return log;
}

json summary_of(double test, double train, double wall, double speed, int64_t steps) {
  return {{"eval_mean_return", test}, {"train_eval_mean_return", train},
          {"wall_seconds", wall},     {"steps_per_second", speed},
          {"total_steps", steps},     {"env", "starpilot"}};
}

void write_run(const fs::path& dir, const json& config, const json& log,
               const json& summary = json(), const std::string& csv = "") {
  fs::create_directories(dir);
  write_file(dir / "config.json", config.dump(2));
  if (!log.is_null()) write_file(dir / "log.json", log.dump());
  if (!summary.is_null()) write_file(dir / "summary.json", summary.dump(2));
  if (!csv.empty()) write_file(dir / "metrics.csv", csv);
}

json simple_log() { return log_of({100, 200}, {1, 2}, {3, 4}); }

std::vector<std::string> labels_of(const std::vector<RunGroup>& groups) {
  std::vector<std::string> labels;
  for (const RunGroup& g : groups) labels.push_back(g.label);
  return labels;
}

void expect_values(const std::vector<double>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(actual[i], expected[i], 1e-12) << "index " << i;
  }
}

TEST(RunDiscovery, FindsNestedRunsSortedAndSkipsOtherDirectories) {
  ScratchDir dir;
  write_run(dir / "b" / "s2", config_of("nature", 10, 2), simple_log());
  write_run(dir / "a", config_of("nature", 10, 1), json(), json(), "step,x\n1,2\n");
  write_run(dir / "b" / "s1", config_of("nature", 10, 1), simple_log());
  fs::create_directories(dir / "notes");
  write_file(dir / "notes" / "config.json", "{}");  // no log.json or metrics.csv: not a run
  fs::create_directories(dir / "empty");
  const std::vector<RunRecord> runs = find_runs(dir.path());
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].name, "a");
  EXPECT_EQ(runs[1].name, "b/s1");
  EXPECT_EQ(runs[2].name, "b/s2");
  EXPECT_FALSE(runs[1].config.contains("lever"));
  EXPECT_EQ(runs[1].config["encoder"], "nature");
  expect_values(runs[1].log.at("test_mean_reward"), {1, 2});
  EXPECT_TRUE(std::isnan(runs[1].log.at("pi_loss")[0]));
  EXPECT_FALSE(runs[1].finished);

  // The root itself is a run too, named after its directory.
  const std::vector<RunRecord> one = find_runs(dir / "b" / "s1");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].name, "s1");
}

TEST(RunDiscovery, CorruptOrMissingFilesAreUsageErrorsNamingTheFile) {
  ScratchDir dir;
  write_run(dir / "bad_config", config_of("nature", 10, 1), simple_log());
  write_file(dir / "bad_config" / "config.json", "{\"env\": ");
  std::string message = testing::thrown_message<UsageError>([&] { find_runs(dir.path()); });
  EXPECT_NE(message.find((dir / "bad_config" / "config.json").string()), std::string::npos)
      << message;
  EXPECT_NE(message.find("not valid JSON"), std::string::npos) << message;

  fs::remove_all(dir / "bad_config");
  write_run(dir / "bad_log", config_of("nature", 10, 1), simple_log());
  write_file(dir / "bad_log" / "log.json", "[1, 2");
  message = testing::thrown_message<UsageError>([&] { find_runs(dir.path()); });
  EXPECT_NE(message.find((dir / "bad_log" / "log.json").string()), std::string::npos) << message;

  write_file(dir / "bad_log" / "log.json", R"({"step": [1, 2], "test_mean_reward": [1]})");
  message = testing::thrown_message<UsageError>([&] { find_runs(dir.path()); });
  EXPECT_NE(message.find("'test_mean_reward' is not a list as long as 'step'"), std::string::npos)
      << message;

  message = testing::thrown_message<UsageError>([&] { load_run(dir / "nowhere"); });
  EXPECT_NE(message.find("has no config.json"), std::string::npos) << message;
  message = testing::thrown_message<UsageError>([&] { find_runs(dir / "nowhere"); });
  EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
}

TEST(RunGrouping, SeedsOfOneConfigGroupAndTheLabelNamesTheDifferingKeys) {
  ScratchDir dir;
  write_run(dir / "n10_s1", config_of("nature", 10, 1), simple_log());
  write_run(dir / "n10_s2", config_of("nature", 10, 2), simple_log());
  write_run(dir / "i10_s1", config_of("impala", 10, 1), simple_log());
  write_run(dir / "n100_s1", config_of("nature", 100, 1), simple_log());
  write_run(dir / "n500_s3", config_of("nature", 500, 3), simple_log());
  const std::vector<RunGroup> groups = group_runs(find_runs(dir.path()));
  // Sorted by the varying keys, numbers numerically (10 < 100 < 500, not as text).
  EXPECT_EQ(labels_of(groups),
            (std::vector<std::string>{
                "encoder=impala, num_levels=10", "encoder=nature, num_levels=10",
                "encoder=nature, num_levels=100", "encoder=nature, num_levels=500"}));
  ASSERT_EQ(groups[1].runs.size(), 2u);  // seed, device and description differ: same group
  EXPECT_EQ(groups[1].runs[0].name, "n10_s1");
  EXPECT_EQ(groups[1].runs[1].name, "n10_s2");
  EXPECT_EQ(varying_keys(groups), (std::vector<std::string>{"encoder", "num_levels"}));
  EXPECT_FALSE(groups[0].config.contains("seed"));
  EXPECT_FALSE(groups[0].config.contains("device"));
}

TEST(RunGrouping, OneGroupIsLabelledByEnvAndPolicyAndMissingKeysCountAsValues) {
  ScratchDir dir;
  write_run(dir / "s1", config_of("nature", 10, 1), simple_log());
  write_run(dir / "s2", config_of("nature", 10, 2), simple_log());
  std::vector<RunGroup> groups = group_runs(find_runs(dir.path()));
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].label, "starpilot ppo");
  EXPECT_TRUE(varying_keys(groups).empty());

  json older = config_of("nature", 10, 3);
  older.erase("learning_rate");
  write_run(dir / "s3", older, simple_log());
  groups = group_runs(find_runs(dir.path()));
  EXPECT_EQ(labels_of(groups),
            (std::vector<std::string>{"learning_rate=unset", "learning_rate=0.0005"}));
}

TEST(SeedAveraging, MeanAndSampleStdBandAtEveryStep) {
  ScratchDir dir;
  write_run(dir / "s1", config_of("nature", 10, 1), log_of({0, 10, 20}, {1, 2, 6}, {0, 0, 0}));
  write_run(dir / "s2", config_of("nature", 10, 2), log_of({0, 10, 20}, {3, 2, 7}, {0, 0, 0}));
  write_run(dir / "s3", config_of("nature", 10, 3), log_of({0, 10, 20}, {5, 8, 2}, {0, 0, 0}));
  write_run(dir / "impala", config_of("impala", 10, 1), log_of({0, 10}, {4, kNaN}, {1, 1}));
  const std::vector<RunGroup> groups = group_runs(find_runs(dir.path()));
  const PlotSpec spec = comparison_plot(groups, "test_mean_reward", 0);
  ASSERT_EQ(spec.series.size(), 2u);
  const Series& impala = spec.series[0];
  EXPECT_EQ(impala.label, "encoder=impala");
  expect_values(impala.x, {0});  // the null evaluation is left out
  expect_values(impala.y, {4});
  EXPECT_TRUE(impala.y_low.empty());  // one run: no band

  const Series& nature = spec.series[1];
  EXPECT_EQ(nature.label, "encoder=nature");
  expect_values(nature.x, {0, 10, 20});
  // step 0: {1, 3, 5}: mean 3, sample variance (4 + 0 + 4) / 2 = 4, std 2.
  // step 10: {2, 2, 8}: mean 4, variance (4 + 4 + 16) / 2 = 12.
  // step 20: {6, 7, 2}: mean 5, variance (1 + 4 + 9) / 2 = 7.
  expect_values(nature.y, {3, 4, 5});
  expect_values(nature.y_low, {1, 4 - std::sqrt(12.0), 5 - std::sqrt(7.0)});
  expect_values(nature.y_high, {5, 4 + std::sqrt(12.0), 5 + std::sqrt(7.0)});
  EXPECT_NE(nature.color, impala.color);
  EXPECT_EQ(spec.x_label, "env steps");
  EXPECT_EQ(spec.title, "starpilot: test_mean_reward");
}

TEST(SeedAveraging, DifferentStepsAreInterpolatedInsideTheCommonRange) {
  Curve a{{0, 10, 20}, {0, 10, 20}};
  Curve b{{5, 15, 25}, {1, 3, 5}};
  const GroupCurve curve = average_curves({a, b});
  EXPECT_EQ(curve.runs, 2);
  // Range both cover: [5, 20]; a at 5 and 15 is 5 and 15; b at 10 and 20 is 2 and 4.
  expect_values(curve.steps, {5, 10, 15, 20});
  expect_values(curve.mean, {3, 6, 9, 12});
  // Two values v1, v2: sample std = |v1 - v2| / sqrt(2).
  expect_values(curve.std,
                {4 / std::sqrt(2.0), 8 / std::sqrt(2.0), 12 / std::sqrt(2.0), 16 / std::sqrt(2.0)});
}

TEST(SeedAveraging, MetricsCsvColumnsWithEmptyAndNanCells) {
  ScratchDir dir;
  write_run(dir / "s1", config_of("nature", 10, 1), json(), json(),
            "step,charts/episodic_return,losses/value_loss\n"
            "100,1,0.5\n200,,0.4\n300,5,nan\n");
  write_run(dir / "s2", config_of("nature", 10, 2), json(), json(),
            "step,charts/episodic_return,losses/value_loss\n"
            "100,3,0.5\n200,4,0.4\n300,7,0.3\n");
  const std::vector<RunGroup> groups = group_runs(find_runs(dir.path()));
  const Curve column = groups[0].runs[0].metric_column("charts/episodic_return");
  expect_values(column.steps, {100, 200, 300});
  EXPECT_TRUE(std::isnan(column.values[1]));
  const PlotSpec spec = comparison_plot(groups, "charts/episodic_return", 0);
  ASSERT_EQ(spec.series.size(), 1u);
  // s1 is interpolated at 200 between 1 and 5: 3; s2 logged 4 there.
  expect_values(spec.series[0].x, {100, 200, 300});
  expect_values(spec.series[0].y, {2, 3.5, 6});
  expect_values(spec.series[0].y_high,
                {2 + std::sqrt(2.0), 3.5 + std::sqrt(0.5), 6 + std::sqrt(2.0)});
  EXPECT_EQ(spec.series[0].label, "starpilot ppo");
}

TEST(Smoothing, TrailingMovingAverageByHand) {
  expect_values(trailing_average({1, 2, 3, 4, 5}, 3), {1, 1.5, 2, 3, 4});
  expect_values(trailing_average({1, 2, 3, 4, 5}, 2), {1, 1.5, 2.5, 3.5, 4.5});
  expect_values(trailing_average({4, 8}, 1), {4, 8});
  expect_values(trailing_average({4, 8}, 0), {4, 8});
  expect_values(trailing_average({4, 8}, 10), {4, 6});
}

TEST(Smoothing, IsAppliedPerRunBeforeAveraging) {
  ScratchDir dir;
  write_run(dir / "s1", config_of("nature", 10, 1),
            log_of({0, 1, 2, 3}, {0, 4, 8, 0}, {0, 0, 0, 0}));
  write_run(dir / "s2", config_of("nature", 10, 2),
            log_of({0, 1, 2, 3}, {2, 2, 2, 10}, {0, 0, 0, 0}));
  const PlotSpec spec = comparison_plot(group_runs(find_runs(dir.path())), "test_mean_reward", 2);
  // s1 smoothed over 2: {0, 2, 6, 4}; s2: {2, 2, 2, 6}; means {1, 2, 4, 5}.
  expect_values(spec.series[0].y, {1, 2, 4, 5});
  // std of {0, 2} is sqrt(2); of {2, 2} is 0; of {6, 2} and {4, 6}: 4 / sqrt(2), 2 / sqrt(2).
  expect_values(spec.series[0].y_high,
                {1 + std::sqrt(2.0), 2, 4 + 4 / std::sqrt(2.0), 5 + 2 / std::sqrt(2.0)});
  EXPECT_NE(spec.y_label.find("moving average of 2"), std::string::npos) << spec.y_label;
}

TEST(ComparisonPlot, DefaultShowsTestSolidAndTrainDashedInOneColourPerGroup) {
  ScratchDir dir;
  write_run(dir / "n", config_of("nature", 10, 1), log_of({0, 10}, {1, 2}, {5, 6}));
  write_run(dir / "i", config_of("impala", 10, 1), log_of({0, 10}, {3, 4}, {7, 8}));
  const PlotSpec spec = comparison_plot(group_runs(find_runs(dir.path())), "", 0);
  ASSERT_EQ(spec.series.size(), 4u);
  EXPECT_EQ(spec.series[0].label, "encoder=impala test");
  EXPECT_EQ(spec.series[1].label, "encoder=impala train");
  EXPECT_EQ(spec.series[2].label, "encoder=nature test");
  EXPECT_EQ(spec.series[3].label, "encoder=nature train");
  EXPECT_EQ(spec.series[0].style, LineStyle::kSolid);
  EXPECT_EQ(spec.series[1].style, LineStyle::kDashed);
  EXPECT_EQ(spec.series[0].color, spec.series[1].color);
  EXPECT_NE(spec.series[0].color, spec.series[2].color);
  expect_values(spec.series[0].y, {3, 4});
  expect_values(spec.series[1].y, {7, 8});
  expect_values(spec.series[3].y, {5, 6});
}

TEST(ComparisonPlot, UnknownMetricListsTheAvailableOnes) {
  ScratchDir dir;
  write_run(dir / "s1", config_of("nature", 10, 1), simple_log(), json(),
            "step,charts/episodic_return\n100,1\n");
  const auto groups = group_runs(find_runs(dir.path()));
  const std::string message = testing::thrown_message<UsageError>([&] { comparison_plot(groups, "test_mean_rewrd", 0); });
  EXPECT_NE(message.find("unknown metric 'test_mean_rewrd'"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean 'test_mean_reward'"), std::string::npos) << message;
  EXPECT_NE(message.find("pi_loss, test_mean_reward, train_mean_reward, charts/episodic_return"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("charts/episodic_return"), std::string::npos) << message;
  EXPECT_THROW(comparison_plot({}, "", 0), UsageError);
}

TEST(ComparisonPlot, SixteenGroupsGetDistinctColoursAndALegendBelow) {
  ScratchDir dir;
  int seed = 0;
  for (const char* encoder : {"impala", "nature"}) {
    for (int levels : {0, 10, 100, 500}) {
      for (const char* policy : {"ppo", "trpo"}) {
        json config = config_of(encoder, levels, ++seed);
        config["policy"] = policy;
        write_run(dir / ("r" + std::to_string(seed)), config,
                  log_of({0, 1000}, {seed * 1.0, seed + 1.0}, {seed + 2.0, seed + 3.0}));
      }
    }
  }
  const auto groups = group_runs(find_runs(dir.path()));
  ASSERT_EQ(groups.size(), 16u);
  EXPECT_EQ(groups[0].label, "encoder=impala, num_levels=0, policy=ppo");
  const PlotSpec spec = comparison_plot(groups, "test_mean_reward", 0);
  for (size_t i = 0; i < spec.series.size(); ++i) {
    for (size_t j = 0; j < i; ++j) EXPECT_NE(spec.series[i].color, spec.series[j].color);
  }
  const PlotFrame frame = plot_frame(spec);
  EXPECT_TRUE(frame.legend_below);
  // The height grew by the legend, so the data box is as tall as an 800x500 plot's.
  PlotSpec no_legend = spec;
  for (Series& s : no_legend.series) s.label.clear();
  no_legend.height = 500;
  EXPECT_EQ(spec.height, 500 + bottom_legend_height(spec));
  EXPECT_EQ(frame.bottom - frame.top, plot_frame(no_legend).bottom - plot_frame(no_legend).top);
}

// Two finished seeds of one config, one of another, one finished older run without
// train_eval_* in its summary and one unfinished run.
void write_study(const ScratchDir& dir) {
  write_run(dir / "nature_s1", config_of("nature", 10, 1), log_of({0, 100}, {1, 2}, {5, 6}),
            summary_of(10.0, 20.0, 100.0, 1000.0, 100));
  write_run(dir / "nature_s2", config_of("nature", 10, 2), log_of({0, 100}, {2, 3}, {6, 7}),
            summary_of(14.0, 30.0, 300.0, 3000.0, 100));
  json older = summary_of(7.5, kNaN, 50.0, 2000.0, 100);
  older.erase("train_eval_mean_return");
  write_run(dir / "impala_s1", config_of("impala", 10, 1),
            log_of({0, 50, 100}, {0, 1, 2}, {4, 9.25, kNaN}), older);
  write_run(dir / "impala_s2", config_of("impala", 10, 2), log_of({0, 60}, {1, 1}, {1, 1}), json(),
            "step,charts/episodic_return\n64,1\n128,2\n");
}

TEST(Report, TableNumbersAreTheSummaryValuesOverSeeds) {
  ScratchDir dir;
  write_study(dir);
  const auto groups = group_runs(find_runs(dir.path()));
  const std::string md = report_markdown(groups, {{"test", "r_test.png"}}, "runs/levers");
  // nature: train {20, 30} -> 25 ± sqrt(50); test {10, 14} -> 12 ± sqrt(8);
  // gap per seed {10, 16} -> 13 ± sqrt(18); wall {100, 300} -> 200; steps/s {1000, 3000} -> 2000.
  char row[256];
  std::snprintf(row, sizeof(row),
                "| encoder=nature | 1, 2 (2) | 25.00 ± %.2f | 12.00 ± %.2f | 13.00 ± %.2f | "
                "200.0 | 2000 |",
                std::sqrt(50.0), std::sqrt(8.0), std::sqrt(18.0));
  EXPECT_NE(md.find(row), std::string::npos) << md;
  // impala: the finished seed only; train falls back to log.json's last finite value, 9.25.
  EXPECT_NE(md.find("| encoder=impala | 1 (1) | 9.25 | 7.50 | 1.75 | 50.0 | 2000 |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("# Run comparison: runs/levers"), std::string::npos);
  EXPECT_NE(md.find("4 runs in 2 groups (3 finished, 1 unfinished)"), std::string::npos) << md;
  EXPECT_NE(md.find("Keys that vary between groups: `encoder`."), std::string::npos) << md;
  // The unfinished run is listed apart with the furthest step it logged (metrics.csv: 128).
  EXPECT_NE(md.find("## Unfinished runs"), std::string::npos);
  EXPECT_NE(md.find("| impala_s2 | encoder=impala | 2 | 128 |"), std::string::npos) << md;
  EXPECT_NE(md.find("![test](r_test.png)"), std::string::npos);
}

TEST(Report, WritesTheReportAndItsPlotsWithRelativeLinks) {
  ScratchDir dir;
  write_study(dir);
  const fs::path out = dir / "out" / "study.md";
  const ReportFiles files = write_report(dir.path(), out, 1);
  EXPECT_EQ(files.runs, 4);
  EXPECT_EQ(files.groups, 2);
  ASSERT_EQ(files.plots.size(), 2u);
  EXPECT_EQ(files.plots[0], dir / "out" / "study_test.png");
  EXPECT_EQ(files.plots[1], dir / "out" / "study_train_test.png");
  for (const fs::path& plot : files.plots) {
    int w = 0, h = 0, channels = 0;
    unsigned char* pixels = stbi_load(plot.c_str(), &w, &h, &channels, 3);
    ASSERT_NE(pixels, nullptr) << plot << ": " << stbi_failure_reason();
    EXPECT_EQ(w, 800);
    EXPECT_EQ(h, 500);
    int coloured = 0;  // the curves' blue and orange, not just a blank image
    for (int i = 0; i < w * h; ++i) {
      const unsigned char* p = pixels + 3 * i;
      coloured +=
          (p[0] == 31 && p[1] == 119 && p[2] == 180) || (p[0] == 255 && p[1] == 127 && p[2] == 14);
    }
    stbi_image_free(pixels);
    EXPECT_GT(coloured, 500) << plot;
  }
  const std::string md = read_file(out);
  EXPECT_NE(md.find("](study_test.png)"), std::string::npos) << md;
  EXPECT_NE(md.find("](study_train_test.png)"), std::string::npos) << md;
  EXPECT_EQ(ScratchDir::count_entries(dir / "out"), 3);  // no temp files left

  const std::string message = testing::thrown_message<UsageError>([&] { write_report(dir / "out", dir / "x.md", 0); });
  EXPECT_NE(message.find("no runs under"), std::string::npos) << message;
}

}  // namespace
}  // namespace lever

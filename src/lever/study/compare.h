// Comparing groups of runs: curves averaged over seeds with a ± one standard deviation band,
// and a markdown report with one row per group (final train and test returns, the
// generalisation gap, speed) and the plots beside it.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "lever/study/runs.h"
#include "lever/viz/plot.h"

namespace lever {

// Mean and sample standard deviation (divisor n - 1) of the finite values; std is NaN when
// fewer than two values are finite, mean is NaN when none is.
struct MeanStd {
  double mean = 0, std = 0;
  int n = 0;
};
MeanStd mean_std(const std::vector<double>& values);

// Trailing moving average: out[i] = mean of values[max(0, i - window + 1) .. i], so the first
// points average fewer values. window <= 1 returns the values unchanged.
std::vector<double> trailing_average(const std::vector<double>& values, int window);

// Several runs' curves of one metric on common steps. Curves are linearly interpolated onto the
// union of their steps inside the range every curve covers (from the latest first step to the
// earliest last step), so each point averages the same runs; runs logged at the same steps are
// used exactly as logged. std is the sample standard deviation (NaN with one curve).
struct GroupCurve {
  std::vector<double> steps, mean, std;
  int runs = 0;
};
GroupCurve average_curves(std::vector<Curve> curves);

// Every metric any of the runs has: log.json keys (except "step") first, then metrics.csv
// columns, each once.
std::vector<std::string> available_metrics(const std::vector<RunGroup>& groups);

// One series per group (colour per group) of `metric`, a log.json key or a metrics.csv column:
// the mean over the group's runs, smoothed per run first with trailing_average(smooth), and a
// band of mean ± one (sample) std when at least two runs have the metric. Empty metric: return
// on test levels (test_mean_reward, solid, "<label> test") and train levels (train_mean_reward,
// dashed, "<label> train") on one figure. Runs that never measured the metric are left out of
// its curve. The height grows by the legend when it goes below the axes. Throws UsageError for
// no groups or a metric no run has, listing the available ones.
PlotSpec comparison_plot(const std::vector<RunGroup>& groups, const std::string& metric,
                         int smooth);

// The groups with only their finished runs; groups left empty are dropped.
std::vector<RunGroup> finished_runs(const std::vector<RunGroup>& groups);

struct ReportPlot {
  std::string caption;
  std::string file;  // link relative to the report
};

// The report: the number of runs and the keys that vary, a table with one row per group of its
// finished runs (seeds, final train and test return, gap, wall time, steps/s; mean ± std over
// seeds), the unfinished runs with the steps they reached, and the plots as images. `source`
// names where the runs came from, for the heading.
std::string report_markdown(const std::vector<RunGroup>& groups,
                            const std::vector<ReportPlot>& plots, const std::string& source);

struct ReportFiles {
  std::filesystem::path report;
  std::vector<std::filesystem::path> plots;
  int runs = 0, groups = 0;
};

// Finds and groups the runs under runs_dir, writes <stem>_test.png (return on test levels) and
// <stem>_train_test.png (train and test) next to out_md and then the report itself, all
// atomically. The plots show the finished runs, as the table does (all runs when none has
// finished). Throws UsageError when runs_dir holds no run.
ReportFiles write_report(const std::filesystem::path& runs_dir, const std::filesystem::path& out_md,
                         int smooth = 0);

}  // namespace lever

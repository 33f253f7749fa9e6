#include "lever/study/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <utility>

#include "lever/core/atomic_file.h"
#include "lever/core/errors.h"
#include "lever/core/text.h"

namespace lever {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The default figure's metrics, with metrics.csv's copies for runs without log.json.
constexpr const char* kTestMetric = "test_mean_reward";
constexpr const char* kTrainMetric = "train_mean_reward";
constexpr const char* kTestColumn = "eval/test_mean_return";
constexpr const char* kTrainColumn = "eval/train_mean_return";

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// The curve's value at `step`, which lies inside its range.
double value_at(const Curve& curve, double step) {
  const auto upper = std::lower_bound(curve.steps.begin(), curve.steps.end(), step);
  const size_t i = upper - curve.steps.begin();
  if (i < curve.steps.size() && curve.steps[i] == step) return curve.values[i];
  if (i == 0 || i == curve.steps.size()) return kNaN;
  const double t = (step - curve.steps[i - 1]) / (curve.steps[i] - curve.steps[i - 1]);
  return curve.values[i - 1] + t * (curve.values[i] - curve.values[i - 1]);
}

std::string group_env(const std::vector<RunGroup>& groups) {
  std::string env;
  for (const RunGroup& group : groups) {
    if (!group.config.contains("env")) return "";
    const std::string this_env = config_value_text(group.config["env"]);
    if (!env.empty() && env != this_env) return "";
    env = this_env;
  }
  return env;
}

Color group_color(size_t index, size_t count) {
  return count > 10 ? series_color_20(static_cast<int>(index))
                    : series_color(static_cast<int>(index));
}

Series group_series(const RunGroup& group, const std::string& metric, int smooth) {
  std::vector<Curve> curves;
  for (const RunRecord& run : group.runs) {
    Curve curve = sorted_curve(run.finite_curve(metric));
    if (curve.steps.empty()) continue;
    curve.values = trailing_average(curve.values, smooth);
    curves.push_back(std::move(curve));
  }
  const GroupCurve average = average_curves(std::move(curves));
  Series series;
  series.x = average.steps;
  series.y = average.mean;
  if (average.runs >= 2) {
    for (size_t i = 0; i < average.steps.size(); ++i) {
      series.y_low.push_back(average.mean[i] - average.std[i]);
      series.y_high.push_back(average.mean[i] + average.std[i]);
    }
  }
  return series;
}

std::string format_fixed(double value, int decimals) {
  if (!std::isfinite(value)) return "—";
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  // "-0.00" reads as a sign where there is none.
  return text[0] == '-' && std::strtod(text, nullptr) == 0 ? std::string(text + 1) : text;
}

// "12.34 ± 1.20", or just the mean with one value, or "—" with none.
std::string format_mean_std(const std::vector<double>& values, int decimals) {
  const MeanStd stats = mean_std(values);
  if (stats.n == 0) return "—";
  if (stats.n == 1) return format_fixed(stats.mean, decimals);
  return format_fixed(stats.mean, decimals) + " ± " + format_fixed(stats.std, decimals);
}

// Table cells must not end the cell early.
std::string table_cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

std::string seed_text(const RunRecord& run) {
  return run.config.contains("seed") ? config_value_text(run.config["seed"]) : "?";
}

// Spaces would end a markdown link target.
std::string link_target(const std::string& file) {
  std::string out;
  for (char c : file) out += c == ' ' ? std::string("%20") : std::string(1, c);
  return out;
}

std::string pick_metric(const std::vector<std::string>& available, const char* log_key,
                        const char* csv_column) {
  if (!contains(available, log_key) && contains(available, csv_column)) return csv_column;
  return log_key;
}

}  // namespace

MeanStd mean_std(const std::vector<double>& values) {
  MeanStd stats;
  double sum = 0;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    sum += v;
    ++stats.n;
  }
  if (stats.n == 0) return {kNaN, kNaN, 0};
  stats.mean = sum / stats.n;
  if (stats.n < 2) {
    stats.std = kNaN;
    return stats;
  }
  double squares = 0;
  for (double v : values) {
    if (std::isfinite(v)) squares += (v - stats.mean) * (v - stats.mean);
  }
  stats.std = std::sqrt(squares / (stats.n - 1));
  return stats;
}

std::vector<double> trailing_average(const std::vector<double>& values, int window) {
  if (window <= 1) return values;
  std::vector<double> out(values.size());
  double sum = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    sum += values[i];
    if (i >= static_cast<size_t>(window)) sum -= values[i - window];
    out[i] = sum / static_cast<double>(std::min(i + 1, static_cast<size_t>(window)));
  }
  return out;
}

GroupCurve average_curves(std::vector<Curve> curves) {
  GroupCurve out;
  curves.erase(
      std::remove_if(curves.begin(), curves.end(), [](const Curve& c) { return c.steps.empty(); }),
      curves.end());
  if (curves.empty()) return out;
  for (Curve& curve : curves) curve = sorted_curve(curve);
  out.runs = static_cast<int>(curves.size());
  double first = -std::numeric_limits<double>::infinity();
  double last = std::numeric_limits<double>::infinity();
  for (const Curve& curve : curves) {
    first = std::max(first, curve.steps.front());
    last = std::min(last, curve.steps.back());
  }
  for (const Curve& curve : curves) {
    for (double step : curve.steps) {
      if (step >= first && step <= last) out.steps.push_back(step);
    }
  }
  std::sort(out.steps.begin(), out.steps.end());
  out.steps.erase(std::unique(out.steps.begin(), out.steps.end()), out.steps.end());
  std::vector<double> at_step(curves.size());
  for (double step : out.steps) {
    for (size_t k = 0; k < curves.size(); ++k) at_step[k] = value_at(curves[k], step);
    const MeanStd stats = mean_std(at_step);
    out.mean.push_back(stats.mean);
    out.std.push_back(stats.std);
  }
  return out;
}

std::vector<std::string> available_metrics(const std::vector<RunGroup>& groups) {
  std::vector<std::string> from_log, from_csv;
  for (const RunGroup& group : groups) {
    for (const RunRecord& run : group.runs) {
      for (const auto& item : run.log) {
        if (item.first != "step" && !contains(from_log, item.first)) from_log.push_back(item.first);
      }
      for (const std::string& column : run.metric_columns()) {
        if (!contains(from_csv, column)) from_csv.push_back(column);
      }
    }
  }
  for (const std::string& column : from_csv) {
    if (!contains(from_log, column)) from_log.push_back(column);
  }
  return from_log;
}

PlotSpec comparison_plot(const std::vector<RunGroup>& groups, const std::string& metric,
                         int smooth) {
  if (groups.empty()) throw UsageError("no runs to plot");
  const std::vector<std::string> available = available_metrics(groups);
  if (!metric.empty() && !contains(available, metric)) {
    const std::string suggestion = did_you_mean(metric, available);
    throw UsageError("unknown metric '" + metric + "'" +
                     (suggestion.empty() ? "" : "; did you mean '" + suggestion + "'?") +
                     "; the runs have: " + join(available, ", "));
  }
  PlotSpec spec;
  const std::string env = group_env(groups);
  const std::string smoothing =
      smooth > 1 ? " (moving average of " + std::to_string(smooth) + ")" : "";
  spec.x_label = "env steps";
  for (size_t i = 0; i < groups.size(); ++i) {
    const Color color = group_color(i, groups.size());
    if (metric.empty()) {
      Series test =
          group_series(groups[i], pick_metric(available, kTestMetric, kTestColumn), smooth);
      test.label = groups[i].label + " test";
      test.color = color;
      Series train =
          group_series(groups[i], pick_metric(available, kTrainMetric, kTrainColumn), smooth);
      train.label = groups[i].label + " train";
      train.color = color;
      train.style = LineStyle::kDashed;
      spec.series.push_back(std::move(test));
      spec.series.push_back(std::move(train));
    } else {
      Series series = group_series(groups[i], metric, smooth);
      series.label = groups[i].label;
      series.color = color;
      spec.series.push_back(std::move(series));
    }
  }
  const std::string what =
      metric.empty() ? "return on test (solid) and train (dashed) levels" : metric;
  spec.title = env.empty() ? what : env + ": " + what;
  spec.y_label = (metric.empty() ? "mean episodic return" : metric) + smoothing;
  spec.height += bottom_legend_height(spec);
  return spec;
}

std::vector<RunGroup> finished_runs(const std::vector<RunGroup>& groups) {
  std::vector<RunGroup> out;
  for (const RunGroup& group : groups) {
    RunGroup kept{group.label, group.config, {}};
    for (const RunRecord& run : group.runs) {
      if (run.finished) kept.runs.push_back(run);
    }
    if (!kept.runs.empty()) out.push_back(std::move(kept));
  }
  return out;
}

std::string report_markdown(const std::vector<RunGroup>& groups,
                            const std::vector<ReportPlot>& plots, const std::string& source) {
  size_t total = 0, finished = 0;
  for (const RunGroup& group : groups) {
    for (const RunRecord& run : group.runs) {
      ++total;
      finished += run.finished;
    }
  }
  std::string md = "# Run comparison" + (source.empty() ? "" : ": " + source) + "\n\n";
  md += std::to_string(total) + (total == 1 ? " run" : " runs") + " in " +
        std::to_string(groups.size()) + (groups.size() == 1 ? " group" : " groups") + " (" +
        std::to_string(finished) + " finished, " + std::to_string(total - finished) +
        " unfinished).\n";
  const std::vector<std::string> keys = varying_keys(groups);
  if (keys.empty()) {
    md +=
        "All runs share one experiment config; they differ only in seed or in keys that do not "
        "define an experiment.\n\n";
  } else {
    std::vector<std::string> quoted;
    for (const std::string& key : keys) quoted.push_back("`" + key + "`");
    md += "Keys that vary between groups: " + join(quoted, ", ") + ".\n\n";
  }

  md +=
      "| group | seeds (n) | final train return | final test return | gap (train − test) "
      "| wall time (s) | steps/s |\n";
  md += "|---|---|---:|---:|---:|---:|---:|\n";
  for (const RunGroup& group : finished_runs(groups)) {
    std::vector<std::string> seeds;
    std::vector<double> train, test, gap, wall, speed;
    for (const RunRecord& run : group.runs) {
      seeds.push_back(seed_text(run));
      train.push_back(run.final_train_return());
      test.push_back(run.final_test_return());
      gap.push_back(train.back() - test.back());
      wall.push_back(run.summary_number("wall_seconds"));
      speed.push_back(run.summary_number("steps_per_second"));
    }
    md += "| " + table_cell(group.label) + " | " + join(seeds, ", ") + " (" +
          std::to_string(group.runs.size()) + ") | " + format_mean_std(train, 2) + " | " +
          format_mean_std(test, 2) + " | " + format_mean_std(gap, 2) + " | " +
          format_fixed(mean_std(wall).mean, 1) + " | " + format_fixed(mean_std(speed).mean, 0) +
          " |\n";
  }
  md +=
      "\nReturns come from each run's final evaluation (summary.json): train on its training "
      "levels, test on held-out levels; runs without a final train-level evaluation use the "
      "last one in log.json. ± is the sample standard deviation over seeds (n − 1); the gap "
      "is train − test per seed, then averaged. Wall time and steps/s are means over seeds.\n";

  if (finished < total) {
    md += "\n## Unfinished runs\n\nNot in the table above (no summary.json yet).\n\n";
    md += "| run | group | seed | steps reached |\n|---|---|---:|---:|\n";
    for (const RunGroup& group : groups) {
      for (const RunRecord& run : group.runs) {
        if (run.finished) continue;
        md += "| " + table_cell(run.name) + " | " + table_cell(group.label) + " | " +
              seed_text(run) + " | " + std::to_string(run.steps_reached()) + " |\n";
      }
    }
  }
  if (!plots.empty()) {
    md += "\n## Plots\n";
    for (const ReportPlot& plot : plots) {
      md += "\n![" + plot.caption + "](" + link_target(plot.file) + ")\n";
    }
  }
  return md;
}

ReportFiles write_report(const std::filesystem::path& runs_dir, const std::filesystem::path& out_md,
                         int smooth) {
  std::vector<RunRecord> runs = find_runs(runs_dir);
  if (runs.empty()) {
    throw UsageError("no runs under " + runs_dir.string() +
                     " (a run directory holds config.json and log.json or metrics.csv)");
  }
  ReportFiles files;
  files.report = out_md;
  files.runs = static_cast<int>(runs.size());
  const std::vector<RunGroup> groups = group_runs(std::move(runs));
  files.groups = static_cast<int>(groups.size());
  std::vector<RunGroup> plotted = finished_runs(groups);
  if (plotted.empty()) plotted = groups;

  const std::filesystem::path dir = out_md.parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir);
  const std::string stem = out_md.stem().string();
  const std::vector<std::string> available = available_metrics(plotted);
  std::vector<ReportPlot> plots;
  const std::string test_metric = pick_metric(available, kTestMetric, kTestColumn);
  if (contains(available, test_metric)) {
    const std::string file = stem + "_test.png";
    write_plot(dir / file, comparison_plot(plotted, test_metric, smooth));
    plots.push_back({"Return on test levels (mean ± std over seeds)", file});
    files.plots.push_back(dir / file);
  }
  const std::string file = stem + "_train_test.png";
  write_plot(dir / file, comparison_plot(plotted, "", smooth));
  plots.push_back({"Return on test (solid) and train (dashed) levels", file});
  files.plots.push_back(dir / file);

  write_file_atomic(out_md, report_markdown(groups, plots, runs_dir.string()));
  return files;
}

}  // namespace lever

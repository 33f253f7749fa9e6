#include "lever/cli/study_commands.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lever/core/errors.h"
#include "lever/core/text.h"
#include "lever/study/compare.h"
#include "lever/study/pbt_plot.h"
#include "lever/study/runs.h"
#include "lever/viz/plot.h"

namespace lever {
namespace {

struct PlotOptions {
  std::vector<std::string> run_dirs;
  std::string metric, out, title;  // out empty: comparison.png, or pbt.png in a PBT run
  int smooth = 0, width = 0, height = 0;
};

struct ReportOptions {
  std::string runs_dir, out;
  int smooth = 0;
};

// The runs under every directory given, each once even when one directory holds another.
std::vector<RunRecord> runs_under(const std::vector<std::string>& dirs) {
  std::vector<RunRecord> runs;
  std::set<std::filesystem::path> seen;
  for (const std::string& dir : dirs) {
    std::vector<RunRecord> found = find_runs(dir);
    if (found.empty()) {
      throw UsageError("no runs under " + dir +
                       " (a run directory holds config.json and log.json or metrics.csv)");
    }
    for (RunRecord& run : found) {
      const auto key = std::filesystem::weakly_canonical(run.dir);
      if (seen.insert(key).second) runs.push_back(std::move(run));
    }
  }
  return runs;
}

// A PBT run's figure: its population and hyperparameter schedules, the other directories as
// baselines.
void run_pbt_plot(const PlotOptions& options, const std::vector<std::string>& pbt_dirs,
                  const std::vector<std::string>& baseline_dirs) {
  if (pbt_dirs.size() > 1) {
    throw UsageError("plot one PBT run at a time; these hold pbt.csv: " + join(pbt_dirs, ", "));
  }
  if (!options.metric.empty() || options.smooth > 0 || !options.title.empty()) {
    throw UsageError("--metric, --smooth and --title do not apply to a PBT run (" + pbt_dirs[0] +
                     " holds pbt.csv); its figure always shows scores and hyperparameters");
  }
  const std::filesystem::path out = options.out.empty()
                                        ? std::filesystem::path(pbt_dirs[0]) / "pbt.png"
                                        : std::filesystem::path(options.out);
  check_plot_path(out);
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
  const std::vector<std::filesystem::path> baselines(baseline_dirs.begin(), baseline_dirs.end());
  const PbtFigureSummary summary = write_pbt_figure(
      pbt_dirs[0], baselines, out, options.width > 0 ? options.width : kPbtPanelWidth,
      options.height > 0 ? options.height : kPbtPanelHeight);
  std::printf("wrote %s: PBT population of %d members over %d generations, %d baseline runs\n",
              out.c_str(), summary.members, summary.generations, summary.baselines);
  std::printf("  winner: member %d of generation %d, score %s\n", summary.winner.member,
              summary.winner.generation, format_number(summary.winner.score).c_str());
}

void run_plot(PlotOptions options) {
  std::vector<std::string> pbt_dirs, other_dirs;
  for (const std::string& dir : options.run_dirs) {
    (is_pbt_dir(dir) ? pbt_dirs : other_dirs).push_back(dir);
  }
  if (!pbt_dirs.empty()) {
    run_pbt_plot(options, pbt_dirs, other_dirs);
    return;
  }
  if (options.out.empty()) options.out = "comparison.png";
  check_plot_path(options.out);
  std::vector<RunRecord> runs = runs_under(options.run_dirs);
  const size_t count = runs.size();
  const std::vector<RunGroup> groups = group_runs(std::move(runs));
  PlotSpec spec = comparison_plot(groups, options.metric, options.smooth);
  if (!options.title.empty()) spec.title = options.title;
  if (options.width > 0) {
    spec.width = options.width;
    // The legend's columns depend on the width: size the height for them again.
    spec.height = PlotSpec{}.height;
    spec.height += bottom_legend_height(spec);
  }
  if (options.height > 0) spec.height = options.height;
  const std::filesystem::path out(options.out);
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
  write_plot(out, spec);
  std::printf("wrote %s: %zu runs in %zu groups\n", options.out.c_str(), count, groups.size());
  for (const RunGroup& group : groups) {
    std::printf("  %s: %zu runs\n", group.label.c_str(), group.runs.size());
  }
}

void run_report(const ReportOptions& options) {
  const ReportFiles files = write_report(options.runs_dir, options.out, options.smooth);
  std::printf("wrote %s: %d runs in %d groups\n", files.report.c_str(), files.runs, files.groups);
  for (const auto& plot : files.plots) std::printf("  plot %s\n", plot.c_str());
}

}  // namespace

void add_study_commands(CLI::App& app) {
  // The options outlive this function: the callbacks run later, inside app.parse().
  auto plot_options = std::make_shared<PlotOptions>();
  auto* plot = app.add_subcommand(
      "plot", "Plot runs on one chart: mean over seeds per config, ± one std band");
  plot->add_option("run_dirs", plot_options->run_dirs,
                   "Run directories, or directories of runs (searched recursively); a PBT run "
                   "(a directory with pbt.csv) gets its own figure, the others as baselines")
      ->required();
  plot->add_option("--metric", plot_options->metric,
                   "A log.json key (test_mean_reward) or metrics.csv column "
                   "(charts/episodic_return); default: test and train return");
  plot->add_option("--out", plot_options->out,
                   "Output file, .png or .svg (default comparison.png; for a PBT run "
                   "<pbt_dir>/pbt.png)");
  plot->add_option("--smooth", plot_options->smooth,
                   "Trailing moving average over N points per run, before averaging (0: none)")
      ->check(CLI::Range(0, 1000000));
  plot->add_option("--title", plot_options->title, "Title (default: env and metric)");
  plot->add_option("--width", plot_options->width,
                   "Width in pixels (default 800; a PBT figure 900)")
      ->check(CLI::PositiveNumber);
  plot->add_option("--height", plot_options->height,
                   "Height in pixels (default 500, plus room for a long legend; in a PBT "
                   "figure each panel's, default 380)")
      ->check(CLI::PositiveNumber);
  plot->callback([plot_options] { run_plot(*plot_options); });

  auto report_options = std::make_shared<ReportOptions>();
  auto* report = app.add_subcommand(
      "report", "Write a markdown report comparing runs: a table per config and plots beside it");
  report->add_option("runs_dir", report_options->runs_dir, "Directory of runs (recursive)")
      ->required();
  report->add_option("--out", report_options->out, "Markdown file to write (e.g. report.md)")
      ->required();
  report
      ->add_option("--smooth", report_options->smooth,
                   "Trailing moving average over N points per run in the plots (0: none)")
      ->check(CLI::Range(0, 1000000));
  report->callback([report_options] { run_report(*report_options); });
}

}  // namespace lever

// A PBT run read back and drawn: pbt.csv (one row per member per generation), the winning
// lineage, and one figure with the population's scores on training and test levels beside
// baseline runs, and one panel per mutable hyperparameter with the schedule that won.
#pragma once
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "lever/study/runs.h"
#include "lever/viz/plot.h"

namespace lever {

// pbt.csv's columns before the hyperparameters, in this order.
inline constexpr const char* kPbtFixedColumns[] = {"generation", "member", "env_steps",    "score",
                                                   "test_score", "parent", "train_seconds"};

// One member in one generation.
struct PbtRow {
  int generation = 0, member = 0;
  double env_steps = 0;   // the member's env steps at the end of the generation
  double score = 0;       // mean return on training levels at the end (what exploit ranks by)
  double test_score = 0;  // the same on unseen test levels
  int parent =
      0;  // whose weights and hyperparameters it started from (itself when it kept its own)
  double train_seconds = 0;
  std::vector<double> hyperparameters;  // in PbtTable::hyperparameters order; NaN where "nan"
};

struct PbtTable {
  std::filesystem::path path;
  std::vector<std::string> hyperparameters;  // the config keys after the fixed columns
  // generations[g]: the rows of generation g, sorted by member.
  std::vector<std::vector<PbtRow>> generations;

  // The row of `member` in `generation`, or nullptr when it has none.
  const PbtRow* find(int generation, int member) const;
  // Every member id that appears in any generation, ascending.
  std::vector<int> members() const;
};

// Reads pbt.csv. Throws RuntimeFailure naming the file (and line) when it cannot be read, has
// no rows, its header does not begin with kPbtFixedColumns, a row has the wrong number of cells
// or an unreadable generation/member/parent/env_steps, a member appears twice in a generation,
// generations skip a number, or a parent is not a member of the previous generation. Score,
// test score, train seconds and hyperparameter cells may be "nan" (or empty).
PbtTable read_pbt_csv(const std::filesystem::path& path);

// The member with the best score in the last generation (ties and NaN scores: the lowest member
// id with the highest finite score), followed through `parent` back to generation 0: one row per
// generation, generation 0 first.
std::vector<PbtRow> winning_lineage(const PbtTable& table);

// Per generation, the row of its best-scoring member (same tie rule); a generation with no
// finite score gives its lowest member, whose score is NaN.
std::vector<PbtRow> best_per_generation(const PbtTable& table);

// A hyperparameter's values span more than two decades (all positive), so its panel shows
// log10 of them: a log-uniform learning rate would otherwise sit flat on the axis.
bool wants_log_axis(const std::vector<double>& values);

// One panel of the figure: a line plot and the series drawn thick on top of it.
struct PbtPanel {
  PlotSpec spec;
  std::vector<size_t> thick;  // indices into spec.series
};

// Panel sizes when the caller does not choose.
inline constexpr int kPbtPanelWidth = 900;
inline constexpr int kPbtPanelHeight = 380;

// The figure's panels, top to bottom: "Population score (training levels)" (every member's
// score vs env steps, thin; the best score per generation, thick; each baseline's
// eval/train_mean_return, or log.json train_mean_reward without it), "Test levels" (members'
// test scores; the test score of each generation's best-scoring member, thick; baselines'
// eval/test_mean_return or test_mean_reward), then one panel per hyperparameter (every member's
// value held over each generation's env steps, thin; the winning lineage's, thick). Throws
// UsageError when a baseline has neither form of a metric.
std::vector<PbtPanel> pbt_panels(const PbtTable& table, const std::vector<RunRecord>& baselines,
                                 int width = kPbtPanelWidth, int panel_height = kPbtPanelHeight);

// The panels stacked top to bottom in one image, thick series drawn over their thin lines.
Image render_pbt_figure(const std::vector<PbtPanel>& panels);
// The same as one SVG document: each panel is a nested <svg> placed at its y offset.
std::string render_pbt_figure_svg(const std::vector<PbtPanel>& panels);

struct PbtFigureSummary {
  int members = 0, generations = 0, baselines = 0;
  PbtRow winner;  // the winning lineage's last row
};

// Reads pbt_dir/pbt.csv and the runs under each baseline directory (a run directory or a
// directory of runs) and writes the figure to `out` (.png or .svg, atomically).
PbtFigureSummary write_pbt_figure(const std::filesystem::path& pbt_dir,
                                  const std::vector<std::filesystem::path>& baselines,
                                  const std::filesystem::path& out, int width = kPbtPanelWidth,
                                  int panel_height = kPbtPanelHeight);

// Whether `dir` holds a pbt.csv (a PBT run directory).
bool is_pbt_dir(const std::filesystem::path& dir);

}  // namespace lever

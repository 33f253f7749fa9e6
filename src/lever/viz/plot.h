// Line plots rendered to PNG or SVG, e.g. reward curves: x = env steps, series "train" and
// "test", optionally with a shaded band (mean ± std over seeds) and dashed lines.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "lever/core/image.h"

namespace lever {

enum class LineStyle { kSolid, kDashed };

// How opaque a band is over what lies beneath it (0 = invisible, 1 = solid colour).
inline constexpr double kBandOpacity = 0.2;

struct Series {
  std::string label;         // shown in the legend; empty: not listed
  std::vector<double> x, y;  // same length; a NaN or infinite x or y breaks the line there
  Color color{31, 119, 180};
  LineStyle style = LineStyle::kSolid;
  // Optional band drawn behind every line as a translucent area in `color`: either both empty or
  // both as long as x. A point whose x, y_low or y_high is not finite breaks the band there.
  // ({} keeps initialisers that stop at `color` clean under -Wmissing-field-initializers.)
  std::vector<double> y_low{}, y_high{};
};

struct PlotSpec {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  int width = 800, height = 500;  // pixels; at least 160 x 120
};

// A data range and the 1-2-5 step (..., 0.5, 1, 2, 5, 10, ...) between its ticks.
struct Axis {
  double min = 0, max = 1, step = 0.2;
};

// The range [lo, hi] (either order) with a step giving about `target_intervals` intervals. An
// empty or near-empty range is first widened around its value, by 10% or by 1 around zero.
Axis nice_axis(double lo, double hi, int target_intervals = 5);
// The multiples of nice_axis(lo, hi).step inside [lo, hi]: 0..1e6 -> 0, 200k, ..., 1M.
std::vector<double> nice_ticks(double lo, double hi, int target_intervals = 5);
// A short tick label: 0, 0.25, -40, 1.5k, 200k, 1.5M, 2B.
std::string format_tick(double value);

// A distinct colour per series index (the matplotlib "tab10" cycle).
Color series_color(int index);
// For more than ten series: tab10 first, then the ten lighter partners from matplotlib's
// "tab20", cycling after twenty.
Color series_color_20(int index);

// A legend with more entries than this goes below the axes, in columns.
inline constexpr int kMaxLegendInside = 8;

// Where data lands in a rendered plot: the axes box and the data range it spans. Exposed so
// callers can annotate a plot and tests can find a series' pixels.
struct PlotFrame {
  int left = 0, top = 0, right = 0, bottom = 0;  // pixel columns/rows of the box border
  Axis x_axis, y_axis;
  bool has_data = false;  // false when no series has a finite point: the plot says "no data"
  // The legend sits below the axes (in columns) instead of in a corner inside them: when it has
  // more than kMaxLegendInside entries or would cover too much of the box.
  bool legend_below = false;

  // Pixel-centre coordinates of a data point; the axis ends land on the border lines.
  float to_px(double x) const;
  float to_py(double y) const;
};

// Throws UsageError when a series' x and y (or band) lengths differ or the size is below the
// minimum.
PlotFrame plot_frame(const PlotSpec& spec);
// Pixels the legend takes below the axes (0 when it fits inside them): add it to spec.height to
// keep the data box as large as it would be without the legend.
int bottom_legend_height(const PlotSpec& spec);

Image render_plot(const PlotSpec& spec);
// The same plot as a standalone SVG 1.1 document: the same layout (computed in pixels, so the
// PNG and the SVG line up), with vector lines and text.
std::string render_plot_svg(const PlotSpec& spec);

void write_plot_png(const std::filesystem::path& path, const PlotSpec& spec);
// Written atomically, like the PNG.
void write_plot_svg(const std::filesystem::path& path, const PlotSpec& spec);
// PNG or SVG by the extension (.png or .svg, any case); anything else is a UsageError naming
// the path.
void write_plot(const std::filesystem::path& path, const PlotSpec& spec);
// The check write_plot makes first, for callers that want to fail before doing the work.
void check_plot_path(const std::filesystem::path& path);
// Which of the two a path asks for, by its extension (any case); UsageError as check_plot_path.
enum class PlotFormat { kPng, kSvg };
PlotFormat plot_format(const std::filesystem::path& path);

}  // namespace lever

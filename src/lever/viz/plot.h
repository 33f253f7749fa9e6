// Line plots rendered to PNG, e.g. reward curves: x = env steps, series "train" and "test".
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "lever/core/image.h"

namespace lever {

struct Series {
  std::string label;         // shown in the legend; empty: not listed
  std::vector<double> x, y;  // same length; a NaN or infinite x or y breaks the line there
  Color color{31, 119, 180};
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

// Where data lands in a rendered plot: the axes box and the data range it spans. Exposed so
// callers can annotate a plot and tests can find a series' pixels.
struct PlotFrame {
  int left = 0, top = 0, right = 0, bottom = 0;  // pixel columns/rows of the box border
  Axis x_axis, y_axis;
  bool has_data = false;  // false when no series has a finite point: the plot says "no data"

  // Pixel-centre coordinates of a data point; the axis ends land on the border lines.
  float to_px(double x) const;
  float to_py(double y) const;
};

// Throws UsageError when a series' x and y lengths differ or the size is below the minimum.
PlotFrame plot_frame(const PlotSpec& spec);
Image render_plot(const PlotSpec& spec);
void write_plot_png(const std::filesystem::path& path, const PlotSpec& spec);

}  // namespace lever

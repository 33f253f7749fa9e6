#include "lever/viz/plot.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "lever/core/errors.h"
#include "lever/viz/png.h"

namespace lever {
namespace {

constexpr int kMinWidth = 160;
constexpr int kMinHeight = 120;
// Below this many points a series also gets a marker per point, so sparse evaluations show.
constexpr size_t kMarkerPointLimit = 30;
// Fraction of the data's y range left empty above and below it.
constexpr double kYMargin = 0.05;
// Relative slack for floating-point noise when snapping values to tick multiples.
constexpr double kSnap = 1e-9;

constexpr Color kWhite{255, 255, 255};
constexpr Color kInk{30, 30, 30};
constexpr Color kBorder{60, 60, 60};
constexpr Color kGrid{228, 228, 228};
constexpr Color kMuted{140, 140, 140};

bool finite_point(double x, double y) { return std::isfinite(x) && std::isfinite(y); }

// Text grows with the image so an 800x500 plot uses the font's native size.
int text_scale(const PlotSpec& spec) {
  return std::max(1, static_cast<int>(std::lround(std::min(spec.width, spec.height) / 500.0)));
}

std::vector<double> ticks_of(const Axis& axis) {
  std::vector<double> ticks;
  const double first = std::ceil(axis.min / axis.step - kSnap);
  const double last = std::floor(axis.max / axis.step + kSnap);
  if (!(first <= last) || last - first > 1000) return ticks;
  for (double k = first; k <= last; k += 1) {
    const double value = k * axis.step;
    ticks.push_back(std::abs(value) < axis.step * kSnap ? 0.0 : value);
  }
  return ticks;
}

struct Layout {
  PlotFrame frame;
  int scale = 1;
  std::vector<double> x_ticks, y_ticks;
};

void validate(const PlotSpec& spec) {
  if (spec.width < kMinWidth || spec.height < kMinHeight) {
    throw UsageError("plot size " + std::to_string(spec.width) + "x" + std::to_string(spec.height) +
                     " is too small; use at least " + std::to_string(kMinWidth) + "x" +
                     std::to_string(kMinHeight));
  }
  for (const Series& s : spec.series) {
    if (s.x.size() != s.y.size()) {
      throw UsageError("plot series '" + s.label + "' has " + std::to_string(s.x.size()) +
                       " x values but " + std::to_string(s.y.size()) + " y values");
    }
  }
}

Layout layout_plot(const PlotSpec& spec) {
  validate(spec);
  Layout layout;
  PlotFrame& frame = layout.frame;
  const int s = layout.scale = text_scale(spec);

  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo;
  double y_lo = x_lo, y_hi = -x_lo;
  for (const Series& series : spec.series) {
    for (size_t i = 0; i < series.x.size(); ++i) {
      if (!finite_point(series.x[i], series.y[i])) continue;
      frame.has_data = true;
      x_lo = std::min(x_lo, series.x[i]);
      x_hi = std::max(x_hi, series.x[i]);
      y_lo = std::min(y_lo, series.y[i]);
      y_hi = std::max(y_hi, series.y[i]);
    }
  }
  if (frame.has_data) {
    frame.x_axis = nice_axis(x_lo, x_hi);
    // A margin above and below keeps markers and peaks off the box border.
    const Axis y = nice_axis(y_lo, y_hi);
    const double margin = kYMargin * (y.max - y.min);
    frame.y_axis = nice_axis(y.min - margin, y.max + margin);
    layout.x_ticks = ticks_of(frame.x_axis);
    layout.y_ticks = ticks_of(frame.y_axis);
  }

  const int pad = 10 * s;
  const int tick = 4 * s;
  const int gap = 3 * s;
  const int label_height = text_height("0", s);
  int y_label_width = 0;
  for (double t : layout.y_ticks)
    y_label_width = std::max(y_label_width, text_width(format_tick(t), s));
  const int last_x_label_width =
      layout.x_ticks.empty() ? 0 : text_width(format_tick(layout.x_ticks.back()), s);

  frame.left = pad + (spec.y_label.empty() ? 0 : label_height + pad) + y_label_width + gap + tick;
  frame.top = pad + (spec.title.empty() ? 0 : text_height(spec.title, 2 * s) + pad);
  frame.right = spec.width - 1 - std::max(pad, last_x_label_width / 2 + s);
  frame.bottom = spec.height - 1 - pad - (spec.x_label.empty() ? 0 : label_height + pad / 2) -
                 label_height - gap - tick;
  if (frame.right - frame.left < 40 || frame.bottom - frame.top < 40) {
    throw UsageError("plot " + std::to_string(spec.width) + "x" + std::to_string(spec.height) +
                     " leaves no room for data next to its labels; make it larger");
  }
  return layout;
}

void draw_series(Image& image, const PlotFrame& frame, const Series& series, int s) {
  const float line_width = 2.0f * s;
  const float marker_radius = 3.0f * s;
  const bool markers = series.x.size() < kMarkerPointLimit;
  const size_t n = series.x.size();
  auto finite_at = [&](size_t i) { return i < n && finite_point(series.x[i], series.y[i]); };
  for (size_t i = 0; i < n; ++i) {
    if (!finite_at(i)) continue;
    const float px = frame.to_px(series.x[i]);
    const float py = frame.to_py(series.y[i]);
    const bool joined_before = i > 0 && finite_at(i - 1);
    const bool joined_after = finite_at(i + 1);
    if (joined_after) {
      draw_line(image, px, py, frame.to_px(series.x[i + 1]), frame.to_py(series.y[i + 1]),
                line_width, series.color);
    }
    // Round joins hide the notch between flat-ended segments.
    if (joined_before && joined_after) fill_circle(image, px, py, line_width / 2, series.color);
    // A point with no finite neighbour would otherwise be invisible.
    if (markers || (!joined_before && !joined_after)) {
      fill_circle(image, px, py, marker_radius, series.color);
    }
  }
}

void draw_axes(Image& image, const PlotSpec& spec, const Layout& layout) {
  const PlotFrame& f = layout.frame;
  const int s = layout.scale;
  const int tick = 4 * s;
  const int gap = 3 * s;
  const int label_height = text_height("0", s);
  for (double t : layout.x_ticks) {
    const float px = f.to_px(t);
    fill_rect(image, px - 0.5f, f.bottom + 1, px + 0.5f, f.bottom + 1 + tick, kBorder);
    const std::string label = format_tick(t);
    draw_text(image, static_cast<int>(px) - text_width(label, s) / 2, f.bottom + 1 + tick + gap,
              label, kInk, s);
  }
  for (double t : layout.y_ticks) {
    const float py = f.to_py(t);
    fill_rect(image, f.left - tick, py - 0.5f, f.left, py + 0.5f, kBorder);
    const std::string label = format_tick(t);
    draw_text(image, f.left - tick - gap - text_width(label, s),
              static_cast<int>(py) - label_height / 2, label, kInk, s);
  }
  const int pad = 10 * s;
  if (!spec.title.empty()) {
    draw_text(image, (spec.width - text_width(spec.title, 2 * s)) / 2, pad, spec.title, kInk,
              2 * s);
  }
  if (!spec.x_label.empty()) {
    draw_text(image, (f.left + f.right - text_width(spec.x_label, s)) / 2,
              spec.height - pad - label_height, spec.x_label, kInk, s);
  }
  if (!spec.y_label.empty()) {
    draw_text_vertical(image, pad, (f.top + f.bottom + text_width(spec.y_label, s)) / 2,
                       spec.y_label, kInk, s);
  }
}

void draw_box(Image& image, const PlotFrame& f) {
  fill_rect(image, f.left, f.top, f.right + 1, f.top + 1, kBorder);
  fill_rect(image, f.left, f.bottom, f.right + 1, f.bottom + 1, kBorder);
  fill_rect(image, f.left, f.top, f.left + 1, f.bottom + 1, kBorder);
  fill_rect(image, f.right, f.top, f.right + 1, f.bottom + 1, kBorder);
}

// Puts the legend in the inside corner that covers the fewest data points, trying top-left
// first: reward curves rise from the bottom left, so that corner is usually empty.
void draw_legend(Image& image, const PlotSpec& spec, const PlotFrame& f, int s) {
  int rows = 0;
  int label_width = 0;
  for (const Series& series : spec.series) {
    if (series.label.empty()) continue;
    ++rows;
    label_width = std::max(label_width, text_width(series.label, s));
  }
  if (rows == 0) return;
  const int inset = 8 * s, inner = 6 * s, row_height = 12 * s, swatch = 18 * s;
  const int w = 2 * inner + swatch + inner + label_width;
  const int h = 2 * inner + rows * row_height - (row_height - text_height("0", s));
  const std::array<std::array<int, 2>, 4> corners = {{
      {f.left + 1 + inset, f.top + 1 + inset},
      {f.right - inset - w, f.top + 1 + inset},
      {f.right - inset - w, f.bottom - inset - h},
      {f.left + 1 + inset, f.bottom - inset - h},
  }};
  int best = 0;
  size_t best_covered = std::numeric_limits<size_t>::max();
  for (int c = 0; c < 4; ++c) {
    size_t covered = 0;
    for (const Series& series : spec.series) {
      for (size_t i = 0; i < series.x.size(); ++i) {
        const float px = f.to_px(series.x[i]);
        const float py = f.to_py(series.y[i]);
        covered += px >= corners[c][0] && px < corners[c][0] + w && py >= corners[c][1] &&
                   py < corners[c][1] + h;
      }
    }
    if (covered < best_covered) {
      best = c;
      best_covered = covered;
    }
  }
  const int x = corners[best][0];
  const int y = corners[best][1];
  fill_rect(image, x, y, x + w, y + h, kWhite);
  fill_rect(image, x, y, x + w, y + 1, kGrid);
  fill_rect(image, x, y + h - 1, x + w, y + h, kGrid);
  fill_rect(image, x, y, x + 1, y + h, kGrid);
  fill_rect(image, x + w - 1, y, x + w, y + h, kGrid);
  int row_y = y + inner;
  for (const Series& series : spec.series) {
    if (series.label.empty()) continue;
    const float mid = row_y + 4.0f * s;
    draw_line(image, x + inner, mid, x + inner + swatch, mid, 2.0f * s, series.color);
    fill_circle(image, x + inner + swatch / 2.0f, mid, 3.0f * s, series.color);
    draw_text(image, x + 2 * inner + swatch, row_y, series.label, kInk, s);
    row_y += row_height;
  }
}

}  // namespace

Axis nice_axis(double lo, double hi, int target_intervals) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return Axis{};
  if (lo > hi) std::swap(lo, hi);
  const double magnitude = std::max(std::abs(lo), std::abs(hi));
  if (hi - lo <= kSnap * magnitude) {
    const double pad = magnitude > 0 ? 0.1 * magnitude : 1.0;
    lo -= pad;
    hi += pad;
  }
  const double raw = (hi - lo) / std::max(1, target_intervals);
  if (!std::isfinite(raw)) return Axis{lo, hi, hi - lo};
  const double decade = std::pow(10.0, std::floor(std::log10(raw)));
  // The 1-2-5 value nearest to the raw step on a log scale: the split points are the
  // geometric means sqrt(1*2), sqrt(2*5), sqrt(5*10).
  const double fraction = raw / decade;
  const double nice = fraction < std::sqrt(2.0)    ? 1
                      : fraction < std::sqrt(10.0) ? 2
                      : fraction < std::sqrt(50.0) ? 5
                                                   : 10;
  return Axis{lo, hi, nice * decade};
}

std::vector<double> nice_ticks(double lo, double hi, int target_intervals) {
  return ticks_of(nice_axis(lo, hi, target_intervals));
}

std::string format_tick(double value) {
  if (value == 0) return "0";  // also turns -0 into "0"
  struct Unit {
    double size;
    const char* suffix;
  };
  static constexpr Unit kUnits[] = {{1e9, "B"}, {1e6, "M"}, {1e3, "k"}};
  const char* suffix = "";
  double shown = value;
  for (const Unit& unit : kUnits) {
    if (std::abs(value) >= unit.size) {
      shown = value / unit.size;
      suffix = unit.suffix;
      break;
    }
  }
  char text[48];
  std::snprintf(text, sizeof(text), "%.6g%s", shown, suffix);
  return text;
}

Color series_color(int index) {
  static constexpr Color kTab10[] = {
      {31, 119, 180}, {255, 127, 14},  {44, 160, 44},   {214, 39, 40},  {148, 103, 189},
      {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207},
  };
  constexpr int n = sizeof(kTab10) / sizeof(kTab10[0]);
  return kTab10[((index % n) + n) % n];
}

float PlotFrame::to_px(double x) const {
  const double t = (x - x_axis.min) / (x_axis.max - x_axis.min);
  return static_cast<float>(left + 0.5 + t * (right - left));
}

float PlotFrame::to_py(double y) const {
  const double t = (y - y_axis.min) / (y_axis.max - y_axis.min);
  return static_cast<float>(bottom + 0.5 - t * (bottom - top));
}

PlotFrame plot_frame(const PlotSpec& spec) { return layout_plot(spec).frame; }

Image render_plot(const PlotSpec& spec) {
  const Layout layout = layout_plot(spec);
  const PlotFrame& f = layout.frame;
  const int s = layout.scale;
  Image image;
  image.resize(spec.width, spec.height);
  image.fill(kWhite);
  for (double t : layout.x_ticks) {
    const float px = f.to_px(t);
    fill_rect(image, px - 0.5f, f.top, px + 0.5f, f.bottom, kGrid);
  }
  for (double t : layout.y_ticks) {
    const float py = f.to_py(t);
    fill_rect(image, f.left, py - 0.5f, f.right, py + 0.5f, kGrid);
  }
  for (const Series& series : spec.series) draw_series(image, f, series, s);
  draw_box(image, f);
  draw_axes(image, spec, layout);
  if (f.has_data) {
    draw_legend(image, spec, f, s);
  } else {
    const std::string message = "no data";
    draw_text(image, (f.left + f.right - text_width(message, 2 * s)) / 2,
              (f.top + f.bottom - text_height(message, 2 * s)) / 2, message, kMuted, 2 * s);
  }
  return image;
}

void write_plot_png(const std::filesystem::path& path, const PlotSpec& spec) {
  write_png(path, render_plot(spec));
}

}  // namespace lever

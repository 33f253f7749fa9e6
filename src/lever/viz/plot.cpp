#include "lever/viz/plot.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>

#include "lever/core/atomic_file.h"
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
// A legend inside the axes may cover at most this fraction of the box's width and height.
constexpr double kMaxLegendCover = 0.5;
// Dash pattern of dashed lines, in pixels at text scale 1: long enough to tell from markers.
constexpr float kDashOn = 8.0f;
constexpr float kDashOff = 5.0f;

constexpr Color kWhite{255, 255, 255};
constexpr Color kInk{30, 30, 30};
constexpr Color kBorder{60, 60, 60};
constexpr Color kGrid{228, 228, 228};
constexpr Color kMuted{140, 140, 140};

bool finite_point(double x, double y) { return std::isfinite(x) && std::isfinite(y); }

bool has_band(const Series& s) { return !s.y_low.empty(); }

bool finite_band_at(const Series& s, size_t i) {
  return std::isfinite(s.x[i]) && std::isfinite(s.y_low[i]) && std::isfinite(s.y_high[i]);
}

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

// Sizes of the legend's parts, in pixels.
struct LegendMetrics {
  int inset, inner, row_height, swatch, column_gap;
  explicit LegendMetrics(int s)
      : inset(8 * s), inner(6 * s), row_height(12 * s), swatch(18 * s), column_gap(14 * s) {}
};

struct Legend {
  std::vector<size_t> entries;  // indices of the labelled series, in order
  bool below = false;
  int x = 0, y = 0, w = 0, h = 0;  // the legend's box
  int rows = 0, columns = 1, column_width = 0;
  int reserved = 0;  // pixels taken below the axes
};

struct Layout {
  PlotFrame frame;
  int scale = 1;
  std::vector<double> x_ticks, y_ticks;
  Legend legend;
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
    const bool no_band = s.y_low.empty() && s.y_high.empty();
    if (!no_band && (s.y_low.size() != s.x.size() || s.y_high.size() != s.x.size())) {
      throw UsageError("plot series '" + s.label + "' has " + std::to_string(s.x.size()) +
                       " x values but a band of " + std::to_string(s.y_low.size()) + " low and " +
                       std::to_string(s.y_high.size()) + " high values");
    }
  }
}

// The legend's size when its entries are stacked in `columns` columns.
void size_legend(Legend& legend, int label_width, int columns, int s) {
  const LegendMetrics m(s);
  const int n = static_cast<int>(legend.entries.size());
  legend.rows = (n + columns - 1) / columns;
  legend.columns = (n + legend.rows - 1) / legend.rows;  // no empty last column
  legend.column_width = m.swatch + m.inner + label_width;
  legend.w =
      2 * m.inner + legend.columns * legend.column_width + (legend.columns - 1) * m.column_gap;
  legend.h = 2 * m.inner + legend.rows * m.row_height - (m.row_height - text_height("0", s));
}

// Puts an inside legend in the corner that covers the fewest data points, trying top-left
// first: reward curves rise from the bottom left, so that corner is usually empty.
void place_legend_inside(Legend& legend, const PlotSpec& spec, const PlotFrame& f, int s) {
  const int inset = LegendMetrics(s).inset;
  const int w = legend.w, h = legend.h;
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
  legend.x = corners[best][0];
  legend.y = corners[best][1];
}

Layout layout_plot(const PlotSpec& spec) {
  validate(spec);
  Layout layout;
  PlotFrame& frame = layout.frame;
  const int s = layout.scale = text_scale(spec);

  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo;
  double y_lo = x_lo, y_hi = -x_lo;
  auto include = [&](double x, double y) {
    frame.has_data = true;
    x_lo = std::min(x_lo, x);
    x_hi = std::max(x_hi, x);
    y_lo = std::min(y_lo, y);
    y_hi = std::max(y_hi, y);
  };
  for (const Series& series : spec.series) {
    for (size_t i = 0; i < series.x.size(); ++i) {
      if (finite_point(series.x[i], series.y[i])) include(series.x[i], series.y[i]);
      if (has_band(series) && finite_band_at(series, i)) {
        include(series.x[i], series.y_low[i]);
        include(series.x[i], series.y_high[i]);
      }
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

  Legend& legend = layout.legend;
  int label_width = 0;
  for (size_t i = 0; frame.has_data && i < spec.series.size(); ++i) {
    if (spec.series[i].label.empty()) continue;
    legend.entries.push_back(i);
    label_width = std::max(label_width, text_width(spec.series[i].label, s));
  }
  if (!legend.entries.empty()) {
    size_legend(legend, label_width, 1, s);
    legend.below = static_cast<int>(legend.entries.size()) > kMaxLegendInside ||
                   legend.w > kMaxLegendCover * (frame.right - frame.left) ||
                   legend.h > kMaxLegendCover * (frame.bottom - frame.top);
    if (legend.below) {
      // As many columns as fit side by side, then the rows that needs.
      const LegendMetrics m(s);
      const int room = spec.width - 2 * pad - 2 * m.inner + m.column_gap;
      const int per_column = m.swatch + m.inner + label_width + m.column_gap;
      const int columns = std::clamp(room / per_column, 1, static_cast<int>(legend.entries.size()));
      size_legend(legend, label_width, columns, s);
      legend.reserved = legend.h + pad;
      legend.x = std::max(pad, (spec.width - legend.w) / 2);
      legend.y = spec.height - pad - legend.h;
      frame.bottom -= legend.reserved;
    }
  }
  frame.legend_below = legend.below;
  if (frame.right - frame.left < 40 || frame.bottom - frame.top < 40) {
    throw UsageError("plot " + std::to_string(spec.width) + "x" + std::to_string(spec.height) +
                     " leaves no room for data next to its labels and legend; make it larger");
  }
  if (!legend.entries.empty() && !legend.below) place_legend_inside(legend, spec, frame, s);
  return layout;
}

enum class Anchor { kStart, kMiddle, kEnd };

// The drawing operations a plot needs, so the PNG and SVG renderers share one layout and one
// drawing order. Coordinates are pixels; text is placed by the top of its glyphs.
class Painter {
 public:
  virtual ~Painter() = default;
  // Covers x0 <= x < x1, y0 <= y < y1, as fill_rect.
  virtual void rect(float x0, float y0, float x1, float y1, Color color) = 0;
  virtual void polyline(const std::vector<Point>& points, float width, Color color,
                        LineStyle style) = 0;
  virtual void circle(float cx, float cy, float radius, Color color) = 0;
  // The area between `upper` and `lower` (same x, left to right) at kBandOpacity.
  virtual void band(const std::vector<Point>& upper, const std::vector<Point>& lower,
                    Color color) = 0;
  virtual void text(float x, int top, const std::string& text, Color color, int scale,
                    Anchor anchor) = 0;
  // Reads bottom to top, centred on (left + height / 2, centre_y).
  virtual void text_vertical(int left, float centre_y, const std::string& text, Color color,
                             int scale) = 0;
};

void draw_series_band(Painter& painter, const PlotFrame& frame, const Series& series) {
  std::vector<Point> upper, lower;
  auto flush = [&] {
    if (upper.size() >= 2) painter.band(upper, lower, series.color);
    upper.clear();
    lower.clear();
  };
  for (size_t i = 0; i < series.x.size(); ++i) {
    if (!finite_band_at(series, i)) {
      flush();
      continue;
    }
    const float px = frame.to_px(series.x[i]);
    const double lo = std::min(series.y_low[i], series.y_high[i]);
    const double hi = std::max(series.y_low[i], series.y_high[i]);
    upper.push_back({px, frame.to_py(hi)});
    lower.push_back({px, frame.to_py(lo)});
  }
  flush();
}

void draw_series_line(Painter& painter, const PlotFrame& frame, const Series& series, int s) {
  const float line_width = 2.0f * s;
  const float marker_radius = 3.0f * s;
  const bool markers = series.x.size() < kMarkerPointLimit;
  const size_t n = series.x.size();
  auto finite_at = [&](size_t i) { return i < n && finite_point(series.x[i], series.y[i]); };
  std::vector<Point> stretch;
  for (size_t i = 0; i <= n; ++i) {
    if (finite_at(i)) {
      stretch.push_back({frame.to_px(series.x[i]), frame.to_py(series.y[i])});
      continue;
    }
    if (stretch.size() >= 2) painter.polyline(stretch, line_width, series.color, series.style);
    // A point with no finite neighbour would otherwise be invisible.
    for (const Point& p : stretch) {
      if (markers || stretch.size() == 1) painter.circle(p.x, p.y, marker_radius, series.color);
    }
    stretch.clear();
  }
}

void draw_axes(Painter& painter, const PlotSpec& spec, const Layout& layout) {
  const PlotFrame& f = layout.frame;
  const int s = layout.scale;
  const int tick = 4 * s;
  const int gap = 3 * s;
  const int label_height = text_height("0", s);
  for (double t : layout.x_ticks) {
    const float px = f.to_px(t);
    painter.rect(px - 0.5f, f.bottom + 1, px + 0.5f, f.bottom + 1 + tick, kBorder);
    painter.text(px, f.bottom + 1 + tick + gap, format_tick(t), kInk, s, Anchor::kMiddle);
  }
  for (double t : layout.y_ticks) {
    const float py = f.to_py(t);
    painter.rect(f.left - tick, py - 0.5f, f.left, py + 0.5f, kBorder);
    painter.text(f.left - tick - gap, static_cast<int>(py) - label_height / 2, format_tick(t), kInk,
                 s, Anchor::kEnd);
  }
  const int pad = 10 * s;
  if (!spec.title.empty()) {
    painter.text(spec.width / 2.0f, pad, spec.title, kInk, 2 * s, Anchor::kMiddle);
  }
  if (!spec.x_label.empty()) {
    painter.text((f.left + f.right) / 2.0f,
                 spec.height - pad - layout.legend.reserved - label_height, spec.x_label, kInk, s,
                 Anchor::kMiddle);
  }
  if (!spec.y_label.empty()) {
    painter.text_vertical(pad, (f.top + f.bottom) / 2.0f, spec.y_label, kInk, s);
  }
}

void draw_box(Painter& painter, const PlotFrame& f) {
  painter.rect(f.left, f.top, f.right + 1, f.top + 1, kBorder);
  painter.rect(f.left, f.bottom, f.right + 1, f.bottom + 1, kBorder);
  painter.rect(f.left, f.top, f.left + 1, f.bottom + 1, kBorder);
  painter.rect(f.right, f.top, f.right + 1, f.bottom + 1, kBorder);
}

void draw_legend(Painter& painter, const PlotSpec& spec, const Layout& layout) {
  const Legend& legend = layout.legend;
  if (legend.entries.empty()) return;
  const int s = layout.scale;
  const LegendMetrics m(s);
  const int x = legend.x, y = legend.y, w = legend.w, h = legend.h;
  painter.rect(x, y, x + w, y + h, kWhite);
  painter.rect(x, y, x + w, y + 1, kGrid);
  painter.rect(x, y + h - 1, x + w, y + h, kGrid);
  painter.rect(x, y, x + 1, y + h, kGrid);
  painter.rect(x + w - 1, y, x + w, y + h, kGrid);
  // Column-major, so consecutive entries (one group's train and test) stay together.
  for (size_t k = 0; k < legend.entries.size(); ++k) {
    const Series& series = spec.series[legend.entries[k]];
    const int column = static_cast<int>(k) / legend.rows;
    const int row = static_cast<int>(k) % legend.rows;
    const int left = x + m.inner + column * (legend.column_width + m.column_gap);
    const int row_y = y + m.inner + row * m.row_height;
    const float mid = row_y + 4.0f * s;
    const float x0 = static_cast<float>(left), x1 = static_cast<float>(left + m.swatch);
    if (has_band(series)) {
      const float half = 4.0f * s;
      painter.band({{x0, mid - half}, {x1, mid - half}}, {{x0, mid + half}, {x1, mid + half}},
                   series.color);
    }
    painter.polyline({{x0, mid}, {x1, mid}}, 2.0f * s, series.color, series.style);
    painter.circle(left + m.swatch / 2.0f, mid, 3.0f * s, series.color);
    painter.text(left + m.swatch + m.inner, row_y, series.label, kInk, s, Anchor::kStart);
  }
}

void paint_plot(Painter& painter, const PlotSpec& spec, const Layout& layout) {
  const PlotFrame& f = layout.frame;
  const int s = layout.scale;
  painter.rect(0, 0, spec.width, spec.height, kWhite);
  for (double t : layout.x_ticks) {
    const float px = f.to_px(t);
    painter.rect(px - 0.5f, f.top, px + 0.5f, f.bottom, kGrid);
  }
  for (double t : layout.y_ticks) {
    const float py = f.to_py(t);
    painter.rect(f.left, py - 0.5f, f.right, py + 0.5f, kGrid);
  }
  // Every band before any line, so no band veils another series' line.
  for (const Series& series : spec.series) {
    if (has_band(series)) draw_series_band(painter, f, series);
  }
  for (const Series& series : spec.series) draw_series_line(painter, f, series, s);
  draw_box(painter, f);
  draw_axes(painter, spec, layout);
  if (f.has_data) {
    draw_legend(painter, spec, layout);
  } else {
    painter.text((f.left + f.right) / 2.0f, (f.top + f.bottom - text_height("no data", 2 * s)) / 2,
                 "no data", kMuted, 2 * s, Anchor::kMiddle);
  }
}

class ImagePainter : public Painter {
 public:
  explicit ImagePainter(Image& image) : image_(image) {}

  void rect(float x0, float y0, float x1, float y1, Color color) override {
    fill_rect(image_, x0, y0, x1, y1, color);
  }

  void polyline(const std::vector<Point>& points, float width, Color color,
                LineStyle style) override {
    if (style == LineStyle::kDashed) {
      dashed(points, width, color);
      return;
    }
    for (size_t i = 0; i + 1 < points.size(); ++i) {
      draw_line(image_, points[i].x, points[i].y, points[i + 1].x, points[i + 1].y, width, color);
      // Round joins hide the notch between flat-ended segments.
      if (i > 0) fill_circle(image_, points[i].x, points[i].y, width / 2, color);
    }
  }

  void circle(float cx, float cy, float radius, Color color) override {
    fill_circle(image_, cx, cy, radius, color);
  }

  // Rasterises the band into a mask first, so pixels that two of its quads share are blended
  // once, then mixes the colour into every masked pixel.
  void band(const std::vector<Point>& upper, const std::vector<Point>& lower,
            Color color) override {
    if (mask_.width != image_.width || mask_.height != image_.height) {
      mask_.resize(image_.width, image_.height);
      mask_.fill({0, 0, 0});
    }
    float x_min = upper.front().x, x_max = x_min, y_min = upper.front().y, y_max = y_min;
    for (size_t i = 0; i + 1 < upper.size(); ++i) {
      const Point quad[4] = {upper[i], upper[i + 1], lower[i + 1], lower[i]};
      fill_convex_polygon(mask_, quad, 4, kWhite);
      for (const Point& p : quad) {
        x_min = std::min(x_min, p.x);
        x_max = std::max(x_max, p.x);
        y_min = std::min(y_min, p.y);
        y_max = std::max(y_max, p.y);
      }
    }
    const int x0 = std::max(0, static_cast<int>(std::floor(x_min)));
    const int x1 = std::min(image_.width - 1, static_cast<int>(std::ceil(x_max)));
    const int y0 = std::max(0, static_cast<int>(std::floor(y_min)));
    const int y1 = std::min(image_.height - 1, static_cast<int>(std::ceil(y_max)));
    for (int y = y0; y <= y1; ++y) {
      for (int x = x0; x <= x1; ++x) {
        uint8_t* m = mask_.at(x, y);
        if (m[0] == 0) continue;
        m[0] = m[1] = m[2] = 0;
        uint8_t* p = image_.at(x, y);
        p[0] = blend(p[0], color.r);
        p[1] = blend(p[1], color.g);
        p[2] = blend(p[2], color.b);
      }
    }
  }

  void text(float x, int top, const std::string& text, Color color, int scale,
            Anchor anchor) override {
    const int width = text_width(text, scale);
    const int left = anchor == Anchor::kStart    ? static_cast<int>(x)
                     : anchor == Anchor::kMiddle ? static_cast<int>(x) - width / 2
                                                 : static_cast<int>(x) - width;
    draw_text(image_, left, top, text, color, scale);
  }

  void text_vertical(int left, float centre_y, const std::string& text, Color color,
                     int scale) override {
    draw_text_vertical(image_, left, static_cast<int>(centre_y) + text_width(text, scale) / 2, text,
                       color, scale);
  }

 private:
  static uint8_t blend(uint8_t under, uint8_t over) {
    return static_cast<uint8_t>(std::lround((1 - kBandOpacity) * under + kBandOpacity * over));
  }

  // Dashes continue across the polyline's vertices, so short segments still show the pattern.
  void dashed(const std::vector<Point>& points, float width, Color color) {
    const float scale = width / 2;
    const float on = kDashOn * scale, period = (kDashOn + kDashOff) * scale;
    float phase = 0;
    for (size_t i = 0; i + 1 < points.size(); ++i) {
      const float dx = points[i + 1].x - points[i].x, dy = points[i + 1].y - points[i].y;
      const float length = std::hypot(dx, dy);
      float t = 0;
      // The slack stops rounding from leaving a sliver of a step that never ends the loop.
      while (length - t > 1e-3f) {
        const float step = std::min(phase < on ? on - phase : period - phase, length - t);
        if (phase < on) {
          draw_line(image_, points[i].x + dx * t / length, points[i].y + dy * t / length,
                    points[i].x + dx * (t + step) / length, points[i].y + dy * (t + step) / length,
                    width, color);
        }
        t += step;
        phase = std::fmod(phase + step, period);
      }
    }
  }

  Image& image_;
  Image mask_;
};

std::string svg_number(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f", value);
  std::string out = text;
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out == "-0" ? "0" : out;
}

std::string svg_color(Color c) {
  char text[8];
  std::snprintf(text, sizeof(text), "#%02x%02x%02x", c.r, c.g, c.b);
  return text;
}

// Text content and attribute values: the five XML specials escaped, and control characters
// (not allowed in XML 1.0) shown as '?', as the PNG font does.
std::string svg_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
    }
  }
  return out;
}

class SvgPainter : public Painter {
 public:
  explicit SvgPainter(std::string& out) : out_(out) {}

  void rect(float x0, float y0, float x1, float y1, Color color) override {
    out_ += "<rect x=\"" + svg_number(std::min(x0, x1)) + "\" y=\"" + svg_number(std::min(y0, y1)) +
            "\" width=\"" + svg_number(std::abs(x1 - x0)) + "\" height=\"" +
            svg_number(std::abs(y1 - y0)) + "\" fill=\"" + svg_color(color) + "\"/>\n";
  }

  void polyline(const std::vector<Point>& points, float width, Color color,
                LineStyle style) override {
    out_ += "<polyline points=\"" + svg_points(points) + "\" fill=\"none\" stroke=\"" +
            svg_color(color) + "\" stroke-width=\"" + svg_number(width) +
            "\" stroke-linejoin=\"round\"";
    if (style == LineStyle::kDashed) {
      const float scale = width / 2;
      out_ += " stroke-dasharray=\"" + svg_number(kDashOn * scale) + "," +
              svg_number(kDashOff * scale) + "\"";
    }
    out_ += "/>\n";
  }

  void circle(float cx, float cy, float radius, Color color) override {
    out_ += "<circle cx=\"" + svg_number(cx) + "\" cy=\"" + svg_number(cy) + "\" r=\"" +
            svg_number(radius) + "\" fill=\"" + svg_color(color) + "\"/>\n";
  }

  void band(const std::vector<Point>& upper, const std::vector<Point>& lower,
            Color color) override {
    std::vector<Point> outline = upper;
    outline.insert(outline.end(), lower.rbegin(), lower.rend());
    out_ += "<polygon points=\"" + svg_points(outline) + "\" fill=\"" + svg_color(color) +
            "\" fill-opacity=\"" + svg_number(kBandOpacity) + "\" stroke=\"none\"/>\n";
  }

  void text(float x, int top, const std::string& text, Color color, int scale,
            Anchor anchor) override {
    static constexpr const char* kAnchors[] = {"start", "middle", "end"};
    // The PNG font's glyphs sit on a baseline text_height("0") below their top.
    out_ += "<text x=\"" + svg_number(x) + "\" y=\"" + svg_number(top + text_height("0", scale)) +
            "\" font-size=\"" + svg_number(font_size(scale)) + "\" text-anchor=\"" +
            kAnchors[static_cast<int>(anchor)] + "\" fill=\"" + svg_color(color) + "\">" +
            svg_escape(text) + "</text>\n";
  }

  void text_vertical(int left, float centre_y, const std::string& text, Color color,
                     int scale) override {
    const double x = left + text_height("0", scale);
    out_ += "<text x=\"" + svg_number(x) + "\" y=\"" + svg_number(centre_y) + "\" font-size=\"" +
            svg_number(font_size(scale)) + "\" text-anchor=\"middle\" transform=\"rotate(-90 " +
            svg_number(x) + " " + svg_number(centre_y) + ")\" fill=\"" + svg_color(color) + "\">" +
            svg_escape(text) + "</text>\n";
  }

 private:
  // A sans-serif size whose digits are about as wide as the PNG font's.
  static double font_size(int scale) { return 10.0 * scale; }

  static std::string svg_points(const std::vector<Point>& points) {
    std::string text;
    for (const Point& p : points) {
      if (!text.empty()) text += ' ';
      text += svg_number(p.x) + "," + svg_number(p.y);
    }
    return text;
  }

  std::string& out_;
};

std::string lower_extension(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
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

Color series_color_20(int index) {
  static constexpr Color kTab20Light[] = {
      {174, 199, 232}, {255, 187, 120}, {152, 223, 138}, {255, 152, 150}, {197, 176, 213},
      {196, 156, 148}, {247, 182, 210}, {199, 199, 199}, {219, 219, 141}, {158, 218, 229},
  };
  const int i = ((index % 20) + 20) % 20;
  return i < 10 ? series_color(i) : kTab20Light[i - 10];
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

int bottom_legend_height(const PlotSpec& spec) { return layout_plot(spec).legend.reserved; }

Image render_plot(const PlotSpec& spec) {
  const Layout layout = layout_plot(spec);
  Image image;
  image.resize(spec.width, spec.height);
  ImagePainter painter(image);
  paint_plot(painter, spec, layout);
  return image;
}

std::string render_plot_svg(const PlotSpec& spec) {
  const Layout layout = layout_plot(spec);
  const std::string w = std::to_string(spec.width), h = std::to_string(spec.height);
  std::string svg =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" +
      w + "\" height=\"" + h + "\" viewBox=\"0 0 " + w + " " + h +
      "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n";
  if (!spec.title.empty()) svg += "<title>" + svg_escape(spec.title) + "</title>\n";
  SvgPainter painter(svg);
  paint_plot(painter, spec, layout);
  svg += "</svg>\n";
  return svg;
}

void write_plot_png(const std::filesystem::path& path, const PlotSpec& spec) {
  write_png(path, render_plot(spec));
}

void write_plot_svg(const std::filesystem::path& path, const PlotSpec& spec) {
  write_file_atomic(path, render_plot_svg(spec));
}

PlotFormat plot_format(const std::filesystem::path& path) {
  const std::string ext = lower_extension(path);
  if (ext == ".png") return PlotFormat::kPng;
  if (ext == ".svg") return PlotFormat::kSvg;
  throw UsageError("cannot write plot " + path.string() +
                   ": the file name must end in .png or .svg");
}

void check_plot_path(const std::filesystem::path& path) { plot_format(path); }

void write_plot(const std::filesystem::path& path, const PlotSpec& spec) {
  if (plot_format(path) == PlotFormat::kPng) {
    write_plot_png(path, spec);
  } else {
    write_plot_svg(path, spec);
  }
}

}  // namespace lever

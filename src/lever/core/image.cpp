#include "lever/core/image.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "lever/core/errors.h"

// stb_easy_font defines every function static; the ones lever does not call would warn.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb_easy_font.h>
#pragma GCC diagnostic pop

namespace lever {
namespace {

// stb_easy_font line pitch, and the lowest row any glyph reaches below its line's top.
constexpr int kLineHeight = 12;
constexpr int kGlyphBottom = 9;
// The largest glyph has 11 quads of 64 bytes each; headroom so no glyph is ever truncated.
constexpr int kGlyphVertexBytes = 1024;

// First pixel whose centre is >= edge, clamped to [lo, hi]. Clamping in double before the cast
// keeps huge or infinite coordinates defined.
int first_pixel_at_or_after(double edge, int lo, int hi) {
  return static_cast<int>(
      std::clamp(std::ceil(edge - 0.5), static_cast<double>(lo), static_cast<double>(hi)));
}

void fill_span(const Canvas& image, int y, int x_begin, int x_end, Color color) {
  uint8_t* p = image.at(x_begin, y);
  for (int x = x_begin; x < x_end; ++x, p += 3) {
    p[0] = color.r;
    p[1] = color.g;
    p[2] = color.b;
  }
}

bool finite(double a, double b) { return std::isfinite(a) && std::isfinite(b); }

char printable(char c) { return (c >= 32 && c < 127) ? c : '?'; }

// Calls draw(u0, v0, u1, v1) for every quad of `text` laid out in glyph units (u along the
// line, v down the lines). stb_easy_font wants a NUL-terminated buffer, so it gets one glyph at
// a time from the stack: nothing is allocated.
template <typename DrawQuad>
void for_each_glyph_quad(std::string_view text, DrawQuad draw) {
  char vertices[kGlyphVertexBytes];
  char glyph[2] = {0, 0};
  int pen_u = 0;
  int pen_v = 0;
  for (char c : text) {
    if (c == '\n') {
      pen_u = 0;
      pen_v += kLineHeight;
      continue;
    }
    glyph[0] = printable(c);
    const int quads = stb_easy_font_print(static_cast<float>(pen_u), static_cast<float>(pen_v),
                                          glyph, nullptr, vertices, sizeof(vertices));
    for (int q = 0; q < quads; ++q) {
      // Each vertex is x, y, z floats and 4 colour bytes; corners 0 and 2 are opposite.
      float top_left[2];
      float bottom_right[2];
      std::memcpy(top_left, vertices + q * 64, sizeof(top_left));
      std::memcpy(bottom_right, vertices + q * 64 + 32, sizeof(bottom_right));
      draw(static_cast<int>(top_left[0]), static_cast<int>(top_left[1]),
           static_cast<int>(bottom_right[0]), static_cast<int>(bottom_right[1]));
    }
    pen_u += stb_easy_font_width(glyph);
  }
}

}  // namespace

void Image::resize(int w, int h) {
  if (w < 0 || h < 0) {
    throw UsageError("image size must not be negative, got " + std::to_string(w) + "x" +
                     std::to_string(h));
  }
  width = w;
  height = h;
  pixels.assign(static_cast<size_t>(w) * h * 3, 0);
}

void Image::fill(Color c) { Canvas(*this).fill(c); }

void Image::paste(const Image& src, int x, int y) {
  for (int row = 0; row < src.height; ++row) {
    std::copy(src.at(0, row), src.at(0, row) + 3 * src.width, at(x, y + row));
  }
}

Image Image::shrunk(int factor) const {
  if (factor < 1) {
    throw UsageError("an image can only shrink by a factor of 1 or more, got " +
                     std::to_string(factor));
  }
  Image small;
  small.resize(width / factor, height / factor);
  const int64_t block = int64_t{factor} * factor;
  for (int y = 0; y < small.height; ++y) {
    for (int x = 0; x < small.width; ++x) {
      int64_t sums[3] = {0, 0, 0};
      for (int dy = 0; dy < factor; ++dy) {
        const uint8_t* p = at(x * factor, y * factor + dy);
        for (int dx = 0; dx < factor; ++dx, p += 3) {
          sums[0] += p[0];
          sums[1] += p[1];
          sums[2] += p[2];
        }
      }
      // Integer rounding, halves up: a block {0, 1, 2, 3} becomes 2.
      uint8_t* out = small.at(x, y);
      for (int c = 0; c < 3; ++c) out[c] = static_cast<uint8_t>((sums[c] + block / 2) / block);
    }
  }
  return small;
}

void Canvas::fill(Color c) const {
  for (int y = 0; y < height; ++y) fill_span(*this, y, 0, width, c);
}

void fill_rect(Canvas image, float x0, float y0, float x1, float y1, Color color) {
  if (!finite(x0, x1) || !finite(y0, y1)) return;
  const int xb = first_pixel_at_or_after(std::min(x0, x1), 0, image.width);
  const int xe = first_pixel_at_or_after(std::max(x0, x1), 0, image.width);
  const int yb = first_pixel_at_or_after(std::min(y0, y1), 0, image.height);
  const int ye = first_pixel_at_or_after(std::max(y0, y1), 0, image.height);
  if (xb >= xe) return;
  for (int y = yb; y < ye; ++y) fill_span(image, y, xb, xe, color);
}

void fill_circle(Canvas image, float cx, float cy, float radius, Color color) {
  if (!finite(cx, cy) || !std::isfinite(radius) || radius <= 0) return;
  const double r2 = static_cast<double>(radius) * radius;
  const int w = image.width;
  const int y_begin = first_pixel_at_or_after(static_cast<double>(cy) - radius, 0, image.height);
  const int y_end = first_pixel_at_or_after(static_cast<double>(cy) + radius + 1, 0, image.height);
  for (int y = y_begin; y < y_end; ++y) {
    const double dy = y + 0.5 - cy;
    const double rest = r2 - dy * dy;
    if (rest < 0) continue;
    const double half = std::sqrt(rest);
    auto inside = [&](int x) {
      const double dx = x + 0.5 - cx;
      return dx * dx + dy * dy <= r2;
    };
    // sqrt rounding may put an end one pixel off; the exact test settles the boundary.
    int left = first_pixel_at_or_after(cx - half, -1, w);
    int right = first_pixel_at_or_after(cx + half + 1, -1, w) - 1;
    while (left > -1 && inside(left - 1)) --left;
    while (left <= right && !inside(left)) ++left;
    while (right < w && right >= left && inside(right + 1)) ++right;
    while (right >= left && !inside(right)) --right;
    left = std::max(left, 0);
    right = std::min(right, w - 1);
    if (left <= right) fill_span(image, y, left, right + 1, color);
  }
}

void fill_convex_polygon(Canvas image, const Point* points, int count, Color color) {
  if (points == nullptr || count < 3) return;
  double y_min = points[0].y;
  double y_max = points[0].y;
  for (int i = 0; i < count; ++i) {
    if (!finite(points[i].x, points[i].y)) return;
    y_min = std::min<double>(y_min, points[i].y);
    y_max = std::max<double>(y_max, points[i].y);
  }
  const int y_begin = first_pixel_at_or_after(y_min, 0, image.height);
  const int y_end = first_pixel_at_or_after(y_max, 0, image.height);
  for (int y = y_begin; y < y_end; ++y) {
    const double sy = y + 0.5;
    double x_lo = HUGE_VAL;
    double x_hi = -HUGE_VAL;
    for (int i = 0; i < count; ++i) {
      // Always interpolate from the upper endpoint, so an edge shared by two polygons gives
      // both the same crossing and neither paints the other's pixels.
      Point a = points[i];
      Point b = points[(i + 1) % count];
      if (a.y == b.y) continue;
      if (a.y > b.y) std::swap(a, b);
      if (sy < a.y || sy >= b.y) continue;
      const double x =
          a.x + (sy - a.y) * (static_cast<double>(b.x) - a.x) / (static_cast<double>(b.y) - a.y);
      x_lo = std::min(x_lo, x);
      x_hi = std::max(x_hi, x);
    }
    if (x_lo > x_hi) continue;
    const int x_begin = first_pixel_at_or_after(x_lo, 0, image.width);
    const int x_end = first_pixel_at_or_after(x_hi, 0, image.width);
    if (x_begin < x_end) fill_span(image, y, x_begin, x_end, color);
  }
}

void draw_line(Canvas image, float x0, float y0, float x1, float y1, float width, Color color) {
  if (!finite(x0, y0) || !finite(x1, y1) || !std::isfinite(width) || width <= 0) return;
  const double dx = static_cast<double>(x1) - x0;
  const double dy = static_cast<double>(y1) - y0;
  const double length = std::hypot(dx, dy);
  const double half = 0.5 * width;
  if (length == 0) {
    fill_rect(image, static_cast<float>(x0 - half), static_cast<float>(y0 - half),
              static_cast<float>(x0 + half), static_cast<float>(y0 + half), color);
    return;
  }
  const double nx = -dy / length * half;
  const double ny = dx / length * half;
  const Point corners[4] = {
      {static_cast<float>(x0 + nx), static_cast<float>(y0 + ny)},
      {static_cast<float>(x1 + nx), static_cast<float>(y1 + ny)},
      {static_cast<float>(x1 - nx), static_cast<float>(y1 - ny)},
      {static_cast<float>(x0 - nx), static_cast<float>(y0 - ny)},
  };
  fill_convex_polygon(image, corners, 4, color);
}

void draw_text(Canvas image, int x, int y, std::string_view text, Color color, int scale) {
  if (scale < 1) return;
  for_each_glyph_quad(text, [&](int u0, int v0, int u1, int v1) {
    fill_rect(image, static_cast<float>(x + u0 * scale), static_cast<float>(y + v0 * scale),
              static_cast<float>(x + u1 * scale), static_cast<float>(y + v1 * scale), color);
  });
}

void draw_text_vertical(Canvas image, int x, int y, std::string_view text, Color color, int scale) {
  if (scale < 1) return;
  for_each_glyph_quad(text, [&](int u0, int v0, int u1, int v1) {
    fill_rect(image, static_cast<float>(x + v0 * scale), static_cast<float>(y - u1 * scale),
              static_cast<float>(x + v1 * scale), static_cast<float>(y - u0 * scale), color);
  });
}

int text_width(std::string_view text, int scale) {
  char glyph[2] = {0, 0};
  int widest = 0;
  int line = 0;
  for (char c : text) {
    if (c == '\n') {
      line = 0;
      continue;
    }
    glyph[0] = printable(c);
    line += stb_easy_font_width(glyph);
    widest = std::max(widest, line);
  }
  return widest * scale;
}

int text_height(std::string_view text, int scale) {
  if (text.empty()) return 0;
  const int lines = 1 + static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  return ((lines - 1) * kLineHeight + kGlyphBottom) * scale;
}

}  // namespace lever

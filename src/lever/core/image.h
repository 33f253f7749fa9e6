// An RGB image and a small software rasteriser for environments' human views, plots and videos.
//
// Coverage rule, shared by every shape: pixel (x, y) is painted when its centre (x + 0.5, y + 0.5)
// lies inside the shape. Straight edges are half-open (left/top in, right/bottom out) so shapes
// that share an edge never paint the same pixel twice; a circle includes its boundary. No
// anti-aliasing, so results are deterministic to the byte. The drawing functions clip to the image
// and never allocate, so an environment can redraw its view every step.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace lever {

struct Color {
  uint8_t r, g, b;
};

inline bool operator==(Color a, Color b) { return a.r == b.r && a.g == b.g && a.b == b.b; }
inline bool operator!=(Color a, Color b) { return !(a == b); }

// Sum of absolute channel differences: how far apart two colours look, roughly.
inline int color_distance(Color a, Color b) {
  return std::abs(a.r - b.r) + std::abs(a.g - b.g) + std::abs(a.b - b.b);
}
// `want` unless it is within min_distance of `avoid` (the player's colour), else `fallback`, so
// no object can be mistaken for the agent.
inline Color distinct_from(Color want, Color avoid, Color fallback, int min_distance = 150) {
  return color_distance(want, avoid) < min_distance ? fallback : want;
}

struct Point {
  float x, y;
};

struct Image {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;  // RGB, row-major, 3 bytes per pixel, no row padding

  // Keeps the buffer when the size is unchanged, so a renderer may call this every frame.
  // Throws UsageError on a negative size. New pixels are black; old contents are not preserved.
  void resize(int w, int h);
  void fill(Color c);
  // Copies src with its top-left corner at (x, y); src must fit inside this image.
  void paste(const Image& src, int x, int y);
  // This image made `factor` times smaller in each direction, each pixel the rounded mean of a
  // factor x factor block (width and height rounded down). Throws UsageError if factor < 1.
  Image shrunk(int factor) const;

  // No bounds check: callers pass coordinates inside [0, width) x [0, height).
  uint8_t* at(int x, int y) { return pixels.data() + (static_cast<size_t>(y) * width + x) * 3; }
  const uint8_t* at(int x, int y) const {
    return pixels.data() + (static_cast<size_t>(y) * width + x) * 3;
  }
  Color color_at(int x, int y) const {
    const uint8_t* p = at(x, y);
    return {p[0], p[1], p[2]};
  }
};

// A drawing target that does not own its pixels: an Image, or a slot of VecEnv's observation
// buffer, so an env draws its observation in place. RGB, row-major, no row padding.
struct Canvas {
  uint8_t* data;
  int width, height;
  Canvas(uint8_t* pixels, int w, int h) : data(pixels), width(w), height(h) {}
  Canvas(Image& image)  // NOLINT: implicit, so every drawing call takes an Image as it is
      : data(image.pixels.data()), width(image.width), height(image.height) {}
  uint8_t* at(int x, int y) const { return data + (static_cast<size_t>(y) * width + x) * 3; }
  void fill(Color c) const;
};

// The corners may come in any order; covers x0 <= px < x1, y0 <= py < y1 for pixel centres.
void fill_rect(Canvas image, float x0, float y0, float x1, float y1, Color color);

// Covers centres at distance <= radius from (cx, cy); a radius <= 0 draws nothing.
void fill_circle(Canvas image, float cx, float cy, float radius, Color color);

// Any winding order; fewer than 3 points draws nothing. A concave polygon is filled to the
// convex hull of each row (one span per row), which is why the name says convex.
void fill_convex_polygon(Canvas image, const Point* points, int count, Color color);

// A rectangle `width` wide centred on the segment, with flat ends at the endpoints. A segment of
// zero length draws a width x width square centred on the point.
void draw_line(Canvas image, float x0, float y0, float x1, float y1, float width, Color color);

// stb_easy_font glyphs; (x, y) is the top-left corner of the first line, '\n' starts a new line
// 12 * scale pixels lower. Bytes outside printable ASCII draw as '?'.
void draw_text(Canvas image, int x, int y, std::string_view text, Color color, int scale = 1);

// The same text rotated a quarter turn anticlockwise, reading bottom to top (a y-axis label):
// the baseline side faces right, the first glyph starts at row y and the text ends at
// row y - text_width(text, scale).
void draw_text_vertical(Canvas image, int x, int y, std::string_view text, Color color,
                        int scale = 1);

// Advance width of the widest line, in pixels (includes the trailing inter-glyph gap).
int text_width(std::string_view text, int scale = 1);
// Height from the top of the first line to the bottom of the last line's glyphs, in pixels.
int text_height(std::string_view text, int scale = 1);

}  // namespace lever

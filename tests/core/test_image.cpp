#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <utility>

#include "lever/core/errors.h"
#include "lever/core/image.h"

namespace lever {
namespace {

constexpr Color kBlack{0, 0, 0};
constexpr Color kRed{255, 0, 0};

using Pixels = std::set<std::pair<int, int>>;

Image blank(int w, int h) {
  Image image;
  image.resize(w, h);
  return image;
}

Pixels pixels_of(const Image& image, Color color) {
  Pixels found;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      if (image.color_at(x, y) == color) found.insert({x, y});
    }
  }
  return found;
}

int count_of(const Image& image, Color color) {
  return static_cast<int>(pixels_of(image, color).size());
}

TEST(ImageBuffer, ResizeZeroesAndAddressesRowMajor) {
  Image image = blank(4, 3);
  ASSERT_EQ(image.pixels.size(), 4u * 3u * 3u);
  EXPECT_EQ(count_of(image, kBlack), 12);
  image.at(2, 1)[0] = 7;
  EXPECT_EQ(image.pixels[(1 * 4 + 2) * 3], 7);
  image.fill({1, 2, 3});
  EXPECT_EQ(count_of(image, Color{1, 2, 3}), 12);
  image.resize(2, 2);
  EXPECT_EQ(image.pixels.size(), 12u);
  EXPECT_EQ(count_of(image, kBlack), 4);
}

TEST(ImageBuffer, PasteCopiesEveryPixelToItsOffsetAndNothingElse) {
  Image src;
  src.resize(3, 2);
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 3; ++x) src.at(x, y)[0] = static_cast<uint8_t>(10 * y + x + 1);
  }
  Image dst;
  dst.resize(6, 5);
  dst.fill({7, 7, 7});
  dst.paste(src, 2, 3);
  for (int y = 0; y < 5; ++y) {
    for (int x = 0; x < 6; ++x) {
      const bool inside = x >= 2 && x < 5 && y >= 3;
      const uint8_t expected = inside ? static_cast<uint8_t>(10 * (y - 3) + (x - 2) + 1) : 7;
      EXPECT_EQ(dst.at(x, y)[0], expected) << x << "," << y;
      EXPECT_EQ(dst.at(x, y)[1], inside ? 0 : 7);
    }
  }
}

TEST(ImageBuffer, NegativeSizeIsAUsageError) {
  Image image;
  EXPECT_THROW(image.resize(-1, 5), UsageError);
}

// A w x h image whose channel c at (x, y) holds value(x, y, c).
template <typename Value>
Image patterned(int w, int h, Value value) {
  Image image = blank(w, h);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < 3; ++c) image.at(x, y)[c] = static_cast<uint8_t>(value(x, y, c));
    }
  }
  return image;
}

TEST(ImageShrink, EachPixelIsItsBlocksMeanRoundedHalfUp) {
  // Blocks of 2 x 2: red {0, 1, 2, 3} (1.5 -> 2), green {10, 10, 10, 11} (10.25 -> 10),
  // blue {0, 0, 1, 1} (0.5 -> 1), and at the bottom right {255, 255, 255, 254} (254.75 -> 255).
  const int red[4][4] = {{0, 1, 7, 7}, {2, 3, 7, 8}, {9, 9, 255, 255}, {9, 9, 255, 254}};
  const Image image = patterned(4, 4, [&](int x, int y, int c) {
    if (c == 0) return red[y][x];
    if (c == 1) return (x == 1 && y == 1) ? 11 : 10;
    return x % 2;
  });
  const Image small = image.shrunk(2);
  ASSERT_EQ(small.width, 2);
  ASSERT_EQ(small.height, 2);
  EXPECT_EQ(small.color_at(0, 0), (Color{2, 10, 1}));
  EXPECT_EQ(small.color_at(1, 0), (Color{7, 10, 1}));  // 29 / 4 = 7.25
  EXPECT_EQ(small.color_at(0, 1), (Color{9, 10, 1}));
  EXPECT_EQ(small.color_at(1, 1), (Color{255, 10, 1}));
}

TEST(ImageShrink, OddSizesDropTheLeftoverRowsAndColumns) {
  // The last row and column are 255 everywhere and must not reach the 2 x 2 result.
  const Image image = patterned(5, 5, [](int x, int y, int c) {
    return (x == 4 || y == 4) ? 255 : 10 * c + (x / 2) + 2 * (y / 2);
  });
  const Image small = image.shrunk(2);
  ASSERT_EQ(small.width, 2);
  ASSERT_EQ(small.height, 2);
  EXPECT_EQ(small.color_at(0, 0), (Color{0, 10, 20}));
  EXPECT_EQ(small.color_at(1, 0), (Color{1, 11, 21}));
  EXPECT_EQ(small.color_at(0, 1), (Color{2, 12, 22}));
  EXPECT_EQ(small.color_at(1, 1), (Color{3, 13, 23}));
  const Image thirds = patterned(7, 3, [](int x, int, int) { return x < 3 ? 30 : 60; }).shrunk(3);
  EXPECT_EQ(thirds.width, 2);
  EXPECT_EQ(thirds.height, 1);
  EXPECT_EQ(thirds.color_at(1, 0), (Color{60, 60, 60}));
}

TEST(ImageShrink, FactorOneCopiesAndFactorZeroThrows) {
  const Image image = patterned(3, 2, [](int x, int y, int c) { return 40 * x + 7 * y + c; });
  const Image copy = image.shrunk(1);
  EXPECT_EQ(copy.width, 3);
  EXPECT_EQ(copy.height, 2);
  EXPECT_EQ(copy.pixels, image.pixels);
  EXPECT_THROW(image.shrunk(0), UsageError);
  EXPECT_THROW(image.shrunk(-2), UsageError);
  EXPECT_EQ(image.shrunk(4).pixels.size(), 0u);
}

TEST(RasterCoverage, RectCoversPixelCentresHalfOpen) {
  Image image = blank(6, 5);
  fill_rect(image, 1, 1, 4, 3, kRed);
  Pixels expected;
  for (int y = 1; y < 3; ++y) {
    for (int x = 1; x < 4; ++x) expected.insert({x, y});
  }
  EXPECT_EQ(pixels_of(image, kRed), expected);
}

TEST(RasterCoverage, FractionalRectUsesCentresAndAnyCornerOrder) {
  Image image = blank(6, 5);
  // Centres x = 0.5, 1.5, 2.5 lie in [0.4, 2.6); only y = 0.5 lies in [0.4, 1.5).
  fill_rect(image, 2.6f, 1.5f, 0.4f, 0.4f, kRed);
  EXPECT_EQ(pixels_of(image, kRed), (Pixels{{0, 0}, {1, 0}, {2, 0}}));
}

TEST(RasterCoverage, RectsSharingAnEdgeDoNotOverlap) {
  Image image = blank(8, 4);
  fill_rect(image, 0, 0, 3.5f, 4, kRed);
  fill_rect(image, 3.5f, 0, 8, 4, Color{0, 0, 255});
  EXPECT_EQ(count_of(image, kRed), 3 * 4);
  EXPECT_EQ(count_of(image, Color{0, 0, 255}), 5 * 4);
}

TEST(RasterCoverage, CircleOnPixelCentreIsAPlus) {
  Image image = blank(5, 5);
  fill_circle(image, 2.5f, 2.5f, 1.0f, kRed);
  EXPECT_EQ(pixels_of(image, kRed), (Pixels{{2, 1}, {1, 2}, {2, 2}, {3, 2}, {2, 3}}));
}

TEST(RasterCoverage, CircleOnPixelCornerDropsTheFourDiagonals) {
  Image image = blank(10, 10);
  fill_circle(image, 5, 5, 2, kRed);
  Pixels expected;
  for (int y = 3; y < 7; ++y) {
    for (int x = 3; x < 7; ++x) expected.insert({x, y});
  }
  for (auto corner : Pixels{{3, 3}, {6, 3}, {3, 6}, {6, 6}}) expected.erase(corner);
  EXPECT_EQ(pixels_of(image, kRed), expected);
}

TEST(RasterCoverage, CircleMatchesCentreDistanceTest) {
  Image image = blank(16, 14);
  const float cx = 7.3f, cy = 6.1f, r = 4.7f;  // about pi * r^2 = 69.4 pixels
  fill_circle(image, cx, cy, r, kRed);
  Pixels expected;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      if (std::hypot(x + 0.5 - cx, y + 0.5 - cy) <= r) expected.insert({x, y});
    }
  }
  EXPECT_EQ(expected.size(), 70u);
  EXPECT_EQ(pixels_of(image, kRed), expected);
}

TEST(RasterCoverage, TriangleCoversCentresInside) {
  const Point cw[3] = {{0, 0}, {4, 0}, {0, 4}};
  const Point ccw[3] = {{0, 0}, {0, 4}, {4, 0}};
  const Pixels expected{{0, 0}, {1, 0}, {2, 0}, {0, 1}, {1, 1}, {0, 2}};
  for (const Point* triangle : {cw, ccw}) {
    Image image = blank(6, 6);
    fill_convex_polygon(image, triangle, 3, kRed);
    EXPECT_EQ(pixels_of(image, kRed), expected);
  }
}

TEST(RasterCoverage, PolygonWithTooFewPointsDrawsNothing) {
  Image image = blank(6, 6);
  const Point segment[2] = {{0, 0}, {5, 5}};
  fill_convex_polygon(image, segment, 2, kRed);
  EXPECT_EQ(count_of(image, kRed), 0);
}

TEST(RasterCoverage, ThickAxisAlignedLinesAreRectangles) {
  Image image = blank(12, 12);
  draw_line(image, 1, 5, 9, 5, 2, kRed);
  Pixels expected;
  for (int x = 1; x < 9; ++x) {
    expected.insert({x, 4});
    expected.insert({x, 5});
  }
  EXPECT_EQ(pixels_of(image, kRed), expected);

  Image vertical = blank(12, 12);
  draw_line(vertical, 6, 10, 6, 2, 3, kRed);  // x in [4.5, 7.5): columns 4, 5, 6
  EXPECT_EQ(count_of(vertical, kRed), 3 * 8);
  EXPECT_EQ(vertical.color_at(4, 2), kRed);
  EXPECT_EQ(vertical.color_at(7, 2), kBlack);
}

TEST(RasterCoverage, DiagonalLineMatchesRotatedRectangleTest) {
  Image image = blank(12, 10);
  const float x0 = 1.2f, y0 = 1.7f, x1 = 8.3f, y1 = 6.9f, width = 3;
  draw_line(image, x0, y0, x1, y1, width, kRed);
  const double dx = x1 - x0, dy = y1 - y0, length = std::hypot(dx, dy);
  Pixels expected;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const double px = x + 0.5 - x0, py = y + 0.5 - y0;
      const double along = (px * dx + py * dy) / length;
      const double across = std::abs(px * dy - py * dx) / length;
      if (along >= 0 && along <= length && across <= width / 2) expected.insert({x, y});
    }
  }
  EXPECT_GT(expected.size(), 20u);
  EXPECT_EQ(pixels_of(image, kRed), expected);
}

TEST(RasterCoverage, ZeroLengthLineIsASquareDot) {
  Image image = blank(8, 8);
  draw_line(image, 4, 4, 4, 4, 2, kRed);
  EXPECT_EQ(pixels_of(image, kRed), (Pixels{{3, 3}, {4, 3}, {3, 4}, {4, 4}}));
}

TEST(RasterClipping, ShapesCrossingBordersStayInside) {
  Image image = blank(10, 10);
  fill_rect(image, -5, -5, 3, 3, kRed);
  EXPECT_EQ(count_of(image, kRed), 9);

  // A row-major buffer would wrap an unclipped span into the start of the next row.
  Image wrap = blank(10, 10);
  fill_rect(wrap, 8, 2, 14, 3, kRed);
  EXPECT_EQ(pixels_of(wrap, kRed), (Pixels{{8, 2}, {9, 2}}));

  Image circle = blank(10, 10);
  fill_circle(circle, 0, 0, 3, kRed);  // one quarter: centres with x, y >= 0.5
  EXPECT_EQ(count_of(circle, kRed), 8);

  Image line = blank(10, 10);
  draw_line(line, -20, 9.5f, 30, 9.5f, 4, kRed);  // rows 7..9 of an infinite-looking band
  EXPECT_EQ(count_of(line, kRed), 30);

  Image polygon = blank(10, 10);
  const Point big[4] = {{-100, -100}, {100, -100}, {100, 100}, {-100, 100}};
  fill_convex_polygon(polygon, big, 4, kRed);
  EXPECT_EQ(count_of(polygon, kRed), 100);
  EXPECT_EQ(polygon.pixels.size(), 300u);
}

TEST(RasterClipping, HugeAndNonFiniteCoordinatesAreSafe) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Image image = blank(10, 10);
  fill_rect(image, -1e30f, -1e30f, 1e30f, 1e30f, kRed);
  EXPECT_EQ(count_of(image, kRed), 100);

  Image untouched = blank(10, 10);
  fill_rect(untouched, nan, 0, 5, 5, kRed);
  fill_circle(untouched, 5, 5, inf, kRed);
  fill_circle(untouched, nan, 5, 3, kRed);
  draw_line(untouched, 0, 0, nan, 5, 2, kRed);
  const Point bad[3] = {{0, 0}, {nan, 3}, {5, 5}};
  fill_convex_polygon(untouched, bad, 3, kRed);
  EXPECT_EQ(count_of(untouched, kRed), 0);

  Image empty;
  fill_rect(empty, 0, 0, 5, 5, kRed);
  fill_circle(empty, 0, 0, 5, kRed);
  draw_text(empty, 0, 0, "x", kRed);
  EXPECT_TRUE(empty.pixels.empty());
}

TEST(TextDrawing, GlyphsLandInsideTheirBox) {
  Image image = blank(40, 20);
  const int x = 3, y = 4;
  draw_text(image, x, y, "Hi 7", kRed);
  const Pixels painted = pixels_of(image, kRed);
  EXPECT_GT(painted.size(), 15u);
  const int w = text_width("Hi 7");
  EXPECT_EQ(w, text_width("Hi") + text_width(" 7"));
  for (auto [px, py] : painted) {
    EXPECT_GE(px, x);
    EXPECT_LT(px, x + w);
    EXPECT_GE(py, y);
    EXPECT_LT(py, y + text_height("Hi 7"));
  }
}

TEST(TextDrawing, ScaleMultipliesSizeAndArea) {
  Image small = blank(60, 40);
  Image big = blank(60, 40);
  draw_text(small, 0, 0, "42", kRed);
  draw_text(big, 0, 0, "42", kRed, 2);
  EXPECT_EQ(text_width("42", 2), 2 * text_width("42"));
  EXPECT_EQ(text_height("42", 2), 2 * text_height("42"));
  EXPECT_EQ(count_of(big, kRed), 4 * count_of(small, kRed));
}

TEST(TextDrawing, NewlinesAndUnprintableBytes) {
  EXPECT_EQ(text_width("ab\nabcd"), text_width("abcd"));
  EXPECT_EQ(text_height("a\nb"), text_height("a") + 12);
  EXPECT_EQ(text_height(""), 0);

  Image question = blank(20, 20);
  Image unprintable = blank(20, 20);
  draw_text(question, 2, 2, "?", kRed);
  draw_text(unprintable, 2, 2, "\x80", kRed);
  EXPECT_GT(count_of(question, kRed), 0);
  EXPECT_EQ(question.pixels, unprintable.pixels);
}

TEST(TextDrawing, VerticalTextIsTheQuarterTurnOfHorizontal) {
  Image horizontal = blank(30, 30);
  Image vertical = blank(30, 30);
  draw_text(horizontal, 0, 0, "Ab", kRed);
  draw_text_vertical(vertical, 5, 25, "Ab", kRed);
  // Rotating anticlockwise maps horizontal (u, v) to (5 + v, 25 - 1 - u) in pixel indices.
  Pixels rotated;
  for (auto [u, v] : pixels_of(horizontal, kRed)) rotated.insert({5 + v, 24 - u});
  EXPECT_FALSE(rotated.empty());
  EXPECT_EQ(pixels_of(vertical, kRed), rotated);
}

}  // namespace
}  // namespace lever

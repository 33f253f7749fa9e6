#include <gtest/gtest.h>
#include <stb_image.h>

#include <cmath>
#include <limits>

#include "lever/core/errors.h"
#include "lever/viz/plot.h"
#include "support/scratch_dir.h"

namespace lever {
namespace {

constexpr Color kRed{220, 20, 30};
constexpr Color kBlue{20, 40, 220};
constexpr Color kWhite{255, 255, 255};
const double kNaN = std::numeric_limits<double>::quiet_NaN();

void expect_ticks(const std::vector<double>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(actual[i], expected[i], 1e-12 * (1 + std::abs(expected[i]))) << "tick " << i;
  }
}

TEST(PlotTicks, OneTwoFiveStepsCoverTheRange) {
  expect_ticks(nice_ticks(0, 1e6), {0, 2e5, 4e5, 6e5, 8e5, 1e6});
  expect_ticks(nice_ticks(0, 1.5e6), {0, 2e5, 4e5, 6e5, 8e5, 1e6, 1.2e6, 1.4e6});
  expect_ticks(nice_ticks(-40, 540), {0, 100, 200, 300, 400, 500});
  expect_ticks(nice_ticks(3, 97), {20, 40, 60, 80});
  expect_ticks(nice_ticks(0.013, 0.087), {0.02, 0.04, 0.06, 0.08});
  expect_ticks(nice_ticks(-3, 7), {-2, 0, 2, 4, 6});
  expect_ticks(nice_ticks(2048, 1e6), {2e5, 4e5, 6e5, 8e5, 1e6});
  expect_ticks(nice_ticks(97, 3), nice_ticks(3, 97));
}

TEST(PlotTicks, FlatRangeIsWidenedAroundItsValue) {
  const Axis axis = nice_axis(500, 500);
  EXPECT_DOUBLE_EQ(axis.min, 450);
  EXPECT_DOUBLE_EQ(axis.max, 550);
  EXPECT_DOUBLE_EQ(axis.step, 20);
  const Axis zero = nice_axis(0, 0);
  EXPECT_DOUBLE_EQ(zero.min, -1);
  EXPECT_DOUBLE_EQ(zero.max, 1);
  expect_ticks(nice_ticks(0, 0), {-1, -0.5, 0, 0.5, 1});
}

TEST(PlotTicks, LabelsAreCompact) {
  EXPECT_EQ(format_tick(0), "0");
  EXPECT_EQ(format_tick(-0.0), "0");
  EXPECT_EQ(format_tick(200000), "200k");
  EXPECT_EQ(format_tick(1500), "1.5k");
  EXPECT_EQ(format_tick(1e6), "1M");
  EXPECT_EQ(format_tick(1.5e6), "1.5M");
  EXPECT_EQ(format_tick(2.5e9), "2.5B");
  EXPECT_EQ(format_tick(0.25), "0.25");
  EXPECT_EQ(format_tick(0.1 * 3), "0.3");
  EXPECT_EQ(format_tick(-40), "-40");
  EXPECT_EQ(format_tick(-200000), "-200k");
}

Series flat_series(double y, int points, Color color, std::string label = "") {
  Series s;
  s.label = std::move(label);
  s.color = color;
  for (int i = 0; i < points; ++i) {
    s.x.push_back(i * 1000.0);
    s.y.push_back(y);
  }
  return s;
}

TEST(PlotRendering, SeriesColourLandsWhereTheFrameSays) {
  PlotSpec spec;
  spec.title = "CartPole";
  spec.x_label = "env steps";
  spec.y_label = "return";
  spec.series = {flat_series(5, 50, kRed)};  // unlabelled: no legend to confuse the count
  spec.series[0].y[10] = 3;                  // a dip and a peak put y = 5 mid-axis
  spec.series[0].y[15] = 7;
  const Image image = render_plot(spec);
  const PlotFrame frame = plot_frame(spec);
  ASSERT_EQ(image.width, 800);
  ASSERT_EQ(image.height, 500);
  EXPECT_TRUE(frame.has_data);
  EXPECT_EQ(image.color_at(0, 0), kWhite);

  const int px = static_cast<int>(frame.to_px(30000));
  const int py = static_cast<int>(frame.to_py(5));
  EXPECT_EQ(image.color_at(px, py), kRed);
  EXPECT_NE(image.color_at(px, py - 5), kRed);
  EXPECT_NE(image.color_at(px, py + 5), kRed);
  EXPECT_EQ(frame.to_px(0), frame.left + 0.5f);  // axis min on the left border
  EXPECT_GT(frame.to_px(49000), frame.left);
  EXPECT_LE(frame.to_px(49000), frame.right + 0.5f);

  // Every red pixel lies inside the box, between the peak and the dip.
  const int highest = static_cast<int>(frame.to_py(7)) - 2;
  const int lowest = static_cast<int>(frame.to_py(3)) + 2;
  int red = 0;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      if (image.color_at(x, y) != kRed) continue;
      ++red;
      EXPECT_GE(x, frame.left - 1);
      EXPECT_LE(x, frame.right + 1);
      EXPECT_GE(y, highest);
      EXPECT_LE(y, lowest);
    }
  }
  EXPECT_GT(red, 2 * (frame.right - frame.left) * 9 / 10);
}

TEST(PlotRendering, NanBreaksTheLine) {
  PlotSpec spec;
  Series s;
  s.color = kBlue;
  for (int i = 0; i < 10; ++i) {
    s.x.push_back(i);
    s.y.push_back(i == 5 ? kNaN : i);
  }
  spec.series = {s};
  const Image image = render_plot(spec);
  const PlotFrame frame = plot_frame(spec);
  auto at = [&](double x, double y) {
    return image.color_at(static_cast<int>(frame.to_px(x)), static_cast<int>(frame.to_py(y)));
  };
  EXPECT_EQ(at(2.5, 2.5), kBlue);  // between two finite points
  EXPECT_NE(at(5, 5), kBlue);      // where the NaN broke the line
  EXPECT_EQ(at(6.5, 6.5), kBlue);
}

TEST(PlotRendering, SparseSeriesGetMarkers) {
  for (int points : {5, 40}) {
    PlotSpec spec;
    spec.series = {flat_series(1, points, kRed)};
    spec.series[0].y[0] = 0;
    spec.series[0].y[1] = 2;
    const Image image = render_plot(spec);
    const PlotFrame frame = plot_frame(spec);
    const int px = static_cast<int>(frame.to_px(3000));
    const int py = static_cast<int>(std::floor(frame.to_py(1)));
    // Two rows above the point: outside the 2-px line, inside a 3-px marker.
    EXPECT_EQ(image.color_at(px, py - 2) == kRed, points < 30) << points << " points";
    EXPECT_EQ(image.color_at(px, py), kRed);
  }
}

TEST(PlotRendering, LegendShowsEachLabelledSeries) {
  PlotSpec spec;
  spec.series = {flat_series(110, 40, kRed, "train"), flat_series(190, 40, kBlue, "test")};
  const PlotFrame frame = plot_frame(spec);
  const Image image = render_plot(spec);
  // Swatches sit inside the box but away from both flat lines.
  int red_off_line = 0, blue_off_line = 0;
  const int red_y = static_cast<int>(frame.to_py(110));
  const int blue_y = static_cast<int>(frame.to_py(190));
  for (int y = frame.top; y <= frame.bottom; ++y) {
    for (int x = frame.left; x <= frame.right; ++x) {
      const Color c = image.color_at(x, y);
      red_off_line += c == kRed && std::abs(y - red_y) > 3;
      blue_off_line += c == kBlue && std::abs(y - blue_y) > 3;
    }
  }
  EXPECT_GT(red_off_line, 10);
  EXPECT_GT(blue_off_line, 10);
}

TEST(PlotRendering, NoFinitePointsSaysNoData) {
  PlotSpec none;
  none.title = "reward";
  PlotSpec empty_series = none;
  empty_series.series = {Series{"train", {}, {}, kRed}};
  PlotSpec all_nan = none;
  all_nan.series = {Series{"train", {1, 2}, {kNaN, kNaN}, kRed}};
  EXPECT_FALSE(plot_frame(none).has_data);
  EXPECT_FALSE(plot_frame(all_nan).has_data);
  const Image a = render_plot(none);
  EXPECT_EQ(render_plot(empty_series).pixels, a.pixels);
  EXPECT_EQ(render_plot(all_nan).pixels, a.pixels);

  // The message is drawn in the middle of the box, which is otherwise blank without ticks.
  const PlotFrame f = plot_frame(none);
  const int cx = (f.left + f.right) / 2, cy = (f.top + f.bottom) / 2;
  int ink = 0;
  for (int y = cy - 15; y <= cy + 15; ++y) {
    for (int x = cx - 60; x <= cx + 60; ++x) ink += a.color_at(x, y) != kWhite;
  }
  EXPECT_GT(ink, 30);
}

TEST(PlotRendering, BadSpecsAreUsageErrors) {
  PlotSpec mismatched;
  mismatched.series = {Series{"train", {1, 2, 3}, {1, 2}, kRed}};
  EXPECT_THROW(render_plot(mismatched), UsageError);
  PlotSpec tiny;
  tiny.width = 50;
  EXPECT_THROW(render_plot(tiny), UsageError);
}

TEST(PlotRendering, WritePlotPngHasTheSpecSize) {
  testing::ScratchDir dir;
  PlotSpec spec;
  spec.width = 640;
  spec.height = 360;
  spec.series = {flat_series(1, 10, series_color(0), "train")};
  const auto path = dir / "reward.png";
  write_plot_png(path, spec);
  int w = 0, h = 0, channels = 0;
  ASSERT_EQ(stbi_info(path.c_str(), &w, &h, &channels), 1);
  EXPECT_EQ(w, 640);
  EXPECT_EQ(h, 360);
}

TEST(PlotRendering, PaletteCyclesDistinctColours) {
  EXPECT_NE(series_color(0), series_color(1));
  EXPECT_EQ(series_color(10), series_color(0));
  EXPECT_EQ(series_color(-1), series_color(9));
}

}  // namespace
}  // namespace lever

#include <gtest/gtest.h>
#include <stb_image.h>

#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

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

TEST(PlotRendering, TwentyColourPaletteExtendsTab10) {
  for (int i = 0; i < 10; ++i) EXPECT_EQ(series_color_20(i), series_color(i));
  for (int i = 0; i < 20; ++i) {
    for (int j = 0; j < i; ++j) EXPECT_NE(series_color_20(i), series_color_20(j)) << i << " " << j;
  }
  EXPECT_EQ(series_color_20(20), series_color_20(0));
}

Color blend_over(Color under, Color over) {
  auto mix = [](int u, int o) {
    return static_cast<uint8_t>(std::lround((1 - kBandOpacity) * u + kBandOpacity * o));
  };
  return {mix(under.r, over.r), mix(under.g, over.g), mix(under.b, over.b)};
}

TEST(PlotBands, BandIsTheTranslucentSeriesColourBehindTheLine) {
  PlotSpec spec;
  Series s = flat_series(5, 50, kRed);
  s.y_low.assign(50, 4);
  s.y_high.assign(50, 6);
  s.y_low[25] = kNaN;  // breaks the band between x = 24000 and 26000
  spec.series = {s};
  const Image image = render_plot(spec);
  const PlotFrame frame = plot_frame(spec);
  EXPECT_LE(frame.y_axis.min, 4);  // the axis covers the band, not just the line
  EXPECT_GE(frame.y_axis.max, 6);
  auto at = [&](double x, double y) {
    return image.color_at(static_cast<int>(frame.to_px(x)), static_cast<int>(frame.to_py(y)));
  };
  // Points away from grid lines (ticks every 10000 steps and every 0.5).
  EXPECT_EQ(at(15000, 5.25), blend_over(kWhite, kRed));
  EXPECT_EQ(at(35000, 4.2), blend_over(kWhite, kRed));
  EXPECT_EQ(at(15000, 5), kRed);  // the line is drawn over its band
  EXPECT_EQ(at(15000, 6.07), kWhite);
  EXPECT_EQ(at(15000, 3.93), kWhite);
  EXPECT_EQ(at(25000, 5.25), kWhite);  // the NaN broke the band
  EXPECT_EQ(at(25000, 5), kRed);       // but not the line

  PlotSpec bad;
  bad.series = {flat_series(5, 3, kRed)};
  bad.series[0].y_low = {1, 2, 3};
  bad.series[0].y_high = {1, 2};
  EXPECT_THROW(render_plot(bad), UsageError);
}

// Red pixels along the row of a flat line at y = 5, and how many separate runs they form.
std::pair<int, int> red_pixels_and_runs(LineStyle style) {
  PlotSpec spec;
  spec.series = {flat_series(5, 50, kRed)};
  spec.series[0].style = style;
  const Image image = render_plot(spec);
  const PlotFrame frame = plot_frame(spec);
  const int y = static_cast<int>(frame.to_py(5));
  int red = 0, runs = 0;
  bool in_run = false;
  for (int x = frame.left + 2; x < frame.right - 1; ++x) {
    const bool is_red = image.color_at(x, y) == kRed;
    red += is_red;
    runs += is_red && !in_run;
    in_run = is_red;
  }
  return {red, runs};
}

TEST(PlotLines, DashedLinesHaveRegularGapsAndSolidOnesNone) {
  const auto [solid_red, solid_runs] = red_pixels_and_runs(LineStyle::kSolid);
  const auto [dashed_red, dashed_runs] = red_pixels_and_runs(LineStyle::kDashed);
  EXPECT_EQ(solid_runs, 1);
  EXPECT_GT(dashed_runs, 40);  // ~750 px at a 13 px period
  // 8 px on, 5 px off: 8/13 of the pixels.
  EXPECT_NEAR(static_cast<double>(dashed_red) / solid_red, 8.0 / 13.0, 0.05);
}

// A small XML well-formedness check: one root element, balanced tags, quoted attributes, and '&'
// only in the five predefined entities. Returns "" when fine, else what is wrong.
struct XmlRoot {
  std::string name;
  std::map<std::string, std::string> attributes;
};

bool valid_entities(const std::string& text) {
  for (size_t at = text.find('&'); at != std::string::npos; at = text.find('&', at + 1)) {
    bool known = false;
    for (const char* entity : {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"}) {
      known = known || text.compare(at, std::string(entity).size(), entity) == 0;
    }
    if (!known) return false;
  }
  return true;
}

std::string check_xml(const std::string& xml, XmlRoot& root) {
  size_t pos = 0;
  if (xml.compare(0, 5, "<?xml") == 0) pos = xml.find("?>") + 2;
  std::vector<std::string> open;
  int roots = 0;
  while (true) {
    const size_t lt = xml.find('<', pos);
    const std::string text =
        xml.substr(pos, lt == std::string::npos ? std::string::npos : lt - pos);
    if (!valid_entities(text) || text.find('>') != std::string::npos) return "bad text: " + text;
    if (open.empty() && text.find_first_not_of(" \n") != std::string::npos) {
      return "text outside the root: " + text;
    }
    if (lt == std::string::npos) break;
    const size_t gt = xml.find('>', lt);
    if (gt == std::string::npos) return "unclosed tag";
    std::string tag = xml.substr(lt + 1, gt - lt - 1);
    pos = gt + 1;
    if (tag[0] == '/') {
      if (open.empty() || open.back() != tag.substr(1)) return "mismatched </" + tag.substr(1);
      open.pop_back();
      continue;
    }
    const bool self_closing = tag.back() == '/';
    if (self_closing) tag.pop_back();
    size_t i = tag.find_first_of(" \n");
    const std::string name = tag.substr(0, i);
    if (name.empty() || name.find_first_of("<&\"=") != std::string::npos) return "bad name " + name;
    std::map<std::string, std::string> attributes;
    while (i != std::string::npos && (i = tag.find_first_not_of(" \n", i)) != std::string::npos) {
      const size_t eq = tag.find('=', i);
      if (eq == std::string::npos || eq + 1 >= tag.size() || tag[eq + 1] != '"') {
        return "unquoted attribute in <" + name;
      }
      const size_t close = tag.find('"', eq + 2);
      if (close == std::string::npos) return "unterminated attribute in <" + name;
      const std::string key = tag.substr(i, eq - i), value = tag.substr(eq + 2, close - eq - 2);
      if (!valid_entities(value) || value.find('<') != std::string::npos) return "bad value";
      if (!attributes.emplace(key, value).second) return "duplicate attribute " + key;
      i = close + 1;
    }
    if (open.empty()) {
      if (++roots > 1) return "more than one root element";
      root = {name, attributes};
    }
    if (!self_closing) open.push_back(name);
  }
  if (!open.empty()) return "unclosed <" + open.back() + ">";
  return roots == 1 ? "" : "no root element";
}

int count_of(const std::string& text, const std::string& part) {
  int n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

TEST(PlotSvg, IsWellFormedWithTheSpecSizeBandsDashesAndEscapedText) {
  PlotSpec spec;
  spec.title = "Reward & <return>";
  spec.x_label = "env steps";
  spec.y_label = "return";
  Series train = flat_series(2, 40, kRed, "train \"levels\"");
  train.y_low.assign(40, 1);
  train.y_high.assign(40, 3);
  Series test = flat_series(1, 40, kBlue, "test");
  test.style = LineStyle::kDashed;
  spec.series = {train, test};
  const std::string svg = render_plot_svg(spec);
  XmlRoot root;
  ASSERT_EQ(check_xml(svg, root), "") << svg.substr(0, 2000);
  EXPECT_EQ(root.name, "svg");
  EXPECT_EQ(root.attributes["width"], "800");
  EXPECT_EQ(root.attributes["height"], "500");
  EXPECT_EQ(root.attributes["viewBox"], "0 0 800 500");
  EXPECT_EQ(root.attributes["xmlns"], "http://www.w3.org/2000/svg");
  EXPECT_EQ(root.attributes["version"], "1.1");
  // One band in the plot and one behind its legend swatch, in the series colour.
  EXPECT_EQ(count_of(svg, "<polygon"), 2);
  EXPECT_EQ(count_of(svg, "fill=\"#dc141e\" fill-opacity=\"0.2\""), 2);
  // The dashed series and its legend swatch.
  EXPECT_EQ(count_of(svg, "stroke-dasharray=\"8,5\""), 2);
  EXPECT_EQ(count_of(svg, "stroke=\"#1428dc\""), 2);
  EXPECT_NE(svg.find(">Reward &amp; &lt;return&gt;</text>"), std::string::npos);
  EXPECT_NE(svg.find(">train &quot;levels&quot;</text>"), std::string::npos);
  EXPECT_NE(svg.find(">env steps</text>"), std::string::npos);
  EXPECT_NE(svg.find("rotate(-90"), std::string::npos);  // the y label reads upwards
  // The same ticks as the PNG.
  for (double t : nice_ticks(0, 39000)) {
    EXPECT_NE(svg.find(">" + format_tick(t) + "</text>"), std::string::npos) << t;
  }
}

TEST(PlotSvg, NanSplitsTheLineAndNoDataIsSaid) {
  PlotSpec spec;
  Series s = flat_series(1, 10, kBlue);
  s.y[5] = kNaN;
  spec.series = {s};
  std::string svg = render_plot_svg(spec);
  XmlRoot root;
  EXPECT_EQ(check_xml(svg, root), "");
  EXPECT_EQ(count_of(svg, "<polyline"), 2);
  EXPECT_EQ(count_of(svg, "<circle"), 9);  // fewer than 30 points: a marker on each finite one

  PlotSpec none;
  none.width = 300;
  none.height = 200;
  svg = render_plot_svg(none);
  EXPECT_EQ(check_xml(svg, root), "");
  EXPECT_EQ(root.attributes["viewBox"], "0 0 300 200");
  EXPECT_NE(svg.find(">no data</text>"), std::string::npos);
}

TEST(PlotFiles, WritePlotPicksTheFormatFromTheExtension) {
  testing::ScratchDir dir;
  PlotSpec spec;
  spec.width = 640;
  spec.height = 360;
  spec.series = {flat_series(1, 10, series_color(0), "train")};
  write_plot(dir / "a.svg", spec);
  const std::string svg = testing::read_file(dir / "a.svg");
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  XmlRoot root;
  EXPECT_EQ(check_xml(svg, root), "");
  EXPECT_EQ(root.attributes["width"], "640");

  write_plot(dir / "b.PNG", spec);
  int w = 0, h = 0, channels = 0;
  ASSERT_EQ(stbi_info((dir / "b.PNG").c_str(), &w, &h, &channels), 1);
  EXPECT_EQ(w, 640);
  EXPECT_EQ(h, 360);

  const auto bad = dir / "c.jpg";
  try {
    write_plot(bad, spec);
    ADD_FAILURE() << "no UsageError for .jpg";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot write plot " + bad.string() + ": the file name must end in .png or .svg");
  }
  EXPECT_THROW(write_plot(dir / "noext", spec), UsageError);
  EXPECT_EQ(dir.entry_count(), 2);  // a.svg and b.PNG, no temp files
}

TEST(PlotLegend, ManyEntriesGoBelowTheAxesInColumns) {
  PlotSpec spec;
  for (int i = 0; i < 16; ++i) {
    spec.series.push_back(
        flat_series(i, 40, series_color_20(i), "encoder=impala, num_levels=" + std::to_string(i)));
  }
  const PlotFrame frame = plot_frame(spec);
  EXPECT_TRUE(frame.legend_below);
  const int reserved = bottom_legend_height(spec);
  EXPECT_GT(reserved, 0);
  const Image image = render_plot(spec);
  // Every series' swatch shows below the axes and inside the image.
  for (int i = 0; i < 16; ++i) {
    int found = 0;
    for (int y = frame.bottom + 1; y < image.height; ++y) {
      for (int x = 0; x < image.width; ++x) found += image.color_at(x, y) == series_color_20(i);
    }
    EXPECT_GT(found, 20) << "series " << i;
  }
  // 16 labels of ~200 px fit three to an 800 px row: six rows of 12 px plus padding.
  EXPECT_LT(reserved, 120);

  // Growing the height by the legend gives back the box of a plot without one.
  PlotSpec taller = spec;
  taller.height += reserved;
  PlotSpec unlabelled = spec;
  for (Series& s : unlabelled.series) s.label.clear();
  const PlotFrame a = plot_frame(taller), b = plot_frame(unlabelled);
  EXPECT_EQ(a.bottom - a.top, b.bottom - b.top);

  spec.series.resize(4);
  EXPECT_FALSE(plot_frame(spec).legend_below);
  EXPECT_EQ(bottom_legend_height(spec), 0);
}

}  // namespace
}  // namespace lever

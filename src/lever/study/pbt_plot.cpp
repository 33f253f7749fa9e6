#include "lever/study/pbt_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <numeric>
#include <set>
#include <system_error>

#include "lever/core/atomic_file.h"
#include "lever/core/errors.h"
#include "lever/core/text.h"
#include "lever/viz/png.h"

namespace lever {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr size_t kFixedCount = sizeof(kPbtFixedColumns) / sizeof(kPbtFixedColumns[0]);

// Members are drawn in one light grey so the thick lines and the baselines stand out.
constexpr Color kMemberColor{170, 170, 170};
// The plot library draws lines 2 px wide per text scale; thick lines are this wide.
constexpr float kThickWidth = 5.0f;

constexpr const char* kTrainColumn = "eval/train_mean_return";
constexpr const char* kTrainLogKey = "train_mean_reward";
constexpr const char* kTestColumn = "eval/test_mean_return";
constexpr const char* kTestLogKey = "test_mean_reward";

// A line's cells, trimmed.
std::vector<std::string> split_cells(const std::string& line) {
  std::vector<std::string> cells = split_at_commas(line);
  for (std::string& cell : cells) cell = std::string(trim(cell));
  return cells;
}

// Where a cell sits, for error messages.
struct CellPlace {
  const std::filesystem::path& path;
  int line;
  const std::string& column;

  [[noreturn]] void fail(const std::string& cell, const std::string& expected) const {
    throw RuntimeFailure(path.string() + ":" + std::to_string(line) + ": column '" + column +
                         "' holds '" + cell + "', not " + expected);
  }
};

// A measurement: a number, "nan" or empty (not measured).
double parse_value(const std::string& cell, const CellPlace& place) {
  if (cell.empty()) return kNaN;
  char* end = nullptr;
  const double value = std::strtod(cell.c_str(), &end);
  if (*end != '\0') place.fail(cell, "a number");
  return value;
}

int parse_index(const std::string& cell, const CellPlace& place) {
  char* end = nullptr;
  const long value = std::strtol(cell.c_str(), &end, 10);
  if (cell.empty() || *end != '\0' || value < 0 || value > std::numeric_limits<int>::max()) {
    place.fail(cell, "a whole number >= 0");
  }
  return static_cast<int>(value);
}

double parse_steps(const std::string& cell, const CellPlace& place) {
  const double value = parse_value(cell, place);
  if (!std::isfinite(value) || value < 0) place.fail(cell, "a step count >= 0");
  return value;
}

std::string fixed_header() {
  return join(std::vector<std::string>(std::begin(kPbtFixedColumns), std::end(kPbtFixedColumns)),
              ",");
}

PbtRow parse_row(const std::vector<std::string>& cells, const std::vector<std::string>& header,
                 const std::filesystem::path& path, int line) {
  auto place = [&](size_t i) { return CellPlace{path, line, header[i]}; };
  PbtRow row;
  row.generation = parse_index(cells[0], place(0));
  row.member = parse_index(cells[1], place(1));
  row.env_steps = parse_steps(cells[2], place(2));
  row.score = parse_value(cells[3], place(3));
  row.test_score = parse_value(cells[4], place(4));
  row.parent = parse_index(cells[5], place(5));
  row.train_seconds = parse_value(cells[6], place(6));
  for (size_t i = kFixedCount; i < cells.size(); ++i) {
    row.hyperparameters.push_back(parse_value(cells[i], place(i)));
  }
  return row;
}

// The best finite score, the lowest member on ties; the first row when no score is finite.
const PbtRow& best_row(const std::vector<PbtRow>& rows) {
  const PbtRow* best = &rows.front();
  for (const PbtRow& row : rows) {
    if (std::isfinite(row.score) && (!std::isfinite(best->score) || row.score > best->score)) {
      best = &row;
    }
  }
  return *best;
}

Curve baseline_curve(const RunRecord& run, const char* column, const char* log_key) {
  Curve curve = run.finite_curve(column);
  if (curve.steps.empty()) curve = run.finite_curve(log_key);
  if (curve.steps.empty()) {
    throw UsageError("baseline " + run.dir.string() + " has no " + column +
                     " in metrics.csv and no " + log_key + " in log.json");
  }
  return sorted_curve(curve);
}

// tab10 without blue (the best line) and grey (the members).
Color baseline_color(size_t index) {
  static constexpr int kIndices[] = {1, 2, 3, 4, 5, 6, 8, 9};
  constexpr size_t n = sizeof(kIndices) / sizeof(kIndices[0]);
  return series_color(kIndices[index % n]);
}

Series member_series(const std::string& label) {
  Series series;
  series.label = label;
  series.color = kMemberColor;
  return series;
}

// A NaN point breaks a line where a member has no row.
void push_point(Series& series, double x, double y) {
  series.x.push_back(x);
  series.y.push_back(y);
}

// One panel of members' values per generation (score or test score), the thick line and the
// baselines.
PbtPanel score_panel(const PbtTable& table, const std::vector<RunRecord>& baselines,
                     bool test_levels, int width, int height) {
  PbtPanel panel;
  PlotSpec& spec = panel.spec;
  spec.title = test_levels ? "Test levels" : "Population score (training levels)";
  spec.x_label = "env steps";
  spec.y_label = test_levels ? "mean return (test levels)" : "mean return (training levels)";
  spec.width = width;
  spec.height = height;
  auto value_of = [&](const PbtRow& row) { return test_levels ? row.test_score : row.score; };
  const std::vector<int> members = table.members();
  for (size_t i = 0; i < members.size(); ++i) {
    Series series = member_series(i == 0 ? "members (" + std::to_string(members.size()) + ")" : "");
    for (size_t g = 0; g < table.generations.size(); ++g) {
      const PbtRow* row = table.find(static_cast<int>(g), members[i]);
      push_point(series, row ? row->env_steps : kNaN, row ? value_of(*row) : kNaN);
    }
    spec.series.push_back(std::move(series));
  }
  Series best;
  best.label = test_levels ? "best-scoring member" : "best score";
  best.color = series_color(0);
  for (const PbtRow& row : best_per_generation(table)) {
    push_point(best, row.env_steps, value_of(row));
  }
  panel.thick.push_back(spec.series.size());
  spec.series.push_back(std::move(best));
  for (size_t i = 0; i < baselines.size(); ++i) {
    const RunRecord& run = baselines[i];
    const Curve curve = test_levels ? baseline_curve(run, kTestColumn, kTestLogKey)
                                    : baseline_curve(run, kTrainColumn, kTrainLogKey);
    spec.series.push_back(Series{run.name, curve.steps, curve.values, baseline_color(i)});
  }
  spec.height += bottom_legend_height(spec);
  return panel;
}

// A hyperparameter holds for a whole generation: from the env steps its member started at (its
// parent's at the end of the previous generation; 0 at generation 0) to those it ended at.
void push_held(Series& series, const PbtTable& table, const PbtRow& row, double value) {
  const PbtRow* parent = row.generation == 0 ? nullptr : table.find(row.generation - 1, row.parent);
  push_point(series, parent ? parent->env_steps : 0.0, value);
  push_point(series, row.env_steps, value);
}

PbtPanel hyperparameter_panel(const PbtTable& table, const std::vector<PbtRow>& lineage, size_t k,
                              int width, int height) {
  const std::string& key = table.hyperparameters[k];
  std::vector<double> all;
  for (const auto& generation : table.generations) {
    for (const PbtRow& row : generation) all.push_back(row.hyperparameters[k]);
  }
  const bool log_axis = wants_log_axis(all);
  auto shown = [&](double value) { return log_axis ? std::log10(value) : value; };
  PbtPanel panel;
  PlotSpec& spec = panel.spec;
  spec.title = key;
  spec.x_label = "env steps";
  spec.y_label = log_axis ? "log10 " + key : key;
  spec.width = width;
  spec.height = height;
  const std::vector<int> members = table.members();
  for (size_t i = 0; i < members.size(); ++i) {
    Series series = member_series(i == 0 ? "members" : "");
    for (size_t g = 0; g < table.generations.size(); ++g) {
      const PbtRow* row = table.find(static_cast<int>(g), members[i]);
      if (row) {
        push_held(series, table, *row, shown(row->hyperparameters[k]));
      } else {
        push_point(series, kNaN, kNaN);
      }
    }
    spec.series.push_back(std::move(series));
  }
  Series won;
  won.label = "winning lineage";
  won.color = series_color(0);
  for (const PbtRow& row : lineage) push_held(won, table, row, shown(row.hyperparameters[k]));
  panel.thick.push_back(spec.series.size());
  spec.series.push_back(std::move(won));
  spec.height += bottom_legend_height(spec);
  return panel;
}

// The series' finite stretches in pixels, as the plot draws its line.
std::vector<std::vector<Point>> stretches(const PlotFrame& frame, const Series& series) {
  std::vector<std::vector<Point>> out(1);
  for (size_t i = 0; i < series.x.size(); ++i) {
    if (std::isfinite(series.x[i]) && std::isfinite(series.y[i])) {
      out.back().push_back({frame.to_px(series.x[i]), frame.to_py(series.y[i])});
    } else if (!out.back().empty()) {
      out.emplace_back();
    }
  }
  if (out.back().empty()) out.pop_back();
  return out;
}

// Scales with the panel as the plot's own line width does.
float thick_width(const PlotSpec& spec) {
  const int scale =
      std::max(1, static_cast<int>(std::lround(std::min(spec.width, spec.height) / 500.0)));
  return kThickWidth * scale;
}

void draw_thick(Image& image, const PbtPanel& panel) {
  const PlotFrame frame = plot_frame(panel.spec);
  if (!frame.has_data) return;
  const float width = thick_width(panel.spec);
  for (size_t index : panel.thick) {
    const Series& series = panel.spec.series[index];
    for (const std::vector<Point>& points : stretches(frame, series)) {
      for (size_t i = 0; i + 1 < points.size(); ++i) {
        draw_line(image, points[i].x, points[i].y, points[i + 1].x, points[i + 1].y, width,
                  series.color);
      }
      // Round joins, and a lone point still shows.
      for (const Point& p : points) fill_circle(image, p.x, p.y, width / 2, series.color);
    }
  }
}

std::string svg_color(Color c) {
  return "rgb(" + std::to_string(c.r) + "," + std::to_string(c.g) + "," + std::to_string(c.b) + ")";
}

std::string thick_svg(const PbtPanel& panel) {
  const PlotFrame frame = plot_frame(panel.spec);
  if (!frame.has_data) return "";
  const std::string width = format_number(thick_width(panel.spec));
  std::string out;
  for (size_t index : panel.thick) {
    const Series& series = panel.spec.series[index];
    for (const std::vector<Point>& points : stretches(frame, series)) {
      std::string coords;
      for (const Point& p : points) {
        if (!coords.empty()) coords += ' ';
        coords += format_number(p.x) + "," + format_number(p.y);
      }
      // A one-point line with round caps draws a dot.
      if (points.size() == 1) coords += ' ' + coords;
      out += "<polyline points=\"" + coords + "\" fill=\"none\" stroke=\"" +
             svg_color(series.color) + "\" stroke-width=\"" + width +
             "\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\n";
    }
  }
  return out;
}

}  // namespace

const PbtRow* PbtTable::find(int generation, int member) const {
  if (generation < 0 || generation >= static_cast<int>(generations.size())) return nullptr;
  const std::vector<PbtRow>& rows = generations[generation];
  const auto it = std::lower_bound(rows.begin(), rows.end(), member,
                                   [](const PbtRow& row, int m) { return row.member < m; });
  return it != rows.end() && it->member == member ? &*it : nullptr;
}

std::vector<int> PbtTable::members() const {
  std::set<int> ids;
  for (const auto& rows : generations) {
    for (const PbtRow& row : rows) ids.insert(row.member);
  }
  return {ids.begin(), ids.end()};
}

PbtTable read_pbt_csv(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw RuntimeFailure("cannot read " + path.string());
  PbtTable table;
  table.path = path;
  std::string line;
  int line_number = 0;
  std::vector<std::string> header;
  std::vector<PbtRow> rows;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty()) continue;
    const std::vector<std::string> cells = split_cells(line);
    if (header.empty()) {
      if (cells.size() < kFixedCount ||
          !std::equal(std::begin(kPbtFixedColumns), std::end(kPbtFixedColumns), cells.begin())) {
        throw RuntimeFailure(path.string() + ":" + std::to_string(line_number) +
                             ": not a pbt.csv header; it must begin with " + fixed_header() +
                             ", found '" + line + "'");
      }
      for (size_t i = kFixedCount; i < cells.size(); ++i) {
        if (cells[i].empty() || std::count(cells.begin(), cells.end(), cells[i]) > 1) {
          throw RuntimeFailure(path.string() + ":" + std::to_string(line_number) +
                               ": hyperparameter column " + std::to_string(i + 1) +
                               " is empty or repeated ('" + cells[i] + "')");
        }
        table.hyperparameters.push_back(cells[i]);
      }
      header = cells;
      continue;
    }
    if (cells.size() != header.size()) {
      throw RuntimeFailure(path.string() + ":" + std::to_string(line_number) + ": " +
                           std::to_string(cells.size()) + " cells, but the header has " +
                           std::to_string(header.size()));
    }
    rows.push_back(parse_row(cells, header, path, line_number));
  }
  if (in.bad()) throw RuntimeFailure("cannot read " + path.string());
  if (rows.empty()) throw RuntimeFailure(path.string() + " has no rows: no generation has ended");

  int last = 0;
  for (const PbtRow& row : rows) last = std::max(last, row.generation);
  table.generations.resize(static_cast<size_t>(last) + 1);
  for (PbtRow& row : rows) table.generations[row.generation].push_back(std::move(row));
  for (size_t g = 0; g < table.generations.size(); ++g) {
    std::vector<PbtRow>& generation = table.generations[g];
    if (generation.empty()) {
      throw RuntimeFailure(path.string() + ": generation " + std::to_string(g) +
                           " has no rows, but generation " + std::to_string(last) + " does");
    }
    std::stable_sort(generation.begin(), generation.end(),
                     [](const PbtRow& a, const PbtRow& b) { return a.member < b.member; });
    for (size_t i = 1; i < generation.size(); ++i) {
      if (generation[i].member == generation[i - 1].member) {
        throw RuntimeFailure(path.string() + ": member " + std::to_string(generation[i].member) +
                             " has two rows in generation " + std::to_string(g));
      }
    }
  }
  for (size_t g = 1; g < table.generations.size(); ++g) {
    for (const PbtRow& row : table.generations[g]) {
      if (!table.find(static_cast<int>(g) - 1, row.parent)) {
        throw RuntimeFailure(path.string() + ": member " + std::to_string(row.member) +
                             " of generation " + std::to_string(g) + " names parent " +
                             std::to_string(row.parent) + ", which has no row in generation " +
                             std::to_string(g - 1));
      }
    }
  }
  return table;
}

std::vector<PbtRow> winning_lineage(const PbtTable& table) {
  if (table.generations.empty()) return {};
  std::vector<PbtRow> lineage = {best_row(table.generations.back())};
  while (lineage.back().generation > 0) {
    const PbtRow& child = lineage.back();
    const PbtRow* parent = table.find(child.generation - 1, child.parent);
    if (!parent) {
      throw RuntimeFailure(table.path.string() + ": the parent " + std::to_string(child.parent) +
                           " of member " + std::to_string(child.member) +
                           " has no row in generation " + std::to_string(child.generation - 1));
    }
    lineage.push_back(*parent);
  }
  std::reverse(lineage.begin(), lineage.end());
  return lineage;
}

std::vector<PbtRow> best_per_generation(const PbtTable& table) {
  std::vector<PbtRow> best;
  for (const auto& rows : table.generations) best.push_back(best_row(rows));
  return best;
}

bool wants_log_axis(const std::vector<double>& values) {
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  for (double v : values) {
    if (std::isnan(v)) continue;
    if (!(v > 0) || std::isinf(v)) return false;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  return hi > 100 * lo;
}

std::vector<PbtPanel> pbt_panels(const PbtTable& table, const std::vector<RunRecord>& baselines,
                                 int width, int panel_height) {
  std::vector<PbtPanel> panels;
  panels.push_back(score_panel(table, baselines, false, width, panel_height));
  panels.push_back(score_panel(table, baselines, true, width, panel_height));
  const std::vector<PbtRow> lineage = winning_lineage(table);
  for (size_t k = 0; k < table.hyperparameters.size(); ++k) {
    panels.push_back(hyperparameter_panel(table, lineage, k, width, panel_height));
  }
  return panels;
}

Image render_pbt_figure(const std::vector<PbtPanel>& panels) {
  int width = 0, height = 0;
  for (const PbtPanel& panel : panels) {
    width = std::max(width, panel.spec.width);
    height += panel.spec.height;
  }
  Image figure;
  figure.resize(width, height);
  figure.fill({255, 255, 255});
  int top = 0;
  for (const PbtPanel& panel : panels) {
    Image image = render_plot(panel.spec);
    draw_thick(image, panel);
    figure.paste(image, 0, top);
    top += image.height;
  }
  return figure;
}

std::string render_pbt_figure_svg(const std::vector<PbtPanel>& panels) {
  int width = 0, height = 0;
  for (const PbtPanel& panel : panels) {
    width = std::max(width, panel.spec.width);
    height += panel.spec.height;
  }
  const std::string w = std::to_string(width), h = std::to_string(height);
  std::string svg =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" +
      w + "\" height=\"" + h + "\" viewBox=\"0 0 " + w + " " + h +
      "\">\n<title>PBT population</title>\n";
  int top = 0;
  for (const PbtPanel& panel : panels) {
    const std::string doc = render_plot_svg(panel.spec);
    const size_t open = doc.find("<svg ");
    const size_t close = doc.rfind("</svg>");
    if (open == std::string::npos || close == std::string::npos || close < open) {
      throw RuntimeFailure("the plot library's SVG has no <svg> element to nest");
    }
    svg += "<svg x=\"0\" y=\"" + std::to_string(top) + "\" " +
           doc.substr(open + 5, close - open - 5) + thick_svg(panel) + "</svg>\n";
    top += panel.spec.height;
  }
  svg += "</svg>\n";
  return svg;
}

PbtFigureSummary write_pbt_figure(const std::filesystem::path& pbt_dir,
                                  const std::vector<std::filesystem::path>& baselines,
                                  const std::filesystem::path& out, int width, int panel_height) {
  const PlotFormat format = plot_format(out);
  const PbtTable table = read_pbt_csv(pbt_dir / "pbt.csv");
  std::vector<RunRecord> runs;
  for (const std::filesystem::path& dir : baselines) {
    std::vector<RunRecord> found = find_runs(dir);
    if (found.empty()) {
      throw UsageError("no runs under " + dir.string() +
                       " (a run directory holds config.json and log.json or metrics.csv)");
    }
    for (RunRecord& run : found) runs.push_back(std::move(run));
  }
  const std::vector<PbtPanel> panels = pbt_panels(table, runs, width, panel_height);
  if (format == PlotFormat::kPng) {
    write_png(out, render_pbt_figure(panels));
  } else {
    write_file_atomic(out, render_pbt_figure_svg(panels));
  }
  PbtFigureSummary summary;
  summary.members = static_cast<int>(table.members().size());
  summary.generations = static_cast<int>(table.generations.size());
  summary.baselines = static_cast<int>(runs.size());
  summary.winner = winning_lineage(table).back();
  return summary;
}

bool is_pbt_dir(const std::filesystem::path& dir) {
  std::error_code error;
  return std::filesystem::is_regular_file(dir / "pbt.csv", error);
}

}  // namespace lever

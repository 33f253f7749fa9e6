#include "lever/study/runs.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <numeric>
#include <set>
#include <system_error>

#include "lever/core/errors.h"
#include "lever/core/text.h"

namespace lever {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UsageError("cannot read " + path.string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

nlohmann::json read_json_object(const std::filesystem::path& path) {
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(read_text(path));
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(path.string() + " is not valid JSON: " + e.what());
  }
  if (!value.is_object()) throw UsageError(path.string() + " does not hold a JSON object");
  return value;
}

std::map<std::string, std::vector<double>> read_study_log(const std::filesystem::path& path) {
  const nlohmann::json log = read_json_object(path);
  if (!log.contains("step") || !log["step"].is_array()) {
    throw UsageError(path.string() + " is not a lever log.json: it has no 'step' list");
  }
  const size_t length = log["step"].size();
  std::map<std::string, std::vector<double>> series;
  for (const auto& [key, list] : log.items()) {
    if (!list.is_array() || list.size() != length) {
      throw UsageError(path.string() + ": '" + key + "' is not a list as long as 'step' (" +
                       std::to_string(length) + " entries)");
    }
    std::vector<double>& values = series[key];
    values.reserve(length);
    for (const auto& v : list) values.push_back(v.is_number() ? v.get<double>() : kNaN);
  }
  return series;
}

// A line's cells, without the carriage return of a CRLF file.
std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells = split_at_commas(line);
  if (!cells.empty() && !cells.back().empty() && cells.back().back() == '\r') {
    cells.back().pop_back();
  }
  return cells;
}

// Empty, "nan" and unreadable cells are all "not measured".
double parse_cell(const std::string& cell) {
  if (cell.empty()) return kNaN;
  char* end = nullptr;
  const double value = std::strtod(cell.c_str(), &end);
  return *end == '\0' ? value : kNaN;
}

std::filesystem::path metrics_path(const std::filesystem::path& dir) { return dir / "metrics.csv"; }

// Steps and values of column `index` of metrics.csv; rows whose step is unreadable are skipped.
Curve read_csv_column(const std::filesystem::path& path, size_t index) {
  std::ifstream in(path);
  Curve curve;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::vector<std::string> cells = split_csv_line(line);
    const double step = parse_cell(cells[0]);
    if (!std::isfinite(step)) continue;
    curve.steps.push_back(step);
    curve.values.push_back(index < cells.size() ? parse_cell(cells[index]) : kNaN);
  }
  return curve;
}

double last_finite(const std::vector<double>& values) {
  for (auto it = values.rbegin(); it != values.rend(); ++it) {
    if (std::isfinite(*it)) return *it;
  }
  return kNaN;
}

bool is_run_dir(const std::filesystem::path& dir) {
  std::error_code error;
  return std::filesystem::is_regular_file(dir / "config.json", error) &&
         (std::filesystem::is_regular_file(dir / "log.json", error) ||
          std::filesystem::is_regular_file(metrics_path(dir), error));
}

// The directory's own name, also for "." or a path ending in a slash.
std::string dir_name(const std::filesystem::path& dir) {
  std::filesystem::path normal = std::filesystem::absolute(dir).lexically_normal();
  if (normal.filename().empty()) normal = normal.parent_path();
  return normal.filename().string();
}

nlohmann::json experiment_config(const nlohmann::json& config) {
  nlohmann::json experiment = config;
  for (std::string_view key : kNonExperimentKeys) experiment.erase(std::string(key));
  return experiment;
}

// A key a config lacks reads as null, which differs from every value it could hold.
nlohmann::json value_of(const nlohmann::json& config, const std::string& key) {
  const auto found = config.find(key);
  return found == config.end() ? nlohmann::json() : *found;
}

}  // namespace

bool RunRecord::has_metrics_csv() const {
  std::error_code error;
  return std::filesystem::is_regular_file(metrics_path(dir), error);
}

std::vector<std::string> RunRecord::metric_columns() const {
  std::ifstream in(metrics_path(dir));
  std::string line;
  if (!in || !std::getline(in, line)) return {};
  std::vector<std::string> columns = split_csv_line(line);
  columns.erase(columns.begin());
  return columns;
}

Curve RunRecord::metric_column(const std::string& column) const {
  const std::vector<std::string> columns = metric_columns();
  const auto found = std::find(columns.begin(), columns.end(), column);
  if (found == columns.end()) {
    throw UsageError(metrics_path(dir).string() + " has no column '" + column + "'");
  }
  return read_csv_column(metrics_path(dir), 1 + (found - columns.begin()));
}

Curve RunRecord::finite_curve(const std::string& metric) const {
  Curve all;
  const auto in_log = log.find(metric);
  if (metric != "step" && in_log != log.end()) {
    all.steps = log.at("step");
    all.values = in_log->second;
  } else {
    const std::vector<std::string> columns = metric_columns();
    if (std::find(columns.begin(), columns.end(), metric) == columns.end()) return {};
    all = metric_column(metric);
  }
  Curve finite;
  for (size_t i = 0; i < all.steps.size(); ++i) {
    if (!std::isfinite(all.steps[i]) || !std::isfinite(all.values[i])) continue;
    finite.steps.push_back(all.steps[i]);
    finite.values.push_back(all.values[i]);
  }
  return finite;
}

int64_t RunRecord::steps_reached() const {
  const double total = summary_number("total_steps");
  if (std::isfinite(total)) return static_cast<int64_t>(total);
  double last = 0;
  const auto steps = log.find("step");
  if (steps != log.end()) {
    for (double s : steps->second) {
      if (std::isfinite(s)) last = std::max(last, s);
    }
  }
  if (has_metrics_csv()) {
    for (double s : read_csv_column(metrics_path(dir), 0).steps) last = std::max(last, s);
  }
  return static_cast<int64_t>(last);
}

double RunRecord::summary_number(const std::string& key) const {
  if (!summary.is_object()) return kNaN;
  const auto found = summary.find(key);
  if (found == summary.end() || !found->is_number()) return kNaN;
  const double value = found->get<double>();
  return std::isfinite(value) ? value : kNaN;
}

double RunRecord::final_train_return() const {
  const double from_summary = summary_number("train_eval_mean_return");
  if (std::isfinite(from_summary)) return from_summary;
  const auto found = log.find("train_mean_reward");
  return found == log.end() ? kNaN : last_finite(found->second);
}

double RunRecord::final_test_return() const {
  const double from_summary = summary_number("eval_mean_return");
  if (std::isfinite(from_summary)) return from_summary;
  const auto found = log.find("test_mean_reward");
  return found == log.end() ? kNaN : last_finite(found->second);
}

RunRecord load_run(const std::filesystem::path& dir) {
  RunRecord run;
  run.dir = dir;
  run.name = dir_name(dir);
  const std::filesystem::path config = dir / "config.json";
  std::error_code error;
  if (!std::filesystem::is_regular_file(config, error)) {
    throw UsageError(dir.string() + " is not a run directory: it has no config.json");
  }
  run.config = read_json_object(config);
  run.config.erase("lever");
  const std::filesystem::path log = dir / "log.json";
  if (std::filesystem::is_regular_file(log, error)) run.log = read_study_log(log);
  const std::filesystem::path summary = dir / "summary.json";
  if (std::filesystem::is_regular_file(summary, error)) {
    run.summary = read_json_object(summary);
    run.finished = true;
  }
  return run;
}

std::vector<RunRecord> find_runs(const std::filesystem::path& root) {
  std::error_code error;
  if (!std::filesystem::is_directory(root, error)) {
    throw UsageError(root.string() + (std::filesystem::exists(root, error) ? " is not a directory"
                                                                           : " does not exist"));
  }
  std::vector<std::filesystem::path> dirs;
  if (is_run_dir(root)) dirs.push_back(root);
  for (auto it = std::filesystem::recursive_directory_iterator(
           root, std::filesystem::directory_options::skip_permission_denied, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (it->is_directory(error) && is_run_dir(it->path())) dirs.push_back(it->path());
  }
  if (error) throw UsageError("cannot list " + root.string() + ": " + error.message());
  std::sort(dirs.begin(), dirs.end());
  std::vector<RunRecord> runs;
  for (const auto& dir : dirs) {
    RunRecord run = load_run(dir);
    const std::string relative = dir.lexically_relative(root).string();
    if (relative != "." && !relative.empty()) run.name = relative;
    runs.push_back(std::move(run));
  }
  return runs;
}

std::string config_value_text(const nlohmann::json& value) {
  if (value.is_null()) return "unset";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number()) return format_number(value.get<double>());
  return value.dump();
}

std::vector<std::string> varying_keys(const std::vector<RunGroup>& groups) {
  std::set<std::string> keys;
  for (const RunGroup& group : groups) {
    for (const auto& item : group.config.items()) keys.insert(item.key());
  }
  std::vector<std::string> varying;
  for (const std::string& key : keys) {
    const nlohmann::json first =
        groups.empty() ? nlohmann::json() : value_of(groups[0].config, key);
    for (const RunGroup& group : groups) {
      if (value_of(group.config, key) != first) {
        varying.push_back(key);
        break;
      }
    }
  }
  return varying;
}

std::vector<RunGroup> group_runs(std::vector<RunRecord> runs) {
  std::vector<RunGroup> groups;
  for (RunRecord& run : runs) {
    const nlohmann::json experiment = experiment_config(run.config);
    auto group = std::find_if(groups.begin(), groups.end(),
                              [&](const RunGroup& g) { return g.config == experiment; });
    if (group == groups.end()) {
      groups.push_back(RunGroup{"", experiment, {}});
      group = groups.end() - 1;
    }
    group->runs.push_back(std::move(run));
  }
  const std::vector<std::string> keys = varying_keys(groups);
  std::stable_sort(groups.begin(), groups.end(), [&](const RunGroup& a, const RunGroup& b) {
    for (const std::string& key : keys) {
      const nlohmann::json va = value_of(a.config, key), vb = value_of(b.config, key);
      if (va != vb) return va < vb;
    }
    return false;
  });
  for (RunGroup& group : groups) {
    std::vector<std::string> parts;
    for (const std::string& key : keys) {
      parts.push_back(key + "=" + config_value_text(value_of(group.config, key)));
    }
    group.label = join(parts, ", ");
  }
  if (groups.size() == 1) {
    std::vector<std::string> parts;
    for (const char* key : {"env", "policy"}) {
      if (groups[0].config.contains(key)) parts.push_back(config_value_text(groups[0].config[key]));
    }
    groups[0].label = parts.empty() ? "all runs" : join(parts, " ");
  }
  return groups;
}

Curve sorted_curve(const Curve& curve) {
  std::vector<size_t> order(curve.steps.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return curve.steps[a] < curve.steps[b]; });
  Curve sorted;
  for (size_t i : order) {
    if (!sorted.steps.empty() && sorted.steps.back() == curve.steps[i]) {
      sorted.values.back() = curve.values[i];
      continue;
    }
    sorted.steps.push_back(curve.steps[i]);
    sorted.values.push_back(curve.values[i]);
  }
  return sorted;
}

}  // namespace lever

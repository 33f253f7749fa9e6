#include "lever/algo/run_files.h"

#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <sstream>

#include "lever/core/atomic_file.h"
#include "lever/core/errors.h"
#include "lever/core/machine.h"
#include "lever/viz/plot.h"

namespace lever {

RunPaths create_run_dir(const std::filesystem::path& dir, bool overwrite) {
  RunPaths paths{dir};
  if (std::filesystem::exists(paths.config()) || std::filesystem::exists(paths.checkpoints())) {
    if (!overwrite) {
      throw UsageError(dir.string() + " already holds a run; continue it with `lever resume " +
                       dir.string() + "`, or pass --overwrite to start again");
    }
    std::filesystem::remove_all(dir);
  }
  std::filesystem::create_directories(paths.checkpoints());
  return paths;
}

nlohmann::json run_metadata(const std::string& device) {
  nlohmann::json meta;
  meta["version"] = LEVER_VERSION;
  meta["git_commit"] = LEVER_GIT_COMMIT;
  meta["torch_version"] = std::to_string(TORCH_VERSION_MAJOR) + "." +
                          std::to_string(TORCH_VERSION_MINOR) + "." +
                          std::to_string(TORCH_VERSION_PATCH);
  meta["device"] = device;
  meta["machine"] = machine_info();
  const std::time_t now = std::time(nullptr);
  char when[32];
  std::strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  meta["started_at"] = when;
  return meta;
}

MetricsLog::MetricsLog(const RunPaths& paths, int64_t resume_step)
    : csv_(paths.metrics(), resume_step),
      tensorboard_(paths.dir, resume_step),
      study_(paths.study_log(), resume_step) {}

void MetricsLog::write(int64_t step, const std::vector<Scalar>& row) {
  csv_.write(step, row);
  finite_.clear();
  for (const auto& scalar : row) {
    if (std::isfinite(scalar.value)) finite_.push_back(scalar);
  }
  tensorboard_.write(step, finite_);
  tensorboard_.flush();
}

namespace {

// One numeric column of metrics.csv (x = step), skipping NaN cells.
void read_metric_column(const std::filesystem::path& csv, const std::string& column,
                        std::vector<double>& steps, std::vector<double>& values) {
  std::ifstream in(csv);
  std::string line;
  if (!std::getline(in, line)) return;
  std::vector<std::string> header;
  std::stringstream head(line);
  for (std::string cell; std::getline(head, cell, ',');) header.push_back(cell);
  int index = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == column) index = static_cast<int>(i);
  }
  if (index < 0) return;
  while (std::getline(in, line)) {
    std::stringstream row(line);
    std::vector<std::string> cells;
    for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
    if (static_cast<int>(cells.size()) <= index) continue;
    const double value = std::strtod(cells[index].c_str(), nullptr);
    if (!std::isfinite(value)) continue;
    steps.push_back(std::strtod(cells[0].c_str(), nullptr));
    values.push_back(value);
  }
}

std::vector<double> json_numbers(const nlohmann::json& list) {
  std::vector<double> out;
  for (const auto& v : list) out.push_back(v.is_number() ? v.get<double>() : NAN);
  return out;
}

}  // namespace

void write_reward_curve(const RunPaths& paths, const std::string& title) {
  PlotSpec spec;
  spec.title = title;
  spec.x_label = "env steps";
  spec.y_label = "episodic return";
  Series training{"training episodes", {}, {}, {180, 180, 180}};
  read_metric_column(paths.metrics(), "charts/episodic_return", training.x, training.y);
  spec.series.push_back(training);
  if (std::filesystem::exists(paths.study_log())) {
    std::ifstream in(paths.study_log());
    const auto log = nlohmann::json::parse(in, nullptr, false);
    if (log.is_object() && log.contains("step")) {
      const auto steps = json_numbers(log["step"]);
      spec.series.push_back(
          {"train levels (eval)", steps, json_numbers(log["train_mean_reward"]), series_color(0)});
      spec.series.push_back(
          {"test levels (eval)", steps, json_numbers(log["test_mean_reward"]), series_color(1)});
    }
  }
  write_plot_png(paths.reward_curve(), spec);
}

void write_summary(const RunPaths& paths, const EvalStats& train_eval, const EvalStats& test_eval,
                   int64_t total_steps, int64_t updates, double wall_seconds,
                   const nlohmann::json& extra) {
  nlohmann::json summary = extra;
  auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  for (const auto& [prefix, stats] :
       {std::pair<const char*, const EvalStats*>{"eval_", &test_eval}, {"train_eval_", &train_eval}}) {
    const std::string p = prefix;
    summary[p + "mean_return"] = number(stats->mean);
    summary[p + "min_return"] = number(stats->min);
    summary[p + "max_return"] = number(stats->max);
    summary[p + "var_return"] = number(stats->var);
    summary[p + "episodes"] = stats->returns.size();
  }
  summary["total_steps"] = total_steps;
  summary["updates"] = updates;
  summary["wall_seconds"] = wall_seconds;
  summary["steps_per_second"] = wall_seconds > 0 ? total_steps / wall_seconds : 0.0;
  write_file_atomic(paths.summary(), summary.dump(2) + "\n");
}

}  // namespace lever

#include "lever/algo/run_files.h"

#include <chrono>
#include <cmath>
#include <ctime>

#include "lever/core/atomic_file.h"
#include "lever/core/errors.h"
#include "lever/core/machine.h"
#include "lever/study/runs.h"
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

void write_reward_curve(const RunPaths& paths, const std::string& title) {
  PlotSpec spec;
  spec.title = title;
  spec.x_label = "env steps";
  spec.y_label = "episodic return";
  const RunRecord run = load_run(paths.dir);
  const auto add = [&](const char* label, const char* metric, Color color) {
    const Curve curve = run.finite_curve(metric);
    spec.series.push_back({label, curve.steps, curve.values, color});
  };
  add("training episodes", "charts/episodic_return", {180, 180, 180});
  add("train levels (eval)", "train_mean_reward", series_color(0));
  add("test levels (eval)", "test_mean_reward", series_color(1));
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
    if (std::isfinite(stats->success_rate)) summary[p + "success_rate"] = stats->success_rate;
    if (std::isfinite(stats->mean_progress)) summary[p + "mean_progress"] = stats->mean_progress;
  }
  summary["total_steps"] = total_steps;
  summary["updates"] = updates;
  summary["wall_seconds"] = wall_seconds;
  summary["steps_per_second"] = wall_seconds > 0 ? total_steps / wall_seconds : 0.0;
  write_file_atomic(paths.summary(), summary.dump(2) + "\n");
}

}  // namespace lever

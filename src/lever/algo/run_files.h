// What a run writes into its directory, shared by every algorithm: the resolved config with the
// machine it ran on, the metric streams (CSV, TensorBoard, the levers study's log.json), the
// summary and the reward-curve plot.
#pragma once
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lever/algo/acting.h"
#include "lever/core/config.h"
#include "lever/log/csv_writer.h"
#include "lever/log/study_log.h"
#include "lever/log/tensorboard.h"

namespace lever {

struct RunPaths {
  std::filesystem::path dir;
  std::filesystem::path config() const { return dir / "config.json"; }
  std::filesystem::path metrics() const { return dir / "metrics.csv"; }
  std::filesystem::path study_log() const { return dir / "log.json"; }
  std::filesystem::path checkpoints() const { return dir / "checkpoints"; }
  std::filesystem::path final_checkpoint() const { return dir / "final.pt"; }
  // The weights of the highest mean evaluation return on test levels so far.
  std::filesystem::path best_checkpoint() const { return dir / "best.pt"; }
  std::filesystem::path summary() const { return dir / "summary.json"; }
  std::filesystem::path reward_curve() const { return dir / "reward_curve.png"; }
};

// Creates the run directory for a new run. A directory that already holds a run is refused unless
// overwrite is set (then its contents are removed).
RunPaths create_run_dir(const std::filesystem::path& dir, bool overwrite);

// lever's version, git commit, torch version, machine and BLAS, for config.json's "lever" key.
nlohmann::json run_metadata(const std::string& device);

// Fans one row of metrics out to metrics.csv and TensorBoard (NaN values are left out of
// TensorBoard: they mean "not measured at this update").
class MetricsLog {
 public:
  MetricsLog(const RunPaths& paths, int64_t resume_step);
  void write(int64_t step, const std::vector<Scalar>& row);
  StudyLog& study() { return study_; }

 private:
  CsvMetricsWriter csv_;
  TensorBoardWriter tensorboard_;
  StudyLog study_;
  std::vector<Scalar> finite_;
};

// reward_curve.png from log.json (evaluation on train and test levels) and metrics.csv (returns of
// training episodes).
void write_reward_curve(const RunPaths& paths, const std::string& title);

// summary.json: the final evaluation on test levels (eval_*), on training levels (train_eval_*),
// run length and speed, plus `extra`.
void write_summary(const RunPaths& paths, const EvalStats& train_eval, const EvalStats& test_eval,
                   int64_t total_steps, int64_t updates, double wall_seconds,
                   const nlohmann::json& extra);

}  // namespace lever

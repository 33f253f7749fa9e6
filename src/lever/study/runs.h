// Finished and unfinished run directories read back for comparison: their config, evaluation
// log, metrics and summary, and runs grouped by the experiment they belong to (seeds of one
// config together).
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace lever {

// Config keys that do not define an experiment: runs differing only in these are seeds of one
// group. They choose the random stream (seed), where and how fast the run goes (device,
// torch_threads, num_threads, eval_num_envs), how often it saves or measures (checkpoint_every,
// eval_every), or are notes (description). "lever" (run metadata) is dropped on load.
inline constexpr std::array<std::string_view, 8> kNonExperimentKeys = {
    "seed",        "description",      "device",     "torch_threads",
    "num_threads", "checkpoint_every", "eval_every", "eval_num_envs"};

// One metric over training: x = env steps.
struct Curve {
  std::vector<double> steps, values;
};

// Sorted by step; of two points at one step (a resumed run) the later one wins.
Curve sorted_curve(const Curve& curve);

struct RunRecord {
  std::filesystem::path dir;
  std::string name;       // dir relative to the directory it was found under
  nlohmann::json config;  // config.json without "lever"
  std::map<std::string, std::vector<double>> log;  // log.json's lists; null -> NaN
  nlohmann::json summary;  // summary.json, or null when the run did not finish
  bool finished = false;   // summary.json exists

  bool has_metrics_csv() const;
  // metrics.csv's column names after "step"; empty without the file.
  std::vector<std::string> metric_columns() const;
  // One metrics.csv column, read when asked for (the file can be large); empty or "nan" cells are
  // NaN. Throws UsageError naming the file when the column is missing.
  Curve metric_column(const std::string& column) const;

  // The metric's finite points: a log.json key ("test_mean_reward") or a metrics.csv column
  // ("charts/episodic_return"); empty when this run has neither.
  Curve finite_curve(const std::string& metric) const;
  // The last env step the run logged (summary total_steps, else log.json or metrics.csv).
  int64_t steps_reached() const;
  // Final evaluation return on train and test levels: summary.json's train_eval_mean_return /
  // eval_mean_return; without them (older or unfinished runs) the last finite
  // train_mean_reward / test_mean_reward in log.json; NaN when neither exists.
  double final_train_return() const;
  double final_test_return() const;
  // A finite number from summary.json, else NaN.
  double summary_number(const std::string& key) const;
};

// Reads dir/config.json (required), log.json and summary.json (optional). Throws UsageError
// naming the file when config.json is missing or any of the three is not valid JSON of the
// expected shape.
RunRecord load_run(const std::filesystem::path& dir);

// Every directory under `root` (recursively, root included) that holds config.json and log.json
// or metrics.csv, sorted by path, names relative to root. Throws UsageError when root is not a
// directory or a run's files are corrupt.
std::vector<RunRecord> find_runs(const std::filesystem::path& root);

struct RunGroup {
  std::string label;      // the values of the keys that differ between groups
  nlohmann::json config;  // the experiment config shared by its runs (kNonExperimentKeys gone)
  std::vector<RunRecord> runs;  // in the order given (find_runs: sorted by path)
};

// Runs whose configs are equal except for kNonExperimentKeys, in one group each. Groups are
// ordered by the values of the varying keys (numbers numerically: num_levels 10 < 100 < 500),
// and labelled "encoder=impala, num_levels=10" with those keys in alphabetical order; a single
// group is labelled "<env> <policy>".
std::vector<RunGroup> group_runs(std::vector<RunRecord> runs);

// The experiment keys whose values differ between groups (a key missing from a config counts
// as a value of its own), alphabetical.
std::vector<std::string> varying_keys(const std::vector<RunGroup>& groups);

// A config value as a label shows it: strings bare, numbers as written, lists as JSON; "unset"
// for a missing key.
std::string config_value_text(const nlohmann::json& value);

}  // namespace lever

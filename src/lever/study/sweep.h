// `lever sweep`: the cross product configs × grid values × seeds, one run directory each, run as
// child `lever train` / `lever resume` processes, and resumable: running the same sweep again
// skips finished runs and continues stopped ones. docs/SWEEPS.md describes it for users.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lever {

// What `lever sweep` was asked for.
struct SweepRequest {
  std::vector<std::filesystem::path> configs;
  std::vector<std::string> grid;       // "key=v1,v2,..." in command-line order
  int64_t seeds = 0;                   // N > 0: seeds s0 .. s0+N-1 (s0 = the config's seed)
  std::vector<std::string> overrides;  // --set key=value, applied to every run
  std::filesystem::path runs_dir;      // empty: runs/sweep-<first config's stem>
};

// One run of the cross product.
struct SweepRun {
  std::string name;  // <config stem>[-<key>_<value>...]-s<seed>
  std::filesystem::path dir;
  std::filesystem::path config_file;
  std::vector<std::string> overrides;  // the sweep's --set, then this run's grid values, then seed
  int64_t seed = 0;
  nlohmann::json resolved;  // the config the run must hold: Config::resolved()
};

struct SweepPlan {
  std::filesystem::path runs_dir;
  std::vector<SweepRun> runs;
};

// The whole cross product, validated before anything runs: configs vary slowest, then the grid
// keys in command-line order, then the seeds. Every run's config is loaded with its overrides.
// Throws ConfigError (a config or a value it cannot take, an unknown grid key) or UsageError
// (malformed or empty --grid, a key given twice, duplicate values, runs sharing a directory).
SweepPlan plan_sweep(const SweepRequest& request);

enum class RunAction {
  kTrain,     // nothing there yet: lever train
  kResume,    // started, with a checkpoint and the planned config: lever resume
  kRestart,   // started but no checkpoint (or another config): lever train --overwrite
  kSkip,      // finished (final.pt and summary.json)
  kConflict,  // holds checkpoints (or a finished run) of another config: left alone, an error
};

const char* action_name(RunAction action);

struct RunInspection {
  RunAction action = RunAction::kTrain;
  std::string reason;  // why, for the user; empty for kTrain
};

// What the sweep does with `run`, judged from what its directory holds now. The run's
// config.json is compared with run.resolved, ignoring the "lever" metadata key.
RunInspection inspect_run(const SweepRun& run);

// The plan as the user sees it with --dry-run: one line per run, "<dir>: <action>[ (reason)]".
std::string describe_plan(const SweepPlan& plan);

struct SweepOptions {
  // The program started as `lever` for each run (the CLI passes /proc/self/exe; tests a script).
  std::filesystem::path lever_binary;
  int jobs = 1;                          // runs at once
  std::ostream* out = nullptr;           // progress lines; nullptr = std::cout
  std::function<bool()> stop_requested;  // polled; empty = lever::stop_requested()
};

// One run's outcome, as sweep.json records it.
struct SweepRunRecord {
  // pending, running, done, skipped, failed (exit_code), stopped (interrupted; resumable) or
  // error (not started: its directory holds another config's work).
  std::string status = "pending";
  std::string action;  // train, resume, restart, skip, conflict; empty while pending
  int exit_code = 0;
  double seconds = 0;
  std::string message;
};

struct SweepResult {
  int exit_code = 0;  // 0 every run finished, 1 one failed or was refused, 130 interrupted
  std::vector<SweepRunRecord> records;  // in plan order
  int max_running = 0;                  // most children alive at once
};

// Runs the plan, up to options.jobs children at a time, each writing stdout and stderr to
// <run dir>/train.log (appended). Prints a line when a run starts and ends, and keeps
// <runs_dir>/sweep.json up to date (written atomically). When options.stop_requested turns true,
// starts nothing more, sends SIGINT to the running children (lever checkpoints and exits 130),
// waits for them and returns 130. Throws RuntimeFailure when lever_binary is not executable.
SweepResult run_sweep(const SweepPlan& plan, const SweepOptions& options);

}  // namespace lever

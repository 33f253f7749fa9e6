#include "lever/study/sweep.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "lever/core/atomic_file.h"
#include "lever/core/config.h"
#include "lever/core/errors.h"
#include "lever/core/stop_signal.h"
#include "lever/core/text.h"

namespace lever {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct GridAxis {
  std::string key;        // as the user wrote it: it names the run directories
  std::string canonical;  // the schema's name, to find a key given twice under two names
  std::vector<std::string> values;
};

// The canonical name of a config key or alias, or "" when the schema has no such key.
std::string canonical_key(const std::string& name) {
  for (const ConfigKey& key : config_schema()) {
    if (key.name == name) return key.name;
    for (const std::string& alias : key.aliases) {
      if (alias == name) return key.name;
    }
  }
  return "";
}

std::vector<std::string> all_key_names() {
  std::vector<std::string> names;
  for (const ConfigKey& key : config_schema()) names.push_back(key.name);
  for (const ConfigKey& key : config_schema()) {
    names.insert(names.end(), key.aliases.begin(), key.aliases.end());
  }
  return names;
}

// Splits at commas outside brackets and quotes, so list values survive: "[64,64],[128,128]".
std::vector<std::string> split_values(const std::string& text) {
  std::vector<std::string> values;
  std::string current;
  int depth = 0;
  bool quoted = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (!quoted && (c == '[' || c == '{')) ++depth;
    if (!quoted && (c == ']' || c == '}')) --depth;
    if (c == ',' && depth == 0 && !quoted) {
      values.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  values.push_back(current);
  return values;
}

GridAxis parse_grid(const std::string& spec) {
  const size_t equals = spec.find('=');
  GridAxis axis;
  axis.key = equals == std::string::npos ? "" : std::string(trim(spec.substr(0, equals)));
  if (axis.key.empty()) {
    throw UsageError("--grid: expected key=value1,value2,..., got '" + spec + "'");
  }
  axis.canonical = canonical_key(axis.key);
  if (axis.canonical.empty()) {
    const std::string suggestion = did_you_mean(axis.key, all_key_names());
    throw ConfigError(
        "--grid: unknown key '" + axis.key + "' " +
        (suggestion.empty() ? "(see docs/CONFIG.md)" : "(did you mean '" + suggestion + "'?)"));
  }
  if (axis.canonical == "seed") {
    throw UsageError(
        "--grid: vary the seed with --seeds N (and --set seed=S to start from S), not --grid");
  }
  const std::string list = spec.substr(equals + 1);
  if (trim(list).empty()) throw UsageError("--grid " + axis.key + ": no values given");
  std::set<std::string> seen;
  for (const std::string& raw : split_values(list)) {
    const std::string value(trim(raw));
    if (value.empty()) {
      throw UsageError("--grid " + axis.key + ": empty value in '" + list + "'");
    }
    if (!seen.insert(value).second) {
      throw UsageError("--grid " + axis.key + ": value '" + value + "' appears twice");
    }
    axis.values.push_back(value);
  }
  return axis;
}

// A value as a file name may hold it: letters, digits and . + - _ kept, anything else '_'.
std::string file_name_part(const std::string& text) {
  std::string out;
  for (char c : text) {
    const bool keep =
        std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '+' || c == '-' || c == '_';
    out += keep ? c : '_';
  }
  return out;
}

std::string override_key(const std::string& key_equals_value) {
  const size_t equals = key_equals_value.find('=');
  return std::string(trim(key_equals_value.substr(0, equals)));
}

}  // namespace

SweepPlan plan_sweep(const SweepRequest& request) {
  if (request.configs.empty()) throw UsageError("sweep: give at least one config file");
  if (request.seeds < 0) throw UsageError("sweep: --seeds must be ≥ 1");
  std::set<std::string> config_paths;
  for (const fs::path& config : request.configs) {
    if (!config_paths.insert(config.lexically_normal().string()).second) {
      throw UsageError("sweep: config " + config.string() + " is given twice");
    }
  }
  std::vector<GridAxis> axes;
  std::map<std::string, std::string> given_as;  // canonical key -> how it was given
  for (const std::string& set : request.overrides) {
    const std::string canonical = canonical_key(override_key(set));
    if (!canonical.empty()) given_as[canonical] = "--set " + override_key(set);
  }
  for (const std::string& spec : request.grid) {
    GridAxis axis = parse_grid(spec);
    const auto [earlier, inserted] = given_as.emplace(axis.canonical, "--grid " + axis.key);
    if (!inserted) {
      throw UsageError("--grid " + axis.key + ": the same key is already given as " +
                       earlier->second + "; give it once");
    }
    axes.push_back(std::move(axis));
  }

  SweepPlan plan;
  plan.runs_dir = request.runs_dir.empty()
                      ? fs::path("runs") / ("sweep-" + request.configs.front().stem().string())
                      : request.runs_dir;
  std::map<fs::path, std::string> dir_owner;
  for (const fs::path& config : request.configs) {
    // The first seed is the config's own, after --set: `--set seed=10 --seeds 3` is 10, 11, 12.
    const int64_t first_seed = Config::load_file(config, request.overrides).i64("seed");
    const int64_t seed_count = request.seeds > 0 ? request.seeds : 1;
    std::vector<size_t> choice(axes.size(), 0);
    while (true) {
      for (int64_t s = 0; s < seed_count; ++s) {
        SweepRun run;
        run.config_file = config;
        run.seed = first_seed + s;
        run.overrides = request.overrides;
        run.name = config.stem().string();
        for (size_t a = 0; a < axes.size(); ++a) {
          const std::string& value = axes[a].values[choice[a]];
          run.overrides.push_back(axes[a].key + "=" + value);
          run.name += "-" + file_name_part(axes[a].key) + "_" + file_name_part(value);
        }
        run.overrides.push_back("seed=" + std::to_string(run.seed));
        run.name += "-s" + std::to_string(run.seed);
        run.dir = plan.runs_dir / run.name;
        try {
          run.resolved = Config::load_file(config, run.overrides).resolved();
        } catch (const ConfigError& e) {
          throw ConfigError("sweep run " + run.name + ": " + e.what());
        }
        const auto [owner, inserted] = dir_owner.emplace(run.dir, config.string());
        if (!inserted) {
          throw UsageError("sweep: two runs would share the directory " + run.dir.string() +
                           " (configs " + owner->second + " and " + config.string() +
                           " have the same name, or grid values differ only in characters a "
                           "file name cannot hold)");
        }
        plan.runs.push_back(std::move(run));
      }
      // Next grid combination, the last key varying fastest.
      size_t a = axes.size();
      while (a > 0 && ++choice[a - 1] == axes[a - 1].values.size()) choice[--a] = 0;
      if (a == 0) break;
    }
  }
  return plan;
}

const char* action_name(RunAction action) {
  switch (action) {
    case RunAction::kTrain:
      return "train";
    case RunAction::kResume:
      return "resume";
    case RunAction::kRestart:
      return "restart";
    case RunAction::kSkip:
      return "skip";
    case RunAction::kConflict:
      return "conflict";
  }
  return "?";
}

namespace {

// "" when the run directory's config.json holds the planned config, else why it does not.
std::string config_difference(const fs::path& file, const json& planned) {
  std::ifstream in(file);
  json stored = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (stored.is_discarded()) return "its config.json is not valid JSON";
  json resolved;
  try {
    // Loading fills keys added to lever since the run started with their defaults.
    resolved = Config::from_json(stored, file.string()).resolved();
  } catch (const ConfigError& e) {
    return std::string("its config.json does not load: ") + e.what();
  }
  std::vector<std::string> keys;
  for (const auto& [key, value] : planned.items()) {
    if (!resolved.contains(key) || resolved.at(key) != value) keys.push_back(key);
  }
  if (keys.empty()) return "";
  return "its config.json differs in " + join(keys, ", ");
}

bool has_checkpoint(const fs::path& dir) {
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    if (it->path().extension() == ".pt") return true;
  }
  return false;
}

}  // namespace

RunInspection inspect_run(const SweepRun& run) {
  const fs::path config_json = run.dir / "config.json";
  const bool has_config = fs::exists(config_json);
  const std::string difference = has_config ? config_difference(config_json, run.resolved) : "";
  if (fs::exists(run.dir / "final.pt") && fs::exists(run.dir / "summary.json")) {
    if (!difference.empty()) {
      return {RunAction::kConflict, "holds a finished run, but " + difference + "; left alone"};
    }
    return {RunAction::kSkip, "finished"};
  }
  const bool checkpoint = has_checkpoint(run.dir / "checkpoints");
  if (checkpoint && !has_config) {
    return {RunAction::kConflict, "holds checkpoints but no config.json; left alone"};
  }
  if (checkpoint && !difference.empty()) {
    return {RunAction::kConflict,
            "holds checkpoints, but " + difference + "; left alone (move it away to start again)"};
  }
  if (checkpoint) return {RunAction::kResume, "started; continuing from its newest checkpoint"};
  if (has_config || fs::exists(run.dir / "checkpoints")) {
    return {RunAction::kRestart, difference.empty() ? "started, but has no checkpoint yet"
                                                    : difference + " and has no checkpoint"};
  }
  return {RunAction::kTrain, ""};
}

std::string describe_plan(const SweepPlan& plan) {
  std::ostringstream out;
  for (const SweepRun& run : plan.runs) {
    const RunInspection inspection = inspect_run(run);
    out << run.dir.string() << ": " << action_name(inspection.action);
    if (inspection.action == RunAction::kTrain || inspection.action == RunAction::kRestart) {
      out << " " << run.config_file.string();
      for (const std::string& set : run.overrides) out << " --set " << set;
    }
    if (!inspection.reason.empty()) out << " (" << inspection.reason << ")";
    out << "\n";
  }
  return out.str();
}

namespace {

using Clock = std::chrono::steady_clock;

std::string now_text() {
  const std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", std::localtime(&now));
  return text;
}

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f s", seconds);
  return text;
}

// Starts `binary args...` in its own process group (so a terminal's Ctrl-C reaches only the
// sweep, which forwards it once: a second SIGINT would make lever abort without a checkpoint),
// stdout and stderr appended to `log`. The child gets SIGTERM if the sweep dies first.
pid_t spawn(const fs::path& binary, const std::vector<std::string>& args, const fs::path& log) {
  std::vector<std::string> strings = {binary.string()};
  strings.insert(strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  const std::string log_path = log.string();
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid < 0) throw RuntimeFailure(std::string("sweep: fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    // Ignored signals stay ignored across exec; the child must be able to hear the forwarded one.
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, 0);
    const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) _exit(127);
    dup2(fd, 1);
    dup2(fd, 2);
    execv(argv[0], argv.data());
    static const char kMessage[] = "lever sweep: cannot execute the lever binary\n";
    [[maybe_unused]] const auto written = write(2, kMessage, sizeof(kMessage) - 1);
    _exit(127);
  }
  setpgid(pid, pid);  // also here, so the group exists before we might signal it
  return pid;
}

std::vector<std::string> child_args(const SweepRun& run, RunAction action) {
  if (action == RunAction::kResume) return {"resume", run.dir.string(), "--quiet"};
  std::vector<std::string> args = {"train", run.config_file.string(), "--run-dir", run.dir.string(),
                                   "--quiet"};
  if (action == RunAction::kRestart) args.push_back("--overwrite");
  for (const std::string& set : run.overrides) {
    args.push_back("--set");
    args.push_back(set);
  }
  return args;
}

// A restart keeps train.log (the earlier attempts' output) and removes everything else, so the
// child's --overwrite finds nothing to delete and its output goes on into the same log.
void clear_for_restart(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename() != "train.log") fs::remove_all(entry.path());
  }
}

json sweep_json(const SweepPlan& plan, const std::vector<SweepRunRecord>& records,
                bool interrupted) {
  json runs = json::array();
  for (size_t i = 0; i < plan.runs.size(); ++i) {
    const SweepRun& run = plan.runs[i];
    const SweepRunRecord& record = records[i];
    json row = {{"name", run.name},
                {"dir", run.dir.string()},
                {"config", run.config_file.string()},
                {"overrides", run.overrides},
                {"seed", run.seed},
                {"status", record.status},
                {"action", record.action},
                {"seconds", std::round(record.seconds * 10) / 10}};
    if (record.status == "failed" || record.status == "stopped") {
      row["exit_code"] = record.exit_code;
    }
    if (!record.message.empty()) row["message"] = record.message;
    runs.push_back(row);
  }
  return {{"runs_dir", plan.runs_dir.string()},
          {"updated_at", now_text()},
          {"interrupted", interrupted},
          {"runs", runs}};
}

struct Child {
  pid_t pid;
  size_t index;
  Clock::time_point started;
};

}  // namespace

SweepResult run_sweep(const SweepPlan& plan, const SweepOptions& options) {
  if (::access(options.lever_binary.c_str(), X_OK) != 0) {
    throw RuntimeFailure("sweep: cannot execute " + options.lever_binary.string());
  }
  if (options.jobs < 1) throw UsageError("sweep: --jobs must be ≥ 1");
  // Runs side by side share the cores. Debian's LibTorch multiplies through OpenBLAS, whose own
  // threads ignore torch_threads and spin for work: with two runs on two cores an update measured
  // 5-20x slower. One BLAS thread per run, unless the user chose otherwise (children inherit it).
  if (options.jobs > 1) setenv("OPENBLAS_NUM_THREADS", "1", /*overwrite=*/0);
  std::ostream& out = options.out ? *options.out : std::cout;
  const auto stop = [&] {
    return options.stop_requested ? options.stop_requested() : stop_requested();
  };
  const size_t total = plan.runs.size();
  SweepResult result;
  result.records.resize(total);
  fs::create_directories(plan.runs_dir);
  const fs::path sweep_file = plan.runs_dir / "sweep.json";
  bool stopping = false;
  const auto save = [&] {
    write_file_atomic(sweep_file, sweep_json(plan, result.records, stopping).dump(2) + "\n");
  };
  const auto tag = [&](size_t i, const char* word) {
    char text[64];
    std::snprintf(text, sizeof(text), "[%zu/%zu] %-8s", i + 1, total, word);
    return std::string(text) + plan.runs[i].name;
  };
  save();

  std::vector<Child> running;
  size_t next = 0;
  const auto start_next = [&] {
    const size_t i = next++;
    const SweepRun& run = plan.runs[i];
    SweepRunRecord& record = result.records[i];
    const RunInspection inspection = inspect_run(run);
    record.action = action_name(inspection.action);
    record.message = inspection.reason;
    if (inspection.action == RunAction::kSkip) {
      record.status = "skipped";
      out << tag(i, "skip") << ": " << inspection.reason << std::endl;
      return;
    }
    if (inspection.action == RunAction::kConflict) {
      record.status = "error";
      out << tag(i, "error") << ": " << inspection.reason << std::endl;
      return;
    }
    if (inspection.action == RunAction::kRestart) clear_for_restart(run.dir);
    fs::create_directories(run.dir);
    const fs::path log = run.dir / "train.log";
    const std::vector<std::string> args = child_args(run, inspection.action);
    std::ofstream(log, std::ios::app)
        << "\n==> lever sweep, " << now_text() << ": lever " << join(args, " ") << "\n";
    running.push_back({spawn(options.lever_binary, args, log), i, Clock::now()});
    result.max_running = std::max(result.max_running, static_cast<int>(running.size()));
    record.status = "running";
    out << tag(i, "start") << ": " << record.action
        << (inspection.reason.empty() ? "" : " (" + inspection.reason + ")") << std::endl;
  };
  const auto finish = [&](const Child& child, int status) {
    SweepRunRecord& record = result.records[child.index];
    record.seconds = std::chrono::duration<double>(Clock::now() - child.started).count();
    const std::string log = (plan.runs[child.index].dir / "train.log").string();
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      record.status = "done";
      record.message.clear();
      out << tag(child.index, "done") << " (" << seconds_text(record.seconds) << ")" << std::endl;
      return;
    }
    record.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (record.exit_code == 130 || (stopping && WIFSIGNALED(status))) {
      record.status = "stopped";
      record.message = "interrupted; running the sweep again continues it";
      out << tag(child.index, "stopped") << " (after " << seconds_text(record.seconds) << ")"
          << std::endl;
      return;
    }
    record.status = "failed";
    record.message = WIFSIGNALED(status)
                         ? "killed by signal " + std::to_string(WTERMSIG(status)) + "; see " + log
                         : "exit code " + std::to_string(record.exit_code) + "; see " + log;
    out << tag(child.index, "failed") << " (" << record.message << ", after "
        << seconds_text(record.seconds) << ")" << std::endl;
  };

  while (true) {
    if (!stopping && stop()) {
      stopping = true;
      out << "sweep: stopping; waiting for " << running.size()
          << " running run(s) to write a checkpoint" << std::endl;
      for (const Child& child : running) ::kill(child.pid, SIGINT);
      save();
    }
    bool changed = false;
    while (!stopping && next < total && static_cast<int>(running.size()) < options.jobs) {
      start_next();
      changed = true;
    }
    for (size_t c = 0; c < running.size();) {
      int status = 0;
      const pid_t done = ::waitpid(running[c].pid, &status, WNOHANG);
      const bool reaped_elsewhere = done < 0 && errno == ECHILD;
      if (reaped_elsewhere) {
        // SIGCHLD is ignored, so the exit status is gone: judge the run by what it left on disk.
        const fs::path dir = plan.runs[running[c].index].dir;
        status = fs::exists(dir / "final.pt") && fs::exists(dir / "summary.json") ? 0 : 1 << 8;
      }
      if (done == running[c].pid || reaped_elsewhere) {
        finish(running[c], status);
        running.erase(running.begin() + static_cast<std::ptrdiff_t>(c));
        changed = true;
      } else {
        ++c;
      }
    }
    if (changed) save();
    if (running.empty() && (stopping || next == total)) break;
    if (!changed) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  std::map<std::string, int> counts;
  for (const SweepRunRecord& record : result.records) ++counts[record.status];
  std::vector<std::string> parts;
  for (const char* status : {"done", "skipped", "failed", "error", "stopped", "pending"}) {
    if (counts[status] > 0) parts.push_back(std::to_string(counts[status]) + " " + status);
  }
  out << "sweep: " << join(parts, ", ") << "; " << sweep_file.string() << std::endl;
  const bool any_bad = counts["failed"] + counts["error"] + counts["stopped"] > 0;
  result.exit_code = stopping ? 130 : any_bad ? 1 : 0;
  return result;
}

}  // namespace lever

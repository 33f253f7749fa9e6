#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "support/error_message.h"
#include "lever/core/errors.h"
#include "lever/study/sweep.h"
#include "support/scratch_dir.h"

namespace lever {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::read_file;
using testing::ScratchDir;
using testing::write_file;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class SweepTest : public ::testing::Test {
 protected:
  // A small valid config named <stem>.json in the scratch directory.
  fs::path config(const std::string& stem, const std::string& extra = "") {
    const fs::path path = dir_ / (stem + ".json");
    write_file(path, R"({"env": "cartpole", "total_steps": 1000)" + extra + "}");
    return path;
  }
  SweepRequest request(std::vector<fs::path> configs, std::vector<std::string> grid = {}) {
    SweepRequest r;
    r.configs = std::move(configs);
    r.grid = std::move(grid);
    r.runs_dir = dir_ / "runs";
    return r;
  }
  static std::vector<std::string> names(const SweepPlan& plan) {
    std::vector<std::string> out;
    for (const SweepRun& run : plan.runs) out.push_back(run.name);
    return out;
  }
  // Makes `run`'s directory look as lever leaves it: config.json (with run metadata) and,
  // optionally, checkpoints and the files of a finished run.
  static void fake_run_files(const SweepRun& run, bool checkpoint, bool finished,
                             const json& config_changes = json::object()) {
    fs::create_directories(run.dir / "checkpoints");
    json config = run.resolved;
    config.update(config_changes);
    config["lever"] = {{"version", "0.1.0"}, {"git_commit", "abc"}};
    write_file(run.dir / "config.json", config.dump(2));
    if (checkpoint) write_file(run.dir / "checkpoints" / "update_000002.pt", "weights");
    if (finished) {
      write_file(run.dir / "final.pt", "weights");
      write_file(run.dir / "summary.json", "{}");
    }
  }

  ScratchDir dir_;
};

TEST_F(SweepTest, PlanIsTheCrossProductInOrder) {
  SweepRequest r = request({config("a"), config("b")}, {"lr=0.1,0.2", "num_envs=4,8"});
  r.seeds = 2;
  r.overrides = {"total_steps=500"};
  const SweepPlan plan = plan_sweep(r);
  ASSERT_EQ(plan.runs.size(), 16u);
  const std::vector<std::string> first = {
      "a-lr_0.1-num_envs_4-s1", "a-lr_0.1-num_envs_4-s2", "a-lr_0.1-num_envs_8-s1",
      "a-lr_0.1-num_envs_8-s2", "a-lr_0.2-num_envs_4-s1",
  };
  const std::vector<std::string> all = names(plan);
  EXPECT_EQ(std::vector<std::string>(all.begin(), all.begin() + 5), first);
  EXPECT_EQ(plan.runs[8].name, "b-lr_0.1-num_envs_4-s1");
  EXPECT_EQ(plan.runs.back().name, "b-lr_0.2-num_envs_8-s2");

  const SweepRun& last = plan.runs.back();
  EXPECT_EQ(last.dir, dir_ / "runs" / "b-lr_0.2-num_envs_8-s2");
  EXPECT_EQ(last.config_file, dir_ / "b.json");
  EXPECT_EQ(last.overrides,
            (std::vector<std::string>{"total_steps=500", "lr=0.2", "num_envs=8", "seed=2"}));
  EXPECT_EQ(last.seed, 2);
  EXPECT_EQ(last.resolved.at("learning_rate"), 0.2);
  EXPECT_EQ(last.resolved.at("num_envs"), 8);
  EXPECT_EQ(last.resolved.at("total_steps"), 500);
  EXPECT_EQ(last.resolved.at("seed"), 2);
}

TEST_F(SweepTest, SeedsStartAtTheConfigsSeed) {
  SweepRequest r = request({config("a", R"(, "seed": 7)")});
  EXPECT_EQ(names(plan_sweep(r)), std::vector<std::string>{"a-s7"});
  r.seeds = 3;
  EXPECT_EQ(names(plan_sweep(r)), (std::vector<std::string>{"a-s7", "a-s8", "a-s9"}));
  r.overrides = {"seed=10"};
  EXPECT_EQ(names(plan_sweep(r)), (std::vector<std::string>{"a-s10", "a-s11", "a-s12"}));
  EXPECT_EQ(names(plan_sweep(request({config("b")}))), std::vector<std::string>{"b-s1"});
}

TEST_F(SweepTest, DefaultRunsDirIsNamedAfterTheFirstConfig) {
  SweepRequest r = request({config("first"), config("second")});
  r.runs_dir.clear();
  EXPECT_EQ(plan_sweep(r).runs_dir, fs::path("runs/sweep-first"));
}

TEST_F(SweepTest, ListValuesSplitAtTopLevelCommasAndNamesAreFileSafe) {
  const SweepPlan plan =
      plan_sweep(request({config("a")}, {"hidden_sizes=[64,64],[32]", "description=x y/z"}));
  EXPECT_EQ(names(plan), (std::vector<std::string>{"a-hidden_sizes__64_64_-description_x_y_z-s1",
                                                   "a-hidden_sizes__32_-description_x_y_z-s1"}));
  EXPECT_EQ(plan.runs[1].resolved.at("hidden_sizes"), json::array({32}));
  EXPECT_EQ(plan.runs[1].resolved.at("description"), "x y/z");
}

TEST_F(SweepTest, InvalidGridsAreRefusedBeforeAnythingRuns) {
  const fs::path a = config("a");
  const auto error = [&](std::vector<std::string> grid, std::vector<std::string> sets = {}) {
    SweepRequest r = request({a}, std::move(grid));
    r.overrides = std::move(sets);
    return testing::thrown_message<UsageError>([&] { plan_sweep(r); });
  };
  EXPECT_EQ(error({"lrr=0.1"}), "--grid: unknown key 'lrr' (did you mean 'lr'?)");
  EXPECT_EQ(error({"lr"}), "--grid: expected key=value1,value2,..., got 'lr'");
  EXPECT_EQ(error({"lr="}), "--grid lr: no values given");
  EXPECT_EQ(error({"lr=0.1,,0.2"}), "--grid lr: empty value in '0.1,,0.2'");
  EXPECT_EQ(error({"lr=0.1,0.1"}), "--grid lr: value '0.1' appears twice");
  EXPECT_EQ(error({"lr=0.1", "learning_rate=0.2"}),
            "--grid learning_rate: the same key is already given as --grid lr; give it once");
  EXPECT_EQ(error({"lr=0.1,0.2"}, {"learning_rate=0.3"}),
            "--grid lr: the same key is already given as --set learning_rate; give it once");
  EXPECT_NE(error({"seed=1,2"}).find("vary the seed with --seeds N"), std::string::npos);
  EXPECT_EQ(error({"lr=0.1,2"}),
            "sweep run a-lr_2-s1: --set: key 'learning_rate' must be in (0, 1], got 2");
  EXPECT_NE(error({}, {"num_env=3"}).find("unknown key 'num_env'"), std::string::npos);
}

TEST_F(SweepTest, ConfigsAndRunDirectoriesMustBeDistinct) {
  const fs::path a = config("a");
  EXPECT_EQ(testing::thrown_message<UsageError>([&] {
              plan_sweep(request({a, a}));
            }),
            "sweep: config " + a.string() + " is given twice");
  fs::create_directories(dir_ / "other");
  write_file(dir_ / "other" / "a.json", R"({"env": "cartpole"})");
  EXPECT_NE(testing::thrown_message<UsageError>([&] {
              plan_sweep(request({a, dir_ / "other" / "a.json"}));
            }).find("two runs would share the directory"),
            std::string::npos);
  EXPECT_EQ(testing::thrown_message<UsageError>([&] { plan_sweep(request({dir_ / "missing.json"})); }),
            (dir_ / "missing.json").string() + ": cannot read config file");
}

TEST_F(SweepTest, InspectionFollowsWhatTheDirectoryHolds) {
  const SweepPlan plan = plan_sweep(request({config("a")}, {"lr=0.1,0.2,0.3,0.4,0.5,0.6"}));
  const std::vector<SweepRun>& runs = plan.runs;
  fs::create_directories(runs[1].dir);
  write_file(runs[1].dir / "train.log", "exec failed\n");  // an attempt that never started
  fake_run_files(runs[2], /*checkpoint=*/true, /*finished=*/false);
  fake_run_files(runs[3], /*checkpoint=*/false, /*finished=*/false, {{"gamma", 0.5}});
  fake_run_files(runs[4], /*checkpoint=*/true, /*finished=*/false, {{"gamma", 0.5}});
  fake_run_files(runs[5], /*checkpoint=*/true, /*finished=*/true);

  EXPECT_EQ(inspect_run(runs[0]).action, RunAction::kTrain);
  EXPECT_EQ(inspect_run(runs[1]).action, RunAction::kTrain);
  EXPECT_EQ(inspect_run(runs[2]).action, RunAction::kResume);
  const RunInspection restart = inspect_run(runs[3]);
  EXPECT_EQ(restart.action, RunAction::kRestart);
  EXPECT_EQ(restart.reason, "its config.json differs in gamma and has no checkpoint");
  const RunInspection conflict = inspect_run(runs[4]);
  EXPECT_EQ(conflict.action, RunAction::kConflict);
  EXPECT_EQ(conflict.reason,
            "holds checkpoints, but its config.json differs in gamma; left alone (move it away to "
            "start again)");
  EXPECT_EQ(inspect_run(runs[5]).action, RunAction::kSkip);
  fake_run_files(runs[5], true, true, {{"num_envs", 3}});
  EXPECT_EQ(inspect_run(runs[5]).action, RunAction::kConflict);
}

TEST_F(SweepTest, DryRunDescribesEachRunsAction) {
  const fs::path a = config("a");
  const SweepPlan plan = plan_sweep(request({a}, {"lr=0.1,0.2"}));
  fake_run_files(plan.runs[1], true, true);
  EXPECT_EQ(lines_of(describe_plan(plan)),
            (std::vector<std::string>{
                plan.runs[0].dir.string() + ": train " + a.string() + " --set lr=0.1 --set seed=1",
                plan.runs[1].dir.string() + ": skip (finished)",
            }));
}

// A stand-in for the lever binary: logs its arguments and start/end times, sleeps, then writes
// the files of a finished run, or exits 3 when its run directory's name contains "fail".
// SIGINT/SIGTERM make it log "signal <dir>" and exit 130, as lever does after a checkpoint.
class SweepRunner : public SweepTest {
 protected:
  fs::path fake_lever(double sleep_seconds) {
    const fs::path script = dir_ / "fake_lever.sh";
    const std::string calls = (dir_ / "calls.log").string();
    const std::string times = (dir_ / "times.log").string();
    write_file(script,
               "#!/bin/sh\n"
               "echo \"$*\" >> " +
                   calls +
                   "\n"
                   "if [ \"$1\" = resume ]; then dir=$2; else\n"
                   "  prev=''\n"
                   "  for a in \"$@\"; do [ \"$prev\" = --run-dir ] && dir=$a; prev=$a; done\n"
                   "fi\n"
                   "trap 'echo \"signal $dir\" >> " +
                   calls +
                   "; exit 130' INT TERM\n"
                   "echo \"start $(date +%s%N) $dir\" >> " +
                   times +
                   "\n"
                   "echo \"fake lever output\"\n"
                   "sleep " +
                   std::to_string(sleep_seconds) +
                   " & wait $!\n"
                   "echo \"end $(date +%s%N) $dir\" >> " +
                   times +
                   "\n"
                   "case \"$dir\" in *fail*) echo boom >&2; exit 3;; esac\n"
                   "echo \"$OPENBLAS_NUM_THREADS\" > \"$dir/blas_threads\"\n"
                   "touch \"$dir/final.pt\"; echo '{}' > \"$dir/summary.json\"\n");
    fs::permissions(script, fs::perms::owner_all);
    return script;
  }
  SweepResult run(
      const SweepPlan& plan, const fs::path& binary, int jobs = 1,
      std::function<bool()> stop = [] { return false; }) {
    SweepOptions options;
    options.lever_binary = binary;
    options.jobs = jobs;
    options.out = &out_;
    options.stop_requested = std::move(stop);
    return run_sweep(plan, options);
  }
  std::vector<std::string> calls() { return lines_of(read_file(dir_ / "calls.log")); }
  json sweep_json(const SweepPlan& plan) {
    return json::parse(read_file(plan.runs_dir / "sweep.json"));
  }
  static std::vector<std::string> statuses(const json& sweep) {
    std::vector<std::string> out;
    for (const json& run : sweep.at("runs")) out.push_back(run.at("status"));
    return out;
  }
  // The most runs alive at once, from the fake's start and end times.
  int max_overlap() {
    std::vector<std::pair<long long, int>> events;
    for (const std::string& line : lines_of(read_file(dir_ / "times.log"))) {
      std::istringstream in(line);
      std::string kind;
      long long when = 0;
      in >> kind >> when;
      events.push_back({when, kind == "start" ? 1 : -1});
    }
    std::sort(events.begin(), events.end());
    int alive = 0, most = 0;
    for (const auto& event : events) most = std::max(most, alive += event.second);
    return most;
  }

  std::ostringstream out_;
};

TEST_F(SweepRunner, NewRunsGetTrainWithTheirSetArguments) {
  const fs::path a = config("a");
  SweepRequest r = request({a}, {"lr=0.1,0.2"});
  r.overrides = {"total_steps=500"};
  const SweepPlan plan = plan_sweep(r);
  const SweepResult result = run(plan, fake_lever(0.01));
  EXPECT_EQ(result.exit_code, 0);
  const std::string prefix = "train " + a.string() + " --run-dir ";
  EXPECT_EQ(calls(), (std::vector<std::string>{
                         prefix + plan.runs[0].dir.string() +
                             " --quiet --set total_steps=500 --set lr=0.1 --set seed=1",
                         prefix + plan.runs[1].dir.string() +
                             " --quiet --set total_steps=500 --set lr=0.2 --set seed=1",
                     }));
  const std::string log = read_file(plan.runs[0].dir / "train.log");
  EXPECT_NE(log.find("==> lever sweep"), std::string::npos);
  EXPECT_NE(log.find("fake lever output"), std::string::npos);
  EXPECT_EQ(statuses(sweep_json(plan)), (std::vector<std::string>{"done", "done"}));
  EXPECT_NE(out_.str().find("[1/2] start   a-lr_0.1-s1: train"), std::string::npos);
  EXPECT_NE(out_.str().find("[2/2] done    a-lr_0.2-s1 ("), std::string::npos);

  // The same sweep again has nothing left to do.
  const SweepResult again = run(plan, fake_lever(0.01));
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(calls().size(), 2u);
  EXPECT_EQ(statuses(sweep_json(plan)), (std::vector<std::string>{"skipped", "skipped"}));
}

TEST_F(SweepRunner, FinishedSkippedStartedResumedUncheckpointedRestarted) {
  const fs::path a = config("a");
  const SweepPlan plan = plan_sweep(request({a}, {"lr=0.1,0.2,0.3,0.4"}));
  fake_run_files(plan.runs[0], /*checkpoint=*/true, /*finished=*/true);
  fake_run_files(plan.runs[1], /*checkpoint=*/true, /*finished=*/false);
  fake_run_files(plan.runs[2], /*checkpoint=*/false, /*finished=*/false);
  write_file(plan.runs[2].dir / "metrics.csv", "stale\n");
  write_file(plan.runs[2].dir / "train.log", "first attempt\n");

  const SweepResult result = run(plan, fake_lever(0.01));
  EXPECT_EQ(result.exit_code, 0);
  const std::string train = "train " + a.string() + " --run-dir ";
  EXPECT_EQ(calls(), (std::vector<std::string>{
                         "resume " + plan.runs[1].dir.string() + " --quiet",
                         train + plan.runs[2].dir.string() +
                             " --quiet --overwrite --set lr=0.3 --set seed=1",
                         train + plan.runs[3].dir.string() + " --quiet --set lr=0.4 --set seed=1",
                     }));
  // The restart removed the stale run but kept the earlier attempt's log.
  EXPECT_FALSE(fs::exists(plan.runs[2].dir / "metrics.csv"));
  EXPECT_EQ(read_file(plan.runs[2].dir / "train.log").rfind("first attempt\n", 0), 0u);
  const json sweep = sweep_json(plan);
  EXPECT_EQ(statuses(sweep), (std::vector<std::string>{"skipped", "done", "done", "done"}));
  EXPECT_EQ(sweep["runs"][1]["action"], "resume");
  EXPECT_EQ(sweep["runs"][2]["action"], "restart");
  EXPECT_NE(out_.str().find("[1/4] skip    a-lr_0.1-s1: finished"), std::string::npos);
}

TEST_F(SweepRunner, JobsRunThatManyAtOnceWithOneBlasThreadEach) {
  const SweepPlan plan = plan_sweep(request({config("a")}, {"lr=0.1,0.2,0.3,0.4"}));
  unsetenv("OPENBLAS_NUM_THREADS");
  const SweepResult result = run(plan, fake_lever(0.3), /*jobs=*/2);
  unsetenv("OPENBLAS_NUM_THREADS");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.max_running, 2);
  EXPECT_EQ(max_overlap(), 2);
  EXPECT_EQ(calls().size(), 4u);
  for (const SweepRun& r : plan.runs) EXPECT_EQ(read_file(r.dir / "blas_threads"), "1\n");
}

TEST_F(SweepRunner, OneJobRunsOneAtATime) {
  const SweepPlan plan = plan_sweep(request({config("a")}, {"lr=0.1,0.2,0.3"}));
  EXPECT_EQ(run(plan, fake_lever(0.05)).exit_code, 0);
  EXPECT_EQ(max_overlap(), 1);
}

TEST_F(SweepRunner, AFailedRunGivesExitOneAndTheOthersStillRun) {
  const SweepPlan plan = plan_sweep(request({config("a")}, {"description=ok,fail,fine"}));
  const SweepResult result = run(plan, fake_lever(0.01));
  EXPECT_EQ(result.exit_code, 1);
  const json sweep = sweep_json(plan);
  EXPECT_EQ(statuses(sweep), (std::vector<std::string>{"done", "failed", "done"}));
  EXPECT_EQ(sweep["runs"][1]["exit_code"], 3);
  EXPECT_NE(sweep["runs"][1]["message"].get<std::string>().find("exit code 3; see"),
            std::string::npos);
  EXPECT_FALSE(sweep["runs"][0].contains("exit_code"));
  EXPECT_NE(read_file(plan.runs[1].dir / "train.log").find("boom"), std::string::npos);
  EXPECT_NE(out_.str().find("[2/3] failed  a-description_fail-s1 (exit code 3"), std::string::npos);
}

TEST_F(SweepRunner, AnotherConfigsCheckpointsAreLeftAloneAndReported) {
  const SweepPlan plan = plan_sweep(request({config("a")}, {"lr=0.1,0.2"}));
  fake_run_files(plan.runs[0], /*checkpoint=*/true, /*finished=*/false, {{"num_steps", 64}});
  const SweepResult result = run(plan, fake_lever(0.01));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_TRUE(fs::exists(plan.runs[0].dir / "checkpoints" / "update_000002.pt"));
  EXPECT_FALSE(fs::exists(plan.runs[0].dir / "final.pt"));
  EXPECT_EQ(calls().size(), 1u);
  const json sweep = sweep_json(plan);
  EXPECT_EQ(statuses(sweep), (std::vector<std::string>{"error", "done"}));
  EXPECT_NE(sweep["runs"][0]["message"].get<std::string>().find("differs in num_steps"),
            std::string::npos);
}

TEST_F(SweepRunner, StopForwardsTheSignalWaitsAndLeavesTheRestPending) {
  const SweepPlan plan = plan_sweep(request({config("a")}, {"lr=0.1,0.2,0.3"}));
  const fs::path times = dir_ / "times.log";
  const auto started = std::chrono::steady_clock::now();
  // Stop as soon as the first child is running.
  const SweepResult result =
      run(plan, fake_lever(8), /*jobs=*/1, [&] { return fs::exists(times); });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(result.exit_code, 130);
  EXPECT_LT(seconds, 5.0);  // the child heard the signal instead of sleeping on
  EXPECT_EQ(calls().back(), "signal " + plan.runs[0].dir.string());
  const json sweep = sweep_json(plan);
  EXPECT_EQ(statuses(sweep), (std::vector<std::string>{"stopped", "pending", "pending"}));
  EXPECT_EQ(sweep["runs"][0]["exit_code"], 130);
  EXPECT_TRUE(sweep["interrupted"].get<bool>());
}

TEST_F(SweepRunner, AMissingBinaryIsReportedBeforeAnythingStarts) {
  const SweepPlan plan = plan_sweep(request({config("a")}));
  EXPECT_THROW(run(plan, dir_ / "no-such-lever"), RuntimeFailure);
  EXPECT_FALSE(fs::exists(plan.runs[0].dir));
}

}  // namespace
}  // namespace lever

// The `lever` command: parses arguments, calls the library, turns errors into one-line messages.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>

#include "lever/algo/play.h"
#include "lever/algo/train.h"
#include "lever/bench/bench.h"
#include "lever/cli/pbt_commands.h"
#include "lever/cli/pbt_toy_command.h"
#include "lever/cli/saliency_command.h"
#include "lever/cli/study_commands.h"
#include "lever/core/errors.h"
#include "lever/core/machine.h"
#include "lever/core/stop_signal.h"
#include "lever/env/registry.h"
#include "lever/pbt/population.h"
#include "lever/study/procgen_params.h"
#include "lever/study/sweep.h"

namespace lever {
namespace {

// <config name>-<date>-<time>; a train-procgen section's runs are named <env>-<section>-...
std::string default_run_name(const std::string& config_path, const std::string& param_name,
                             const Config& config) {
  const std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", std::localtime(&now));
  const bool procgen_section = config_path.empty() || is_procgen_params_file(config_path);
  const std::string base = procgen_section ? config.str("env") + "-" + param_name
                                           : std::filesystem::path(config_path).stem().string();
  return base + "-" + stamp;
}

void print_result(const TrainResult& result, const std::filesystem::path& run_dir) {
  if (!result.finished) {
    std::printf("stopped after update %lld (%lld steps); continue with: lever resume %s\n",
                static_cast<long long>(result.updates), static_cast<long long>(result.total_steps),
                run_dir.c_str());
    return;
  }
  std::printf("finished %lld steps in %.1f s (%.0f steps/s)\n",
              static_cast<long long>(result.total_steps), result.wall_seconds,
              result.steps_per_second);
  if (!result.final_eval.returns.empty()) {
    std::printf("final evaluation over %zu episodes: mean %.2f  min %.2f  max %.2f  var %.2f\n",
                result.final_eval.returns.size(), result.final_eval.mean, result.final_eval.min,
                result.final_eval.max, result.final_eval.var);
  }
  std::printf("run directory: %s\n", run_dir.c_str());
}

nlohmann::json eval_json(const EvalStats& stats) {
  nlohmann::json out = {{"mean_return", stats.mean},        {"min_return", stats.min},
                        {"max_return", stats.max},          {"var_return", stats.var},
                        {"episodes", stats.returns.size()}, {"returns", stats.returns},
                        {"lengths", stats.lengths}};
  if (std::isfinite(stats.success_rate)) out["success_rate"] = stats.success_rate;
  if (std::isfinite(stats.mean_progress)) out["mean_progress"] = stats.mean_progress;
  return out;
}

void list_envs(bool as_json) {
  nlohmann::json all = nlohmann::json::array();
  for (const auto& info : env_registry()) {
    const EnvSpec spec = info.make(nlohmann::json::object())->spec();
    nlohmann::json row = {{"id", info.id},
                          {"description", info.description},
                          {"obs_shape", spec.obs_shape},
                          {"obs_dtype", spec.obs_type == ObsType::kF32 ? "float32" : "uint8"},
                          {"num_actions", spec.num_actions},
                          {"max_episode_steps", spec.max_episode_steps}};
    // MultiDiscrete: the sub-action sizes (the env takes their flat index).
    if (!spec.action_nvec.empty()) row["action_nvec"] = spec.action_nvec;
    nlohmann::json options = nlohmann::json::array();
    for (const auto& option : info.options) {
      options.push_back(
          {{"name", option.name}, {"default", option.default_value}, {"doc", option.doc}});
    }
    row["options"] = options;
    all.push_back(row);
  }
  if (as_json) {
    std::cout << all.dump(2) << "\n";
    return;
  }
  for (const auto& row : all) {
    std::string shape;
    for (const auto& d : row["obs_shape"]) shape += (shape.empty() ? "" : "x") + d.dump();
    std::string actions = std::to_string(row["num_actions"].get<int>()) + " actions";
    if (row.contains("action_nvec")) actions += " (MultiDiscrete " + row["action_nvec"].dump() + ")";
    std::printf("%-12s obs %s %s, %s, time limit %d\n", row["id"].get<std::string>().c_str(),
                shape.c_str(), row["obs_dtype"].get<std::string>().c_str(), actions.c_str(),
                row["max_episode_steps"].get<int>());
    std::printf("    %s\n", row["description"].get<std::string>().c_str());
    if (row["options"].empty()) std::printf("    options: none\n");
    for (const auto& option : row["options"]) {
      std::printf("    option %s (default %s): %s\n", option["name"].get<std::string>().c_str(),
                  option["default"].dump().c_str(), option["doc"].get<std::string>().c_str());
    }
  }
}

int run(int argc, char** argv) {
  CLI::App app{
      "lever: a fast deep reinforcement learning lab (PPO and TRPO on vectorised C++ envs)"};
  app.set_version_flag("--version",
                       std::string("lever ") + LEVER_VERSION + " (" + LEVER_GIT_COMMIT + ")");
  app.require_subcommand(1);
  app.footer(
      "Override any config key with --set key=value (train, config, sweep); keys: docs/CONFIG.md.\n"
      "Run `lever CMD --help` for the options of one command.");

  // train
  auto* train = app.add_subcommand(
      "train",
      "Train an agent from an experiment config (JSON or YAML) or a train-procgen YAML section");
  std::string config_path, name, run_dir_option, device;
  std::vector<std::string> overrides;
  int64_t seed = -1;
  bool quiet = false, overwrite = false, debug = false, ignore_memory_check = false;
  train->add_option("config", config_path,
                    "Experiment file: JSON or YAML (docs/CONFIG.md; the recurrent PPO "
                    "reference's YAML loads as written), or a train-procgen hyperparameter file "
                    "with --param_name (docs/TRAIN_PROCGEN.md)");
  train->add_option("--set", overrides, "Override a config key: --set key=value (repeatable)")
      ->allow_extra_args(false);
  train->add_option("--name", name, "Run name (default: <config name>-<date>-<time>)");
  train->add_option("--run-dir", run_dir_option, "Directory of this run (default: runs/<name>)");
  auto* seed_option = train->add_option("--seed", seed, "Random seed (key seed)");
  train->add_option("--device", device, "cpu, cuda or auto (key device)");
  train->add_flag("--quiet", quiet, "No progress line");
  train->add_flag("--overwrite", overwrite, "Replace a run already in the run directory");
  train->add_flag("--debug", debug,
                  "dqn: write <run>/debug/: PNGs of the stacked states fed to the network "
                  "(zero-filled frames outlined red) and a video of the raw game frames");
  std::string replay_compress;
  train->add_option("--replay-compress", replay_compress, "dqn: none or lz4 (key replay_compress)")
      ->check(CLI::IsMember({"none", "lz4"}));
  train->add_flag("--ignore-memory-check", ignore_memory_check,
                  "dqn: start even when the replay buffer exceeds the available memory");
  // train-procgen-pytorch's train.py flags, each standing for one lever key.
  std::string param_name, exp_name;
  train->add_option("--param_name,--param-name", param_name,
                    "Section of the train-procgen hyperparameter file (default file: " +
                        std::string(kProcgenParamsFile) + ")");
  train->add_option("--exp_name,--exp-name", exp_name,
                    "Experiment name: the run goes to logs/procgen/<env>/<exp_name> unless "
                    "--run-dir or --name is given");
  const std::vector<std::pair<std::string, std::string>> flag_keys = {
      {"--env_name", "env"},
      {"--start_level", "start_level"},
      {"--num_levels", "num_levels"},
      {"--distribution_mode", "distribution_mode"},
      {"--num_timesteps", "total_steps"},
  };
  std::vector<std::string> flag_values(flag_keys.size());
  std::vector<CLI::Option*> flag_options;
  for (size_t i = 0; i < flag_keys.size(); ++i) {
    std::string dashed = flag_keys[i].first.substr(2);
    std::replace(dashed.begin(), dashed.end(), '_', '-');
    flag_options.push_back(train->add_option(flag_keys[i].first + ",--" + dashed, flag_values[i],
                                             "train-procgen flag: key " + flag_keys[i].second));
  }
  train->footer(
      "Precedence, lowest first: the experiment config < the train-procgen section "
      "(--param_name) < flags (--seed, --device, --env_name, --num_levels, ...) < --set.");

  // resume
  auto* resume = app.add_subcommand("resume", "Continue a run from its newest checkpoint");
  std::string resume_dir;
  resume->add_option("run_dir", resume_dir, "The run's directory")->required();
  resume->add_flag("--quiet", quiet, "No progress line");
  resume->add_flag("--ignore-memory-check", ignore_memory_check,
                   "dqn: start even when the replay buffer exceeds the available memory");
  PbtProcessOptions resume_pbt_options;
  add_pbt_process_options(*resume, resume_pbt_options);

  // eval
  auto* eval = app.add_subcommand("eval", "Evaluate a trained agent over full episodes");
  std::string eval_target, levels = "test";
  int64_t episodes = 10, eval_seed = 12345;
  int eval_envs = 8;
  bool deterministic = false, as_json = false;
  eval->add_option("target", eval_target, "A run directory or a checkpoint file")->required();
  eval->add_option("--episodes", episodes, "Number of full episodes")->check(CLI::PositiveNumber);
  eval->add_flag("--deterministic", deterministic, "Argmax actions instead of sampling");
  eval->add_flag("--json", as_json, "Print one JSON object");
  eval->add_option("--levels", levels, "Levels to play: test (unseen) or train")
      ->check(CLI::IsMember({"test", "train"}));
  eval->add_option("--seed", eval_seed, "Seed of the evaluation envs and action sampling");
  eval->add_option("--num-envs", eval_envs, "Parallel evaluation envs")->check(CLI::PositiveNumber);

  // bench
  auto* bench = app.add_subcommand("bench", "Measure speed (figures for docs/PERFORMANCE.md)");
  std::string bench_what;
  int64_t bench_steps = 200000;
  int bench_num_envs = 64;
  double bench_seconds = 1.0;
  int64_t bench_capacity = 100000;
  bench
      ->add_option("what", bench_what,
                   "ppo (CartPole training), envs (steps/s of every env), replay (DQN's "
                   "replay buffer: bytes per transition, samples/s) or saliency (ms per frame)")
      ->required()
      ->check(CLI::IsMember({"ppo", "envs", "replay", "saliency"}));
  bench->add_option("--capacity", bench_capacity, "replay: transitions to store")
      ->check(CLI::PositiveNumber);
  std::string bench_compress = "none";
  bench->add_option("--replay-compress", bench_compress, "replay: none or lz4")
      ->check(CLI::IsMember({"none", "lz4"}));
  bench->add_flag("--json", as_json, "Print one JSON object");
  bench->add_option("--steps", bench_steps, "ppo: env steps to train for")
      ->check(CLI::PositiveNumber);
  bench->add_option("--num-envs", bench_num_envs, "envs: how many envs to step together")
      ->check(CLI::PositiveNumber);
  bench->add_option("--seconds", bench_seconds, "envs, replay: seconds per measurement")
      ->check(CLI::PositiveNumber);
  int bench_frames = 20;
  bench->add_option("--frames", bench_frames, "saliency: frames to time per variant")
      ->check(CLI::Range(1, 100000));
  std::string bench_device = "cpu";
  bench->add_option("--device", bench_device, "saliency: cpu, cuda or auto");
  bool bench_default_malloc = false;
  bench->add_flag("--default-malloc", bench_default_malloc,
                  "saliency: leave glibc's malloc settings as they are (the reference)");

  // envs
  auto* envs = app.add_subcommand("envs", "List every environment with its options and spaces");
  envs->add_flag("--json", as_json, "Print JSON");

  // config
  auto* config_cmd =
      app.add_subcommand("config", "Check a config and print it resolved, or the key reference");
  std::string check_path;
  bool doc = false;
  config_cmd->add_option("config", check_path, "Experiment file to check (JSON or YAML)");
  config_cmd->add_option("--set", overrides, "Override a config key: --set key=value")
      ->allow_extra_args(false);
  config_cmd->add_option("--param_name,--param-name", param_name,
                         "Section of a train-procgen hyperparameter file to check");
  config_cmd->add_flag("--doc", doc, "Print the key reference (docs/CONFIG.md)");

  // play
  auto* play =
      app.add_subcommand("play", "Write a video of one episode (random or trained policy)");
  std::string play_target, policy = "random", out;
  int64_t play_seed = 0, steps = 1000;
  play->add_option("target", play_target, "An env id, or a run directory (plays its agent)")
      ->required();
  play->add_option("--policy", policy, "random, or a run directory / checkpoint");
  play->add_option("--seed", play_seed, "Level seed and action sampling seed");
  play->add_option("--out", out, "Output video (.mp4 or .gif; default <target>.mp4)");
  play->add_option("--steps", steps, "Most steps to play")->check(CLI::PositiveNumber);
  play->add_flag("--deterministic", deterministic, "Argmax actions");

  // enjoy
  auto* enjoy = app.add_subcommand(
      "enjoy", "Watch a trained agent (recurrent or not) play: a video and each episode's return");
  std::string enjoy_target, enjoy_out;
  int64_t enjoy_episodes = 3, enjoy_seed = 0;
  enjoy->add_option("target", enjoy_target, "A run directory or a checkpoint (.pt)")->required();
  enjoy->add_option("--episodes", enjoy_episodes, "Episodes to play (default 3)")
      ->check(CLI::Range(int64_t{1}, int64_t{100000}));
  enjoy->add_option("--out", enjoy_out,
                    "Output video (.mp4 or .gif; default enjoy.mp4 in the run directory)");
  enjoy->add_option("--seed", enjoy_seed, "Level seed and action sampling seed");
  enjoy->add_flag("--deterministic", deterministic, "Argmax actions");

  // sweep
  auto* sweep = app.add_subcommand(
      "sweep", "Train every combination of configs x --grid values x seeds, resumably");
  std::vector<std::string> sweep_configs, grid, sweep_overrides;
  int64_t sweep_seeds = 0;
  int jobs = 1;
  std::string runs_dir;
  bool dry_run = false;
  sweep->add_option("configs", sweep_configs, "Experiment files (JSON or YAML)")->required();
  sweep->add_option("--grid", grid, "key=v1,v2,...: one run per value (repeatable; multiplies)")
      ->allow_extra_args(false);
  sweep->add_option("--seeds", sweep_seeds, "Seeds per combination: s, s+1, ... (s: config seed)")
      ->check(CLI::Range(int64_t{1}, int64_t{1000000}));
  sweep->add_option("--set", sweep_overrides, "Override a key in every run: --set key=value")
      ->allow_extra_args(false);
  sweep->add_option("--jobs", jobs, "Runs at once (default 1)")->check(CLI::Range(1, 4096));
  sweep->add_option("--runs-dir", runs_dir, "Where the runs go (default runs/sweep-<config>)");
  sweep->add_flag("--dry-run", dry_run, "Print each run and what would be done; run nothing");
  sweep->footer(
      "Run dirs: <runs-dir>/<config>[-<key>_<value>...]-s<seed>. Running the same sweep again "
      "skips finished runs and resumes stopped ones. See docs/SWEEPS.md.");

  // plot, report: their callbacks run inside parse
  add_study_commands(app);
  PbtCommandOptions pbt_options;
  auto* pbt = add_pbt_command(app, pbt_options);
  add_pbt_toy_command(app);
  add_saliency_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  if (train->parsed()) {
    TrainConfigSources sources;
    sources.config_file = config_path;
    sources.param_name = param_name;
    if (seed_option->count() > 0)
      sources.flags.push_back({"--seed", "seed=" + std::to_string(seed)});
    if (!device.empty()) sources.flags.push_back({"--device", "device=" + device});
    if (!replay_compress.empty()) {
      sources.flags.push_back({"--replay-compress", "replay_compress=" + replay_compress});
    }
    for (size_t i = 0; i < flag_keys.size(); ++i) {
      if (flag_options[i]->count() > 0) {
        sources.flags.push_back({flag_keys[i].first, flag_keys[i].second + "=" + flag_values[i]});
      }
    }
    sources.overrides = overrides;
    const Config config = resolve_train_config(sources);
    if (debug && config.str("policy") != "dqn") {
      throw UsageError("--debug is for policy dqn (this config trains " + config.str("policy") +
                       ")");
    }
    std::filesystem::path run_dir = run_dir_option;
    if (run_dir.empty() && name.empty() && !exp_name.empty()) {
      run_dir = std::filesystem::path("logs/procgen") / config.str("env") / exp_name;
    }
    if (run_dir.empty()) {
      if (name.empty()) name = default_run_name(config_path, param_name, config);
      run_dir = std::filesystem::path("runs") / name;
    }
    if (param_name.empty() && !config_path.empty() &&
        Config::read_file(config_path).contains(kPbtSectionKey)) {
      std::printf("note: %s has a pbt section; lever train runs one agent with the base "
                  "hyperparameters (lever pbt runs the population)\n",
                  config_path.c_str());
    }
    install_stop_handlers();
    TrainOptions options;
    options.quiet = quiet;
    options.overwrite = overwrite;
    options.debug = debug;
    options.ignore_memory_check = ignore_memory_check;
    const TrainResult result = train_run(config, run_dir, options);
    print_result(result, run_dir);
    return result.finished ? 0 : 130;
  }
  if (pbt->parsed()) return run_pbt_command(pbt_options);
  if (resume->parsed() && is_pbt_run_dir(resume_dir)) {
    resume_pbt_options.quiet = quiet;
    return resume_pbt_command(resume_dir, resume_pbt_options);
  }
  if (resume->parsed()) {
    install_stop_handlers();
    TrainOptions options;
    options.quiet = quiet;
    options.ignore_memory_check = ignore_memory_check;
    const TrainResult result = resume_run(resume_dir, options);
    print_result(result, resume_dir);
    return result.finished ? 0 : 130;
  }
  if (eval->parsed()) {
    EvalRequest request;
    request.episodes = episodes;
    request.deterministic = deterministic;
    request.test_levels = levels == "test";
    request.seed = static_cast<uint64_t>(eval_seed);
    request.num_envs = eval_envs;
    const EvalStats stats = evaluate_checkpoint(resolve_checkpoint(eval_target), request);
    if (as_json) {
      std::cout << eval_json(stats).dump() << "\n";
    } else {
      std::printf("%lld episodes on %s levels: mean %.3f  min %.3f  max %.3f  var %.3f",
                  static_cast<long long>(stats.returns.size()), levels.c_str(), stats.mean,
                  stats.min, stats.max, stats.var);
      if (std::isfinite(stats.success_rate)) std::printf("  success %.3f", stats.success_rate);
      if (std::isfinite(stats.mean_progress)) std::printf("  progress %.3f", stats.mean_progress);
      std::printf("\n");
    }
    return 0;
  }
  if (bench->parsed()) {
    nlohmann::json result =
        bench_what == "ppo"        ? bench_ppo(bench_steps, as_json)
        : bench_what == "replay"   ? bench_replay(bench_capacity, bench_seconds,
                                                  bench_compress == "lz4")
        : bench_what == "saliency" ? bench_saliency(bench_frames, bench_device, !bench_default_malloc)
                                   : bench_envs(bench_num_envs, bench_seconds);
    if (as_json) {
      std::cout << result.dump() << "\n";
    } else {
      std::cout << "blas: " << blas_library() << "\n" << result.dump(2) << "\n";
    }
    return 0;
  }
  if (envs->parsed()) {
    list_envs(as_json);
    return 0;
  }
  if (config_cmd->parsed()) {
    if (doc) {
      std::cout << config_reference_markdown();
      return 0;
    }
    if (check_path.empty() && param_name.empty()) {
      throw UsageError("config: give a config file, --param_name, or --doc");
    }
    std::cout << resolve_train_config({check_path, param_name, {}, overrides}).resolved().dump(2)
              << "\n";
    return 0;
  }
  if (sweep->parsed()) {
    SweepRequest request;
    request.configs.assign(sweep_configs.begin(), sweep_configs.end());
    request.grid = grid;
    request.seeds = sweep_seeds;
    request.overrides = sweep_overrides;
    request.runs_dir = runs_dir;
    const SweepPlan plan = plan_sweep(request);
    if (dry_run) {
      std::printf("sweep: %zu runs in %s (dry run: nothing started)\n", plan.runs.size(),
                  plan.runs_dir.c_str());
      std::cout << describe_plan(plan);
      return 0;
    }
    install_stop_handlers();
    SweepOptions options;
    options.lever_binary = std::filesystem::read_symlink("/proc/self/exe");
    options.jobs = jobs;
    return run_sweep(plan, options).exit_code;
  }
  if (play->parsed()) {
    PlayRequest request;
    request.seed = static_cast<uint64_t>(play_seed);
    request.max_steps = steps;
    request.deterministic = deterministic;
    if (std::filesystem::is_directory(play_target)) {
      request.policy = resolve_checkpoint(play_target);
    } else {
      request.env_id = play_target;
      find_env(play_target);
      if (policy != "random") request.policy = resolve_checkpoint(policy);
    }
    request.out =
        out.empty()
            ? std::filesystem::path(std::filesystem::path(play_target).filename().string() + ".mp4")
            : std::filesystem::path(out);
    const PlayResult result = play_episodes(request);
    std::printf("played %lld steps, return %.2f, wrote %d frames to %s\n",
                static_cast<long long>(result.steps), result.returns.at(0), result.frames,
                request.out.c_str());
    return 0;
  }
  if (enjoy->parsed()) {
    PlayRequest request;
    request.policy = resolve_checkpoint(enjoy_target);
    request.seed = static_cast<uint64_t>(enjoy_seed);
    request.episodes = enjoy_episodes;
    request.max_steps = 100000;  // the env's own time limit ends episodes
    request.deterministic = deterministic;
    request.fps = 30;
    const std::filesystem::path run_dir = std::filesystem::is_directory(enjoy_target)
                                              ? std::filesystem::path(enjoy_target)
                                              : request.policy.parent_path();
    request.out = enjoy_out.empty() ? run_dir / "enjoy.mp4" : std::filesystem::path(enjoy_out);
    const PlayResult result = play_episodes(request, [](int64_t episode, double episode_return,
                                                        int64_t length) {
      std::printf("episode %lld: return %.3f, length %lld\n", static_cast<long long>(episode + 1),
                  episode_return, static_cast<long long>(length));
      std::fflush(stdout);
    });
    double sum = 0.0;
    for (double r : result.returns) sum += r;
    std::printf("mean return %.3f over %zu episodes; wrote %d frames to %s\n",
                sum / result.returns.size(), result.returns.size(), result.frames,
                request.out.c_str());
    return 0;
  }
  return 0;
}

}  // namespace
}  // namespace lever

int main(int argc, char** argv) {
  try {
    return lever::run(argc, argv);
  } catch (const lever::UsageError& e) {
    std::fprintf(stderr, "lever: %s\n", e.what());
    return e.exit_code();
  } catch (const c10::Error& e) {
    const std::string message = e.what();
    std::fprintf(stderr, "lever: torch error: %s\n", message.substr(0, message.find('\n')).c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lever: %s\n", e.what());
    return 1;
  }
}

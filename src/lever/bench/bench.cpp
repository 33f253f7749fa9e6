#include "lever/bench/bench.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "lever/algo/on_policy.h"
#include "lever/algo/train.h"
#include "lever/core/machine.h"
#include "lever/core/rng.h"
#include "lever/core/thread_pool.h"
#include "lever/env/registry.h"
#include "lever/env/vec_env.h"

namespace lever {
namespace {

double measure_env(const std::string& id, int num_envs, int threads, double seconds) {
  VecEnvOptions options;
  options.env_id = id;
  options.num_envs = num_envs;
  options.num_threads = threads;
  options.seed = 1;
  VecEnv envs(options);
  Rng rng(7);
  std::vector<int64_t> actions(num_envs);
  const auto start = std::chrono::steady_clock::now();
  int64_t steps = 0;
  double elapsed = 0.0;
  while (elapsed < seconds) {
    for (int chunk = 0; chunk < 64; ++chunk) {
      for (auto& a : actions) a = static_cast<int64_t>(rng.below(envs.spec().num_actions));
      envs.step(actions.data());
      steps += num_envs;
    }
    envs.take_finished_episodes();
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return steps / elapsed;
}

}  // namespace

nlohmann::json bench_envs(int num_envs, double seconds) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& info : env_registry()) {
    nlohmann::json row;
    row["num_envs"] = num_envs;
    row["steps_per_second_1_thread"] = measure_env(info.id, num_envs, 1, seconds);
    row["pool_threads"] = ThreadPool::hardware_threads();
    row["steps_per_second_pool"] = measure_env(info.id, num_envs, 0, seconds);
    out[info.id] = row;
  }
  return out;
}

nlohmann::json bench_ppo(int64_t total_steps, bool quiet) {
  const auto run_dir =
      std::filesystem::temp_directory_path() / ("lever-bench-ppo-" + std::to_string(getpid()));
  Config config = Config::defaults();
  for (const char* setting :
       {"env=cartpole", "num_envs=4", "num_steps=128", "num_epochs=4", "minibatch_size=128",
        "learning_rate=2.5e-4", "anneal_lr=true", "hidden_sizes=[64,64]", "activation=tanh",
        "shared_network=false", "eval_every=0", "eval_episodes=1", "eval_num_envs=1",
        "checkpoint_every=0", "num_threads=1", "torch_threads=1", "device=cpu", "seed=1"}) {
    config.set(setting);
  }
  config.set("total_steps=" + std::to_string(total_steps));
  TrainOptions options;
  options.quiet = quiet;
  options.overwrite = true;
  const TrainResult result = train_run(config, run_dir, options);
  std::filesystem::remove_all(run_dir);
  nlohmann::json out;
  out["benchmark"] = "ppo_cartpole_cleanrl_defaults";
  out["steps_per_second"] = result.training_steps_per_second;
  out["total_steps"] = result.total_steps;
  out["training_seconds"] = result.training_seconds;
  out["final_eval_return"] = result.final_eval.mean;
  out["torch_threads"] = 1;
  out["blas"] = blas_library();
  out["settings"] = "4 envs x 128 steps, 4 epochs x 4 minibatches of 128, 64-64 tanh actor+critic";
  return out;
}

}  // namespace lever

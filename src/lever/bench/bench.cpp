#include "lever/bench/bench.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "lever/algo/on_policy.h"
#include "lever/algo/replay_buffer.h"
#include "lever/algo/saliency.h"
#include "lever/algo/train.h"
#include "lever/core/machine.h"
#include "lever/core/rng.h"
#include "lever/core/thread_pool.h"
#include "lever/env/registry.h"
#include "lever/env/vec_env.h"

namespace lever {
namespace {

// Every benchmark's envs: seed 1, so runs measure the same levels.
VecEnvOptions bench_env_options(const std::string& id, int num_envs, int threads) {
  VecEnvOptions options;
  options.env_id = id;
  options.num_envs = num_envs;
  options.num_threads = threads;
  options.seed = 1;
  return options;
}

double measure_env(const std::string& id, int num_envs, int threads, double seconds) {
  VecEnv envs(bench_env_options(id, num_envs, threads));
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

nlohmann::json bench_replay(int64_t capacity, double seconds, bool lz4) {
  // Real frames: breakout with random actions, DQN's 84x84 grey 4-frame stacks.
  VecEnv envs(bench_env_options("breakout", 1, 1));
  const EnvSpec& spec = envs.spec();
  const uint64_t rss_before = resident_memory_bytes();
  ReplayBuffer replay(capacity, 1, spec, {lz4, 4.0});
  Rng rng(1);
  auto actions = torch::zeros({1}, torch::kInt64);
  const size_t obs_bytes = spec.obs_bytes();
  const auto obs_of = [&](const torch::Tensor& view) {
    return static_cast<const uint8_t*>(view.data_ptr());
  };
  replay.start_episode(0, obs_of(envs.observations()));
  const auto fill_start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < capacity; ++i) {
    actions.data_ptr<int64_t>()[0] = static_cast<int64_t>(rng.below(spec.num_actions));
    envs.step(actions);
    const bool ended =
        envs.terminated().data_ptr<uint8_t>()[0] || envs.truncated().data_ptr<uint8_t>()[0];
    replay.add_step(0, actions.data_ptr<int64_t>()[0], envs.rewards().data_ptr<float>()[0],
                    envs.terminated().data_ptr<uint8_t>()[0] != 0,
                    obs_of(ended ? envs.final_observations() : envs.observations()));
    if (ended) replay.start_episode(0, obs_of(envs.observations()));
  }
  const double fill_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - fill_start).count();
  const uint64_t rss_after = resident_memory_bytes();

  constexpr int64_t kBatch = 32;
  std::vector<uint8_t> obs(kBatch * obs_bytes), next_obs(kBatch * obs_bytes);
  std::vector<int64_t> batch_actions(kBatch);
  std::vector<float> rewards(kBatch), terminals(kBatch);
  const ReplayBatch batch{obs.data(),     next_obs.data(),  batch_actions.data(),
                          rewards.data(), terminals.data(), nullptr};
  int64_t batches = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0.0;
  while (elapsed < seconds) {
    for (int i = 0; i < 100; ++i) replay.sample(kBatch, rng, batch);
    batches += 100;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  const double stacked_bytes = static_cast<double>(obs_bytes);  // one 4-frame observation
  nlohmann::json out;
  out["benchmark"] = "replay_breakout_84x84x4";
  out["compression"] = lz4 ? "lz4 (arena sized for 4x)" : "none";
  out["transitions_kept"] = replay.size();
  out["mean_stored_frame_bytes"] = replay.mean_stored_frame_bytes();
  out["frame_compression_ratio"] = 84.0 * 84.0 / replay.mean_stored_frame_bytes();
  out["capacity"] = replay.capacity();
  out["bytes"] = replay.bytes();
  out["bytes_per_transition"] = static_cast<double>(replay.bytes()) / replay.capacity();
  out["gib_per_million_transitions"] =
      static_cast<double>(replay.bytes()) / replay.capacity() * 1e6 / (1024.0 * 1024 * 1024);
  out["resident_bytes_added"] = rss_after > rss_before ? rss_after - rss_before : 0;
  // What a buffer of stacked observations takes per transition: obs and next obs (SB3's default),
  // or obs only (SB3's optimize_memory_usage, CleanRL's Atari DQN).
  out["stacked_obs_and_next_bytes_per_transition"] = 2 * stacked_bytes + 4 + 8 + 1;
  out["stacked_obs_bytes_per_transition"] = stacked_bytes + 4 + 8 + 1;
  out["batch"] = kBatch;
  out["batches_per_second"] = batches / elapsed;
  out["samples_per_second"] = batches * kBatch / elapsed;
  out["fill_steps_per_second"] = capacity / fill_seconds;
  return out;
}

nlohmann::json bench_saliency(int frames, const std::string& device_name, bool reuse_memory) {
  if (reuse_memory) keep_freed_memory_for_reuse();
  // Real frames: starpilot played with random actions, one new frame per measurement.
  VecEnv envs(bench_env_options("starpilot", 1, 1));
  const EnvSpec& spec = envs.spec();
  const torch::Device device = resolve_device(device_name, true);
  Rng rng(3);
  struct Variant {
    const char* name;
    SaliencySettings settings;
  };
  SaliencySettings per_channel, gradient_chosen, gradient_all;
  per_channel.per_channel = true;
  gradient_chosen.method = gradient_all.method = SaliencyMethod::kGradient;
  gradient_all.gradient_of = GradientOf::kAllLogits;
  const Variant variants[] = {{"perturbation_stride4", SaliencySettings{}},
                              {"perturbation_stride4_per_channel", per_channel},
                              {"gradient_chosen_logit_and_value", gradient_chosen},
                              {"gradient_all_logits_and_value", gradient_all}};
  nlohmann::json out;
  out["benchmark"] = "saliency_starpilot_64x64";
  out["device"] = device.str();
  out["torch_threads"] = torch::get_num_threads();
  out["frames"] = frames;
  out["keep_freed_memory_for_reuse"] = reuse_memory;
  for (const char* encoder : {"nature", "impala"}) {
    Config config = Config::defaults();
    config.set("env=starpilot");
    config.set(std::string("encoder=") + encoder);
    const auto policy = make_policy(config, spec, device);
    for (const Variant& variant : variants) {
      SaliencyMapper mapper(*policy, spec.obs_shape, variant.settings, device);
      SaliencyMaps maps;
      std::vector<double> milliseconds;
      for (int frame = -2; frame < frames; ++frame) {
        int64_t action = static_cast<int64_t>(rng.below(spec.num_actions));
        const uint8_t* obs = envs.observations().data_ptr<uint8_t>();
        const auto start = std::chrono::steady_clock::now();
        mapper.compute(obs, RecurrentState{}, action, maps);
        if (device.is_cuda()) torch::cuda::synchronize();
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count();
        if (frame >= 0) milliseconds.push_back(ms);
        envs.step(&action);
      }
      std::sort(milliseconds.begin(), milliseconds.end());
      const double median = milliseconds[milliseconds.size() / 2];
      nlohmann::json row;
      row["median_ms_per_frame"] = median;
      row["min_ms_per_frame"] = milliseconds.front();
      if (variant.settings.method == SaliencyMethod::kPerturbation) {
        const int64_t images = (variant.settings.per_channel ? 3 : 1) * mapper.grid().points();
        row["perturbed_images"] = images;
        row["images_per_second"] = images / (median / 1000.0);
      }
      row["minutes_for_500_frames"] = 500 * median / 60000.0;
      out[encoder][variant.name] = row;
    }
    // The reference for batching: the same perturbed images, one forward pass each.
    SaliencyMapper mapper(*policy, spec.obs_shape, SaliencySettings{}, device);
    std::vector<double> milliseconds;
    torch::NoGradGuard no_grad;
    for (int frame = -1; frame < std::min(frames, 5); ++frame) {
      const torch::Tensor images = mapper.perturbed_images(envs.observations().data_ptr<uint8_t>());
      const auto start = std::chrono::steady_clock::now();
      for (int64_t k = 0; k < images.size(0); ++k) {
        RecurrentState none;
        policy->step(images.narrow(0, k, 1), none);
      }
      if (device.is_cuda()) torch::cuda::synchronize();
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count();
      if (frame >= 0) milliseconds.push_back(ms);
      int64_t action = static_cast<int64_t>(rng.below(spec.num_actions));
      envs.step(&action);
    }
    std::sort(milliseconds.begin(), milliseconds.end());
    out[encoder]["perturbation_stride4_one_image_per_pass"] = {
        {"median_ms_per_frame", milliseconds[milliseconds.size() / 2]},
        {"frames", milliseconds.size()}};
  }
  return out;
}

}  // namespace lever

// Benchmarks behind `lever bench`: figures for docs/PERFORMANCE.md, never timed tests.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace lever {

// Random-action steps per second for every registered env, on one thread and on the pool.
nlohmann::json bench_envs(int num_envs, double seconds_per_measurement);

// End-to-end PPO on CartPole at CleanRL's defaults (4 envs x 128 steps, 4 epochs, 4 minibatches,
// separate 64-64 tanh actor and critic), in env steps per second.
nlohmann::json bench_ppo(int64_t total_steps, bool quiet);

// DQN's replay buffer (LZ4-compressed when lz4, its arena sized for 4x) filled with `capacity`
// transitions of breakout (84x84x4): its exact memory per transition against storing stacked
// observations, the resident memory it added, the transitions it kept, and uniform minibatches of
// 32 sampled per second for `seconds`.
nlohmann::json bench_replay(int64_t capacity, double seconds, bool lz4);

// Saliency maps of one starpilot frame (64x64x3) with a freshly initialised agent of each pixel
// encoder (Nature, IMPALA), on `device`: perturbation at stride 4 (256 perturbed images plus the
// original in one batch), per-channel perturbation (768 + 1), and gradient saliency of the chosen
// logit and the value, and of all logits and the value. Median milliseconds per frame over
// `frames` frames after two warm-up frames. reuse_memory: keep_freed_memory_for_reuse() first, as
// `lever saliency` does.
nlohmann::json bench_saliency(int frames, const std::string& device, bool reuse_memory);

}  // namespace lever

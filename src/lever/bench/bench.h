// Benchmarks behind `lever bench`: figures for docs/PERFORMANCE.md, never timed tests.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>

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

}  // namespace lever

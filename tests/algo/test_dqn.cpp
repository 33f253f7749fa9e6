#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "algo/run_helpers.h"
#include "lever/algo/checkpoint.h"
#include "lever/algo/dqn.h"
#include "lever/core/errors.h"
#include "lever/nn/q_network.h"
#include "support/error_message.h"

namespace lever {
namespace {

using testing::cell;
using testing::metrics_without_sps;
using testing::quiet_options;
using testing::read_csv;
using testing::read_json;
using testing::ScratchDir;

TEST(DqnTargets, PlainAndDoubleDqnAgainstHandComputedValues) {
  const auto rewards = torch::tensor({1.0f, 0.5f, -1.0f});
  const auto terminals = torch::tensor({0.0f, 1.0f, 0.0f});
  const auto next_target = torch::tensor({{1.0f, 3.0f}, {2.0f, 0.0f}, {-2.0f, 4.0f}});
  const auto next_online = torch::tensor({{5.0f, 0.0f}, {0.0f, 1.0f}, {1.0f, 0.0f}});
  // max_a Q'(s', a): 3, (terminal), 4.
  const auto plain = td_targets(rewards, terminals, next_target, next_online, 0.9, false);
  EXPECT_NEAR(plain[0].item<double>(), 1.0 + 0.9 * 3.0, 1e-6);
  EXPECT_NEAR(plain[1].item<double>(), 0.5, 1e-6);
  EXPECT_NEAR(plain[2].item<double>(), -1.0 + 0.9 * 4.0, 1e-6);
  // Double DQN: a' = argmax of the online values (0, 1, 0), valued by the target network.
  const auto twin = td_targets(rewards, terminals, next_target, next_online, 0.9, true);
  EXPECT_NEAR(twin[0].item<double>(), 1.0 + 0.9 * 1.0, 1e-6);
  EXPECT_NEAR(twin[1].item<double>(), 0.5, 1e-6);
  EXPECT_NEAR(twin[2].item<double>(), -1.0 + 0.9 * -2.0, 1e-6);
}

TEST(DqnLoss, HuberIsQuadraticInsideOneAndLinearOutside) {
  const auto q = torch::tensor({0.0f, 3.0f});
  const auto targets = torch::tensor({0.5f, 0.0f});
  // |0.5| < 1: ½·0.25 = 0.125; |3| ≥ 1: 3 − ½ = 2.5; mean 1.3125.
  EXPECT_NEAR(td_loss(q, targets, true).item<double>(), 1.3125, 1e-6);
  EXPECT_NEAR(td_loss(q, targets, false).item<double>(), (0.25 + 9.0) / 2, 1e-6);
}

TEST(DqnTargetNetwork, SoftAndHardUpdates) {
  auto target = torch::tensor({0.0f, 4.0f});
  const auto online = torch::tensor({1.0f, 2.0f});
  update_target(target, online, 0.25);
  EXPECT_NEAR(target[0].item<double>(), 0.25, 1e-7);
  EXPECT_NEAR(target[1].item<double>(), 0.75 * 4.0 + 0.25 * 2.0, 1e-7);
  update_target(target, online, 1.0);
  EXPECT_TRUE(torch::equal(target, online));
}

TEST(DqnTransitions, RewardClippingAndTerminalOnLifeLoss) {
  EXPECT_EQ(training_reward(3.5f, true), 1.0f);
  EXPECT_EQ(training_reward(-0.2f, true), -1.0f);
  EXPECT_EQ(training_reward(0.0f, true), 0.0f);
  EXPECT_EQ(training_reward(3.5f, false), 3.5f);
  EXPECT_TRUE(training_terminal(true, false, false));
  EXPECT_TRUE(training_terminal(false, true, true));
  EXPECT_FALSE(training_terminal(false, true, false));
  EXPECT_FALSE(training_terminal(false, false, true));
}

TEST(DqnExploration, LinearEpsilonSchedule) {
  EXPECT_DOUBLE_EQ(linear_epsilon(1.0, 0.1, 1000, 0), 1.0);
  EXPECT_NEAR(linear_epsilon(1.0, 0.1, 1000, 500), 0.55, 1e-12);
  EXPECT_DOUBLE_EQ(linear_epsilon(1.0, 0.1, 1000, 1000), 0.1);
  EXPECT_DOUBLE_EQ(linear_epsilon(1.0, 0.1, 1000, 5000), 0.1);
  EXPECT_DOUBLE_EQ(linear_epsilon(1.0, 0.1, 0, 0), 0.1);
}

TEST(QNetworkPolicy, ActsEpsilonGreedily) {
  const auto q = torch::tensor({{1.0f, 5.0f, 2.0f, 0.0f}});
  const auto log_probs = epsilon_greedy_log_probs(q, 0.2);
  EXPECT_NEAR(std::exp(log_probs[0][1].item<double>()), 0.8 + 0.05, 1e-6);
  EXPECT_NEAR(std::exp(log_probs[0][0].item<double>()), 0.05, 1e-6);
  EXPECT_NEAR(log_probs.exp().sum().item<double>(), 1.0, 1e-6);
  EXPECT_TRUE(std::isinf(epsilon_greedy_log_probs(q, 0.0)[0][0].item<double>()));
}

// A flat parameter vector x with loss Σ c_i x_i², so the gradient is 2 c x.
struct Quadratic {
  torch::Tensor x = torch::tensor({1.0f, -2.0f, 0.5f}).requires_grad_(true);
  FlatParameters flat{std::vector<torch::Tensor>{x}};
  void backward() {
    flat.zero_grad();
    (torch::tensor({1.0f, 3.0f, -2.0f}) * x.pow(2)).sum().backward();
  }
};

TEST(FlatOptimizer, RmsPropMatchesTorchRmsprop) {
  for (const bool centered : {false, true}) {
    Quadratic flat;
    auto twin = torch::tensor({1.0f, -2.0f, 0.5f}).requires_grad_(true);
    torch::optim::RMSprop reference(
        {twin}, torch::optim::RMSpropOptions(0.01).alpha(0.95).eps(0.01).centered(centered));
    FlatOptimizer rmsprop = FlatOptimizer::rmsprop(flat.flat, 0.01, 0.95, 0.01, centered);
    for (int step = 0; step < 4; ++step) {
      flat.backward();
      rmsprop.step();
      reference.zero_grad();
      (torch::tensor({1.0f, 3.0f, -2.0f}) * twin.pow(2)).sum().backward();
      reference.step();
      EXPECT_LT((flat.flat.values() - twin.detach()).abs().max().item<double>(), 1e-6)
          << "centered " << centered << " step " << step;
    }
  }
}

TEST(FlatOptimizer, DeepMindRmsPropPutsEpsilonInsideTheSquareRoot) {
  Quadratic flat;
  FlatOptimizer rmsprop = FlatOptimizer::rmsprop_deepmind(flat.flat, 0.1, 0.95, 0.01);
  flat.backward();  // g = 2 c x = (2, -12, -2)
  rmsprop.step();
  // m = 0.05 g, v = 0.05 g²: Δ = lr g / sqrt(v − m² + ε) = lr g / sqrt(0.0475 g² + 0.01).
  const double g[3] = {2.0, -12.0, -2.0}, x0[3] = {1.0, -2.0, 0.5};
  for (int i = 0; i < 3; ++i) {
    const double expected = x0[i] - 0.1 * g[i] / std::sqrt(0.0475 * g[i] * g[i] + 0.01);
    EXPECT_NEAR(flat.flat.values()[i].item<double>(), expected, 1e-6) << i;
  }
}

// CartPole DQN small enough for a test: 1 env, updates from the first 200 steps on.
nlohmann::json tiny_dqn_json(int64_t total_steps = 600) {
  return {{"env", "cartpole"},
          {"policy", "dqn"},
          {"seed", 3},
          {"device", "cpu"},
          {"total_steps", total_steps},
          {"num_steps", 200},
          {"buffer_size", 1000},
          {"learning_starts", 200},
          {"train_frequency", 2},
          {"target_update_interval", 100},
          {"minibatch_size", 16},
          {"hidden_sizes", {16, 16}},
          {"eval_every", 0},
          {"eval_episodes", 2},
          {"eval_num_envs", 2},
          {"torch_threads", 1},
          {"num_threads", 1},
          {"checkpoint_every", 0}};
}

TrainingState train_tiny(const ScratchDir& dir, const std::string& name,
                         const std::vector<std::string>& overrides, int64_t total_steps = 600) {
  const Config config = Config::from_json(tiny_dqn_json(total_steps), "tiny dqn", overrides);
  train_run(config, dir.path() / name, quiet_options());
  return load_checkpoint(dir.path() / name / "final.pt");
}

TEST(DqnTraining, TargetNetworkFollowsExactlyWhenConfigured) {
  ScratchDir dir;
  // No update reaches the target (interval beyond the run): it keeps the initial weights, which
  // a run that never learns (learning_starts beyond the run) still has as its online weights.
  const TrainingState never = train_tiny(dir, "never", {"target_update_interval=100000"});
  const TrainingState untrained = train_tiny(dir, "untrained", {"learning_starts=100000"});
  EXPECT_TRUE(torch::equal(never.target_params, untrained.params));
  EXPECT_TRUE(torch::equal(untrained.target_params, untrained.params));
  EXPECT_FALSE(torch::equal(never.params, untrained.params));
  // Every agent step: the target is copied after the last gradient step, so it equals the online
  // network at the end.
  const TrainingState every = train_tiny(dir, "every", {"target_update_interval=1"});
  EXPECT_TRUE(torch::equal(every.target_params, every.params));
  // Every 250 steps with updates every 2: the last copy was at step 500, followed by 50 gradient
  // steps, so target and online differ.
  const TrainingState sometimes = train_tiny(dir, "sometimes", {"target_update_interval=250"});
  EXPECT_FALSE(torch::equal(sometimes.target_params, sometimes.params));
}

TEST(DqnTraining, SameSeedGivesIdenticalMetricsAndWeights) {
  ScratchDir dir;
  const TrainingState a = train_tiny(dir, "a", {"double_dqn=true"});
  const TrainingState b = train_tiny(dir, "b", {"double_dqn=true"});
  EXPECT_TRUE(torch::equal(a.params, b.params));
  EXPECT_TRUE(torch::equal(a.target_params, b.target_params));
  const auto metrics_a = metrics_without_sps(dir.path() / "a");
  const auto metrics_b = metrics_without_sps(dir.path() / "b");
  // frames_per_second is wall-clock too.
  const int fps = metrics_a.column("charts/frames_per_second");
  ASSERT_GE(fps, 0);
  for (size_t r = 0; r < metrics_a.rows.size(); ++r) {
    auto row_a = metrics_a.rows[r], row_b = metrics_b.rows[r];
    row_a.erase(row_a.begin() + fps);
    row_b.erase(row_b.begin() + fps);
    EXPECT_EQ(row_a, row_b) << "row " << r;
  }
}

TEST(DqnTraining, LogsDiagnosticsForEveryLayer) {
  ScratchDir dir;
  train_tiny(dir, "run", {});
  const auto metrics = read_csv(dir.path() / "run" / "metrics.csv");
  ASSERT_EQ(metrics.rows.size(), 3u);
  for (const char* column :
       {"losses/td_loss", "losses/q_values", "charts/epsilon", "charts/episodic_return",
        "charts/episodic_length", "charts/frames_per_second", "grad_norm/total",
        "grad_norm/head.weight", "grad_norm/head.bias", "grad_norm/mlp.0.weight",
        "grad_norm/mlp.0.bias", "grad_norm/mlp.2.weight", "grad_norm/mlp.2.bias"}) {
    EXPECT_GE(metrics.column(column), 0) << column;
  }
  // Learning starts at step 200, so the first row (steps 1-200) has no loss yet... except the
  // update due at step 200 itself.
  const double total = cell(metrics, 2, "grad_norm/total");
  EXPECT_GT(total, 0.0);
  for (const char* layer : {"grad_norm/head.weight", "grad_norm/mlp.0.weight"}) {
    EXPECT_GT(cell(metrics, 2, layer), 0.0) << layer;
    EXPECT_LE(cell(metrics, 2, layer), total + 1e-9) << layer;
  }
  EXPECT_GT(cell(metrics, 2, "losses/td_loss"), 0.0);
  // ε decays linearly over exploration_fraction (0.1) × 600 = 60 steps to 0.1.
  EXPECT_NEAR(cell(metrics, 2, "charts/epsilon"), 0.1, 1e-9);
  EXPECT_TRUE(std::filesystem::is_regular_file(dir.path() / "run" / "best.pt"));
}

TEST(DqnTraining, UpdatesEveryTrainFrequencyStepsOnceLearningStarts) {
  ScratchDir dir;
  // Updates fall due at steps 200, 202, ..., 600: 201 of them; gradient_steps 3 triples that.
  train_tiny(dir, "every2", {});
  train_tiny(dir, "triple", {"gradient_steps=3"});
  const auto every2 = read_csv(dir.path() / "every2" / "metrics.csv");
  const auto triple = read_csv(dir.path() / "triple" / "metrics.csv");
  EXPECT_EQ(cell(every2, 0, "charts/gradient_steps"), 1.0);  // step 200 itself
  EXPECT_EQ(cell(every2, 2, "charts/gradient_steps"), 201.0);
  EXPECT_EQ(cell(triple, 2, "charts/gradient_steps"), 603.0);
}

TEST(DqnTraining, ResumesFromACheckpointWithItsTargetNetwork) {
  ScratchDir dir;
  const Config config = Config::from_json(tiny_dqn_json(), "tiny dqn", {"checkpoint_every=1"});
  TrainOptions stop_early = quiet_options();
  stop_early.stop_after_updates = 2;
  EXPECT_FALSE(train_run(config, dir.path() / "run", stop_early).finished);
  const TrainingState stopped = load_checkpoint(latest_checkpoint(dir.path() / "run"));
  ASSERT_TRUE(stopped.target_params.defined());
  EXPECT_EQ(stopped.global_step, 400);
  const TrainResult resumed = resume_run(dir.path() / "run", quiet_options());
  EXPECT_TRUE(resumed.finished);
  EXPECT_EQ(resumed.total_steps, 600);
}

TEST(DqnConfig, PolicyDqnTakesDqnDefaultsUnlessSet) {
  const Config dqn = Config::from_json({{"policy", "dqn"}}, "exp.json");
  EXPECT_EQ(dqn.i64("minibatch_size"), 32);
  EXPECT_EQ(dqn.i64("num_envs"), 1);
  EXPECT_DOUBLE_EQ(dqn.f64("max_grad_norm"), 10.0);
  const Config chosen = Config::from_json({{"policy", "dqn"}, {"minibatch_size", 64}}, "exp.json");
  EXPECT_EQ(chosen.i64("minibatch_size"), 64);
  Config back = dqn;
  back.set("policy=ppo");
  EXPECT_EQ(back.i64("minibatch_size"), Config::defaults().i64("minibatch_size"));
}

TEST(DqnTraining, RefusesAReplayBufferLargerThanMemoryUnlessTold) {
  ScratchDir dir;
  // 10^12 transitions of breakout would take ~7 PB.
  const Config config = Config::from_json({{"env", "breakout"},
                                           {"policy", "dqn"},
                                           {"encoder", "nature"},
                                           {"buffer_size", int64_t{1000000000000}},
                                           {"device", "cpu"}},
                                          "huge.json");
  const std::string message = testing::thrown_message<UsageError>(
      [&] { train_run(config, dir.path() / "run", quiet_options()); });
  EXPECT_NE(message.find("replay buffer of 1000000000000 transitions needs"), std::string::npos)
      << message;
  EXPECT_NE(message.find("--ignore-memory-check"), std::string::npos) << message;
}

// DQN learns CartPole within a test's budget: a fixed seed must reach a greedy evaluation return
// far above a random policy's ≈22.
TEST(DqnLearning, CartPoleBeatsRandomClearly) {
  ScratchDir dir;
  const Config config = Config::from_json({{"env", "cartpole"},
                                           {"policy", "dqn"},
                                           {"seed", 1},
                                           {"device", "cpu"},
                                           {"total_steps", 20000},
                                           {"learning_starts", 1000},
                                           {"train_frequency", 1},
                                           {"target_update_interval", 250},
                                           {"exploration_fraction", 0.3},
                                           {"exploration_final_eps", 0.05},
                                           {"learning_rate", 1e-3},
                                           {"minibatch_size", 64},
                                           {"buffer_size", 20000},
                                           {"hidden_sizes", {64, 64}},
                                           {"eval_every", 0},
                                           {"eval_episodes", 20},
                                           {"eval_deterministic", true},
                                           {"torch_threads", 1},
                                           {"num_threads", 1}},
                                          "dqn cartpole");
  const TrainResult result = train_run(config, dir.path() / "run", quiet_options());
  EXPECT_GE(result.final_eval.mean, 80.0);
}

}  // namespace
}  // namespace lever

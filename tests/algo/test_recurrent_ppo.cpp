#include <gtest/gtest.h>

#include <cmath>

#include "lever/algo/checkpoint.h"
#include "lever/algo/play.h"
#include "lever/algo/recurrent_ppo.h"
#include "lever/algo/train.h"
#include "lever/env/registry.h"
#include "run_helpers.h"

namespace lever {
namespace {

using testing::cell;
using testing::CsvTable;
using testing::metrics_without_sps;
using testing::quiet_options;
using testing::ScratchDir;

// Recurrent PPO on the PoC memory task, small enough for a test.
Config poc_config(const std::vector<std::string>& overrides = {}) {
  const nlohmann::json j = {
      {"env", "poc_memory"},     {"policy", "recurrent_ppo"},  {"seed", 3},
      {"device", "cpu"},         {"num_updates", 3},           {"num_envs", 4},
      {"num_steps", 32},         {"num_epochs", 2},            {"num_minibatches", 2},
      {"sequence_length", 5},    {"layer_type", "gru"},        {"hidden_state_size", 8},
      {"hidden_layer_size", 16}, {"torch_threads", 1},         {"num_threads", 1},
      {"eval_every", 0},         {"eval_episodes", 4},         {"eval_num_envs", 4},
      {"checkpoint_every", 0},   {"optimizer", "adamw"},       {"anneal_lr", false}};
  return Config::from_json(j, "poc test config", overrides);
}

// A network and envs as a run builds them, and one collected rollout.
struct CollectedRollout {
  explicit CollectedRollout(const Config& config)
      : envs(vec_env_options(config, config.i64("num_envs"), 11)),
        net(make_recurrent_actor_critic(config, envs.spec())),
        rollout(config.i64("num_steps"), config.i64("num_envs"), envs.spec(), torch::kCPU,
                config.i64("hidden_state_size"), config.str("layer_type") == "lstm"),
        rng(5) {
    state = net->initial_state(config.i64("num_envs"));
    collect_recurrent_rollout(net, envs, rollout, state, rng, nullptr, 1.0, 0.99, 0.95,
                              torch::kCPU);
  }
  VecEnv envs;
  RecurrentActorCritic net;
  RecurrentRollout rollout;
  Rng rng;
  RecurrentState state;
};

TEST(RecurrentRollout, RecordsTheStateFedIntoEveryStepAndResetsItAtEpisodeStarts) {
  torch::manual_seed(1);
  for (const std::string layer : {"gru", "lstm"}) {
    CollectedRollout c(poc_config({"layer_type=" + layer}));
    const Rollout& r = c.rollout.steps;
    const bool lstm = layer == "lstm";
    torch::NoGradGuard no_grad;
    EXPECT_EQ(c.rollout.hidden[0].abs().sum().item<float>(), 0.0f);
    int64_t resets = 0;
    for (int64_t t = 1; t < r.num_steps; ++t) {
      // The state after step t-1, computed again from the recorded state and observation.
      RecurrentState previous{c.rollout.hidden[t - 1].clone(),
                              lstm ? c.rollout.cell[t - 1].clone() : torch::Tensor()};
      c.net->step(r.obs[t - 1], previous);
      for (int64_t env = 0; env < r.num_envs; ++env) {
        const bool new_episode = r.terminated[t - 1][env].item<float>() > 0 ||
                                 r.truncated[t - 1][env].item<float>() > 0;
        const auto recorded = c.rollout.hidden[t][env];
        if (new_episode) {
          ++resets;
          EXPECT_EQ(recorded.abs().sum().item<float>(), 0.0f) << layer << " t " << t;
          if (lstm) {
            EXPECT_EQ(c.rollout.cell[t][env].abs().sum().item<float>(), 0.0f);
          }
        } else {
          EXPECT_TRUE(torch::allclose(recorded, previous.hidden[env], 1e-6, 1e-6))
              << layer << " t " << t << " env " << env;
          if (lstm) {
            EXPECT_TRUE(torch::allclose(c.rollout.cell[t][env], previous.cell[env]));
          }
        }
      }
    }
    EXPECT_GT(resets, 0) << "the rollout must contain episode ends for this test to mean much";
  }
}

TEST(RecurrentRollout, CarriesTheStateAcrossEpisodesWhenResetIsOff) {
  torch::manual_seed(1);
  CollectedRollout c(poc_config({"reset_hidden_state=false"}));
  const Rollout& r = c.rollout.steps;
  int64_t carried = 0;
  for (int64_t t = 1; t < r.num_steps; ++t) {
    for (int64_t env = 0; env < r.num_envs; ++env) {
      if (r.terminated[t - 1][env].item<float>() == 0) continue;
      EXPECT_GT(c.rollout.hidden[t][env].abs().sum().item<float>(), 0.0f);
      ++carried;
    }
  }
  EXPECT_GT(carried, 0);
}

// The training path must see exactly what acting saw: running every sequence from the state
// recorded at its first step reproduces the rollout's values and log-probabilities.
TEST(RecurrentRollout, SequencesFromRecordedStartStatesReproduceTheRolloutsOutputs) {
  torch::manual_seed(2);
  for (const std::string layer : {"gru", "lstm"}) {
    CollectedRollout c(poc_config({"layer_type=" + layer}));
    const FlatRollout flat = flatten_rollout(c.rollout, torch::kCPU);
    const DeviceSequences sequences = split_rollout(c.rollout, 5, torch::kCPU);
    ASSERT_GT(sequences.index.num_sequences, c.rollout.steps.num_envs);
    torch::NoGradGuard no_grad;
    std::vector<int64_t> all(sequences.index.num_sequences);
    for (size_t s = 0; s < all.size(); ++s) all[s] = static_cast<int64_t>(s);
    RecurrentState start;
    start.hidden = flat.hidden.index_select(0, sequences.starts);
    if (flat.cell.defined()) start.cell = flat.cell.index_select(0, sequences.starts);
    const PolicyOutput out = c.net->sequences(flat.obs.index_select(0, sequences.steps), start,
                                              sequences.index.length);
    const auto real = sequences.mask.nonzero().squeeze(1);
    const auto steps = sequences.steps.index_select(0, real);
    ASSERT_EQ(steps.size(0), c.rollout.steps.num_steps * c.rollout.steps.num_envs);
    const auto values = out.values.index_select(0, real);
    const auto logprobs = torch::log_softmax(out.logits.index_select(0, real), 1)
                              .gather(1, flat.actions.index_select(0, steps).unsqueeze(1))
                              .squeeze(1);
    EXPECT_TRUE(torch::allclose(values, flat.values.index_select(0, steps), 1e-5, 1e-5)) << layer;
    EXPECT_TRUE(torch::allclose(logprobs, flat.logprobs.index_select(0, steps), 1e-5, 1e-5))
        << layer;
    // Starting every sequence from zeros instead (the "no hidden state" bug) does not.
    const PolicyOutput stateless = c.net->sequences(flat.obs.index_select(0, sequences.steps),
                                                    c.net->initial_state(all.size()),
                                                    sequences.index.length);
    EXPECT_FALSE(torch::allclose(stateless.values.index_select(0, real),
                                 flat.values.index_select(0, steps), 1e-5, 1e-5));
  }
}

TEST(RecurrentLoss, PaddedStepsChangeNothing) {
  torch::manual_seed(4);
  CollectedRollout c(poc_config());
  FlatRollout flat = flatten_rollout(c.rollout, torch::kCPU);
  const DeviceSequences sequences = split_rollout(c.rollout, 5, torch::kCPU);
  ASSERT_LT(sequences.mask.sum().item<int64_t>(), sequences.mask.numel()) << "needs padding";
  std::vector<int64_t> which;
  for (int64_t s = 0; s < sequences.index.num_sequences; s += 2) which.push_back(s);
  PpoLossSettings settings;
  auto& params = c.net->flat();

  const auto loss_and_grad = [&] {
    params.zero_grad();
    const PpoLoss loss = sequence_minibatch_loss(c.net, flat, sequences, which, settings);
    loss.loss.backward();
    return std::make_pair(loss, params.grads().clone());
  };
  const auto [base, base_grad] = loss_and_grad();
  EXPECT_GT(base_grad.abs().sum().item<float>(), 0.0f);
  // Only real steps are scored: as many ratios as real rows in the chosen sequences.
  int64_t real_rows = 0;
  for (int64_t s : which) real_rows += sequences.index.lengths[s];
  EXPECT_EQ(base.ratio.size(0), real_rows);

  // Garbage in the padding row: same loss, same gradient.
  flat.obs = flat.obs.clone();
  flat.obs[flat.obs.size(0) - 1].fill_(37.0f);
  const auto [padded, padded_grad] = loss_and_grad();
  EXPECT_EQ(padded.loss.item<float>(), base.loss.item<float>());
  EXPECT_TRUE(torch::equal(padded_grad, base_grad));
  // A real observation does matter (the test can fail).
  flat.obs[sequences.index.steps[0]].fill_(3.0f);
  const auto [changed, changed_grad] = loss_and_grad();
  EXPECT_NE(changed.loss.item<float>(), base.loss.item<float>());
}

TEST(RecurrentPpoRun, SameSeedGivesIdenticalMetricsAndWeights) {
  ScratchDir dir;
  const TrainResult one = train_run(poc_config(), dir / "one", quiet_options());
  const TrainResult two = train_run(poc_config({"num_threads=2"}), dir / "two", quiet_options());
  ASSERT_TRUE(one.finished);
  EXPECT_EQ(one.updates, 3);
  const CsvTable a = metrics_without_sps(dir / "one");
  const CsvTable b = metrics_without_sps(dir / "two");
  ASSERT_EQ(a.rows.size(), 3u);
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_GT(cell(a, 0, "recurrent/sequences"), 4.0);
  EXPECT_LE(cell(a, 0, "recurrent/padded_length"), 5.0);
  EXPECT_TRUE(torch::equal(load_checkpoint(dir / "one" / "final.pt").params,
                           load_checkpoint(dir / "two" / "final.pt").params));
}

TEST(RecurrentPpoRun, StopsResumesAndLoadsAsARecurrentPolicy) {
  ScratchDir dir;
  TrainOptions stop_early = quiet_options();
  stop_early.stop_after_updates = 2;
  const TrainResult stopped = train_run(poc_config(), dir / "run", stop_early);
  EXPECT_FALSE(stopped.finished);
  EXPECT_EQ(stopped.updates, 2);
  const TrainResult resumed = resume_run(dir / "run", quiet_options());
  ASSERT_TRUE(resumed.finished);
  EXPECT_EQ(resumed.updates, 3);
  LoadedPolicy policy = load_policy(dir / "run" / "final.pt", "cpu");
  ASSERT_TRUE(policy.net);
  EXPECT_TRUE(policy.net->recurrent());
  EvalRequest request;
  request.episodes = 6;
  request.num_envs = 3;
  const EvalStats stats = evaluate_checkpoint(dir / "run" / "final.pt", request);
  EXPECT_EQ(stats.returns.size(), 6u);
  for (double r : stats.returns) EXPECT_LE(std::abs(r), 1.6 + 64 * 0.1);
}

// The learning test: with memory the PoC task is solved (optimum 1.2). Without memory a
// policy sees the goals only while choosing its first move; after that the best it can do is follow
// the side its position is on, worth 0.34 on average (the best of all 2^9 deterministic
// position-only policies, enumerated by hand for this task).
TEST(RecurrentPpoLearning, RecurrentPolicySolvesPocMemoryWhereFeedForwardCannot) {
  ScratchDir dir;
  const Config recurrent = Config::load_file(LEVER_SOURCE_DIR "/configs/recurrent/poc_memory.yaml",
                                             {"device=cpu", "eval_episodes=400"});
  const TrainResult memory = train_run(recurrent, dir / "recurrent", quiet_options());
  ASSERT_TRUE(memory.finished);
  EXPECT_GE(memory.final_eval.mean, 1.1);

  const Config feed_forward = Config::from_json(
      recurrent.resolved(), "feed-forward twin",
      {"policy=ppo", "hidden_sizes=[64,64]", "activation=relu", "shared_network=false"});
  const TrainResult guess = train_run(feed_forward, dir / "feed_forward", quiet_options());
  ASSERT_TRUE(guess.finished);
  EXPECT_LT(guess.final_eval.mean, 0.6);  // 0.34 plus sampling noise of 400 episodes
  EXPECT_GE(memory.final_eval.mean - guess.final_eval.mean, 0.6);
}

}  // namespace
}  // namespace lever

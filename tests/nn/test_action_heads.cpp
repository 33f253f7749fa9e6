#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "lever/algo/on_policy.h"
#include "lever/core/config.h"
#include "lever/core/errors.h"
#include "lever/env/vec_env.h"
#include "lever/nn/action_heads.h"

namespace lever {
namespace {

TEST(ActionHeads, OneHeadIsThePlainCategorical) {
  const torch::Tensor logits = torch::tensor({0.3f, -1.0f, 2.0f, 0.5f, 0.0f, 0.1f}).view({2, 3});
  const ActionHeads heads(std::vector<int64_t>{3});
  EXPECT_FALSE(heads.multi());
  EXPECT_EQ(heads.num_logits(), 3);
  EXPECT_TRUE(torch::equal(heads.log_probs(logits), torch::log_softmax(logits, 1)));
  const torch::Tensor actions = torch::tensor({2, 0}, torch::kInt64);
  const torch::Tensor lp = heads.log_prob_of(heads.log_probs(logits), actions);
  EXPECT_TRUE(
      torch::equal(lp, torch::log_softmax(logits, 1).gather(1, actions.unsqueeze(1)).squeeze(1)));
  EXPECT_EQ(heads.columns(2), std::vector<int64_t>{2});
}

// Memory Gym's free movement: horizontal {none, left, right} x vertical {none, up, down}; the env
// receives h * 3 + v.
TEST(ActionHeads, MultiDiscreteSumsLogProbabilitiesAndEntropiesOfIndependentHeads) {
  const ActionHeads heads(std::vector<int64_t>{3, 3});
  EXPECT_TRUE(heads.multi());
  EXPECT_EQ(heads.num_logits(), 6);
  const std::vector<double> h = {0.2, 0.5, 0.3}, v = {0.6, 0.3, 0.1};
  std::vector<float> logits;
  for (double p : h) logits.push_back(static_cast<float>(std::log(p) + 1.5));  // shifts cancel
  for (double p : v) logits.push_back(static_cast<float>(std::log(p) - 0.7));
  const torch::Tensor lp = heads.log_probs(torch::tensor(logits).view({1, 6}));
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(lp[0][i].item<double>(), std::log(h[i]), 1e-6);
    EXPECT_NEAR(lp[0][3 + i].item<double>(), std::log(v[i]), 1e-6);
  }
  // Action "right" (2) and "up" (1) = flat 7: log 0.3 + log 0.3.
  const torch::Tensor chosen = heads.log_prob_of(lp, torch::tensor({7}, torch::kInt64));
  EXPECT_NEAR(chosen.item<double>(), std::log(0.3 * 0.3), 1e-6);
  EXPECT_EQ(heads.columns(7), (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(heads.columns(3), (std::vector<int64_t>{1, 3}));
  // The one-categorical entropy formula over the row gives the sum of the heads' entropies.
  double expected = 0.0;
  for (double p : h) expected -= p * std::log(p);
  for (double p : v) expected -= p * std::log(p);
  EXPECT_NEAR(-(lp.exp() * lp).sum().item<double>(), expected, 1e-5);
}

TEST(ActionHeads, SamplesEachHeadOnItsOwn) {
  const ActionHeads heads(std::vector<int64_t>{2, 3});
  // Head 0: p = (0.25, 0.75); head 1: p = (0.5, 0.3, 0.2).
  const torch::Tensor row = torch::tensor({0.25f, 0.75f, 0.5f, 0.3f, 0.2f}).log().view({1, 5});
  constexpr int kDraws = 30000;
  const torch::Tensor log_probs = row.repeat({kDraws, 1}).contiguous();
  std::vector<int64_t> actions(kDraws);
  std::vector<float> logprobs(kDraws);
  Rng rng(5);
  heads.sample(log_probs, rng, false, actions.data(), logprobs.data());
  std::vector<int> counts(6, 0);
  for (int i = 0; i < kDraws; ++i) {
    ASSERT_GE(actions[i], 0);
    ASSERT_LT(actions[i], 6);
    ++counts[actions[i]];
    const double p =
        (actions[i] / 3 == 0 ? 0.25 : 0.75) * std::vector<double>{0.5, 0.3, 0.2}[actions[i] % 3];
    ASSERT_NEAR(logprobs[i], std::log(p), 1e-5);
  }
  // Joint frequencies are the products (sd of each <= 0.003 at 30000 draws).
  const double p0[2] = {0.25, 0.75}, p1[3] = {0.5, 0.3, 0.2};
  for (int a = 0; a < 6; ++a) {
    EXPECT_NEAR(counts[a] / static_cast<double>(kDraws), p0[a / 3] * p1[a % 3], 0.012) << a;
  }
  int64_t argmax = -1;
  float argmax_logprob = 0.0f;
  heads.sample(row, rng, true, &argmax, &argmax_logprob);
  EXPECT_EQ(argmax, 1 * 3 + 0);
  EXPECT_NEAR(argmax_logprob, std::log(0.75 * 0.5), 1e-6);
}

TEST(ActionHeads, FromTheEnvSpecAndRefusingEmptyHeads) {
  EnvSpec discrete;
  discrete.num_actions = 15;
  EXPECT_EQ(ActionHeads(discrete).num_logits(), 15);
  EnvSpec multi;
  multi.num_actions = 9;
  multi.action_nvec = {3, 3};
  EXPECT_EQ(ActionHeads(multi).num_logits(), 6);
  EXPECT_THROW(ActionHeads(std::vector<int64_t>{}), UsageError);
  EXPECT_THROW(ActionHeads(std::vector<int64_t>{3, 0}), UsageError);
}

// A rollout on Memory Gym's free-movement Mystery Path (MultiDiscrete {3, 3}): the network outputs
// 6 logits, every stored action is a valid flat index, and the log-probabilities stored while
// sampling are exactly what the loss recomputes from the same network, so PPO's first ratio is 1.
TEST(ActionHeadsRollout, StoredLogProbabilitiesMatchTheLossForMultiDiscreteActions) {
  const Config config = Config::from_json(
      {{"env", "mystery_path"}, {"encoder", "nature"}, {"seed", 2}}, "action heads test");
  VecEnvOptions options = vec_env_options(config, 4, 2);
  options.num_threads = 1;
  VecEnv envs(options);
  ASSERT_EQ(envs.spec().action_nvec, (std::vector<int>{3, 3}));
  ActorCritic net = make_actor_critic(config, envs.spec());
  Rollout rollout(32, 4, envs.spec(), torch::kCPU);
  ASSERT_TRUE(rollout.heads.multi());
  Rng rng(9);
  collect_rollout(net, envs, rollout, rng, nullptr, 1.0, 0.99, 0.95, torch::kCPU);

  const torch::Tensor actions = rollout.actions.flatten();
  EXPECT_GE(actions.min().item<int64_t>(), 0);
  EXPECT_LE(actions.max().item<int64_t>(), 8);
  EXPECT_GT(std::get<0>(at::_unique(actions)).numel(), 5);  // sampling reaches most of the 9

  torch::NoGradGuard no_grad;
  const PolicyOutput out = net->forward(rollout.obs.flatten(0, 1));
  ASSERT_EQ(out.logits.size(1), 6);
  const torch::Tensor recomputed =
      rollout.heads.log_prob_of(rollout.heads.log_probs(out.logits), actions);
  EXPECT_TRUE(torch::allclose(recomputed, rollout.logprobs.flatten(), 1e-5, 1e-5));
}

}  // namespace
}  // namespace lever

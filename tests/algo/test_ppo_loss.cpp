#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "lever/algo/acting.h"
#include "lever/algo/ppo_loss.h"
#include "lever/core/rng.h"

namespace lever {
namespace {

// Three samples, two actions. Logits give pi = (0.5, 0.5), (0.75, 0.25), (0.2, 0.8); the actions
// taken are 0, 0, 1, so the new log-probs are ln 0.5, ln 0.75, ln 0.8. Old log-probs ln(1/3), ln 1,
// ln 0.8 make the ratios 1.5, 0.75, 1.0.
struct Batch {
  torch::Tensor logits = torch::tensor({0.0f, 0.0f, std::log(3.0f), 0.0f, 0.0f, std::log(4.0f)})
                             .view({3, 2})
                             .requires_grad_();
  torch::Tensor actions = torch::tensor({0, 0, 1}, torch::kInt64);
  torch::Tensor old_logprobs = torch::tensor({std::log(1.0f / 3.0f), 0.0f, std::log(0.8f)});
  torch::Tensor advantages = torch::tensor({2.0f, -1.0f, 0.5f});
  torch::Tensor values = torch::tensor({1.0f, 0.0f, 2.0f});
  torch::Tensor old_values = torch::tensor({0.5f, 0.5f, 2.1f});
  torch::Tensor returns = torch::tensor({2.0f, 1.0f, 1.5f});

  PpoLoss loss(const PpoLossSettings& settings) const {
    return ppo_loss(logits, values, actions, old_logprobs, old_values, advantages, returns,
                    settings, ActionHeads());
  }
};

// Entropy per row: ln 2 = 0.693147; -(0.75 ln 0.75 + 0.25 ln 0.25) = 0.562335;
// -(0.2 ln 0.2 + 0.8 ln 0.8) = 0.500402; mean 0.585295.
constexpr double kEntropy = 0.585295;
// k3 KL per row, (r - 1) - ln r: 0.5 - ln 1.5 = 0.094535, -0.25 - ln 0.75 = 0.037682, 0;
// mean 0.044072.
constexpr double kKl = 0.044072;

// Advantages 2, -1, 0.5: mean 0.5, deviations 1.5, -1.5, 0, unbiased variance
// (2.25 + 2.25 + 0)/2 = 2.25, std 1.5, so normalised 1, -1, 0 (the 1e-8 moves them by 7e-9).
// Surrogate per sample, max(-A r, -A clip(r, 0.8, 1.2)):
//   A = 1, r = 1.5: max(-1.5, -1.2) = -1.2   the clip binds for a positive advantage
//   A = -1, r = 0.75: max(0.75, 0.8) = 0.8   the clip binds for a negative advantage
//   A = 0: 0
//   policy loss = (-1.2 + 0.8 + 0)/3 = -0.133333
// Value loss per sample, max((v - R)^2, (v_old + clip(v - v_old, -0.2, 0.2) - R)^2):
//   v 1, old 0.5, R 2: max(1, (0.7 - 2)^2 = 1.69) = 1.69     clipped is larger
//   v 0, old 0.5, R 1: max(1, (0.3 - 1)^2 = 0.49) = 1        unclipped is larger
//   v 2, old 2.1, R 1.5: inside the clip, both 0.25
//   value loss = 0.5 * (1.69 + 1 + 0.25)/3 = 0.49
// Total with ent_coef 0.01, vf_coef 0.5, beta 0.1:
//   -0.133333 - 0.01*0.585295 + 0.5*0.49 + 0.1*0.044072 = 0.110221; without the KL term 0.105814.
TEST(PpoLoss, NormalisedAdvantagesWithBothClipsBinding) {
  Batch batch;
  PpoLossSettings settings;
  settings.beta = 0.1;
  const PpoLoss out = batch.loss(settings);

  EXPECT_NEAR(out.ratio[0].item<double>(), 1.5, 1e-5);
  EXPECT_NEAR(out.ratio[1].item<double>(), 0.75, 1e-5);
  EXPECT_NEAR(out.ratio[2].item<double>(), 1.0, 1e-5);
  EXPECT_NEAR(out.policy_loss.item<double>(), -0.133333, 1e-5);
  EXPECT_NEAR(out.value_loss.item<double>(), 0.49, 1e-5);
  EXPECT_NEAR(out.entropy.item<double>(), kEntropy, 1e-5);
  EXPECT_NEAR(out.kl.item<double>(), kKl, 1e-5);
  EXPECT_NEAR(out.loss.item<double>(), 0.110221, 1e-5);

  settings.beta = 0.0;
  EXPECT_NEAR(batch.loss(settings).loss.item<double>(), 0.105814, 1e-5);
}

// Raw advantages 2, -1, 0.5 with the same ratios:
//   A = 2, r = 1.5: max(-3, -2.4) = -2.4; A = -1, r = 0.75: 0.8; A = 0.5, r = 1: -0.5
//   policy loss = (-2.4 + 0.8 - 0.5)/3 = -0.7
// Unclipped value loss 0.5 * (1 + 1 + 0.25)/3 = 0.375.
// Total with ent_coef 0.02, vf_coef 0.25: -0.7 - 0.02*0.585295 + 0.25*0.375 = -0.617956.
// Gradient of the policy loss: clipped samples give none; sample 2 gives
// -0.5/3 * r * (onehot(1) - pi) = -0.5/3 * (-0.2, 0.2) = (0.033333, -0.033333).
TEST(PpoLoss, RawAdvantagesAndUnclippedValueLoss) {
  Batch batch;
  PpoLossSettings settings;
  settings.norm_adv = false;
  settings.clip_vloss = false;
  settings.ent_coef = 0.02;
  settings.vf_coef = 0.25;
  const PpoLoss out = batch.loss(settings);

  EXPECT_NEAR(out.policy_loss.item<double>(), -0.7, 1e-5);
  EXPECT_NEAR(out.value_loss.item<double>(), 0.375, 1e-5);
  EXPECT_NEAR(out.entropy.item<double>(), kEntropy, 1e-5);
  EXPECT_NEAR(out.kl.item<double>(), kKl, 1e-5);
  EXPECT_NEAR(out.loss.item<double>(), -0.617956, 1e-5);

  out.policy_loss.backward();
  const auto grad = batch.logits.grad();
  EXPECT_EQ(grad[0].abs().max().item<float>(), 0.0f);
  EXPECT_EQ(grad[1].abs().max().item<float>(), 0.0f);
  EXPECT_NEAR(grad[2][0].item<double>(), 0.033333, 1e-6);
  EXPECT_NEAR(grad[2][1].item<double>(), -0.033333, 1e-6);
}

// The clip only ever makes the objective more pessimistic. pi = (0.75, 0.25) and (0.5, 0.5), both
// taking action 0, old log-probs ln 1 and ln(1/3): ratios 0.75 and 1.5.
//   A = 1, r = 0.75: max(-0.75, -0.8) = -0.75; A = -1, r = 1.5: max(1.5, 1.2) = 1.5
//   policy loss = (-0.75 + 1.5)/2 = 0.375
// Both stay unclipped, so both carry gradient, -A/2 * r * (onehot(0) - pi):
//   row 0: -0.5 * 0.75 * (0.25, -0.25) = (-0.09375, 0.09375)
//   row 1: 0.5 * 1.5 * (0.5, -0.5) = (0.375, -0.375)
TEST(PpoLoss, ClipDoesNotBindWhenItWouldLoosenTheObjective) {
  const auto logits =
      torch::tensor({std::log(3.0f), 0.0f, 0.0f, 0.0f}).view({2, 2}).requires_grad_();
  const auto actions = torch::tensor({0, 0}, torch::kInt64);
  const auto old_logprobs = torch::tensor({0.0f, std::log(1.0f / 3.0f)});
  const auto advantages = torch::tensor({1.0f, -1.0f});
  const auto values = torch::zeros({2});
  PpoLossSettings settings;
  settings.norm_adv = false;
  const PpoLoss out =
      ppo_loss(logits, values, actions, old_logprobs, values, advantages, values, settings,
               ActionHeads());
  EXPECT_NEAR(out.policy_loss.item<double>(), 0.375, 1e-5);
  EXPECT_NEAR(out.value_loss.item<double>(), 0.0, 1e-7);

  out.policy_loss.backward();
  const auto grad = logits.grad();
  EXPECT_NEAR(grad[0][0].item<double>(), -0.09375, 1e-6);
  EXPECT_NEAR(grad[0][1].item<double>(), 0.09375, 1e-6);
  EXPECT_NEAR(grad[1][0].item<double>(), 0.375, 1e-6);
  EXPECT_NEAR(grad[1][1].item<double>(), -0.375, 1e-6);
}

TEST(PpoLoss, DeterministicSamplingPicksTheArgmax) {
  const auto log_probs =
      torch::tensor({0.2f, 0.5f, 0.3f, 0.6f, 0.1f, 0.3f, 0.1f, 0.1f, 0.8f}).log().view({3, 3});
  Rng rng(1);
  int64_t actions[3] = {-1, -1, -1};
  float logprobs[3] = {};
  ActionHeads().sample(log_probs, rng, true, actions, logprobs);
  EXPECT_EQ(actions[0], 1);
  EXPECT_EQ(actions[1], 0);
  EXPECT_EQ(actions[2], 2);
  EXPECT_FLOAT_EQ(logprobs[0], std::log(0.5f));
  EXPECT_FLOAT_EQ(logprobs[1], std::log(0.6f));
  EXPECT_FLOAT_EQ(logprobs[2], std::log(0.8f));
}

// 20000 draws at p = 0.75: the frequency's standard deviation is sqrt(0.75 * 0.25 / 20000) = 0.003,
// so 0.01 is over three of them.
TEST(PpoLoss, StochasticSamplingFollowsTheProbabilities) {
  constexpr int kDraws = 20000;
  const float lp0 = std::log(0.25f), lp1 = std::log(0.75f);
  const auto log_probs = torch::tensor({lp0, lp1}).repeat({kDraws, 1});
  ASSERT_EQ(log_probs.sizes(), torch::IntArrayRef({kDraws, 2}));
  Rng rng(42);
  std::vector<int64_t> actions(kDraws, -1);
  std::vector<float> logprobs(kDraws, 0.0f);
  ActionHeads().sample(log_probs, rng, false, actions.data(), logprobs.data());
  int ones = 0;
  for (int i = 0; i < kDraws; ++i) {
    ASSERT_TRUE(actions[i] == 0 || actions[i] == 1) << actions[i];
    ones += actions[i] == 1;
    EXPECT_EQ(logprobs[i], actions[i] == 1 ? lp1 : lp0) << i;
  }
  EXPECT_NEAR(static_cast<double>(ones) / kDraws, 0.75, 0.01);
}

}  // namespace
}  // namespace lever

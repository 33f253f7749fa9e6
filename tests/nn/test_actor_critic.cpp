#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "lever/nn/actor_critic.h"
#include "lever/nn/flat_params.h"

namespace lever {
namespace {

ActorCriticOptions small_options(bool shared) {
  ActorCriticOptions options;
  options.obs_dim = 5;
  options.num_actions = 3;
  options.hidden_sizes = {16, 8};
  options.shared = shared;
  return options;
}

torch::Tensor fixed_obs(int64_t batch, int64_t dim) {
  return torch::linspace(-1.0, 1.0, batch * dim).reshape({batch, dim});
}

torch::Tensor concatenated(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> flat;
  for (const auto& t : tensors) flat.push_back(t.reshape({-1}));
  return torch::cat(flat);
}

torch::Tensor regression_loss(ActorCritic& net, const torch::Tensor& obs) {
  const PolicyOutput out = net->forward(obs);
  const auto logit_target = torch::linspace(-0.5, 0.5, out.logits.numel()).view_as(out.logits);
  return (out.logits - logit_target).square().mean() + (out.values - 1.0).square().mean();
}

TEST(FlatParameters, BackwardAccumulatesIntoTheFlatGradient) {
  torch::manual_seed(1);
  ActorCritic net(small_options(false));
  ActorCritic twin(small_options(false));
  {
    torch::NoGradGuard no_grad;
    net->flat().values().normal_(0.0, 0.3);  // non-zero biases so every gradient is non-trivial
    twin->flat().values().copy_(net->flat().values());
  }
  const auto obs = fixed_obs(7, 5);

  regression_loss(net, obs).backward();
  std::vector<torch::Tensor> param_grads;
  for (const auto& p : net->parameters()) param_grads.push_back(p.grad());
  EXPECT_TRUE(torch::equal(net->flat().grads(), concatenated(param_grads)));

  // The same gradient computed without touching any .grad buffer.
  const auto reference = torch::autograd::grad({regression_loss(twin, obs)}, twin->parameters());
  EXPECT_TRUE(torch::allclose(net->flat().grads(), concatenated(reference), 1e-6, 1e-7));
  EXPECT_GT(net->flat().grads().abs().min().item<float>(), 0.0f);

  net->flat().zero_grad();
  for (const auto& p : net->parameters()) EXPECT_EQ(p.grad().abs().max().item<float>(), 0.0f);
}

TEST(FlatParameters, ParametersAreViewsOfTheFlatValues) {
  ActorCritic net(small_options(false));
  // 2 trunks: 2*(5*16 + 16) + 2*(16*8 + 8) = 464, policy 8*3 + 3 = 27, value 8 + 1 = 9.
  ASSERT_EQ(net->flat().numel(), 500);
  const auto obs = fixed_obs(4, 5);
  {
    torch::NoGradGuard no_grad;
    net->flat().values().zero_();
    // value_bias is registered last, so it is the buffer's last element.
    net->flat().values()[-1] = 3.0f;
  }
  const PolicyOutput out = net->forward(obs);
  EXPECT_TRUE(torch::equal(out.logits, torch::zeros({4, 3})));
  EXPECT_TRUE(torch::equal(out.values, torch::full({4}, 3.0f)));
}

// lr 0.01 moves parameters far enough (about lr per step) that a different update rule or eps
// placement shows at 1e-6.
void expect_flat_adam_matches(double weight_decay) {
  constexpr double kLr = 0.01, kEps = 1e-5;
  torch::manual_seed(2);
  ActorCritic net(small_options(false));
  // torch's optimisers detach .grad in place, which views refuse, so the twin gets plain tensors.
  ActorCritic twin(small_options(false));
  {
    torch::NoGradGuard no_grad;
    twin->flat().values().copy_(net->flat().values());
    for (auto& p : twin->parameters()) {
      p.set_data(p.data().clone());
      p.mutable_grad() = torch::Tensor();
    }
  }
  const auto initial = net->flat().values().clone();
  FlatOptimizer flat_adam = FlatOptimizer::adam(net->flat(), kLr, kEps, 0.9, 0.999, weight_decay);
  std::unique_ptr<torch::optim::Optimizer> reference;
  if (weight_decay > 0) {
    reference = std::make_unique<torch::optim::AdamW>(
        twin->parameters(), torch::optim::AdamWOptions(kLr).eps(kEps).weight_decay(weight_decay));
  } else {
    reference = std::make_unique<torch::optim::Adam>(twin->parameters(),
                                                     torch::optim::AdamOptions(kLr).eps(kEps));
  }
  const auto obs = fixed_obs(6, 5);
  for (int step = 0; step < 5; ++step) {
    net->flat().zero_grad();
    regression_loss(net, obs).backward();
    flat_adam.step();
    reference->zero_grad();
    regression_loss(twin, obs).backward();
    reference->step();
    const auto expected = concatenated(twin->parameters());
    EXPECT_LT((net->flat().values() - expected).abs().max().item<double>(), 1e-6)
        << "step " << step + 1;
  }
  EXPECT_EQ(flat_adam.steps(), 5);
  EXPECT_GT((net->flat().values() - initial).abs().max().item<double>(), 0.02);
}

TEST(FlatOptimizer, MatchesTorchAdam) { expect_flat_adam_matches(0.0); }

TEST(FlatOptimizer, WithWeightDecayMatchesTorchAdamW) { expect_flat_adam_matches(0.1); }

TEST(FlatParameters, ClipGradNormScalesLargeGradientsToMaxNorm) {
  ActorCritic net(small_options(false));
  auto& flat = net->flat();
  flat.zero_grad();
  flat.grads()[0] = 3.0f;
  flat.grads()[-1] = 4.0f;  // norm sqrt(9 + 16) = 5
  EXPECT_NEAR(flat.clip_grad_norm(0.5), 5.0, 1e-6);
  EXPECT_NEAR(flat.grads().norm().item<double>(), 0.5, 1e-5);
  // Direction kept: 3/5 and 4/5 of the new norm, seen through the parameters' .grad views too.
  EXPECT_NEAR(flat.grads()[0].item<double>(), 0.3, 1e-5);
  EXPECT_NEAR(net->parameters().back().grad()[0].item<double>(), 0.4, 1e-5);
}

TEST(FlatParameters, ClipGradNormLeavesSmallGradientsAlone) {
  ActorCritic net(small_options(false));
  auto& flat = net->flat();
  torch::manual_seed(3);
  flat.grads().copy_(torch::randn({flat.numel()}));
  flat.grads().mul_(0.2 / flat.grads().norm().item<double>());
  const auto before = flat.grads().clone();
  EXPECT_NEAR(flat.clip_grad_norm(0.5), 0.2, 1e-6);
  EXPECT_TRUE(torch::equal(flat.grads(), before));
}

// For a weight stored [in, out], W = stored^T is [out, in]; orthogonal init with gain g makes the
// smaller side orthonormal times g: W W^T = g^2 I when out <= in, W^T W = g^2 I when out >= in.
void expect_scaled_orthonormal(const torch::Tensor& stored, double gain, const std::string& name) {
  const auto w = stored.detach().t();
  const auto gram = w.size(0) <= w.size(1) ? w.matmul(w.t()) : w.t().matmul(w);
  const auto identity = torch::eye(gram.size(0));
  EXPECT_LT((gram / (gain * gain) - identity).abs().max().item<double>(), 1e-5) << name;
}

TEST(ActorCritic, OrthogonalInitGainsAndZeroBiases) {
  torch::manual_seed(4);
  ActorCriticOptions options;
  options.obs_dim = 4;
  options.num_actions = 2;
  options.hidden_sizes = {64, 64};
  ActorCritic net(options);
  auto params = net->named_parameters();

  // trunk0 is [64 out, 4 in]: W^T W = 2 I (4x4); trunk1 is square: both products = 2 I.
  for (int k = 0; k < 2; ++k) {
    expect_scaled_orthonormal(params["trunk0_weight"][k], std::sqrt(2.0), "trunk0");
    const auto w1 = params["trunk1_weight"][k].detach();
    expect_scaled_orthonormal(w1, std::sqrt(2.0), "trunk1");
    EXPECT_LT((w1.matmul(w1.t()) / 2.0 - torch::eye(64)).abs().max().item<double>(), 1e-5);
  }
  // Actor and critic trunks are drawn independently.
  EXPECT_FALSE(torch::allclose(params["trunk1_weight"][0], params["trunk1_weight"][1]));
  // policy is [2 out, 64 in]: W W^T = 0.01^2 I; value is [1, 64]: a unit row.
  expect_scaled_orthonormal(params["policy_weight"], 0.01, "policy");
  EXPECT_NEAR(params["policy_weight"].norm().item<double>(), 0.01 * std::sqrt(2.0), 1e-7);
  expect_scaled_orthonormal(params["value_weight"], 1.0, "value");
  for (const std::string name : {"trunk0_bias", "trunk1_bias", "policy_bias", "value_bias"}) {
    EXPECT_EQ(params[name].abs().max().item<float>(), 0.0f) << name;
  }
}

// One trunk as a plain MLP: h = tanh(h W + b) per layer, with W [in, out] and b [1, out].
torch::Tensor plain_trunk(ActorCritic& net, int64_t trunk, torch::Tensor h) {
  auto params = net->named_parameters();
  for (size_t layer = 0; layer < net->options().hidden_sizes.size(); ++layer) {
    const std::string prefix = "trunk" + std::to_string(layer);
    h = torch::tanh(h.matmul(params[prefix + "_weight"][trunk]) + params[prefix + "_bias"][trunk]);
  }
  return h;
}

PolicyOutput plain_forward(ActorCritic& net, const torch::Tensor& obs, int64_t actor_trunk,
                           int64_t critic_trunk) {
  auto params = net->named_parameters();
  PolicyOutput out;
  out.logits =
      plain_trunk(net, actor_trunk, obs).matmul(params["policy_weight"]) + params["policy_bias"];
  out.values =
      (plain_trunk(net, critic_trunk, obs).matmul(params["value_weight"]) + params["value_bias"])
          .squeeze(1);
  return out;
}

TEST(ActorCritic, SeparateTrunksMatchTwoPlainMlps) {
  torch::manual_seed(5);
  ActorCritic net(small_options(false));
  {
    torch::NoGradGuard no_grad;
    net->flat().values().normal_(0.0, 0.5);
  }
  ASSERT_EQ(net->named_parameters()["trunk0_weight"].sizes(), torch::IntArrayRef({2, 5, 16}));
  const auto obs = fixed_obs(9, 5);
  torch::NoGradGuard no_grad;
  const PolicyOutput batched = net->forward(obs);
  const PolicyOutput plain = plain_forward(net, obs, 0, 1);
  ASSERT_EQ(batched.logits.sizes(), torch::IntArrayRef({9, 3}));
  ASSERT_EQ(batched.values.sizes(), torch::IntArrayRef({9}));
  EXPECT_TRUE(torch::allclose(batched.logits, plain.logits, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(batched.values, plain.values, 1e-5, 1e-6));
  // With random weights the trunks differ, so using the wrong one would show.
  const PolicyOutput swapped = plain_forward(net, obs, 1, 0);
  EXPECT_GT((batched.values - swapped.values).abs().max().item<float>(), 1e-2f);
}

TEST(ActorCritic, SeparateTrunksKeepValueGradientsOutOfTheActor) {
  ActorCritic net(small_options(false));
  net->forward(fixed_obs(3, 5)).values.sum().backward();
  auto params = net->named_parameters();
  for (const std::string name : {"trunk0_weight", "trunk1_weight"}) {
    EXPECT_EQ(params[name].grad()[0].abs().max().item<float>(), 0.0f) << name << " actor";
    EXPECT_GT(params[name].grad()[1].abs().max().item<float>(), 0.0f) << name << " critic";
  }
  EXPECT_EQ(params["policy_weight"].grad().abs().max().item<float>(), 0.0f);
}

TEST(ActorCritic, SharedTrunkFeedsBothHeads) {
  torch::manual_seed(6);
  ActorCritic net(small_options(true));
  // One trunk: (5*16 + 16) + (16*8 + 8) = 232, heads 27 + 9.
  EXPECT_EQ(net->flat().numel(), 268);
  ASSERT_EQ(net->named_parameters()["trunk1_weight"].sizes(), torch::IntArrayRef({1, 16, 8}));
  {
    torch::NoGradGuard no_grad;
    net->flat().values().normal_(0.0, 0.5);
  }
  const auto obs = fixed_obs(4, 5);
  {
    torch::NoGradGuard no_grad;
    const PolicyOutput batched = net->forward(obs);
    const PolicyOutput plain = plain_forward(net, obs, 0, 0);
    EXPECT_TRUE(torch::allclose(batched.logits, plain.logits, 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(batched.values, plain.values, 1e-5, 1e-6));
  }
  // The value loss trains the shared trunk the actor uses.
  net->forward(obs).values.sum().backward();
  EXPECT_GT(net->named_parameters()["trunk0_weight"].grad().abs().max().item<float>(), 0.0f);
}

}  // namespace
}  // namespace lever

#include <gtest/gtest.h>

#include <cstring>

#include "algo/run_helpers.h"
#include "lever/algo/train.h"
#include "lever/algo/trpo.h"

namespace lever {
namespace {

using testing::ScratchDir;

TEST(TrpoConjugateGradient, SolvesASymmetricPositiveDefiniteSystem) {
  torch::manual_seed(3);
  const auto m = torch::randn({6, 6}, torch::kFloat64);
  const auto a = m.matmul(m.t()) + torch::eye(6, torch::kFloat64);
  const auto b = torch::randn({6}, torch::kFloat64);
  int products = 0;
  const auto result = conjugate_gradient(
      [&](const torch::Tensor& v) {
        ++products;
        return a.matmul(v);
      },
      b, /*max_iterations=*/20, /*residual_tol=*/1e-20);
  const auto expected = torch::inverse(a).matmul(b);
  EXPECT_TRUE(torch::allclose(result.x, expected, 1e-8, 1e-8))
      << result.x << "\nexpected\n" << expected;
  // In exact arithmetic CG needs at most n = 6 iterations; rounding may cost one or two more.
  EXPECT_LE(result.iterations, 8);
  EXPECT_EQ(products, result.iterations);
  EXPECT_LT(result.residual, 1e-20);
}

TEST(TrpoConjugateGradient, StopsAtTheIterationLimitOrTheResidualTolerance) {
  const auto a = torch::diag(torch::tensor({1.0, 2.0, 3.0, 4.0}, torch::kFloat64));
  const auto b = torch::ones({4}, torch::kFloat64);
  auto times_a = [&](const torch::Tensor& v) { return a.matmul(v); };
  EXPECT_EQ(conjugate_gradient(times_a, b, 2, 1e-20).iterations, 2);
  // rᵀr starts at 4: a tolerance above it means no iteration at all and x = 0.
  const auto none = conjugate_gradient(times_a, b, 10, 5.0);
  EXPECT_EQ(none.iterations, 0);
  EXPECT_DOUBLE_EQ(none.residual, 4.0);
  EXPECT_EQ(none.x.abs().sum().item<double>(), 0.0);
  // One iteration from x = 0 is a steepest-descent step: x = (bᵀb / bᵀAb) b = 0.4 b.
  const auto one = conjugate_gradient(times_a, b, 1, 0.0);
  EXPECT_NEAR(one.x[0].item<double>(), 0.4, 1e-12);
}

TEST(TrpoKl, CategoricalKlMatchesAHandComputedValue) {
  // p = (0.5, 0.5), q = softmax(log 0.25, log 0.75) = (0.25, 0.75):
  // KL(p‖q) = 0.5 ln(0.5/0.25) + 0.5 ln(0.5/0.75) = 0.5 ln 2 + 0.5 ln(2/3).
  const auto old_logits = torch::tensor({{0.0f, 0.0f}});
  const auto new_logits = torch::tensor({{std::log(0.25f), std::log(0.75f)}});
  const double expected = 0.5 * std::log(2.0) + 0.5 * std::log(2.0 / 3.0);
  EXPECT_NEAR(categorical_kl(old_logits, new_logits).item<double>(), expected, 1e-6);
  EXPECT_NEAR(categorical_kl(new_logits, new_logits).item<double>(), 0.0, 1e-7);
}

// The Fisher matrix of a categorical policy written out: F = mean_s J_sᵀ (diag p_s − p_s p_sᵀ) J_s,
// J_s the Jacobian of sample s's logits with respect to the flat parameters.
torch::Tensor explicit_fisher(ActorCritic& net, const torch::Tensor& obs) {
  const auto parameters = net->parameters();
  const int64_t num_params = net->flat().numel(), batch = obs.size(0);
  auto fisher = torch::zeros({num_params, num_params}, torch::kFloat64);
  for (int64_t s = 0; s < batch; ++s) {
    const auto logits = net->forward(obs.narrow(0, s, 1)).logits.squeeze(0);
    const int64_t actions = logits.size(0);
    auto jacobian = torch::zeros({actions, num_params}, torch::kFloat64);
    for (int64_t a = 0; a < actions; ++a) {
      const auto grads = torch::autograd::grad({logits[a]}, parameters, {}, /*retain_graph=*/true,
                                               false, /*allow_unused=*/true);
      std::vector<torch::Tensor> flat;
      for (size_t i = 0; i < grads.size(); ++i) {
        flat.push_back(grads[i].defined() ? grads[i].reshape({-1})
                                          : torch::zeros({parameters[i].numel()}));
      }
      jacobian[a] = torch::cat(flat).to(torch::kFloat64);
    }
    const auto p = torch::softmax(logits.detach(), 0).to(torch::kFloat64);
    const auto middle = torch::diag(p) - torch::outer(p, p);
    fisher += jacobian.t().matmul(middle).matmul(jacobian);
  }
  return fisher / batch;
}

TEST(TrpoFisher, VectorProductMatchesTheExplicitFisherMatrixOfATinyNetwork) {
  torch::manual_seed(11);
  ActorCriticOptions options;
  options.obs_dim = 3;
  options.hidden_sizes = {4};
  options.num_actions = 3;
  ActorCritic net(options);
  const auto obs = torch::randn({7, 3});
  const auto fisher = explicit_fisher(net, obs);
  const auto v = torch::randn({net->flat().numel()});
  const auto expected = fisher.matmul(v.to(torch::kFloat64));
  // Chunks of 3 rows (3 + 3 + 1) must add up to the whole batch's product.
  const auto product = fisher_vector_product(net, obs, v, /*damping=*/0.0, /*chunk_size=*/3);
  EXPECT_TRUE(torch::allclose(product.to(torch::kFloat64), expected, 1e-4, 1e-5))
      << product << "\nexpected\n" << expected;
  // The critic's parameters do not change the policy: their rows of F v are exactly 0, and F is
  // not the zero matrix elsewhere.
  const auto value_only = net->value_only_mask();
  EXPECT_EQ((product * value_only).abs().sum().item<double>(), 0.0);
  EXPECT_GT(product.abs().sum().item<double>(), 1e-4);

  const auto damped = fisher_vector_product(net, obs, v, 0.1, 7);
  EXPECT_TRUE(torch::allclose(damped.to(torch::kFloat64), expected + 0.1 * v.to(torch::kFloat64),
                              1e-4, 1e-5));
}

TEST(TrpoLineSearch, RejectedSearchLeavesTheParametersExactlyAsTheyWere) {
  auto params = torch::tensor({0.25f, -1.5f, 3.0f});
  const auto before = params.clone();
  int evaluations = 0;
  // The surrogate improves but every trial breaks the trust region.
  const auto result = backtracking_line_search(
      params, torch::ones({3}),
      [&] {
        ++evaluations;
        return std::make_pair(1.0, 0.5);
      },
      /*old_surrogate=*/0.0, /*max_kl=*/0.01, /*max_steps=*/10, /*shrink=*/0.5);
  EXPECT_FALSE(result.accepted);
  EXPECT_EQ(result.backtracks, 10);
  EXPECT_EQ(evaluations, 10);
  EXPECT_EQ(result.kl, 0.0);
  EXPECT_EQ(std::memcmp(params.data_ptr<float>(), before.data_ptr<float>(), 3 * sizeof(float)),
            0);

  // Inside the trust region but the surrogate never improves: rejected too.
  const auto flat = backtracking_line_search(
      params, torch::ones({3}), [] { return std::make_pair(-0.1, 0.0); }, 0.0, 0.01, 4, 0.5);
  EXPECT_FALSE(flat.accepted);
  EXPECT_TRUE(torch::equal(params, before));
}

TEST(TrpoLineSearch, AcceptsTheFirstShrunkStepInsideTheTrustRegion) {
  auto params = torch::zeros({2});
  // KL grows with the step taken: the step fractions are 1, 0.5, 0.25, 0.125; 0.125 is the first
  // with KL = fraction <= 0.2, after 3 backtracks.
  const auto result = backtracking_line_search(
      params, torch::ones({2}),
      [&] {
        const double fraction = params[0].item<double>();
        return std::make_pair(fraction, fraction);
      },
      0.0, 0.2, 10, 0.5);
  EXPECT_TRUE(result.accepted);
  EXPECT_EQ(result.backtracks, 3);
  EXPECT_DOUBLE_EQ(result.kl, 0.125);
  EXPECT_DOUBLE_EQ(result.surrogate, 0.125);
  EXPECT_FLOAT_EQ(params[1].item<float>(), 0.125f);
}

TEST(TrpoValueFit, MaskedGradientsMoveTheValueButNotThePolicy) {
  torch::manual_seed(5);
  for (const bool shared : {false, true}) {
    ActorCriticOptions options;
    options.obs_dim = 4;
    options.hidden_sizes = {8, 8};
    options.num_actions = 2;
    options.shared = shared;
    ActorCritic net(options);
    FlatParameters& params = net->flat();
    FlatOptimizer adam = FlatOptimizer::adam(params, 1e-2, 1e-8);
    const auto obs = torch::randn({16, 4});
    const auto before = net->forward(obs);
    for (int step = 0; step < 5; ++step) {
      params.zero_grad();
      (net->values(obs) - 3.0).square().mean().backward();
      params.grads().mul_(net->value_only_mask());
      adam.step();
    }
    torch::NoGradGuard no_grad;
    const auto after = net->forward(obs);
    EXPECT_TRUE(torch::equal(after.logits, before.logits)) << "shared " << shared;
    EXPECT_GT((after.values - before.values).abs().max().item<double>(), 1e-3) << "shared " << shared;
  }
}

TEST(TrpoRun, SameSeedGivesIdenticalMetricsAndLogsTheTrustRegion) {
  ScratchDir dir;
  const std::vector<std::string> trpo = {"policy=trpo", "fisher_subsample=2"};
  ASSERT_TRUE(train_run(testing::tiny_run_config(trpo, 384), dir / "a", {true}).finished);
  ASSERT_TRUE(train_run(testing::tiny_run_config(trpo, 384), dir / "b", {true}).finished);
  const auto a = testing::read_csv(dir / "a" / "metrics.csv");
  const auto b = testing::read_csv(dir / "b" / "metrics.csv");
  ASSERT_EQ(a.rows.size(), 3u);
  for (const char* column : {"losses/policy_loss", "losses/value_loss", "losses/approx_kl",
                             "trpo/surrogate_gain", "trpo/line_search_steps", "trpo/cg_residual"}) {
    const int index = a.column(column);
    ASSERT_GE(index, 0) << column;
    for (size_t row = 0; row < a.rows.size(); ++row) {
      EXPECT_EQ(a.rows[row][index], b.rows[row][index]) << column << " row " << row;
    }
  }
  // Every accepted step stays inside the trust region and improves the surrogate.
  const int kl = a.column("losses/approx_kl"), gain = a.column("trpo/surrogate_gain"),
            accepted = a.column("trpo/line_search_accepted");
  for (const auto& row : a.rows) {
    EXPECT_LE(std::stod(row[kl]), 0.01);
    if (std::stod(row[accepted]) == 1.0) {
      EXPECT_GT(std::stod(row[gain]), 0.0);
    }
  }
  const auto summary = testing::read_json(dir / "a" / "summary.json");
  EXPECT_EQ(summary.at("policy"), "trpo");
}

TEST(TrpoLearning, CartPoleConfigLearnsCartPole) {
  ScratchDir dir;
  const Config config = Config::load_file(LEVER_SOURCE_DIR "/configs/cartpole_trpo.json");
  ASSERT_EQ(config.str("policy"), "trpo");
  TrainOptions options;
  options.quiet = true;
  const TrainResult result = train_run(config, dir / "run", options);
  ASSERT_TRUE(result.finished);
  // A uniformly random policy scores about 22.
  EXPECT_GE(result.final_eval.mean, 400.0);
}

}  // namespace
}  // namespace lever

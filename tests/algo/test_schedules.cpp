#include <gtest/gtest.h>

#include "lever/algo/on_policy.h"

namespace lever {
namespace {

TEST(PolynomialSchedule, DecaysAsTheReferenceFormulaThenHoldsFinal) {
  const PolynomialSchedule linear{3e-4, 3e-6, 1.0, 100};
  EXPECT_DOUBLE_EQ(linear.at(0), 3e-4);
  EXPECT_DOUBLE_EQ(linear.at(50), (3e-4 - 3e-6) * 0.5 + 3e-6);
  EXPECT_DOUBLE_EQ(linear.at(100), 3e-6);
  EXPECT_DOUBLE_EQ(linear.at(101), 3e-6);
  const PolynomialSchedule square{1e-3, 1e-4, 2.0, 30};
  EXPECT_NEAR(square.at(10), (1e-3 - 1e-4) * (2.0 / 3) * (2.0 / 3) + 1e-4, 1e-15);
  const PolynomialSchedule constant{0.2, 0.0, 1.0, 0};
  EXPECT_DOUBLE_EQ(constant.at(0), 0.2);
  EXPECT_DOUBLE_EQ(constant.at(1000), 0.2);
}

TEST(ScheduledValues, PolynomialScheduleWinsOverAnnealAndCountsUpdatesFromZero) {
  const Config annealed = Config::from_json({{"learning_rate", 1e-3}, {"anneal_lr", true}}, "t");
  // CleanRL's linear anneal: update u (from 1) of 10 uses lr·(1 − (u−1)/10).
  EXPECT_DOUBLE_EQ(scheduled_values(annealed, 1, 10).learning_rate, 1e-3);
  EXPECT_DOUBLE_EQ(scheduled_values(annealed, 6, 10).learning_rate, 1e-3 * 0.5);

  const Config poly = Config::from_json({{"learning_rate", 1e-3},
                                         {"learning_rate_final", 1e-4},
                                         {"learning_rate_decay_updates", 4},
                                         {"ent_coef", 0.01},
                                         {"ent_coef_final", 0.0},
                                         {"ent_coef_decay_updates", 2},
                                         {"clip_coef", 0.2},
                                         {"clip_coef_final", 0.1},
                                         {"clip_coef_power", 2.0},
                                         {"clip_coef_decay_updates", 2}},
                                        "t");
  const ScheduledValues first = scheduled_values(poly, 1, 10);
  EXPECT_DOUBLE_EQ(first.learning_rate, 1e-3);
  EXPECT_DOUBLE_EQ(first.ent_coef, 0.01);
  EXPECT_DOUBLE_EQ(first.clip_coef, 0.2);
  const ScheduledValues second = scheduled_values(poly, 2, 10);
  EXPECT_DOUBLE_EQ(second.learning_rate, (1e-3 - 1e-4) * 0.75 + 1e-4);
  EXPECT_DOUBLE_EQ(second.ent_coef, 0.005);
  EXPECT_DOUBLE_EQ(second.clip_coef, 0.1 * 0.25 + 0.1);
  const ScheduledValues late = scheduled_values(poly, 9, 10);
  EXPECT_DOUBLE_EQ(late.learning_rate, 1e-4);
  EXPECT_DOUBLE_EQ(late.ent_coef, 0.0);
  EXPECT_DOUBLE_EQ(late.clip_coef, 0.1);
}

TEST(MinibatchesPerEpoch, NumMinibatchesWinsOverMinibatchSize) {
  const Config by_size =
      Config::from_json({{"num_envs", 4}, {"num_steps", 32}, {"minibatch_size", 32}}, "t");
  EXPECT_EQ(minibatches_per_epoch(by_size), 4);
  const Config by_count = Config::from_json(
      {{"num_envs", 4}, {"num_steps", 32}, {"minibatch_size", 32}, {"num_minibatches", 8}}, "t");
  EXPECT_EQ(minibatches_per_epoch(by_count), 8);
}

TEST(Optimizer, AdamWDecaysWeightsAndAdamDoesNot) {
  torch::manual_seed(0);
  auto weight = torch::ones({3});
  FlatParameters adam_params({weight});
  FlatOptimizer adam = make_optimizer(Config::from_json({{"learning_rate", 0.1}}, "t"), adam_params);
  adam.step();  // zero gradient: Adam leaves the weights alone
  EXPECT_TRUE(torch::equal(adam_params.values(), torch::ones({3})));

  auto decayed = torch::ones({3});
  FlatParameters adamw_params({decayed});
  FlatOptimizer adamw = make_optimizer(
      Config::from_json({{"learning_rate", 0.1}, {"optimizer", "adamw"}, {"weight_decay", 0.5}},
                        "t"),
      adamw_params);
  adamw.step();  // decoupled decay: w ← w − lr·wd·w = 0.95
  EXPECT_TRUE(torch::allclose(adamw_params.values(), torch::full({3}, 0.95f)));
}

}  // namespace
}  // namespace lever

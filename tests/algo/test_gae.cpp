#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

#include "lever/algo/gae.h"

namespace lever {
namespace {

torch::Tensor rows(std::initializer_list<std::initializer_list<float>> values) {
  std::vector<torch::Tensor> out;
  for (const auto& row : values) out.push_back(torch::tensor(std::vector<float>(row)));
  return torch::stack(out);
}

// gamma = 0.9, lambda = 0.8, so gamma * lambda = 0.72. Columns are envs, rows are steps t = 0..3.
// delta_t = r_t + 0.9 * next_value * (1 - terminated_t) - v_t, where next_value is v_{t+1}, or
// last_values at t = 3, or final_values_t when truncated_t; A_t = delta_t + 0.72 * A_{t+1}
// unless the episode ended at t. Returns are A + v.
//
// env 0, terminated at t = 1; r = 1 1 1 1; v = 0.5 0.4 0.3 0.2; last value 0.6
//   t3: 1 + 0.9*0.6 - 0.2 = 1.34                       A = 1.34
//   t2: 1 + 0.9*0.2 - 0.3 = 0.88                       A = 0.88 + 0.72*1.34 = 1.8448
//   t1: 1 - 0.4 = 0.6 (no bootstrap, no carry)         A = 0.6
//   t0: 1 + 0.9*0.4 - 0.5 = 0.86                       A = 0.86 + 0.72*0.6 = 1.292
// env 1, truncated at t = 2 with final value 3.0 (the next row's value is -0.5, a new episode);
//   r = 0.5 -1 2 0; v = 1 0 0.5 -0.5; last value 2.0
//   t3: 0 + 0.9*2 + 0.5 = 2.3                          A = 2.3
//   t2: 2 + 0.9*3 - 0.5 = 4.2 (no carry)               A = 4.2
//   t1: -1 + 0.9*0.5 - 0 = -0.55                       A = -0.55 + 0.72*4.2 = 2.474
//   t0: 0.5 + 0.9*0 - 1 = -0.5                         A = -0.5 + 0.72*2.474 = 1.28128
// env 2, no episode end until a truncation on the last row, whose final value 1.0 overrides the
//   last value 5.0; r = 1 1 1 1; v = 0
//   t3: 1 + 0.9*1 = 1.9                                A = 1.9
//   t2: 1                                              A = 1 + 0.72*1.9 = 2.368
//   t1: 1                                              A = 1 + 0.72*2.368 = 2.70496
//   t0: 1                                              A = 1 + 0.72*2.70496 = 2.9475712
// env 3, terminated on the last row, so last value 100 is ignored; r = 0 0 0 2; v = .1 .2 .3 .4
//   t3: 2 - 0.4 = 1.6                                  A = 1.6
//   t2: 0 + 0.9*0.4 - 0.3 = 0.06                       A = 0.06 + 0.72*1.6 = 1.212
//   t1: 0 + 0.9*0.3 - 0.2 = 0.07                       A = 0.07 + 0.72*1.212 = 0.94264
//   t0: 0 + 0.9*0.2 - 0.1 = 0.08                       A = 0.08 + 0.72*0.94264 = 0.7587008
TEST(Gae, HandWorkedTerminationAndTruncation) {
  const auto rewards = rows({{1, 0.5, 1, 0}, {1, -1, 1, 0}, {1, 2, 1, 0}, {1, 0, 1, 2}});
  const auto values =
      rows({{0.5, 1, 0, 0.1}, {0.4, 0, 0, 0.2}, {0.3, 0.5, 0, 0.3}, {0.2, -0.5, 0, 0.4}});
  const auto terminated = rows({{0, 0, 0, 0}, {1, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 1}});
  const auto truncated = rows({{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}});
  // Final values are read only where truncated; the 9s elsewhere would show if misread.
  const auto final_values = rows({{9, 9, 9, 9}, {9, 9, 9, 9}, {9, 3, 9, 9}, {9, 9, 1, 9}});
  const auto last_values = torch::tensor({0.6f, 2.0f, 5.0f, 100.0f});
  auto advantages = torch::zeros({4, 4});
  auto returns = torch::zeros({4, 4});

  compute_gae(rewards, values, terminated, truncated, final_values, last_values, 0.9, 0.8,
              advantages, returns);

  const float expected_adv[4][4] = {{1.292f, 1.28128f, 2.9475712f, 0.7587008f},
                                    {0.6f, 2.474f, 2.70496f, 0.94264f},
                                    {1.8448f, 4.2f, 2.368f, 1.212f},
                                    {1.34f, 2.3f, 1.9f, 1.6f}};
  const float expected_ret[4][4] = {{1.792f, 2.28128f, 2.9475712f, 0.8587008f},
                                    {1.0f, 2.474f, 2.70496f, 1.14264f},
                                    {2.1448f, 4.7f, 2.368f, 1.512f},
                                    {1.54f, 1.8f, 1.9f, 2.0f}};
  for (int t = 0; t < 4; ++t) {
    for (int n = 0; n < 4; ++n) {
      EXPECT_NEAR(advantages[t][n].item<float>(), expected_adv[t][n], 1e-5) << t << "," << n;
      EXPECT_NEAR(returns[t][n].item<float>(), expected_ret[t][n], 1e-5) << t << "," << n;
    }
  }
}

// With lambda = 1 and no episode end, A_t + v_t is the discounted return bootstrapped from the last
// value: gamma = 0.5, r = 1 2 4, last value 8: returns 1 + 0.5*2 + 0.25*4 + 0.125*8 = 4,
// 2 + 0.5*4 + 0.25*8 = 6, 4 + 0.5*8 = 8, whatever the values are; A = returns - v with
// v = 0.3 -2 7 is 3.7 8 1.
TEST(Gae, LambdaOneGivesDiscountedReturns) {
  const auto rewards = rows({{1}, {2}, {4}});
  const auto values = rows({{0.3}, {-2}, {7}});
  const auto zeros = torch::zeros({3, 1});
  auto advantages = torch::zeros({3, 1});
  auto returns = torch::zeros({3, 1});
  compute_gae(rewards, values, zeros, zeros, zeros, torch::tensor({8.0f}), 0.5, 1.0, advantages,
              returns);
  EXPECT_NEAR(returns[0][0].item<float>(), 4.0f, 1e-5);
  EXPECT_NEAR(returns[1][0].item<float>(), 6.0f, 1e-5);
  EXPECT_NEAR(returns[2][0].item<float>(), 8.0f, 1e-5);
  EXPECT_NEAR(advantages[0][0].item<float>(), 3.7f, 1e-5);
  EXPECT_NEAR(advantages[1][0].item<float>(), 8.0f, 1e-5);
  EXPECT_NEAR(advantages[2][0].item<float>(), 1.0f, 1e-5);
}

}  // namespace
}  // namespace lever

#include <gtest/gtest.h>

#include "lever/nn/recurrent_actor_critic.h"

namespace lever {
namespace {

RecurrentActorCritic small_net(bool lstm, bool reset = true) {
  torch::manual_seed(3);
  RecurrentActorCriticOptions o;
  o.obs_dim = 3;
  o.lstm = lstm;
  o.hidden_state_size = 5;
  o.hidden_layer_size = 8;
  o.num_actions = 2;
  o.reset_hidden_state = reset;
  return RecurrentActorCritic(o);
}

RecurrentState random_state(bool lstm, int64_t batch) {
  RecurrentState s;
  s.hidden = torch::randn({batch, 5});
  if (lstm) s.cell = torch::randn({batch, 5});
  return s;
}

class RecurrentLayer : public ::testing::TestWithParam<bool> {};

// The training path (S sequences of L steps in one call) must equal the acting path (one step at
// a time, carrying the state): a batch-major/time-major mix-up or a dropped state breaks this.
TEST_P(RecurrentLayer, SequenceForwardEqualsSteppingOneStepAtATime) {
  const bool lstm = GetParam();
  RecurrentActorCritic net = small_net(lstm);
  torch::NoGradGuard no_grad;
  const int64_t S = 3, L = 4;
  const auto obs = torch::randn({S * L, 3});
  const RecurrentState start = random_state(lstm, S);
  const PolicyOutput whole = net->sequences(obs, start, L);
  ASSERT_EQ(whole.logits.sizes(), (std::vector<int64_t>{S * L, 2}));
  ASSERT_EQ(whole.values.sizes(), (std::vector<int64_t>{S * L}));
  for (int64_t s = 0; s < S; ++s) {
    RecurrentState state;
    state.hidden = start.hidden.narrow(0, s, 1).clone();
    if (lstm) state.cell = start.cell.narrow(0, s, 1).clone();
    for (int64_t j = 0; j < L; ++j) {
      const PolicyOutput one = net->step(obs.narrow(0, s * L + j, 1), state);
      EXPECT_TRUE(torch::allclose(one.logits[0], whole.logits[s * L + j], 1e-5, 1e-6))
          << "sequence " << s << " step " << j;
      EXPECT_NEAR(one.values.item<float>(), whole.values[s * L + j].item<float>(), 1e-5);
    }
  }
}

TEST_P(RecurrentLayer, StartStateChangesTheOutputsAndLaterRowsNeverChangeEarlierOnes) {
  const bool lstm = GetParam();
  RecurrentActorCritic net = small_net(lstm);
  torch::NoGradGuard no_grad;
  const auto obs = torch::randn({2 * 3, 3});
  const RecurrentState start = random_state(lstm, 2);
  const PolicyOutput base = net->sequences(obs, start, 3);
  // A different start state of sequence 1 changes its outputs but not sequence 0's.
  RecurrentState other = start;
  other.hidden = start.hidden.clone();
  other.hidden[1].add_(1.0);
  const PolicyOutput moved = net->sequences(obs, other, 3);
  EXPECT_TRUE(torch::equal(moved.values.narrow(0, 0, 3), base.values.narrow(0, 0, 3)));
  EXPECT_FALSE(torch::allclose(moved.values.narrow(0, 3, 3), base.values.narrow(0, 3, 3)));
  // Changing the last step of each sequence (where padding sits) leaves the earlier steps alone.
  auto padded = obs.clone();
  padded[2].fill_(100.0);
  padded[5].fill_(-100.0);
  const PolicyOutput with_padding = net->sequences(padded, start, 3);
  for (int64_t row : {0, 1, 3, 4}) {
    EXPECT_TRUE(torch::equal(with_padding.values[row], base.values[row])) << row;
  }
  EXPECT_NE(with_padding.values[2].item<float>(), base.values[2].item<float>());
}

TEST_P(RecurrentLayer, InitialStateIsZerosAndResetZeroesOnlyFinishedEnvs) {
  const bool lstm = GetParam();
  RecurrentActorCritic net = small_net(lstm);
  const RecurrentState zero = net->initial_state(4);
  ASSERT_EQ(zero.hidden.sizes(), (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(zero.hidden.abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(zero.cell.defined(), lstm);

  RecurrentState state = random_state(lstm, 4);
  const RecurrentState before{state.hidden.clone(), lstm ? state.cell.clone() : torch::Tensor()};
  const auto done = torch::tensor({false, true, false, true});
  net->end_episodes(state, done);
  for (int64_t row = 0; row < 4; ++row) {
    const bool reset = row == 1 || row == 3;
    if (reset) {
      EXPECT_EQ(state.hidden[row].abs().sum().item<float>(), 0.0f) << row;
      if (lstm) {
            EXPECT_EQ(state.cell[row].abs().sum().item<float>(), 0.0f) << row;
          }
    } else {
      EXPECT_TRUE(torch::equal(state.hidden[row], before.hidden[row])) << row;
      if (lstm) {
            EXPECT_TRUE(torch::equal(state.cell[row], before.cell[row])) << row;
          }
    }
  }

  RecurrentActorCritic carrying = small_net(lstm, /*reset=*/false);
  RecurrentState carried = random_state(lstm, 4);
  const auto kept = carried.hidden.clone();
  carrying->end_episodes(carried, done);
  EXPECT_TRUE(torch::equal(carried.hidden, kept));
}

INSTANTIATE_TEST_SUITE_P(GruAndLstm, RecurrentLayer, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Lstm" : "Gru"; });

TEST(RecurrentActorCriticInit, OrthogonalRecurrentWeightsAndZeroBiasesAsTheReference) {
  RecurrentActorCritic net = small_net(/*lstm=*/false);
  const auto params = net->named_parameters();
  const auto w_hh = params["recurrent_weight_hh"];  // [3H, H]: orthogonal columns, gain √2
  ASSERT_EQ(w_hh.sizes(), (std::vector<int64_t>{15, 5}));
  EXPECT_TRUE(torch::allclose(w_hh.t().mm(w_hh), 2.0 * torch::eye(5), 1e-4, 1e-4));
  EXPECT_EQ(params["recurrent_bias_ih"].abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(params["recurrent_bias_hh"].abs().sum().item<float>(), 0.0f);
  // Policy head gain √0.01 = 0.1: its 2 rows are orthonormal times 0.1.
  const auto policy = params["policy_out.weight"];
  EXPECT_TRUE(torch::allclose(policy.mm(policy.t()), 0.01 * torch::eye(2), 1e-5, 1e-6));
  // Every parameter lives in the flat buffer.
  int64_t total = 0;
  for (const auto& p : net->parameters()) total += p.numel();
  EXPECT_EQ(net->flat().numel(), total);
}

TEST(RecurrentActorCriticPixels, NatureEncoderWithoutDenseLayerFeedsTheLstm) {
  torch::manual_seed(1);
  RecurrentActorCriticOptions o;
  o.encoder = EncoderKind::kNature;
  o.image_shape = {84, 84, 3};
  o.feature_dim = 0;
  o.lstm = true;
  o.hidden_state_size = 16;
  o.hidden_layer_size = 32;
  o.num_actions = 3;
  RecurrentActorCritic net(o);
  // The LSTM reads the flattened 64×7×7 conv output.
  EXPECT_EQ(net->named_parameters()["recurrent_weight_ih"].sizes(),
            (std::vector<int64_t>{64, 64 * 7 * 7}));
  torch::NoGradGuard no_grad;
  const auto images = torch::randint(0, 256, {4, 84, 84, 3}, torch::kUInt8);
  RecurrentState state = net->initial_state(2);
  const PolicyOutput out = net->sequences(images, state, 2);
  EXPECT_EQ(out.logits.sizes(), (std::vector<int64_t>{4, 3}));
  EXPECT_TRUE(torch::isfinite(out.values).all().item<bool>());
}

}  // namespace
}  // namespace lever

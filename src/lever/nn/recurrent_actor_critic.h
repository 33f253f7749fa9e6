// The recurrent actor-critic of recurrent PPO (as the truncated-BPTT reference builds it): an
// encoder (none for vectors, which enter the recurrent layer as they are; the Nature or IMPALA
// CNN for images), one GRU or LSTM layer (batch-first, orthogonal √2 weights, zero biases; its
// output not activated again), a hidden layer with ReLU, then a policy branch and a value branch
// of Linear + ReLU + Linear.
//
// Two ways through the same weights: step() advances a batch of envs by one step (rollouts,
// evaluation), sequences() runs whole training sequences from their recorded start states
// (truncated BPTT). The encoder and heads see the flat batch; only the recurrent layer sees the
// (sequences, length, features) view.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "lever/nn/actor_critic.h"
#include "lever/nn/encoders.h"
#include "lever/nn/flat_params.h"
#include "lever/nn/policy.h"

namespace lever {

struct RecurrentActorCriticOptions {
  EncoderKind encoder = EncoderKind::kMlp;  // kMlp: no encoder, the flat observation goes in
  int64_t obs_dim = 0;                      // flattened observation size
  std::vector<int64_t> image_shape;         // nature/impala: height, width, channels (uint8 HWC)
  int64_t feature_dim = 0;                  // pixel encoders' dense layer; 0 = none
  std::vector<int64_t> impala_channels = {16, 32, 32};
  bool lstm = false;  // else GRU
  int64_t hidden_state_size = 64;
  int64_t hidden_layer_size = 128;
  int64_t num_actions = 0;
  bool reset_hidden_state = true;  // zero the state when an episode ends
};

class RecurrentActorCriticImpl : public torch::nn::Module, public Policy {
 public:
  explicit RecurrentActorCriticImpl(const RecurrentActorCriticOptions& options);

  PolicyOutput step(const torch::Tensor& obs, RecurrentState& state) override;
  // obs [S·L, ...] in sequence-major order (step j of sequence s at row s·L + j), start: the
  // state each sequence begins from ([S, H]). Returns logits and values for all S·L rows.
  PolicyOutput sequences(const torch::Tensor& obs, const RecurrentState& start, int64_t length);

  RecurrentState initial_state(int64_t batch) const override;
  void end_episodes(RecurrentState& state, const torch::Tensor& done) const override;
  bool recurrent() const override { return true; }

  const RecurrentActorCriticOptions& options() const { return options_; }
  torch::nn::Module& module() override { return *this; }
  FlatParameters& flatten() override;
  FlatParameters& flat() override { return flat_; }

 private:
  torch::Tensor encode(const torch::Tensor& obs);  // [B, features], float
  // x [S, L, F] from `state` ([S, H]); returns [S, L, H] and leaves the final state in `state`.
  torch::Tensor recur(const torch::Tensor& x, RecurrentState& state);
  PolicyOutput heads(const torch::Tensor& recurrent_out);  // [B, H] -> logits, values

  RecurrentActorCriticOptions options_;
  PixelEncoder pixels_;
  // PyTorch's GRU/LSTM layout: gates stacked along the rows (r, z, n or i, f, g, o).
  torch::Tensor weight_ih_, weight_hh_, bias_ih_, bias_hh_;
  torch::nn::Linear hidden_{nullptr}, policy_hidden_{nullptr}, policy_out_{nullptr},
      value_hidden_{nullptr}, value_out_{nullptr};
  FlatParameters flat_;
};
TORCH_MODULE(RecurrentActorCritic);

}  // namespace lever

// The actor-critic network: an encoder trunk, a categorical policy head and a value head.
// With separate actor and critic (CleanRL's default) both MLP trunks run as ONE batched network:
// their weights are stacked [2, in, out] and each layer is a single baddbmm, which halves the
// number of ops per forward and backward on small batches.
#pragma once
#include <torch/torch.h>

#include <utility>
#include <vector>

#include "lever/nn/flat_params.h"

namespace lever {

struct ActorCriticOptions {
  int64_t obs_dim = 0;
  int64_t num_actions = 0;
  std::vector<int64_t> hidden_sizes = {64, 64};
  bool tanh = true;     // activation: tanh, else ReLU
  bool shared = false;  // one trunk for both heads
};

struct PolicyOutput {
  torch::Tensor logits;  // [B, A], pre-softmax
  torch::Tensor values;  // [B]
};

class ActorCriticImpl : public torch::nn::Module {
 public:
  explicit ActorCriticImpl(const ActorCriticOptions& options);

  // obs: float [B, obs_dim] on the network's device.
  PolicyOutput forward(const torch::Tensor& obs);
  torch::Tensor values(const torch::Tensor& obs) { return forward(obs).values; }

  const ActorCriticOptions& options() const { return options_; }
  // All parameters as views of one buffer; call after moving the module to its device.
  FlatParameters& flatten();
  FlatParameters& flat() { return flat_; }

 private:
  ActorCriticOptions options_;
  int64_t trunks_;
  std::vector<torch::Tensor> weights_, biases_;  // per layer: [trunks, in, out], [trunks, 1, out]
  torch::Tensor policy_weight_, policy_bias_, value_weight_, value_bias_;
  FlatParameters flat_;
};
TORCH_MODULE(ActorCritic);

// Orthogonal init of a [in, out] weight (stored transposed) as torch.nn.init.orthogonal_ on [out,
// in].
void orthogonal_init_transposed(torch::Tensor weight, double gain);

}  // namespace lever

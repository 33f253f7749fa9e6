// The actor-critic network: an encoder trunk, a categorical policy head and a value head. Pixel
// encoders (Nature, IMPALA) are shared by both heads, as in Procgen's PPO and the levers study.
// With separate actor and critic (CleanRL's default) both MLP trunks run as ONE batched network:
// their weights are stacked [2, in, out] and each layer is a single baddbmm, which halves the
// number of ops per forward and backward on small batches.
#pragma once
#include <torch/torch.h>

#include <utility>
#include <vector>

#include "lever/nn/encoders.h"
#include "lever/nn/flat_params.h"
#include "lever/nn/policy.h"

namespace lever {

struct ActorCriticOptions {
  EncoderKind encoder = EncoderKind::kMlp;
  int64_t obs_dim = 0;                 // mlp: flattened observation size
  std::vector<int64_t> image_shape;    // nature/impala: height, width, channels (uint8 HWC input)
  int64_t feature_dim = 256;           // nature/impala output width
  std::vector<int64_t> impala_channels = {16, 32, 32};
  int64_t num_actions = 0;
  std::vector<int64_t> hidden_sizes = {64, 64};
  bool tanh = true;     // activation: tanh, else ReLU
  bool shared = false;  // one trunk for both heads
};

class ActorCriticImpl : public torch::nn::Module, public Policy {
 public:
  explicit ActorCriticImpl(const ActorCriticOptions& options);

  // obs on the network's device: mlp takes [B, ...] (flattened, cast to float); the CNNs take
  // uint8 [B, H, W, C] images and scale them to [0, 1] themselves.
  PolicyOutput forward(const torch::Tensor& obs);
  torch::Tensor values(const torch::Tensor& obs) { return forward(obs).values; }
  PolicyOutput step(const torch::Tensor& obs, RecurrentState&) override { return forward(obs); }
  torch::nn::Module& module() override { return *this; }

  // True when both heads read one feature vector (a pixel encoder, or shared_network): then the
  // value head alone is value-only, and the value can be refitted from features computed once.
  bool heads_share_features() const { return trunks_ == 1; }
  // The shared features the heads read; only when heads_share_features().
  torch::Tensor features(const torch::Tensor& obs);
  torch::Tensor value_head(const torch::Tensor& features);

  const ActorCriticOptions& options() const { return options_; }
  // All parameters as views of one buffer; call after moving the module to its device.
  FlatParameters& flatten() override;
  FlatParameters& flat() override { return flat_; }
  // 1 at the flat parameters only the value depends on (value head, critic trunk), 0 at those
  // the policy depends on. Algorithms that train the value function apart from the policy (TRPO)
  // multiply gradients by it, so fitting values cannot move the policy.
  torch::Tensor value_only_mask() const;

 private:
  torch::Tensor mlp_trunks(const torch::Tensor& obs);  // [trunks, B, last hidden]

  ActorCriticOptions options_;
  int64_t trunks_;
  PixelEncoder pixels_;
  std::vector<torch::Tensor> weights_, biases_;  // per layer: [trunks, in, out], [trunks, 1, out]
  torch::Tensor policy_weight_, policy_bias_, value_weight_, value_bias_;
  FlatParameters flat_;
};
TORCH_MODULE(ActorCritic);

// Orthogonal init of a [in, out] weight (stored transposed) as torch.nn.init.orthogonal_ on [out,
// in].
void orthogonal_init_transposed(torch::Tensor weight, double gain);

}  // namespace lever

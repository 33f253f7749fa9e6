// DQN's action-value network: an encoder (MLP for vectors; Nature, IMPALA or MinAtar CNN for
// images) and a linear head with one Q-value per action. It is also a Policy that acts
// ε-greedily, so evaluation, `lever play`, `lever enjoy` and saliency drive a DQN agent exactly as
// they drive an actor-critic: its "logits" are the log-probabilities of the ε-greedy distribution
// and its "value" is max_a Q.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "lever/nn/encoders.h"
#include "lever/nn/flat_params.h"
#include "lever/nn/policy.h"

namespace lever {

struct QNetworkOptions {
  EncoderKind encoder = EncoderKind::kMlp;
  int64_t obs_dim = 0;               // mlp: flattened observation size
  std::vector<int64_t> image_shape;  // CNNs: height, width, channels (uint8 HWC input)
  int64_t feature_dim = 512;         // CNN output width (the Nature DQN's 512)
  std::vector<int64_t> impala_channels = {16, 32, 32};
  std::vector<int64_t> hidden_sizes = {120, 84};  // mlp hidden layers, ReLU
  int64_t num_actions = 0;
  double epsilon = 0.05;  // ε of step() (acting as a Policy)
};

class QNetworkImpl : public torch::nn::Module, public Policy {
 public:
  explicit QNetworkImpl(const QNetworkOptions& options);

  // Q-values [B, A] for observations on the network's device in the env's dtype.
  torch::Tensor forward(const torch::Tensor& obs);

  PolicyOutput step(const torch::Tensor& obs, RecurrentState& state) override;
  torch::nn::Module& module() override { return *this; }
  FlatParameters& flatten() override;
  FlatParameters& flat() override { return flat_; }

  double epsilon() const { return epsilon_; }
  void set_epsilon(double epsilon) { epsilon_ = epsilon; }
  const QNetworkOptions& options() const { return options_; }

 private:
  QNetworkOptions options_;
  PixelEncoder pixels_;
  torch::nn::Sequential mlp_{nullptr};
  torch::nn::Linear head_{nullptr};
  FlatParameters flat_;
  double epsilon_;
};
TORCH_MODULE(QNetwork);

// The ε-greedy distribution over actions as log-probabilities [B, A]: ε/A everywhere plus 1 − ε
// on the argmax (the first one on ties). ε = 0 gives log(0) = −inf off the argmax.
torch::Tensor epsilon_greedy_log_probs(const torch::Tensor& q_values, double epsilon);

}  // namespace lever

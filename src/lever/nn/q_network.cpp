#include "lever/nn/q_network.h"

#include <cmath>

namespace lever {

QNetworkImpl::QNetworkImpl(const QNetworkOptions& options)
    : options_(options), epsilon_(options.epsilon) {
  int64_t width = options.obs_dim;
  if (options.encoder == EncoderKind::kMlp) {
    mlp_ = register_module("mlp", torch::nn::Sequential());
    for (int64_t hidden : options.hidden_sizes) {
      mlp_->push_back(torch::nn::Linear(width, hidden));
      mlp_->push_back(torch::nn::ReLU());
      width = hidden;
    }
  } else {
    pixels_.build(*this, options.encoder, options.image_shape, options.feature_dim,
                  options.impala_channels);
    width = pixels_.output_size();
  }
  head_ = register_module("head", torch::nn::Linear(width, options.num_actions));
  flatten();
}

FlatParameters& QNetworkImpl::flatten() {
  flat_ = FlatParameters(parameters());
  return flat_;
}

torch::Tensor QNetworkImpl::forward(const torch::Tensor& obs) {
  if (options_.encoder != EncoderKind::kMlp) return head_->forward(pixels_.forward(obs));
  auto x = obs.reshape({obs.size(0), -1}).to(torch::kFloat32);
  if (!mlp_->is_empty()) x = mlp_->forward(x);
  return head_->forward(x);
}

PolicyOutput QNetworkImpl::step(const torch::Tensor& obs, RecurrentState&) {
  const torch::Tensor q = forward(obs);
  return {epsilon_greedy_log_probs(q, epsilon_), std::get<0>(q.max(1))};
}

torch::Tensor epsilon_greedy_log_probs(const torch::Tensor& q_values, double epsilon) {
  const int64_t actions = q_values.size(1);
  auto probs = torch::full_like(q_values, epsilon / static_cast<double>(actions));
  const auto greedy = q_values.argmax(1, /*keepdim=*/true);
  probs.scatter_add_(1, greedy, torch::full_like(greedy, 1.0 - epsilon, q_values.options()));
  return probs.log();
}

}  // namespace lever

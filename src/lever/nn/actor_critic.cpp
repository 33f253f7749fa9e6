#include "lever/nn/actor_critic.h"

#include <cmath>
#include <string>

namespace lever {

void orthogonal_init_transposed(torch::Tensor weight, double gain) {
  torch::NoGradGuard no_grad;
  auto transposed = torch::empty({weight.size(1), weight.size(0)});
  torch::nn::init::orthogonal_(transposed, gain);
  weight.copy_(transposed.t());
}

ActorCriticImpl::ActorCriticImpl(const ActorCriticOptions& options)
    : options_(options), trunks_(options.shared ? 1 : 2) {
  int64_t in = options.obs_dim;
  if (options.encoder != EncoderKind::kMlp) {
    pixels_.build(*this, options.encoder, options.image_shape, options.feature_dim,
                  options.impala_channels);
    options_.hidden_sizes.clear();
    trunks_ = 1;
    in = pixels_.output_size();
  }
  TORCH_CHECK(options.encoder != EncoderKind::kMlp || !options.hidden_sizes.empty(),
              "the MLP needs at least one hidden layer");
  for (size_t layer = 0; layer < options_.hidden_sizes.size(); ++layer) {
    const int64_t out = options_.hidden_sizes[layer];
    auto w = register_parameter("trunk" + std::to_string(layer) + "_weight",
                                torch::empty({trunks_, in, out}));
    auto b = register_parameter("trunk" + std::to_string(layer) + "_bias",
                                torch::zeros({trunks_, 1, out}));
    for (int64_t k = 0; k < trunks_; ++k) orthogonal_init_transposed(w[k], std::sqrt(2.0));
    weights_.push_back(w);
    biases_.push_back(b);
    in = out;
  }
  policy_weight_ = register_parameter("policy_weight", torch::empty({in, options.num_actions}));
  policy_bias_ = register_parameter("policy_bias", torch::zeros({options.num_actions}));
  value_weight_ = register_parameter("value_weight", torch::empty({in, 1}));
  value_bias_ = register_parameter("value_bias", torch::zeros({1}));
  orthogonal_init_transposed(policy_weight_, 0.01);
  orthogonal_init_transposed(value_weight_, 1.0);
  flatten();
}

FlatParameters& ActorCriticImpl::flatten() {
  flat_ = FlatParameters(parameters());
  return flat_;
}

torch::Tensor ActorCriticImpl::value_only_mask() const {
  torch::NoGradGuard no_grad;
  const torch::Tensor& values = flat_.values();
  auto mask = torch::zeros_like(values);
  auto region_of = [&](const torch::Tensor& param) {
    const int64_t offset = param.data_ptr<float>() - values.data_ptr<float>();
    return mask.narrow(0, offset, param.numel()).view(param.sizes());
  };
  region_of(value_weight_).fill_(1.0);
  region_of(value_bias_).fill_(1.0);
  if (trunks_ == 2) {  // trunk 1 of the stacked MLP is the critic's
    for (size_t layer = 0; layer < weights_.size(); ++layer) {
      region_of(weights_[layer])[1].fill_(1.0);
      region_of(biases_[layer])[1].fill_(1.0);
    }
  }
  return mask;
}

PolicyOutput ActorCriticImpl::forward(const torch::Tensor& obs) {
  if (trunks_ == 1) {
    const auto f = features(obs);
    return {torch::addmm(policy_bias_, f, policy_weight_), value_head(f)};
  }
  const auto h = mlp_trunks(obs);
  return {torch::addmm(policy_bias_, h[0], policy_weight_), value_head(h[1])};
}

torch::Tensor ActorCriticImpl::features(const torch::Tensor& obs) {
  TORCH_CHECK(trunks_ == 1, "separate actor and critic trunks have no shared features");
  if (options_.encoder != EncoderKind::kMlp) return pixels_.forward(obs);
  return mlp_trunks(obs)[0];
}

torch::Tensor ActorCriticImpl::value_head(const torch::Tensor& features) {
  return torch::addmm(value_bias_, features, value_weight_).view({features.size(0)});
}

torch::Tensor ActorCriticImpl::mlp_trunks(const torch::Tensor& obs) {
  const int64_t batch = obs.size(0);
  torch::Tensor x = obs.reshape({batch, -1});
  if (x.scalar_type() != torch::kFloat32) x = x.to(torch::kFloat32);
  torch::Tensor h = x.unsqueeze(0).expand({trunks_, batch, options_.obs_dim});
  for (size_t layer = 0; layer < weights_.size(); ++layer) {
    h = torch::baddbmm(biases_[layer], h, weights_[layer]);
    h = options_.tanh ? torch::tanh(h) : torch::relu(h);
  }
  return h;
}

}  // namespace lever

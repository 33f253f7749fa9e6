#include "lever/nn/recurrent_actor_critic.h"

#include <cmath>

namespace lever {
namespace {

torch::nn::Linear orthogonal_linear(int64_t in, int64_t out, double gain) {
  torch::nn::Linear layer(in, out);
  torch::NoGradGuard no_grad;
  torch::nn::init::orthogonal_(layer->weight, gain);
  layer->bias.zero_();
  return layer;
}

}  // namespace

RecurrentActorCriticImpl::RecurrentActorCriticImpl(const RecurrentActorCriticOptions& options)
    : options_(options) {
  int64_t features = options.obs_dim;
  if (options.encoder != EncoderKind::kMlp) {
    pixels_.build(*this, options.encoder, options.image_shape, options.feature_dim,
                  options.impala_channels);
    features = pixels_.output_size();
  }
  const int64_t gates = options.lstm ? 4 : 3, hs = options.hidden_state_size;
  weight_ih_ = register_parameter("recurrent_weight_ih", torch::empty({gates * hs, features}));
  weight_hh_ = register_parameter("recurrent_weight_hh", torch::empty({gates * hs, hs}));
  bias_ih_ = register_parameter("recurrent_bias_ih", torch::zeros({gates * hs}));
  bias_hh_ = register_parameter("recurrent_bias_hh", torch::zeros({gates * hs}));
  {
    torch::NoGradGuard no_grad;
    torch::nn::init::orthogonal_(weight_ih_, std::sqrt(2.0));
    torch::nn::init::orthogonal_(weight_hh_, std::sqrt(2.0));
  }
  const int64_t width = options.hidden_layer_size;
  hidden_ = register_module("hidden", orthogonal_linear(hs, width, std::sqrt(2.0)));
  policy_hidden_ = register_module("policy_hidden", orthogonal_linear(width, width, std::sqrt(2.0)));
  policy_out_ =
      register_module("policy_out", orthogonal_linear(width, options.num_actions, std::sqrt(0.01)));
  value_hidden_ = register_module("value_hidden", orthogonal_linear(width, width, std::sqrt(2.0)));
  value_out_ = register_module("value_out", orthogonal_linear(width, 1, 1.0));
  flatten();
}

FlatParameters& RecurrentActorCriticImpl::flatten() {
  flat_ = FlatParameters(parameters());
  return flat_;
}

torch::Tensor RecurrentActorCriticImpl::encode(const torch::Tensor& obs) {
  if (options_.encoder == EncoderKind::kMlp) {
    torch::Tensor x = obs.reshape({obs.size(0), -1});
    return x.scalar_type() == torch::kFloat32 ? x : x.to(torch::kFloat32);
  }
  return pixels_.forward(obs);
}

torch::Tensor RecurrentActorCriticImpl::recur(const torch::Tensor& x, RecurrentState& state) {
  const std::vector<torch::Tensor> weights = {weight_ih_, weight_hh_, bias_ih_, bias_hh_};
  // The fused ops take states as [layers, S, H].
  if (options_.lstm) {
    const auto [out, hidden, cell] =
        torch::lstm(x, {state.hidden.unsqueeze(0), state.cell.unsqueeze(0)}, weights,
                    /*has_biases=*/true, /*num_layers=*/1, /*dropout=*/0.0, is_training(),
                    /*bidirectional=*/false, /*batch_first=*/true);
    state.hidden = hidden.squeeze(0);
    state.cell = cell.squeeze(0);
    return out;
  }
  const auto [out, hidden] =
      torch::gru(x, state.hidden.unsqueeze(0), weights, /*has_biases=*/true, /*num_layers=*/1,
                 /*dropout=*/0.0, is_training(), /*bidirectional=*/false, /*batch_first=*/true);
  state.hidden = hidden.squeeze(0);
  return out;
}

PolicyOutput RecurrentActorCriticImpl::heads(const torch::Tensor& recurrent_out) {
  // The recurrent output is not activated again: the GRU/LSTM already squashes it, and the
  // reference feeds it to the hidden layer as it is.
  const auto h = torch::relu(hidden_->forward(recurrent_out));
  const auto logits = policy_out_->forward(torch::relu(policy_hidden_->forward(h)));
  const auto values = value_out_->forward(torch::relu(value_hidden_->forward(h)));
  return {logits, values.view({h.size(0)})};
}

PolicyOutput RecurrentActorCriticImpl::step(const torch::Tensor& obs, RecurrentState& state) {
  const auto out = recur(encode(obs).unsqueeze(1), state);
  return heads(out.squeeze(1));
}

PolicyOutput RecurrentActorCriticImpl::sequences(const torch::Tensor& obs,
                                                 const RecurrentState& start, int64_t length) {
  const auto features = encode(obs);
  const int64_t num_sequences = features.size(0) / length;
  TORCH_CHECK(num_sequences * length == features.size(0),
              "sequences: ", features.size(0), " rows do not make sequences of length ", length);
  RecurrentState state = start;
  const auto out = recur(features.view({num_sequences, length, features.size(1)}), state);
  return heads(out.reshape({num_sequences * length, out.size(2)}));
}

RecurrentState RecurrentActorCriticImpl::initial_state(int64_t batch) const {
  const auto options = weight_hh_.options().requires_grad(false);
  RecurrentState state;
  state.hidden = torch::zeros({batch, options_.hidden_state_size}, options);
  if (options_.lstm) state.cell = torch::zeros({batch, options_.hidden_state_size}, options);
  return state;
}

void RecurrentActorCriticImpl::end_episodes(RecurrentState& state,
                                            const torch::Tensor& done) const {
  if (!options_.reset_hidden_state || !done.defined()) return;
  const auto rows = done.view({-1, 1});
  state.hidden = state.hidden.masked_fill(rows, 0.0);
  if (state.cell.defined()) state.cell = state.cell.masked_fill(rows, 0.0);
}

}  // namespace lever

// What acting needs from a network, feed-forward or recurrent: training rollouts, evaluation,
// videos and `lever enjoy` drive any policy through this interface, so none of them has to know
// whether the agent remembers.
#pragma once
#include <torch/torch.h>

#include "lever/nn/flat_params.h"

namespace lever {

struct PolicyOutput {
  torch::Tensor logits;  // [B, A], pre-softmax
  torch::Tensor values;  // [B]
};

// A recurrent layer's state for a batch of envs: hidden [B, H], and cell [B, H] for an LSTM.
// Feed-forward policies leave both undefined.
struct RecurrentState {
  torch::Tensor hidden, cell;
  bool empty() const { return !hidden.defined(); }
};

class Policy {
 public:
  virtual ~Policy() = default;
  // One step of a batch of envs: obs on the network's device in the env's dtype. A recurrent
  // policy reads `state` and replaces it with the state after this step.
  virtual PolicyOutput step(const torch::Tensor& obs, RecurrentState& state) = 0;
  // The state a batch of fresh episodes starts from (zeros; empty for feed-forward policies).
  virtual RecurrentState initial_state(int64_t batch) const {
    (void)batch;
    return {};
  }
  // After an env step: done is bool [B] on the network's device, true where an episode ended, or
  // undefined when none did. A recurrent policy that resets between episodes zeroes those rows.
  virtual void end_episodes(RecurrentState& state, const torch::Tensor& done) const {
    (void)state;
    (void)done;
  }
  virtual bool recurrent() const { return false; }

  virtual torch::nn::Module& module() = 0;
  // All parameters as views of one buffer; call after moving module() to its device.
  virtual FlatParameters& flatten() = 0;
  virtual FlatParameters& flat() = 0;
};

}  // namespace lever

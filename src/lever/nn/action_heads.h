// How a policy's logits become an env's actions. A Discrete(n) env gets one categorical over n
// logits. A MultiDiscrete env (EnvSpec::action_nvec, e.g. Memory Gym's {3, 3}) gets one
// categorical per sub-action over consecutive slices of the logits, sampled independently: the
// action's log-probability is the sum of the heads' and its entropy the sum of their entropies.
// Actions travel as the flat index the env receives (sum_i a_i * prod_{j>i} n_j), so rollouts,
// evaluation and checkpoints store one int64 per step either way.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "lever/core/rng.h"
#include "lever/env/env.h"

namespace lever {

class ActionHeads {
 public:
  // One categorical over however many logits the network has.
  ActionHeads() = default;
  explicit ActionHeads(const EnvSpec& spec);
  // Sizes of the sub-actions; one size is a plain categorical. Throws UsageError for none or a
  // size below 1.
  explicit ActionHeads(std::vector<int64_t> sizes);

  bool multi() const { return sizes_.size() > 1; }
  const std::vector<int64_t>& sizes() const { return sizes_; }
  // What the network outputs: the sum of the sizes.
  int64_t num_logits() const;

  // Log-probabilities [B, num_logits], normalised within each head (torch::log_softmax for one
  // head). Because each slice sums to one, -sum(exp(lp) * lp) over a row is the sum of the heads'
  // entropies, and sum(exp(lp_old) * (lp_old - lp_new)) the sum of their KL divergences, so
  // entropy and KL formulas written for one categorical hold unchanged.
  torch::Tensor log_probs(const torch::Tensor& logits) const;
  // log pi(action) [B] for flat actions [B] (int64, on log_probs' device).
  torch::Tensor log_prob_of(const torch::Tensor& log_probs, const torch::Tensor& actions) const;
  // Per row of CPU float log_probs: each head sampled from its slice (argmax when deterministic),
  // written as the flat action with its summed log-probability. Draws one uniform per head.
  void sample(const torch::Tensor& log_probs, Rng& rng, bool deterministic, int64_t* actions,
              float* action_logprobs) const;
  // The logit column chosen by each head for a flat action.
  std::vector<int64_t> columns(int64_t action) const;

 private:
  std::vector<int64_t> sizes_, offsets_, strides_;
};

}  // namespace lever

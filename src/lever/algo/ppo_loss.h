// The PPO objective for one minibatch (Schulman et al. 2017), as CleanRL's ppo.py computes it.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "lever/log/metrics_sink.h"
#include "lever/nn/action_heads.h"

namespace lever {

struct PpoLossSettings {
  double clip_coef = 0.2;
  bool clip_vloss = true;
  bool norm_adv = true;
  double ent_coef = 0.01;
  double vf_coef = 0.5;
  double beta = 0.0;  // KL(old || new) penalty
};

struct PpoLoss {
  torch::Tensor loss;         // what to back-propagate
  torch::Tensor policy_loss;  // clipped surrogate (to minimise)
  torch::Tensor value_loss;   // 0.5 * (clipped) squared error
  torch::Tensor entropy;      // mean policy entropy
  torch::Tensor kl;           // k3 estimate of KL(old || new): mean((r - 1) - log r)
  torch::Tensor ratio;        // pi_new / pi_old per sample (for the clip fraction)
};

// logits [B, A] and values [B] from the current network; the rest from the rollout; heads turn
// the logits into the actions' log-probabilities and the entropy.
PpoLoss ppo_loss(const torch::Tensor& logits, const torch::Tensor& values,
                 const torch::Tensor& actions, const torch::Tensor& old_logprobs,
                 const torch::Tensor& old_values, const torch::Tensor& advantages,
                 const torch::Tensor& returns, const PpoLossSettings& settings,
                 const ActionHeads& heads);

// The statistics of one PPO update, summed over its minibatches on the device so that no
// minibatch waits for the host; shared by ppo and recurrent_ppo.
class PpoUpdateStats {
 public:
  explicit PpoUpdateStats(const torch::Device& device);
  void start_epoch();
  void add(const PpoLoss& loss, double clip_coef);
  // Mean approximate KL over this epoch's minibatches (for target_kl); waits for the device.
  double epoch_mean_kl() const;
  int64_t minibatches() const { return minibatches_; }

  struct Means {
    double policy_loss, value_loss, entropy, approx_kl, clipfrac;
  };
  Means means() const;
  // CleanRL's losses/* columns from means().
  static std::vector<Scalar> loss_columns(const Means& means);

 private:
  torch::Tensor policy_loss_, value_loss_, entropy_, kl_, clipfrac_, epoch_kl_;
  int64_t minibatches_ = 0, epoch_minibatches_ = 0;
};

}  // namespace lever

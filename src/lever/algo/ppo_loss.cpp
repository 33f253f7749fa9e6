#include "lever/algo/ppo_loss.h"

#include <algorithm>

namespace lever {

PpoLoss ppo_loss(const torch::Tensor& logits, const torch::Tensor& values,
                 const torch::Tensor& actions, const torch::Tensor& old_logprobs,
                 const torch::Tensor& old_values, const torch::Tensor& advantages,
                 const torch::Tensor& returns, const PpoLossSettings& s,
                 const ActionHeads& heads) {
  PpoLoss out;
  const auto log_probs = heads.log_probs(logits);
  const auto new_logprobs = heads.log_prob_of(log_probs, actions);
  out.entropy = -(log_probs.exp() * log_probs).sum(1).mean();

  const auto log_ratio = new_logprobs - old_logprobs;
  out.ratio = log_ratio.exp();
  torch::Tensor adv = advantages;
  if (s.norm_adv) adv = (advantages - advantages.mean()) / (advantages.std() + 1e-8);
  out.policy_loss =
      torch::max(-adv * out.ratio, -adv * out.ratio.clamp(1.0 - s.clip_coef, 1.0 + s.clip_coef))
          .mean();

  if (s.clip_vloss) {
    const auto unclipped = (values - returns).square();
    const auto clipped =
        (old_values + (values - old_values).clamp(-s.clip_coef, s.clip_coef) - returns).square();
    out.value_loss = 0.5 * torch::max(unclipped, clipped).mean();
  } else {
    out.value_loss = 0.5 * (values - returns).square().mean();
  }

  out.kl = ((out.ratio - 1.0) - log_ratio).mean();
  out.loss = out.policy_loss - s.ent_coef * out.entropy + s.vf_coef * out.value_loss;
  if (s.beta > 0) out.loss = out.loss + s.beta * out.kl;
  return out;
}

PpoUpdateStats::PpoUpdateStats(const torch::Device& device) {
  for (torch::Tensor* sum : {&policy_loss_, &value_loss_, &entropy_, &kl_, &clipfrac_, &epoch_kl_}) {
    *sum = torch::zeros({}, device);
  }
}

void PpoUpdateStats::start_epoch() {
  epoch_kl_.zero_();
  epoch_minibatches_ = 0;
}

void PpoUpdateStats::add(const PpoLoss& loss, double clip_coef) {
  torch::NoGradGuard no_grad;
  policy_loss_.add_(loss.policy_loss);
  value_loss_.add_(loss.value_loss);
  entropy_.add_(loss.entropy);
  kl_.add_(loss.kl);
  epoch_kl_.add_(loss.kl);
  clipfrac_.add_((loss.ratio - 1.0).abs().gt(clip_coef).to(torch::kFloat32).mean());
  ++minibatches_;
  ++epoch_minibatches_;
}

double PpoUpdateStats::epoch_mean_kl() const {
  return epoch_kl_.item<double>() / std::max<int64_t>(1, epoch_minibatches_);
}

PpoUpdateStats::Means PpoUpdateStats::means() const {
  const double n = static_cast<double>(std::max<int64_t>(1, minibatches_));
  return {policy_loss_.item<double>() / n, value_loss_.item<double>() / n,
          entropy_.item<double>() / n, kl_.item<double>() / n, clipfrac_.item<double>() / n};
}

std::vector<Scalar> PpoUpdateStats::loss_columns(const Means& m) {
  return {{"losses/policy_loss", m.policy_loss},
          {"losses/value_loss", m.value_loss},
          {"losses/entropy", m.entropy},
          {"losses/approx_kl", m.approx_kl},
          {"losses/clipfrac", m.clipfrac}};
}

}  // namespace lever

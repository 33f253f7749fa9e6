#include "lever/algo/ppo_loss.h"

namespace lever {

PpoLoss ppo_loss(const torch::Tensor& logits, const torch::Tensor& values,
                 const torch::Tensor& actions, const torch::Tensor& old_logprobs,
                 const torch::Tensor& old_values, const torch::Tensor& advantages,
                 const torch::Tensor& returns, const PpoLossSettings& s) {
  PpoLoss out;
  const auto log_probs = torch::log_softmax(logits, 1);
  const auto new_logprobs = log_probs.gather(1, actions.unsqueeze(1)).squeeze(1);
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

}  // namespace lever

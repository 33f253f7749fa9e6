#include "lever/nn/flat_params.h"

#include <cmath>

namespace lever {

FlatParameters::FlatParameters(const std::vector<torch::Tensor>& params) {
  torch::NoGradGuard no_grad;
  int64_t total = 0;
  for (const auto& p : params) total += p.numel();
  const auto options = params.empty() ? torch::TensorOptions() : params[0].options();
  values_ = torch::empty({total}, options.requires_grad(false));
  grads_ = torch::zeros({total}, options.requires_grad(false));
  int64_t offset = 0;
  for (const auto& p : params) {
    const int64_t n = p.numel();
    auto value_view = values_.narrow(0, offset, n).view(p.sizes());
    value_view.copy_(p);
    p.set_data(value_view);
    p.mutable_grad() = grads_.narrow(0, offset, n).view(p.sizes());
    offset += n;
  }
}

double FlatParameters::clip_grad_norm(double max_norm) {
  const double norm = grads_.norm().item<double>();
  if (max_norm > 0 && norm > max_norm) grads_.mul_(max_norm / (norm + 1e-6));
  return norm;
}

FlatOptimizer::FlatOptimizer(FlatParameters& params, OptimizerRule rule, double lr, double eps,
                             double beta1, double beta2, double weight_decay, bool centered)
    : params_(&params),
      rule_(rule),
      lr_(lr),
      eps_(eps),
      beta1_(beta1),
      beta2_(beta2),
      weight_decay_(weight_decay),
      centered_(centered) {
  exp_avg_ = torch::zeros_like(params.values());
  exp_avg_sq_ = torch::zeros_like(params.values());
  denom_ = torch::empty_like(params.values());
}

FlatOptimizer FlatOptimizer::adam(FlatParameters& params, double lr, double eps, double beta1,
                                  double beta2, double weight_decay) {
  return FlatOptimizer(params, OptimizerRule::kAdam, lr, eps, beta1, beta2, weight_decay, false);
}

FlatOptimizer FlatOptimizer::rmsprop(FlatParameters& params, double lr, double alpha, double eps,
                                     bool centered) {
  return FlatOptimizer(params, OptimizerRule::kRmsProp, lr, eps, alpha, alpha, 0.0, centered);
}

FlatOptimizer FlatOptimizer::rmsprop_deepmind(FlatParameters& params, double lr, double alpha,
                                              double eps) {
  return FlatOptimizer(params, OptimizerRule::kRmsPropDeepMind, lr, eps, alpha, alpha, 0.0, true);
}

void FlatOptimizer::step() {
  torch::NoGradGuard no_grad;
  ++step_;
  auto& values = params_->values();
  auto& grads = params_->grads();
  if (rule_ == OptimizerRule::kAdam) {
    if (weight_decay_ > 0) values.mul_(1.0 - lr_ * weight_decay_);  // decoupled, as AdamW
    exp_avg_.mul_(beta1_).add_(grads, 1.0 - beta1_);
    exp_avg_sq_.mul_(beta2_).addcmul_(grads, grads, 1.0 - beta2_);
    const double bias_correction1 = 1.0 - std::pow(beta1_, static_cast<double>(step_));
    const double bias_correction2 = 1.0 - std::pow(beta2_, static_cast<double>(step_));
    torch::sqrt_out(denom_, exp_avg_sq_);
    denom_.div_(std::sqrt(bias_correction2)).add_(eps_);
    values.addcdiv_(exp_avg_, denom_, -lr_ / bias_correction1);
    return;
  }
  const double alpha = beta2_;
  exp_avg_sq_.mul_(alpha).addcmul_(grads, grads, 1.0 - alpha);
  if (centered_) {
    exp_avg_.mul_(alpha).add_(grads, 1.0 - alpha);
    torch::addcmul_out(denom_, exp_avg_sq_, exp_avg_, exp_avg_, -1.0);
  } else {
    denom_.copy_(exp_avg_sq_);
  }
  if (rule_ == OptimizerRule::kRmsPropDeepMind) {
    denom_.add_(eps_).sqrt_();
  } else {
    denom_.sqrt_().add_(eps_);
  }
  values.addcdiv_(grads, denom_, -lr_);
}

}  // namespace lever

// One flat buffer for all of a network's parameters and one for their gradients. Each parameter is
// a view into the buffer, so Adam, gradient clipping, checkpoints and (later) MPI act on a single
// tensor with a handful of ops instead of a handful per parameter. torch::optim optimisers cannot
// drive such parameters (their zero_grad detaches the .grad views); use FlatAdam.
#pragma once
#include <torch/torch.h>

#include <vector>

namespace lever {

class FlatParameters {
 public:
  FlatParameters() = default;
  // Moves the current values of params into one contiguous buffer and makes every param (and its
  // .grad) a view into the flat value (and gradient) buffer. Autograd then accumulates straight
  // into grads().
  explicit FlatParameters(const std::vector<torch::Tensor>& params);

  torch::Tensor& values() { return values_; }
  const torch::Tensor& values() const { return values_; }
  torch::Tensor& grads() { return grads_; }
  int64_t numel() const { return values_.numel(); }
  void zero_grad() { grads_.zero_(); }
  // Scales the gradient so its global L2 norm is at most max_norm; returns the norm before.
  double clip_grad_norm(double max_norm);

 private:
  torch::Tensor values_, grads_;
};

// Adam (and AdamW when weight_decay > 0) over a FlatParameters, with PyTorch's update rule.
class FlatAdam {
 public:
  FlatAdam(FlatParameters& params, double lr, double eps, double beta1 = 0.9, double beta2 = 0.999,
           double weight_decay = 0.0);
  void step();
  void set_lr(double lr) { lr_ = lr; }
  double lr() const { return lr_; }
  int64_t steps() const { return step_; }

  // For checkpoints: first and second moments and the step count.
  torch::Tensor& exp_avg() { return exp_avg_; }
  torch::Tensor& exp_avg_sq() { return exp_avg_sq_; }
  const torch::Tensor& exp_avg() const { return exp_avg_; }
  const torch::Tensor& exp_avg_sq() const { return exp_avg_sq_; }
  void set_steps(int64_t steps) { step_ = steps; }

 private:
  FlatParameters& params_;
  double lr_, eps_, beta1_, beta2_, weight_decay_;
  int64_t step_ = 0;
  torch::Tensor exp_avg_, exp_avg_sq_, denom_;
};

}  // namespace lever

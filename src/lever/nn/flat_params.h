// One flat buffer for all of a network's parameters and one for their gradients. Each parameter is
// a view into the buffer, so Adam, gradient clipping, checkpoints and (later) MPI act on a single
// tensor with a handful of ops instead of a handful per parameter. torch::optim optimisers cannot
// drive such parameters (their zero_grad detaches the .grad views); use FlatOptimizer.
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

// The optimisers lever trains with, over a FlatParameters: a handful of ops on one tensor per
// step. Every rule keeps at most two state tensors, so checkpoints store any of them the same way.
enum class OptimizerRule {
  kAdam,     // PyTorch's Adam, or AdamW with weight_decay > 0 (decoupled decay)
  kRmsProp,  // PyTorch's RMSprop (no momentum): w -= lr g / (sqrt(v) + eps), centred optionally
  // DeepMind's DQN RMSProp (NeuralQLearner.lua): centred, eps INSIDE the square root:
  // w -= lr g / sqrt(v - m^2 + eps), with m and v running means of g and g^2.
  kRmsPropDeepMind,
};

class FlatOptimizer {
 public:
  static FlatOptimizer adam(FlatParameters& params, double lr, double eps, double beta1 = 0.9,
                            double beta2 = 0.999, double weight_decay = 0.0);
  // alpha: the running means' decay (PyTorch's alpha, DeepMind's 0.95).
  static FlatOptimizer rmsprop(FlatParameters& params, double lr, double alpha, double eps,
                               bool centered);
  static FlatOptimizer rmsprop_deepmind(FlatParameters& params, double lr, double alpha,
                                        double eps);

  void step();
  void set_lr(double lr) { lr_ = lr; }
  double lr() const { return lr_; }
  int64_t steps() const { return step_; }
  OptimizerRule rule() const { return rule_; }

  // For checkpoints. Adam: first and second moments. RMSProp: the running mean of the gradient
  // (centred rules only; zeros otherwise) and of its square.
  torch::Tensor& exp_avg() { return exp_avg_; }
  torch::Tensor& exp_avg_sq() { return exp_avg_sq_; }
  const torch::Tensor& exp_avg() const { return exp_avg_; }
  const torch::Tensor& exp_avg_sq() const { return exp_avg_sq_; }
  void set_steps(int64_t steps) { step_ = steps; }

 private:
  FlatOptimizer(FlatParameters& params, OptimizerRule rule, double lr, double eps, double beta1,
                double beta2, double weight_decay, bool centered);

  FlatParameters* params_;
  OptimizerRule rule_;
  double lr_, eps_, beta1_, beta2_, weight_decay_;
  bool centered_;
  int64_t step_ = 0;
  torch::Tensor exp_avg_, exp_avg_sq_, denom_;
};

}  // namespace lever

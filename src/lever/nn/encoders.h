// Pixel encoders: image [B, C, H, W] float in [0, 1] -> features [B, output_size()] (after ReLU).
// feature_dim 0 leaves out the dense layer: the features are then the flattened conv output.
#pragma once
#include <torch/torch.h>
#include <vector>

namespace lever {

// Mnih et al. 2015: conv 32 8x8 s4, conv 64 4x4 s2, conv 64 3x3 s1 (ReLU after each), dense.
// Orthogonal init with gain sqrt(2) and zero biases, as CleanRL's ppo_atari and baselines.
class NatureCnnImpl : public torch::nn::Module {
 public:
  NatureCnnImpl(int64_t channels, int64_t height, int64_t width, int64_t feature_dim);
  torch::Tensor forward(const torch::Tensor& images);
  int64_t flat_size() const { return flat_size_; }
  int64_t output_size() const { return fc_ ? fc_->options.out_features() : flat_size_; }

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr};
  torch::nn::Linear fc_{nullptr};
  int64_t flat_size_;
};
TORCH_MODULE(NatureCnn);

// Espeholt et al. 2018, as Procgen's baselines: per depth, conv 3x3 (same), max-pool 3x3 s2
// (pad 1), two residual blocks x + conv(relu(conv(relu(x)))); then ReLU, dense, ReLU.
// Xavier-uniform init (gain 1) with zero biases, as train-procgen-pytorch.
class ImpalaCnnImpl : public torch::nn::Module {
 public:
  ImpalaCnnImpl(int64_t channels, int64_t height, int64_t width,
                const std::vector<int64_t>& depths, int64_t feature_dim);
  torch::Tensor forward(const torch::Tensor& images);
  int64_t flat_size() const { return flat_size_; }
  int64_t output_size() const { return fc_ ? fc_->options.out_features() : flat_size_; }

 private:
  struct Stack {
    torch::nn::Conv2d conv{nullptr}, res1a{nullptr}, res1b{nullptr}, res2a{nullptr}, res2b{nullptr};
  };
  std::vector<Stack> stacks_;
  torch::nn::Linear fc_{nullptr};
  int64_t flat_size_;
};
TORCH_MODULE(ImpalaCnn);

// MinAtar's network (Young & Tian 2019): conv 16 3x3 stride 1 (valid), ReLU, dense, ReLU; for its
// 10x10 grids. PyTorch's default init, as MinAtar's own DQN.
class MinatarCnnImpl : public torch::nn::Module {
 public:
  MinatarCnnImpl(int64_t channels, int64_t height, int64_t width, int64_t feature_dim);
  torch::Tensor forward(const torch::Tensor& images);
  int64_t output_size() const { return fc_ ? fc_->options.out_features() : flat_size_; }

 private:
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::Linear fc_{nullptr};
  int64_t flat_size_;
};
TORCH_MODULE(MinatarCnn);

enum class EncoderKind { kMlp, kNature, kImpala, kMinatar };

// The pixel encoder of an actor-critic, feed-forward or recurrent: at most one CNN is set.
struct PixelEncoder {
  NatureCnn nature{nullptr};
  ImpalaCnn impala{nullptr};
  MinatarCnn minatar{nullptr};

  // Registers the CNN `kind` names (kNature, kImpala or kMinatar) on owner, for [height, width,
  // channels] uint8 images.
  void build(torch::nn::Module& owner, EncoderKind kind, const std::vector<int64_t>& image_shape,
             int64_t feature_dim, const std::vector<int64_t>& impala_channels);
  int64_t output_size() const;
  // uint8 [B, H, W, C] images (or float32 ones on the same 0-255 scale) -> features, scaling
  // pixels to [0, 1] first.
  torch::Tensor forward(const torch::Tensor& images);
};

}  // namespace lever

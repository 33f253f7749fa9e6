#include "lever/nn/encoders.h"

#include <cmath>
#include <string>

namespace lever {
namespace {

int64_t conv_out(int64_t size, int64_t kernel, int64_t stride, int64_t pad = 0) {
  return (size + 2 * pad - kernel) / stride + 1;
}

void orthogonal(torch::nn::Module& layer, double gain) {
  torch::NoGradGuard no_grad;
  for (auto& p : layer.named_parameters(false)) {
    if (p.key() == "weight") {
      torch::nn::init::orthogonal_(p.value(), gain);
    } else {
      p.value().zero_();
    }
  }
}

void xavier(torch::nn::Module& layer) {
  torch::NoGradGuard no_grad;
  for (auto& p : layer.named_parameters(false)) {
    if (p.key() == "weight") {
      torch::nn::init::xavier_uniform_(p.value(), 1.0);
    } else {
      p.value().zero_();
    }
  }
}

}  // namespace

NatureCnnImpl::NatureCnnImpl(int64_t channels, int64_t height, int64_t width,
                             int64_t feature_dim) {
  using torch::nn::Conv2dOptions;
  conv1_ = register_module("conv1", torch::nn::Conv2d(Conv2dOptions(channels, 32, 8).stride(4)));
  conv2_ = register_module("conv2", torch::nn::Conv2d(Conv2dOptions(32, 64, 4).stride(2)));
  conv3_ = register_module("conv3", torch::nn::Conv2d(Conv2dOptions(64, 64, 3).stride(1)));
  const int64_t h = conv_out(conv_out(conv_out(height, 8, 4), 4, 2), 3, 1);
  const int64_t w = conv_out(conv_out(conv_out(width, 8, 4), 4, 2), 3, 1);
  TORCH_CHECK(h > 0 && w > 0, "Nature CNN needs images of at least 36x36, got ", height, "x", width);
  flat_size_ = 64 * h * w;
  for (auto* layer : {static_cast<torch::nn::Module*>(conv1_.get()),
                      static_cast<torch::nn::Module*>(conv2_.get()),
                      static_cast<torch::nn::Module*>(conv3_.get())}) {
    orthogonal(*layer, std::sqrt(2.0));
  }
  if (feature_dim > 0) {
    fc_ = register_module("fc", torch::nn::Linear(flat_size_, feature_dim));
    orthogonal(*fc_, std::sqrt(2.0));
  }
}

torch::Tensor NatureCnnImpl::forward(const torch::Tensor& images) {
  auto x = torch::relu(conv1_->forward(images));
  x = torch::relu(conv2_->forward(x));
  x = torch::relu(conv3_->forward(x));
  if (!fc_) return x.flatten(1);
  return torch::relu(fc_->forward(x.flatten(1)));
}

ImpalaCnnImpl::ImpalaCnnImpl(int64_t channels, int64_t height, int64_t width,
                             const std::vector<int64_t>& depths, int64_t feature_dim) {
  using torch::nn::Conv2dOptions;
  int64_t in = channels, h = height, w = width;
  for (size_t i = 0; i < depths.size(); ++i) {
    const int64_t out = depths[i];
    const std::string name = "stack" + std::to_string(i);
    Stack s;
    s.conv = register_module(name + "_conv", torch::nn::Conv2d(Conv2dOptions(in, out, 3).padding(1)));
    s.res1a = register_module(name + "_res1a", torch::nn::Conv2d(Conv2dOptions(out, out, 3).padding(1)));
    s.res1b = register_module(name + "_res1b", torch::nn::Conv2d(Conv2dOptions(out, out, 3).padding(1)));
    s.res2a = register_module(name + "_res2a", torch::nn::Conv2d(Conv2dOptions(out, out, 3).padding(1)));
    s.res2b = register_module(name + "_res2b", torch::nn::Conv2d(Conv2dOptions(out, out, 3).padding(1)));
    for (auto* layer : {s.conv.get(), s.res1a.get(), s.res1b.get(), s.res2a.get(), s.res2b.get()}) {
      xavier(*layer);
    }
    stacks_.push_back(s);
    in = out;
    h = conv_out(h, 3, 2, 1);
    w = conv_out(w, 3, 2, 1);
  }
  flat_size_ = in * h * w;
  if (feature_dim > 0) {
    fc_ = register_module("fc", torch::nn::Linear(flat_size_, feature_dim));
    xavier(*fc_);
  }
}

torch::Tensor ImpalaCnnImpl::forward(const torch::Tensor& images) {
  torch::Tensor x = images;
  for (auto& s : stacks_) {
    x = s.conv->forward(x);
    x = torch::max_pool2d(x, 3, 2, 1);
    x = x + s.res1b->forward(torch::relu(s.res1a->forward(torch::relu(x))));
    x = x + s.res2b->forward(torch::relu(s.res2a->forward(torch::relu(x))));
  }
  x = torch::relu(x.flatten(1));
  return fc_ ? torch::relu(fc_->forward(x)) : x;
}

void PixelEncoder::build(torch::nn::Module& owner, EncoderKind kind,
                         const std::vector<int64_t>& image_shape, int64_t feature_dim,
                         const std::vector<int64_t>& impala_channels) {
  TORCH_CHECK(image_shape.size() == 3, "pixel encoders need an H x W x C observation");
  const int64_t h = image_shape[0], w = image_shape[1], c = image_shape[2];
  if (kind == EncoderKind::kNature) {
    nature = owner.register_module("nature", NatureCnn(c, h, w, feature_dim));
  } else if (kind == EncoderKind::kMinatar) {
    minatar = owner.register_module("minatar", MinatarCnn(c, h, w, feature_dim));
  } else {
    impala = owner.register_module("impala", ImpalaCnn(c, h, w, impala_channels, feature_dim));
  }
}

torch::Tensor PixelEncoder::forward(const torch::Tensor& images) {
  // Float images on the same 0-255 scale are accepted too (saliency feeds blurred, perturbed
  // frames); they are divided out of place, so the caller's tensor is left as it was.
  const auto channels_first = images.permute({0, 3, 1, 2});
  const auto x = channels_first.scalar_type() == torch::kFloat32
                     ? channels_first.div(255.0)
                     : channels_first.to(torch::kFloat32).div_(255.0);
  if (nature) return nature->forward(x);
  return minatar ? minatar->forward(x) : impala->forward(x);
}

int64_t PixelEncoder::output_size() const {
  if (nature) return nature->output_size();
  return minatar ? minatar->output_size() : impala->output_size();
}

MinatarCnnImpl::MinatarCnnImpl(int64_t channels, int64_t height, int64_t width,
                               int64_t feature_dim) {
  conv_ = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, 16, 3)));
  const int64_t h = conv_out(height, 3, 1), w = conv_out(width, 3, 1);
  TORCH_CHECK(h > 0 && w > 0, "MinAtar CNN needs images of at least 3x3, got ", height, "x", width);
  flat_size_ = 16 * h * w;
  if (feature_dim > 0) fc_ = register_module("fc", torch::nn::Linear(flat_size_, feature_dim));
}

torch::Tensor MinatarCnnImpl::forward(const torch::Tensor& images) {
  const auto x = torch::relu(conv_->forward(images)).flatten(1);
  return fc_ ? torch::relu(fc_->forward(x)) : x;
}

}  // namespace lever

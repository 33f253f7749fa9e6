#include <gtest/gtest.h>

#include "lever/nn/actor_critic.h"
#include "lever/nn/encoders.h"

namespace lever {
namespace {

int64_t count_parameters(torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

// conv1 3*32*8*8+32 = 6176, conv2 32*64*4*4+64 = 32832, conv3 64*64*3*3+64 = 36928;
// 64x64 -> 15 -> 6 -> 4, so fc 64*4*4*256+256 = 262400; 84x84 -> 20 -> 9 -> 7, fc 3136*512+512.
TEST(NatureCnn, OutputShapeAndParameterCountAt64And84) {
  NatureCnn small(3, 64, 64, 256);
  EXPECT_EQ(small->flat_size(), 1024);
  EXPECT_EQ(count_parameters(*small), 6176 + 32832 + 36928 + 262400);
  EXPECT_EQ(small->forward(torch::rand({5, 3, 64, 64})).sizes(), (torch::IntArrayRef{5, 256}));
  NatureCnn atari(4, 84, 84, 512);
  EXPECT_EQ(atari->flat_size(), 3136);
  EXPECT_EQ(count_parameters(*atari), 4 * 32 * 64 + 32 + 32832 + 36928 + 3136 * 512 + 512);
  EXPECT_EQ(atari->forward(torch::rand({2, 4, 84, 84})).sizes(), (torch::IntArrayRef{2, 512}));
}

// Per stack: conv in->d (in*d*9+d) and four d->d convs (d*d*9+d). [16,32,32] from 3 channels:
// 448 + 4*2320 + 4640 + 4*9248 + 9248 + 4*9248 = 97600; 64 -> 32 -> 16 -> 8 gives 32*8*8 = 2048
// features, fc 2048*256+256; 84 -> 42 -> 21 -> 11 gives 3872.
TEST(ImpalaCnn, OutputShapeAndParameterCountAt64And84) {
  ImpalaCnn small(3, 64, 64, std::vector<int64_t>{16, 32, 32}, 256);
  EXPECT_EQ(small->flat_size(), 2048);
  EXPECT_EQ(count_parameters(*small), 97600 + 2048 * 256 + 256);
  EXPECT_EQ(small->forward(torch::rand({3, 3, 64, 64})).sizes(), (torch::IntArrayRef{3, 256}));
  ImpalaCnn large(3, 84, 84, std::vector<int64_t>{16, 32, 32}, 256);
  EXPECT_EQ(large->flat_size(), 3872);
  EXPECT_EQ(count_parameters(*large), 97600 + 3872 * 256 + 256);
  EXPECT_EQ(large->forward(torch::rand({2, 3, 84, 84})).sizes(), (torch::IntArrayRef{2, 256}));
  ImpalaCnn narrow(3, 64, 64, std::vector<int64_t>{8, 8}, 32);  // configurable channels: 64 -> 32 -> 16, 8*16*16
  EXPECT_EQ(narrow->flat_size(), 2048);
  EXPECT_EQ(count_parameters(*narrow), (3 * 8 * 9 + 8) + 9 * (8 * 8 * 9 + 8) + 2048 * 32 + 32);
}

TEST(ImpalaCnn, ConvolutionsStartXavierWithZeroBiases) {
  torch::manual_seed(0);
  ImpalaCnn net(3, 64, 64, std::vector<int64_t>{16, 32, 32}, 256);
  for (const auto& p : net->named_parameters()) {
    if (p.key().find("bias") != std::string::npos) {
      EXPECT_EQ(p.value().abs().max().item<float>(), 0.0f) << p.key();
    } else {
      // xavier_uniform bound: sqrt(6 / (fan_in + fan_out))
      const auto w = p.value();
      const double receptive = w.dim() == 4 ? w.size(2) * w.size(3) : 1;
      const double bound = std::sqrt(6.0 / ((w.size(1) + w.size(0)) * receptive));
      EXPECT_LE(w.abs().max().item<double>(), bound + 1e-6) << p.key();
      EXPECT_GT(w.abs().max().item<double>(), 0.8 * bound) << p.key();
    }
  }
}

// The actor-critic takes uint8 HWC images and scales them to [0, 1] itself.
TEST(ActorCriticPixels, Uint8ImagesAreScaledInsideTheNetwork) {
  torch::manual_seed(0);
  ActorCriticOptions options;
  options.encoder = EncoderKind::kNature;
  options.image_shape = {64, 64, 3};
  options.num_actions = 15;
  options.feature_dim = 64;
  ActorCritic net(options);
  auto images = torch::randint(0, 256, {4, 64, 64, 3}, torch::kUInt8);
  const auto out = net->forward(images);
  EXPECT_EQ(out.logits.sizes(), (torch::IntArrayRef{4, 15}));
  EXPECT_EQ(out.values.sizes(), (torch::IntArrayRef{4}));
  // Same result as feeding the encoder the float CHW image / 255 and applying the heads by hand.
  const auto params = net->named_parameters();
  const auto features = net->named_children()[0].value()->as<NatureCnnImpl>()->forward(
      images.permute({0, 3, 1, 2}).to(torch::kFloat32) / 255.0);
  const auto logits = features.matmul(params["policy_weight"]) + params["policy_bias"];
  EXPECT_TRUE(torch::allclose(out.logits, logits, 1e-5, 1e-6));
}

}  // namespace
}  // namespace lever

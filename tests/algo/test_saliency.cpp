#include "lever/algo/saliency.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "lever/algo/on_policy.h"
#include "lever/core/config.h"
#include "lever/core/errors.h"
#include "lever/env/registry.h"

namespace lever {
namespace {

constexpr int kSize = 64;
constexpr int kChannels = 3;

// A network that reads one square of pixels and nothing else: its feature is the square's
// contrast, sum over the square (and over `read_channel`, or every channel when it is -1) of
// (x - 128)^2 / (128^2 n); the logits are (a f, -a f, 0) and the value is v f. Blurring a
// checkerboard flattens it towards 128, so the feature drops only where the blur reaches the
// square.
class RegionNetworkImpl : public torch::nn::Module, public Policy {
 public:
  RegionNetworkImpl(int row, int col, int side, int read_channel = -1)
      : row_(row), col_(col), side_(side), read_channel_(read_channel) {
    weights_ = register_parameter("weights", torch::tensor({kActorWeight, kValueWeight}));
    flatten();
  }
  static constexpr float kActorWeight = 3.0f, kValueWeight = 2.0f;

  torch::Tensor feature(const torch::Tensor& obs) const {
    torch::Tensor square = obs.to(torch::kFloat32).narrow(1, row_, side_).narrow(2, col_, side_);
    if (read_channel_ >= 0) square = square.narrow(3, read_channel_, 1);
    return (square - 128.0f).square().sum({1, 2, 3}) / (128.0f * 128.0f * square[0].numel());
  }
  PolicyOutput step(const torch::Tensor& obs, RecurrentState&) override {
    const torch::Tensor f = feature(obs);
    const torch::Tensor a = weights_[0] * f;
    return {torch::stack({a, -a, torch::zeros_like(a)}, 1), weights_[1] * f};
  }
  torch::nn::Module& module() override { return *this; }
  FlatParameters& flatten() override {
    flat_ = FlatParameters(parameters());
    return flat_;
  }
  FlatParameters& flat() override { return flat_; }

 private:
  int row_, col_, side_, read_channel_;
  torch::Tensor weights_;
  FlatParameters flat_;
};
TORCH_MODULE(RegionNetwork);

// Black and white pixels alternating, every channel alike.
std::vector<uint8_t> checkerboard() {
  std::vector<uint8_t> image(kSize * kSize * kChannels);
  for (int y = 0; y < kSize; ++y) {
    for (int x = 0; x < kSize; ++x) {
      for (int c = 0; c < kChannels; ++c) image[(y * kSize + x) * kChannels + c] = (x + y) % 2 ? 255 : 0;
    }
  }
  return image;
}

const std::vector<int64_t> kShape = {kSize, kSize, kChannels};

// The square the region network reads: rows and columns 40..47.
constexpr int kRow = 40, kCol = 40, kSide = 8;

float distance_to_square(int y, int x) {
  const float dy = y < kRow ? kRow - y : (y >= kRow + kSide ? y - (kRow + kSide - 1) : 0);
  const float dx = x < kCol ? kCol - x : (x >= kCol + kSide ? x - (kCol + kSide - 1) : 0);
  return std::sqrt(dy * dy + dx * dx);
}

// Checks a map of the region network: its peak lies on or next to the square (within a grid
// step), and pixels far from the square are (near) zero next to the peak.
void expect_peak_at_square(const std::vector<float>& map, float far_fraction) {
  ASSERT_EQ(map.size(), static_cast<size_t>(kSize * kSize));
  int peak = 0;
  for (int p = 1; p < kSize * kSize; ++p) {
    if (map[p] > map[peak]) peak = p;
  }
  ASSERT_GT(map[peak], 0.0f);
  EXPECT_LE(distance_to_square(peak / kSize, peak % kSize), 4.0f) << "peak at " << peak / kSize
                                                                   << "," << peak % kSize;
  float far_max = 0.0f;
  for (int y = 0; y < kSize; ++y) {
    for (int x = 0; x < kSize; ++x) {
      if (distance_to_square(y, x) > 24.0f) far_max = std::max(far_max, map[y * kSize + x]);
    }
  }
  EXPECT_LT(far_max, far_fraction * map[peak]);
}

TEST(SaliencyRegionNetwork, PerturbationPeaksAtTheOnlyRegionTheNetworkReads) {
  RegionNetwork net(kRow, kCol, kSide);
  SaliencyMapper mapper(*net, kShape, SaliencySettings{}, torch::kCPU);
  const auto image = checkerboard();
  SaliencyMaps maps;
  mapper.compute(image.data(), RecurrentState{}, 0, maps);
  // The mask is a sigma-5 Gaussian: 24 px away its weight is ~1e-5 of the centre's.
  expect_peak_at_square(maps.actor, 1e-3f);
  expect_peak_at_square(maps.critic, 1e-3f);
  // Both scores are quadratic in the feature's change d: actor 1/2 (2 a^2 d^2), critic
  // 1/2 v^2 d^2, so their ratio is 2 a^2 / v^2 at every grid point.
  const float ratio = 2.0f * RegionNetworkImpl::kActorWeight * RegionNetworkImpl::kActorWeight /
                      (RegionNetworkImpl::kValueWeight * RegionNetworkImpl::kValueWeight);
  const torch::Tensor actor = mapper.actor_grid(), critic = mapper.critic_grid();
  ASSERT_EQ(actor.sizes(), (std::vector<int64_t>{1, 16, 16}));
  const int64_t best = critic.flatten().argmax().item<int64_t>();
  EXPECT_NEAR(actor.flatten()[best].item<float>() / critic.flatten()[best].item<float>(), ratio,
              1e-3 * ratio);
  // The grid point at the square's centre (44, 44) = (11, 11) scores highest.
  EXPECT_EQ(best, 11 * 16 + 11);
}

TEST(SaliencyRegionNetwork, GradientIsExactlyZeroOffTheRegionAndHandComputedOnIt) {
  RegionNetwork net(kRow, kCol, kSide);
  SaliencySettings settings;
  settings.method = SaliencyMethod::kGradient;
  SaliencyMapper mapper(*net, kShape, settings, torch::kCPU);
  const auto image = checkerboard();
  SaliencyMaps chosen;
  mapper.compute(image.data(), RecurrentState{}, 0, chosen);
  // df/dx = 2 (x - 128) / (128^2 n) with n = 8 * 8 * 3 read values; |x - 128| is 128 or 127 and
  // every channel of a pixel is alike, so max and mean over channels agree.
  const float n = kSide * kSide * kChannels;
  for (int y = 0; y < kSize; ++y) {
    for (int x = 0; x < kSize; ++x) {
      const bool inside = distance_to_square(y, x) == 0.0f;
      const float deviation = (x + y) % 2 ? 127.0f : 128.0f;
      const float df = inside ? 2.0f * deviation / (128.0f * 128.0f * n) : 0.0f;
      ASSERT_NEAR(chosen.actor[y * kSize + x], RegionNetworkImpl::kActorWeight * df, 1e-9)
          << y << "," << x;
      ASSERT_NEAR(chosen.critic[y * kSize + x], RegionNetworkImpl::kValueWeight * df, 1e-9);
    }
  }
  expect_peak_at_square(chosen.actor, 1e-9f);

  // The third logit is constant: the action that chose it has no salient pixel.
  SaliencyMaps constant_logit;
  mapper.compute(image.data(), RecurrentState{}, 2, constant_logit);
  EXPECT_EQ(*std::max_element(constant_logit.actor.begin(), constant_logit.actor.end()), 0.0f);

  // All logits: (a, -a, 0) df combine to sqrt(2) a |df|.
  settings.gradient_of = GradientOf::kAllLogits;
  settings.target = SaliencyTarget::kActor;
  SaliencyMapper all_mapper(*net, kShape, settings, torch::kCPU);
  SaliencyMaps all;
  all_mapper.compute(image.data(), RecurrentState{}, 2, all);
  EXPECT_TRUE(all.critic.empty());
  const int inside = (kRow + 1) * kSize + kCol + 2;
  EXPECT_NEAR(all.actor[inside] / chosen.actor[inside], std::sqrt(2.0f), 1e-5);
}

TEST(SaliencyRegionNetwork, PerChannelPerturbationFindsTheOneChannelRead) {
  RegionNetwork green_only(kRow, kCol, kSide, /*read_channel=*/1);
  SaliencySettings settings;
  settings.per_channel = true;
  settings.target = SaliencyTarget::kCritic;
  SaliencyMapper max_mapper(*green_only, kShape, settings, torch::kCPU);
  settings.mode = ChannelReduce::kMean;
  SaliencyMapper mean_mapper(*green_only, kShape, settings, torch::kCPU);
  const auto image = checkerboard();
  SaliencyMaps max_maps, mean_maps;
  max_mapper.compute(image.data(), RecurrentState{}, 0, max_maps);
  mean_mapper.compute(image.data(), RecurrentState{}, 0, mean_maps);
  const torch::Tensor per_channel = max_mapper.critic_grid();
  ASSERT_EQ(per_channel.sizes(), (std::vector<int64_t>{3, 16, 16}));
  // Blurring red or blue changes nothing the network reads.
  EXPECT_EQ(per_channel[0].abs().max().item<float>(), 0.0f);
  EXPECT_EQ(per_channel[2].abs().max().item<float>(), 0.0f);
  EXPECT_GT(per_channel[1].max().item<float>(), 0.0f);
  // So the max over channels is green's map and the mean a third of it.
  for (size_t p = 0; p < max_maps.critic.size(); ++p) {
    ASSERT_NEAR(mean_maps.critic[p] * 3.0f, max_maps.critic[p], 1e-6f * (1 + max_maps.critic[p]));
  }
  expect_peak_at_square(max_maps.critic, 1e-3f);
}

Config starpilot_config(const std::string& policy) {
  return Config::from_json({{"env", "starpilot"},
                            {"policy", policy},
                            {"encoder", "nature"},
                            {"hidden_state_size", 32},
                            {"seed", 3}},
                           "saliency test config");
}

std::vector<uint8_t> starpilot_observation(uint64_t level) {
  auto env = make_env("starpilot");
  std::vector<uint8_t> obs(env->spec().obs_bytes());
  env->reset(level, obs.data());
  for (int t = 0; t < 20; ++t) env->step(t % 5, obs.data());
  return obs;
}

torch::Tensor as_batch(const std::vector<uint8_t>& obs) {
  return torch::from_blob(const_cast<uint8_t*>(obs.data()), {1, kSize, kSize, kChannels},
                          torch::kUInt8)
      .clone();
}

// The scores of the batched pass equal those of each perturbed image run on its own.
void expect_batch_equals_one_by_one(Policy& net, const RecurrentState& state) {
  SaliencyMapper mapper(net, kShape, SaliencySettings{}, torch::kCPU);
  const auto obs = starpilot_observation(5);
  SaliencyMaps maps;
  mapper.compute(obs.data(), state, 0, maps);
  const torch::Tensor images = mapper.perturbed_images(obs.data()).clone();
  ASSERT_EQ(images.size(0), 256);
  torch::NoGradGuard no_grad;
  RecurrentState original_state = state;
  const PolicyOutput original = net.step(as_batch(obs), original_state);
  const torch::Tensor actor = mapper.actor_grid().flatten(), critic = mapper.critic_grid().flatten();
  std::vector<double> actor_scores, critic_scores;
  for (int64_t k = 0; k < images.size(0); ++k) {
    RecurrentState one_state = state;
    const PolicyOutput perturbed = net.step(images.narrow(0, k, 1), one_state);
    actor_scores.push_back(0.5 * (perturbed.logits - original.logits).square().sum().item<double>());
    critic_scores.push_back(0.5 * (perturbed.values - original.values).square().sum().item<double>());
  }
  const double largest_actor = *std::max_element(actor_scores.begin(), actor_scores.end());
  const double largest_critic = *std::max_element(critic_scores.begin(), critic_scores.end());
  EXPECT_GT(largest_actor, 1e-8);  // the perturbations do move this network
  // A batch of 257 and a batch of 1 sum the convolutions in different orders, so a score's
  // rounding noise scales with the output moves it squares: the slack is relative to the score
  // and to the frame's largest score (a tiny score is a difference of nearly equal logits).
  for (int64_t k = 0; k < images.size(0); ++k) {
    ASSERT_NEAR(actor[k].item<double>(), actor_scores[k],
                1e-4 * actor_scores[k] + 1e-5 * largest_actor)
        << k;
    ASSERT_NEAR(critic[k].item<double>(), critic_scores[k],
                1e-4 * critic_scores[k] + 1e-5 * largest_critic + 1e-12)
        << k;
  }
}

TEST(SaliencyBatch, PerturbationBatchEqualsRunningEachImageAlone) {
  const Config config = starpilot_config("ppo");
  const auto net = make_policy(config, make_env("starpilot")->spec(), torch::kCPU);
  expect_batch_equals_one_by_one(*net, RecurrentState{});
}

TEST(SaliencyBatch, PerturbedImagesBlendTheBlurUnderEachMask) {
  const Config config = starpilot_config("ppo");
  const auto net = make_policy(config, make_env("starpilot")->spec(), torch::kCPU);
  SaliencyMapper mapper(*net, kShape, SaliencySettings{}, torch::kCPU);
  const auto obs = starpilot_observation(2);
  const torch::Tensor images = mapper.perturbed_images(obs.data());
  std::vector<float> original(obs.begin(), obs.end()), blurred(obs.size()), scratch;
  gaussian_blur(original.data(), blurred.data(), kSize, kSize, kChannels, 3.0, scratch);
  std::vector<float> mask(kSize * kSize);
  for (const int k : {0, 17, 136, 255}) {
    perturbation_mask((k / 16) * 4, (k % 16) * 4, kSize, kSize, 5.0, mask.data());
    const torch::Tensor image = images[k].contiguous();
    const float* got = image.data_ptr<float>();
    for (int p = 0; p < kSize * kSize; ++p) {
      for (int c = 0; c < kChannels; ++c) {
        const int i = p * kChannels + c;
        ASSERT_NEAR(got[i], original[i] * (1 - mask[p]) + blurred[i] * mask[p], 1e-3) << k;
      }
    }
  }
}

TEST(SaliencyRecurrent, ExplainsTheStoredStateWithoutAdvancingIt) {
  const Config config = starpilot_config("recurrent_ppo");
  const auto net = make_policy(config, make_env("starpilot")->spec(), torch::kCPU);
  ASSERT_TRUE(net->recurrent());
  // A state some steps into an episode.
  RecurrentState state = net->initial_state(1);
  {
    torch::NoGradGuard no_grad;
    for (uint64_t level = 0; level < 4; ++level) net->step(as_batch(starpilot_observation(level)), state);
  }
  ASSERT_GT(state.hidden.abs().sum().item<float>(), 0.0f);
  const torch::Tensor hidden_before = state.hidden.clone();
  expect_batch_equals_one_by_one(*net, state);
  EXPECT_TRUE(torch::equal(state.hidden, hidden_before));

  // The state is part of what is explained: a fresh one gives other scores.
  SaliencyMapper mapper(*net, kShape, SaliencySettings{}, torch::kCPU);
  const auto obs = starpilot_observation(5);
  SaliencyMaps at_state, at_start;
  mapper.compute(obs.data(), state, 0, at_state);
  mapper.compute(obs.data(), net->initial_state(1), 0, at_start);
  EXPECT_FALSE(at_state.actor == at_start.actor);

  // Gradient saliency runs through the recurrent cell as well.
  SaliencySettings gradient;
  gradient.method = SaliencyMethod::kGradient;
  SaliencyMapper gradient_mapper(*net, kShape, gradient, torch::kCPU);
  SaliencyMaps grads;
  gradient_mapper.compute(obs.data(), state, 1, grads);
  EXPECT_GT(*std::max_element(grads.actor.begin(), grads.actor.end()), 0.0f);
  EXPECT_GT(*std::max_element(grads.critic.begin(), grads.critic.end()), 0.0f);
  EXPECT_TRUE(torch::equal(state.hidden, hidden_before));
}

TEST(SaliencySettingsNames, ParseAndNameRoundTripAndRejectOthers) {
  EXPECT_EQ(parse_saliency_method("gradient"), SaliencyMethod::kGradient);
  EXPECT_EQ(saliency_method_name(parse_saliency_method("perturbation")), "perturbation");
  EXPECT_EQ(parse_saliency_target("both"), SaliencyTarget::kBoth);
  EXPECT_EQ(parse_channel_reduce("mean"), ChannelReduce::kMean);
  EXPECT_EQ(parse_gradient_of("all"), GradientOf::kAllLogits);
  EXPECT_EQ(parse_saliency_scale("raw"), SaliencyScale::kRaw);
  try {
    parse_saliency_target("policy");
    FAIL() << "accepted 'policy'";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "target must be actor, critic or both, got 'policy'");
  }
  RegionNetwork net(0, 0, 4);
  SaliencySettings bad;
  bad.stride = 0;
  EXPECT_THROW(SaliencyMapper(*net, kShape, bad, torch::kCPU), UsageError);
  EXPECT_THROW(SaliencyMapper(*net, {4}, SaliencySettings{}, torch::kCPU), UsageError);
}

}  // namespace
}  // namespace lever

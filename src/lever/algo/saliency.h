// Why an agent acts: saliency maps of a trained policy's actor and critic over its image
// observations, and videos of an episode with the maps drawn on the game.
//
// Perturbation saliency (Greydanus et al. 2018): for every point of a grid, blur the observation
// under a Gaussian mask centred there and score how far the output moves: the actor by
// 1/2 ||logits(I) - logits(I')||^2 on pre-softmax logits, the critic by 1/2 (V(I) - V(I'))^2. The
// original and every perturbed image go through the network in one batch; the score grid is then
// upsampled bilinearly to the observation's size. Gradient saliency (Simonyan et al. 2014):
// |d output / d input| at each pixel, reduced over colour channels by max or mean. A recurrent
// policy is explained at its stored state: only the current frame is perturbed.
#pragma once
#include <torch/torch.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "lever/algo/play.h"
#include "lever/nn/action_heads.h"
#include "lever/nn/policy.h"
#include "lever/viz/saliency_maps.h"

namespace lever {

enum class SaliencyMethod { kPerturbation, kGradient };
enum class SaliencyTarget { kActor, kCritic, kBoth };
enum class ChannelReduce { kMax, kMean };  // over colour channels
enum class GradientOf { kChosenLogit, kAllLogits };

// Each parser throws UsageError naming the accepted values.
SaliencyMethod parse_saliency_method(std::string_view name);
SaliencyTarget parse_saliency_target(std::string_view name);
ChannelReduce parse_channel_reduce(std::string_view name);
GradientOf parse_gradient_of(std::string_view name);
std::string_view saliency_method_name(SaliencyMethod method);
std::string_view saliency_target_name(SaliencyTarget target);
std::string_view channel_reduce_name(ChannelReduce mode);
std::string_view gradient_of_name(GradientOf of);

struct SaliencySettings {
  SaliencyMethod method = SaliencyMethod::kPerturbation;
  SaliencyTarget target = SaliencyTarget::kBoth;
  // Perturbation: grid stride in observation pixels, the blur's sigma and the mask's sigma.
  int stride = 4;
  double blur_sigma = 3.0;
  double mask_sigma = 5.0;
  // Perturbation: blur one colour channel at a time (3x the images, one map per channel, reduced
  // by `mode`) as the DTU Procgen study did, instead of all channels together as Greydanus did.
  bool per_channel = false;
  // Gradient maps, and per-channel perturbation maps: how colour channels are combined.
  ChannelReduce mode = ChannelReduce::kMax;
  // Gradient saliency of the actor: the logit of the action taken, or all logits (the
  // root-sum-square of every logit's gradient at each pixel).
  GradientOf gradient_of = GradientOf::kChosenLogit;
};

bool explains_actor(SaliencyTarget target);
bool explains_critic(SaliencyTarget target);

// The maps of one observation, height x width row-major at the observation's resolution; a map
// the target does not ask for is left empty.
struct SaliencyMaps {
  std::vector<float> actor, critic;
};

// Computes saliency maps of one policy's observations, one frame at a time. Masks, the batch of
// perturbed images and the blur's scratch are allocated once, here.
class SaliencyMapper {
 public:
  // obs_shape: height, width, channels of the policy's uint8 image observations. Throws UsageError
  // for a stride < 1 or non-positive sigmas.
  // heads: the policy's action space, for the chosen action's logits (one per sub-action).
  SaliencyMapper(Policy& policy, const std::vector<int64_t>& obs_shape,
                 const SaliencySettings& settings, const torch::Device& device,
                 ActionHeads heads = ActionHeads());

  // Maps of `obs` (height * width * channels bytes, the env's layout). `state` is the policy's
  // state before this observation (empty for feed-forward policies) and is not changed; `action`
  // is the action taken on it (gradient saliency of the chosen logit).
  void compute(const uint8_t* obs, const RecurrentState& state, int64_t action, SaliencyMaps& out);

  // The images one perturbation pass feeds the network after the original: [K, H, W, C] float on
  // the 0-255 scale, K = grid points (x channels when per_channel), row-major over the grid
  // (per_channel: channel-major). A view of the mapper's buffer, valid until the next call.
  torch::Tensor perturbed_images(const uint8_t* obs);
  // Raw perturbation scores of the last compute(): [channels or 1, rows, cols] for actor and
  // critic (undefined when the target is not asked for).
  const torch::Tensor& actor_grid() const { return actor_grid_; }
  const torch::Tensor& critic_grid() const { return critic_grid_; }
  const SaliencyGrid& grid() const { return grid_; }

 private:
  void perturbation(const uint8_t* obs, const RecurrentState& state, SaliencyMaps& out);
  void gradient(const uint8_t* obs, const RecurrentState& state, int64_t action,
                SaliencyMaps& out);
  void grid_to_map(const torch::Tensor& scores, std::vector<float>& map);

  Policy& policy_;
  SaliencySettings settings_;
  ActionHeads heads_;
  torch::Device device_;
  int64_t height_, width_, channels_;
  SaliencyGrid grid_;
  torch::Tensor masks_;      // [K, H, W, 1] or, per channel, [C*K, H, W, C]: weight of the blur
  torch::Tensor batch_;      // [1 + K', H, W, C] float on device: the original, then perturbed
  torch::Tensor obs_cpu_;    // [H, W, C] float: the observation, then
  torch::Tensor blurred_;    // its blurred copy
  std::vector<float> blur_scratch_, channel_maps_;
  int64_t num_logits_ = 0;  // learnt from the first forward pass that needs it
  torch::Tensor actor_grid_, critic_grid_;
};

// How maps are scaled before they are added to the frame (the map minus its minimum, times a
// factor, times `constant`):
//   episode  255 / the largest range of that map over the episode: the most salient moment is
//            drawn at full strength and quieter frames stay dim (two passes: see below);
//   frame    255 / this frame's range: every frame's peak at full strength;
//   raw      1: the scores themselves (the study's formula; needs a game-specific constant).
enum class SaliencyScale { kEpisode, kFrame, kRaw };
SaliencyScale parse_saliency_scale(std::string_view name);
std::string_view saliency_scale_name(SaliencyScale scale);

struct SaliencyVideoRequest {
  std::string env_id;  // empty: the agent's; another id must have the same observations and actions
  uint64_t seed = 0;   // level and action sampling, as `lever play`
  int64_t max_steps = 500;  // the video ends here or when the episode does
  bool deterministic = false;
  SaliencySettings settings;
  ColorChannel actor_channel = ColorChannel::kBlue, critic_channel = ColorChannel::kRed;
  SaliencyScale scale = SaliencyScale::kEpisode;
  float constant = 1.0f;
  double smooth_sigma = 0.0;  // Gaussian smoothing of the drawn maps, observation pixels; 0: none
  int fps = 15;
  int strip_frames = 6;
  std::filesystem::path video;       // .mp4 or .gif
  // Outputs besides the video; an empty path is not written.
  std::filesystem::path strip;      // PNG of strip_frames frames spread over the episode
  std::filesystem::path attention;  // PNG plot of each map's strength over the episode
  std::filesystem::path maps;       // .npy of the maps [T, targets, H, W]
};

struct SaliencyVideoResult {
  int64_t steps = 0;
  double episode_return = 0.0;
  bool episode_ended = false;  // false: cut at max_steps
  int frames = 0;
  double saliency_seconds = 0.0;  // computing maps
  double total_seconds = 0.0;
  std::vector<int64_t> strip_steps;  // the steps shown in the strip
  float actor_peak = 0.0f, critic_peak = 0.0f;  // the episode's largest map ranges
};

// Plays one episode with the agent (up to max_steps), computing the maps of every observation,
// then replays the same actions to render each frame with its maps drawn on it (the actor's and
// the critic's in their channels) into the video and the strip, plots how strongly each output
// responded at every step (the frame's map range over the episode's peak), and saves the maps.
// The replay
// checks that the env reproduces every observation, and throws RuntimeFailure if it does not.
// Throws UsageError for a policy without image observations or a mismatched env.
SaliencyVideoResult write_saliency_video(const LoadedPolicy& policy,
                                         const SaliencyVideoRequest& request);

}  // namespace lever

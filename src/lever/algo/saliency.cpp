#include "lever/algo/saliency.h"

#include <algorithm>
#include <chrono>

#include "lever/algo/acting.h"
#include "lever/algo/on_policy.h"
#include "lever/core/errors.h"
#include "lever/env/registry.h"
#include "lever/env/vec_env.h"
#include "lever/log/crc32c.h"
#include "lever/viz/npy.h"
#include "lever/viz/plot.h"
#include "lever/viz/png.h"
#include "lever/viz/video.h"

namespace lever {
namespace {

template <typename Enum, size_t N>
Enum parse_name(std::string_view name, const char* what, const char* const (&names)[N]) {
  std::string accepted;
  for (size_t i = 0; i < N; ++i) {
    if (name == names[i]) return static_cast<Enum>(i);
    accepted += (i == 0 ? "" : i + 1 == N ? " or " : ", ") + std::string(names[i]);
  }
  throw UsageError(std::string(what) + " must be " + accepted + ", got '" + std::string(name) +
                   "'");
}

constexpr const char* kMethodNames[] = {"perturbation", "gradient"};
constexpr const char* kTargetNames[] = {"actor", "critic", "both"};
constexpr const char* kReduceNames[] = {"max", "mean"};
constexpr const char* kGradientOfNames[] = {"chosen", "all"};
constexpr const char* kScaleNames[] = {"episode", "frame", "raw"};

// A recurrent state for `batch` rows that all start from row 0 of `state`.
RecurrentState repeat_state(const RecurrentState& state, int64_t batch) {
  RecurrentState repeated;
  if (state.empty()) return repeated;
  repeated.hidden = state.hidden.expand({batch, state.hidden.size(1)}).contiguous();
  if (state.cell.defined()) repeated.cell = state.cell.expand({batch, state.cell.size(1)}).contiguous();
  return repeated;
}

// Max or mean over the last axis of a [H, W, C] tensor, into a height x width map.
void reduce_channels(const torch::Tensor& hwc, ChannelReduce mode, std::vector<float>& map) {
  const torch::Tensor reduced =
      (mode == ChannelReduce::kMax ? std::get<0>(hwc.max(2)) : hwc.mean(2)).to(torch::kCPU).contiguous();
  map.assign(reduced.data_ptr<float>(), reduced.data_ptr<float>() + reduced.numel());
}

}  // namespace

SaliencyMethod parse_saliency_method(std::string_view name) {
  return parse_name<SaliencyMethod>(name, "method", kMethodNames);
}
SaliencyTarget parse_saliency_target(std::string_view name) {
  return parse_name<SaliencyTarget>(name, "target", kTargetNames);
}
ChannelReduce parse_channel_reduce(std::string_view name) {
  return parse_name<ChannelReduce>(name, "mode", kReduceNames);
}
GradientOf parse_gradient_of(std::string_view name) {
  return parse_name<GradientOf>(name, "gradient-of", kGradientOfNames);
}
SaliencyScale parse_saliency_scale(std::string_view name) {
  return parse_name<SaliencyScale>(name, "scale", kScaleNames);
}
std::string_view saliency_method_name(SaliencyMethod method) {
  return kMethodNames[static_cast<int>(method)];
}
std::string_view saliency_target_name(SaliencyTarget target) {
  return kTargetNames[static_cast<int>(target)];
}
std::string_view channel_reduce_name(ChannelReduce mode) {
  return kReduceNames[static_cast<int>(mode)];
}
std::string_view gradient_of_name(GradientOf of) { return kGradientOfNames[static_cast<int>(of)]; }
std::string_view saliency_scale_name(SaliencyScale scale) {
  return kScaleNames[static_cast<int>(scale)];
}

bool explains_actor(SaliencyTarget target) { return target != SaliencyTarget::kCritic; }
bool explains_critic(SaliencyTarget target) { return target != SaliencyTarget::kActor; }

SaliencyMapper::SaliencyMapper(Policy& policy, const std::vector<int64_t>& obs_shape,
                               const SaliencySettings& settings, const torch::Device& device,
                               ActionHeads heads)
    : policy_(policy), settings_(settings), heads_(std::move(heads)), device_(device) {
  if (obs_shape.size() != 3) {
    throw UsageError("saliency needs image observations (height, width, channels)");
  }
  if (settings.stride < 1) {
    throw UsageError("stride must be at least 1, got " + std::to_string(settings.stride));
  }
  if (!(settings.blur_sigma > 0.0) || !(settings.mask_sigma > 0.0)) {
    throw UsageError("the perturbation's blur and mask sigmas must be positive");
  }
  height_ = obs_shape[0];
  width_ = obs_shape[1];
  channels_ = obs_shape[2];
  grid_ = SaliencyGrid{static_cast<int>(height_), static_cast<int>(width_), settings.stride};
  const auto cpu_float = torch::TensorOptions().dtype(torch::kFloat32);
  obs_cpu_ = torch::empty({height_, width_, channels_}, cpu_float);
  blurred_ = torch::empty({height_, width_, channels_}, cpu_float);
  if (settings.method != SaliencyMethod::kPerturbation) return;

  const int64_t points = grid_.points();
  const int64_t pixels = height_ * width_;
  torch::Tensor masks = torch::empty({points, height_, width_, 1}, cpu_float);
  float* mask = masks.data_ptr<float>();
  for (int i = 0; i < grid_.rows(); ++i) {
    for (int j = 0; j < grid_.cols(); ++j, mask += pixels) {
      perturbation_mask(i * settings.stride, j * settings.stride, grid_.height, grid_.width,
                        settings.mask_sigma, mask);
    }
  }
  if (settings.per_channel) {
    // Channel c's images blur only channel c: the mask sits in that channel, zeros elsewhere.
    torch::Tensor per_channel = torch::zeros({channels_, points, height_, width_, channels_}, cpu_float);
    for (int64_t c = 0; c < channels_; ++c) {
      per_channel[c].select(3, c).copy_(masks.squeeze(3));
    }
    masks = per_channel.view({channels_ * points, height_, width_, channels_});
  }
  masks_ = masks.to(device_);
  batch_ = torch::empty({1 + masks_.size(0), height_, width_, channels_},
                        cpu_float.device(device_));
}

torch::Tensor SaliencyMapper::perturbed_images(const uint8_t* obs) {
  float* original = obs_cpu_.data_ptr<float>();
  const int64_t count = height_ * width_ * channels_;
  std::copy(obs, obs + count, original);
  gaussian_blur(original, blurred_.data_ptr<float>(), static_cast<int>(height_),
                static_cast<int>(width_), static_cast<int>(channels_), settings_.blur_sigma,
                blur_scratch_);
  // I' = I (1 - M) + blur(I) M, written as I + M (blur(I) - I) straight into the batch.
  const torch::Tensor image = obs_cpu_.to(device_);
  const torch::Tensor difference = blurred_.to(device_).sub_(image);
  batch_[0].copy_(image);
  torch::Tensor perturbed = batch_.narrow(0, 1, masks_.size(0));
  torch::mul_out(perturbed, masks_, difference);
  perturbed.add_(image);
  return perturbed;
}

void SaliencyMapper::compute(const uint8_t* obs, const RecurrentState& state, int64_t action,
                             SaliencyMaps& out) {
  if (settings_.method == SaliencyMethod::kPerturbation) {
    perturbation(obs, state, out);
  } else {
    gradient(obs, state, action, out);
  }
  if (!explains_actor(settings_.target)) out.actor.clear();
  if (!explains_critic(settings_.target)) out.critic.clear();
}

void SaliencyMapper::perturbation(const uint8_t* obs, const RecurrentState& state,
                                  SaliencyMaps& out) {
  torch::NoGradGuard no_grad;
  perturbed_images(obs);
  RecurrentState batch_state = repeat_state(state, batch_.size(0));
  const PolicyOutput output = policy_.step(batch_, batch_state);
  const int64_t images = masks_.size(0);
  const std::vector<int64_t> grid_shape = {settings_.per_channel ? channels_ : 1, grid_.rows(),
                                           grid_.cols()};
  if (explains_actor(settings_.target)) {
    const torch::Tensor moved = output.logits.narrow(0, 1, images) - output.logits.narrow(0, 0, 1);
    actor_grid_ = moved.square().sum(1).mul_(0.5).to(torch::kCPU).view(grid_shape);
    grid_to_map(actor_grid_, out.actor);
  }
  if (explains_critic(settings_.target)) {
    const torch::Tensor moved = output.values.narrow(0, 1, images) - output.values.narrow(0, 0, 1);
    critic_grid_ = moved.square().mul_(0.5).to(torch::kCPU).view(grid_shape);
    grid_to_map(critic_grid_, out.critic);
  }
}

void SaliencyMapper::grid_to_map(const torch::Tensor& scores, std::vector<float>& map) {
  const int64_t pixels = height_ * width_;
  const int64_t maps = scores.size(0);
  channel_maps_.resize(static_cast<size_t>(maps * pixels));
  const torch::Tensor contiguous = scores.contiguous();
  for (int64_t c = 0; c < maps; ++c) {
    upsample_grid(contiguous[c].data_ptr<float>(), grid_, channel_maps_.data() + c * pixels);
  }
  map.resize(static_cast<size_t>(pixels));
  for (int64_t p = 0; p < pixels; ++p) {
    float combined = channel_maps_[p];
    for (int64_t c = 1; c < maps; ++c) {
      const float value = channel_maps_[c * pixels + p];
      combined = settings_.mode == ChannelReduce::kMax ? std::max(combined, value)
                                                       : combined + value;
    }
    map[p] = settings_.mode == ChannelReduce::kMax ? combined : combined / maps;
  }
}

void SaliencyMapper::gradient(const uint8_t* obs, const RecurrentState& state, int64_t action,
                              SaliencyMaps& out) {
  torch::AutoGradMode grad_on(true);
  std::copy(obs, obs + height_ * width_ * channels_, obs_cpu_.data_ptr<float>());
  const bool actor = explains_actor(settings_.target);
  const bool critic = explains_critic(settings_.target);
  // One backward pass for every output asked for: row r of the batch is a copy of the
  // observation whose gradient belongs to output r alone, so summing the outputs separates them.
  int64_t actor_rows = 0;
  if (actor) {
    actor_rows = 1;
    if (settings_.gradient_of == GradientOf::kAllLogits) {
      if (num_logits_ == 0) {
        RecurrentState probe_state = repeat_state(state, 1);
        torch::NoGradGuard no_grad;
        num_logits_ = policy_.step(obs_cpu_.unsqueeze(0).to(device_), probe_state).logits.size(1);
      }
      actor_rows = num_logits_;
    }
  }
  const int64_t rows = actor_rows + (critic ? 1 : 0);
  const torch::Tensor input =
      obs_cpu_.to(device_).unsqueeze(0).expand({rows, height_, width_, channels_}).clone()
          .requires_grad_(true);
  RecurrentState batch_state = repeat_state(state, rows);
  const PolicyOutput output = policy_.step(input, batch_state);
  torch::Tensor total = torch::zeros({}, output.values.options());
  if (actor) {
    if (settings_.gradient_of == GradientOf::kChosenLogit) {
      for (const int64_t column : heads_.columns(action)) total = total + output.logits[0][column];
    } else {
      total = total + output.logits.narrow(0, 0, actor_rows).diagonal().sum();
    }
  }
  if (critic) total = total + output.values[rows - 1];
  const torch::Tensor grads = torch::autograd::grad({total}, {input})[0].detach();
  if (actor) {
    const torch::Tensor actor_grads = grads.narrow(0, 0, actor_rows);
    reduce_channels(settings_.gradient_of == GradientOf::kChosenLogit
                        ? actor_grads[0].abs()
                        : actor_grads.square().sum(0).sqrt(),
                    settings_.mode, out.actor);
  }
  if (critic) reduce_channels(grads[rows - 1].abs(), settings_.mode, out.critic);
}

SaliencyVideoResult write_saliency_video(const LoadedPolicy& policy,
                                         const SaliencyVideoRequest& request) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  Config config = policy.config;
  const std::string agent_env = config.str("env");
  const EnvSpec agent_spec = make_env(agent_env)->spec();
  if (config.str("policy") == "dqn") {
    throw UsageError(
        "saliency explains actor-critic agents (ppo, trpo, recurrent_ppo); this one is dqn");
  }
  if (agent_spec.obs_type != ObsType::kU8Image || agent_spec.obs_shape.size() != 3) {
    throw UsageError("saliency needs image observations; " + agent_env +
                     " gives a vector, so there are no pixels to explain");
  }
  if (!request.env_id.empty() && request.env_id != agent_env) {
    const EnvSpec other = make_env(request.env_id)->spec();
    if (other.obs_shape != agent_spec.obs_shape || other.obs_type != agent_spec.obs_type ||
        other.num_actions != agent_spec.num_actions) {
      throw UsageError("--env " + request.env_id + ": its observations or actions differ from " +
                       agent_env + "'s, which the agent was trained on");
    }
    config.set("env=" + request.env_id);
  }
  if (request.max_steps < 1) throw UsageError("--steps must be at least 1");
  if (request.strip_frames < 1) throw UsageError("the strip needs at least one frame");

  for (const auto* path : {&request.video, &request.strip, &request.attention, &request.maps}) {
    if (!path->empty() && !path->parent_path().empty()) {
      std::filesystem::create_directories(path->parent_path());
    }
  }

  VecEnvOptions options = vec_env_options(config, 1, request.seed);
  options.num_threads = 1;
  const int64_t height = agent_spec.obs_shape[0], width = agent_spec.obs_shape[1];
  const int64_t pixels = height * width;
  const bool actor = explains_actor(request.settings.target);
  const bool critic = explains_critic(request.settings.target);
  SaliencyVideoResult result;

  // Pass 1: play, explaining every observation before acting on it.
  std::vector<int64_t> actions;
  std::vector<uint32_t> observation_crcs;
  std::vector<float> actor_maps, critic_maps;
  {
    VecEnv envs(options);
    Rng rng = play_action_rng(request.seed);
    const ActionHeads heads(agent_spec);
    SaliencyMapper mapper(*policy.net, agent_spec.obs_shape, request.settings, policy.device,
                          heads);
    SaliencyMaps maps;
    torch::NoGradGuard no_grad;
    RecurrentState state = policy.net->initial_state(1);
    int64_t action = 0;
    float logprob = 0.0f;
    while (result.steps < request.max_steps) {
      const torch::Tensor observation = envs.observations();
      const uint8_t* obs = observation.data_ptr<uint8_t>();
      const RecurrentState before = state;
      const auto out = policy.net->step(network_input(observation, policy.device), state);
      heads.sample(heads.log_probs(out.logits).to(torch::kCPU).contiguous(), rng,
                   request.deterministic, &action, &logprob);
      const auto map_started = Clock::now();
      mapper.compute(obs, before, action, maps);
      result.saliency_seconds +=
          std::chrono::duration<double>(Clock::now() - map_started).count();
      if (actor) actor_maps.insert(actor_maps.end(), maps.actor.begin(), maps.actor.end());
      if (critic) critic_maps.insert(critic_maps.end(), maps.critic.begin(), maps.critic.end());
      observation_crcs.push_back(crc32c(obs, agent_spec.obs_bytes()));
      actions.push_back(action);
      envs.step(&action);
      result.steps += 1;
      result.episode_return += envs.rewards().data_ptr<float>()[0];
      if (!state.empty()) policy.net->end_episodes(state, episodes_ended(envs, policy.device));
      if (!envs.take_finished_episodes().empty()) {
        result.episode_ended = true;
        break;
      }
    }
  }

  if (!request.maps.empty()) {
    std::vector<float> saved;
    saved.reserve(actor_maps.size() + critic_maps.size());
    for (int64_t t = 0; t < result.steps; ++t) {
      if (actor) saved.insert(saved.end(), actor_maps.begin() + t * pixels,
                              actor_maps.begin() + (t + 1) * pixels);
      if (critic) saved.insert(saved.end(), critic_maps.begin() + t * pixels,
                               critic_maps.begin() + (t + 1) * pixels);
    }
    write_npy(request.maps, saved, {result.steps, (actor ? 1 : 0) + (critic ? 1 : 0), height, width});
  }

  // What is drawn: the maps smoothed, and each map's scale.
  std::vector<float> scratch;
  const auto smooth = [&](std::vector<float>& maps) {
    if (request.smooth_sigma <= 0.0 || maps.empty()) return;
    std::vector<float> smoothed(maps.size());
    for (int64_t t = 0; t < result.steps; ++t) {
      gaussian_blur(maps.data() + t * pixels, smoothed.data() + t * pixels,
                    static_cast<int>(height), static_cast<int>(width), 1, request.smooth_sigma,
                    scratch);
    }
    maps.swap(smoothed);
  };
  smooth(actor_maps);
  smooth(critic_maps);
  const auto episode_peak = [&](const std::vector<float>& maps) {
    float peak = 0.0f;
    for (int64_t t = 0; t * pixels < static_cast<int64_t>(maps.size()); ++t) {
      peak = std::max(peak, map_range(maps.data() + t * pixels, static_cast<int>(pixels)));
    }
    return peak;
  };
  result.actor_peak = episode_peak(actor_maps);
  result.critic_peak = episode_peak(critic_maps);
  const auto scale_for = [&](const float* map, float peak) {
    if (request.scale == SaliencyScale::kRaw) return request.constant;
    const float range = request.scale == SaliencyScale::kEpisode
                            ? peak
                            : map_range(map, static_cast<int>(pixels));
    return range > 0.0f ? request.constant * 255.0f / range : 0.0f;
  };

  const int strip_count = static_cast<int>(std::min<int64_t>(request.strip_frames, result.steps));
  for (int i = 0; i < strip_count; ++i) {
    result.strip_steps.push_back(strip_count == 1 ? 0
                                                  : (result.steps - 1) * i / (strip_count - 1));
  }

  // Pass 2: replay the same actions, drawing each frame with its maps.
  VecEnv envs(options);
  Image frame;
  envs.env(0).render(frame);
  VideoWriter video(request.video, frame.width, frame.height, request.fps);
  constexpr int kStripShrink = 2;
  const int tile_width = frame.width / kStripShrink, tile_height = frame.height / kStripShrink;
  Image strip;
  strip.resize(tile_width * strip_count, tile_height);
  size_t next_strip = 0;
  for (int64_t t = 0; t < result.steps; ++t) {
    const uint8_t* obs = envs.observations().data_ptr<uint8_t>();
    if (crc32c(obs, agent_spec.obs_bytes()) != observation_crcs[t]) {
      throw RuntimeFailure(config.str("env") + " did not replay step " + std::to_string(t) +
                           " identically; the saliency video cannot be drawn");
    }
    if (t > 0) envs.env(0).render(frame);
    if (actor) {
      const float* map = actor_maps.data() + t * pixels;
      overlay_saliency(frame, map, static_cast<int>(height), static_cast<int>(width),
                       request.actor_channel, scale_for(map, result.actor_peak), scratch);
    }
    if (critic) {
      const float* map = critic_maps.data() + t * pixels;
      overlay_saliency(frame, map, static_cast<int>(height), static_cast<int>(width),
                       request.critic_channel, scale_for(map, result.critic_peak), scratch);
    }
    video.write_frame(frame);
    if (next_strip < result.strip_steps.size() && result.strip_steps[next_strip] == t) {
      const int x = static_cast<int>(next_strip) * tile_width;
      strip.paste(frame.shrunk(kStripShrink), x, 0);
      const std::string label = "t=" + std::to_string(t);
      fill_rect(strip, x + 2, 2, x + 6 + text_width(label), 16, Color{0, 0, 0});
      draw_text(strip, x + 4, 4, label, Color{255, 255, 255});
      ++next_strip;
    }
    int64_t action = actions[t];
    envs.step(&action);
  }
  video.close();
  result.frames = video.frames_written();
  if (!request.strip.empty()) write_png(request.strip, strip);

  // Attention over the episode: when the policy and the value respond to the pixels at all.
  PlotSpec attention;
  attention.title = "Saliency over the episode: " + config.str("env") + ", " +
                    std::string(saliency_method_name(request.settings.method));
  attention.x_label = "step";
  attention.y_label = "map range / episode peak";
  attention.height = 400;
  const auto strength = [&](const std::vector<float>& maps, float peak, const char* label,
                            ColorChannel channel) {
    Series series;
    series.label = label;
    series.color = channel == ColorChannel::kRed     ? Color{214, 39, 40}
                   : channel == ColorChannel::kGreen ? Color{44, 160, 44}
                                                     : Color{31, 119, 180};
    for (int64_t t = 0; t < result.steps; ++t) {
      series.x.push_back(static_cast<double>(t));
      series.y.push_back(peak > 0.0f ? map_range(maps.data() + t * pixels,
                                                 static_cast<int>(pixels)) / peak
                                     : 0.0);
    }
    attention.series.push_back(std::move(series));
  };
  if (actor) strength(actor_maps, result.actor_peak, "actor (policy)", request.actor_channel);
  if (critic) strength(critic_maps, result.critic_peak, "critic (value)", request.critic_channel);
  if (!request.attention.empty()) write_png(request.attention, render_plot(attention));
  result.total_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return result;
}

}  // namespace lever

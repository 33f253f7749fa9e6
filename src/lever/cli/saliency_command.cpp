#include "lever/cli/saliency_command.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "lever/algo/checkpoint.h"
#include "lever/algo/saliency.h"
#include "lever/core/atomic_file.h"
#include "lever/core/errors.h"
#include "lever/core/machine.h"

namespace lever {
namespace {

struct SaliencyCommandOptions {
  std::string target, env, out, save_maps, device = "auto";
  std::string method = "perturbation", explain = "both", channel, mode = "max";
  std::string gradient_of = "chosen", scale = "episode";
  uint64_t seed = 0;
  int64_t steps = 500;
  int stride = 4, fps = 15, strip_frames = 6;
  float constant = 1.0f;
  double sigma = 0.0;
  bool per_channel = false, deterministic = false;
};

std::string format_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// The file name records every setting that changes the picture, so runs with different settings
// sit side by side: starpilot-perturbation-both-stride4-max-c1-sig0-seed0.
std::string settings_stem(const SaliencyVideoRequest& request, const std::string& env_id) {
  const SaliencySettings& s = request.settings;
  std::string stem = env_id + "-" + std::string(saliency_method_name(s.method)) + "-" +
                     std::string(saliency_target_name(s.target));
  if (s.target != SaliencyTarget::kBoth) {
    stem += "-" + std::string(color_channel_name(explains_actor(s.target) ? request.actor_channel
                                                                          : request.critic_channel));
  }
  if (s.method == SaliencyMethod::kPerturbation) {
    stem += "-stride" + std::to_string(s.stride) + (s.per_channel ? "-perchannel" : "");
  } else if (explains_actor(s.target)) {
    stem += "-" + std::string(gradient_of_name(s.gradient_of));
  }
  stem += "-" + std::string(channel_reduce_name(s.mode)) + "-c" + format_number(request.constant) +
          "-sig" + format_number(request.smooth_sigma);
  if (request.scale != SaliencyScale::kEpisode) {
    stem += "-" + std::string(saliency_scale_name(request.scale));
  }
  if (request.deterministic) stem += "-argmax";
  return stem + "-seed" + std::to_string(request.seed);
}

void run_saliency_command(const SaliencyCommandOptions& options) {
  const std::filesystem::path checkpoint = resolve_checkpoint(options.target);
  SaliencyVideoRequest request;
  request.env_id = options.env;
  request.seed = options.seed;
  request.max_steps = options.steps;
  request.deterministic = options.deterministic;
  request.settings.method = parse_saliency_method(options.method);
  request.settings.target = parse_saliency_target(options.explain);
  request.settings.stride = options.stride;
  request.settings.per_channel = options.per_channel;
  request.settings.mode = parse_channel_reduce(options.mode);
  request.settings.gradient_of = parse_gradient_of(options.gradient_of);
  request.scale = parse_saliency_scale(options.scale);
  request.constant = options.constant;
  request.smooth_sigma = options.sigma;
  request.fps = options.fps;
  request.strip_frames = options.strip_frames;
  if (!options.channel.empty()) {
    if (request.settings.target == SaliencyTarget::kBoth) {
      throw UsageError(
          "--channel picks the colour of one map; with --target both the actor is drawn in blue "
          "and the critic in red (choose --target actor or critic to change it)");
    }
    const ColorChannel channel = parse_color_channel(options.channel);
    (request.settings.target == SaliencyTarget::kActor ? request.actor_channel
                                                       : request.critic_channel) = channel;
  }
  if (request.settings.per_channel && request.settings.method != SaliencyMethod::kPerturbation) {
    throw UsageError("--per-channel applies to --method perturbation only");
  }

  const std::filesystem::path run_dir = std::filesystem::is_directory(options.target)
                                            ? std::filesystem::path(options.target)
                                            : checkpoint.parent_path();
  const LoadedPolicy policy = load_policy(checkpoint, options.device);
  const std::string env_id = options.env.empty() ? policy.config.str("env") : options.env;
  const std::string stem = settings_stem(request, env_id);
  std::filesystem::path wanted;
  const std::filesystem::path out(options.out);
  if (options.out.empty()) {
    wanted = run_dir / "saliency" / (stem + ".mp4");
  } else if (std::filesystem::is_directory(out) || options.out.back() == '/') {
    wanted = out / (stem + ".mp4");
  } else if (out.extension() == ".mp4" || out.extension() == ".gif") {
    wanted = out;
  } else {
    throw UsageError("--out " + options.out +
                     ": expected a .mp4 or .gif file, or a directory for a name made of the "
                     "settings");
  }
  request.video = untaken_path(wanted);
  request.strip = untaken_path(std::filesystem::path(request.video).replace_extension(".png"));
  std::filesystem::path attention = request.video;
  attention.replace_filename(request.video.stem().string() + "-attention.png");
  request.attention = untaken_path(attention);
  const std::filesystem::path summary_path =
      untaken_path(std::filesystem::path(request.video).replace_extension(".json"));
  if (!options.save_maps.empty()) {
    if (std::filesystem::path(options.save_maps).extension() != ".npy") {
      throw UsageError("--save-maps " + options.save_maps + ": expected a .npy file");
    }
    request.maps = untaken_path(options.save_maps);
  }

  keep_freed_memory_for_reuse();
  const SaliencyVideoResult result = write_saliency_video(policy, request);

  const SaliencySettings& s = request.settings;
  nlohmann::json summary = {
      {"lever_version", LEVER_VERSION},
      {"git_commit", LEVER_GIT_COMMIT},
      {"checkpoint", checkpoint.string()},
      {"device", policy.device.str()},
      {"env", env_id},
      {"seed", request.seed},
      {"deterministic", request.deterministic},
      {"method", saliency_method_name(s.method)},
      {"target", saliency_target_name(s.target)},
      {"stride", s.stride},
      {"blur_sigma", s.blur_sigma},
      {"mask_sigma", s.mask_sigma},
      {"per_channel", s.per_channel},
      {"mode", channel_reduce_name(s.mode)},
      {"gradient_of", gradient_of_name(s.gradient_of)},
      {"actor_channel", color_channel_name(request.actor_channel)},
      {"critic_channel", color_channel_name(request.critic_channel)},
      {"scale", saliency_scale_name(request.scale)},
      {"constant", request.constant},
      {"sigma", request.smooth_sigma},
      {"steps", result.steps},
      {"episode_ended", result.episode_ended},
      {"episode_return", result.episode_return},
      {"frames", result.frames},
      {"strip_steps", result.strip_steps},
      {"actor_peak", result.actor_peak},
      {"critic_peak", result.critic_peak},
      {"saliency_seconds", result.saliency_seconds},
      {"total_seconds", result.total_seconds},
      {"video", request.video.string()},
      {"strip", request.strip.string()},
      {"attention", request.attention.string()},
      {"maps", request.maps.string()},
      {"machine", machine_info()},
  };
  write_file_atomic(summary_path, summary.dump(2) + "\n");
  std::printf("%lld steps (%s), return %.2f; saliency %.1f s (%.0f ms per frame), total %.1f s\n",
              static_cast<long long>(result.steps),
              result.episode_ended ? "episode ended" : "cut at --steps", result.episode_return,
              result.saliency_seconds, 1000.0 * result.saliency_seconds / result.steps,
              result.total_seconds);
  std::printf("wrote %s (%d frames), %s, %s, %s", request.video.c_str(), result.frames,
              request.strip.c_str(), request.attention.c_str(), summary_path.c_str());
  if (!request.maps.empty()) std::printf(", %s", request.maps.c_str());
  std::printf("\n");
}

}  // namespace

void add_saliency_command(CLI::App& app) {
  // The options outlive this function: the callback runs later, inside app.parse().
  auto o = std::make_shared<SaliencyCommandOptions>();
  auto* command = app.add_subcommand(
      "saliency",
      "Explain a trained agent: a video of an episode with the pixels that move its policy "
      "(blue) and value (red) drawn on the game, a PNG strip and optionally the maps as .npy");
  command->add_option("target", o->target, "A run directory or a checkpoint (.pt)")->required();
  command->add_option("--env", o->env,
                      "Play another env with the same observations and actions (default: the "
                      "agent's)");
  command->add_option("--seed", o->seed, "Level seed and action sampling seed (default 0)");
  command->add_option("--steps", o->steps, "Most steps; the video ends with the episode (default 500)")
      ->check(CLI::Range(int64_t{1}, int64_t{1000000}));
  command->add_option("--method", o->method,
                      "perturbation (Greydanus et al. 2018, default) or gradient (|d output / d "
                      "pixel|)");
  command->add_option("--target", o->explain, "actor, critic or both (default)");
  command->add_option("--channel", o->channel,
                      "red, green or blue: the colour of the map with --target actor or critic "
                      "(defaults: actor blue, critic red)");
  command->add_option("--constant", o->constant,
                      "Intensity: multiplies the drawn maps (default 1: the episode's most "
                      "salient pixel at full strength)");
  command->add_option("--sigma", o->sigma,
                      "Gaussian smoothing of the drawn maps, in observation pixels (default 0: "
                      "none)")
      ->check(CLI::Range(0.0, 64.0));
  command->add_option("--mode", o->mode,
                      "max (default) or mean over colour channels: gradient maps and "
                      "--per-channel perturbation maps");
  command->add_option("--out", o->out,
                      "Video file (.mp4 or .gif) or directory (default <run>/saliency/<settings>.mp4); "
                      "an existing file is never replaced: a numbered suffix is added");
  command->add_option("--save-maps", o->save_maps,
                      "Save every frame's maps as float32 .npy [steps, targets (actor, critic), "
                      "height, width]");
  command->add_option("--stride", o->stride, "Perturbation grid stride in pixels (default 4)")
      ->check(CLI::Range(1, 64));
  command->add_flag("--per-channel", o->per_channel,
                    "Perturb each colour channel on its own (3x the images), then --mode");
  command->add_option("--gradient-of", o->gradient_of,
                      "Gradient of the actor's chosen logit (default) or all logits");
  command->add_option("--scale", o->scale,
                      "episode (default), frame (every frame's peak at full strength) or raw "
                      "(scores x constant, as the study)");
  command->add_flag("--deterministic", o->deterministic, "Argmax actions");
  command->add_option("--device", o->device, "cpu, cuda or auto (default)");
  command->add_option("--fps", o->fps, "Video frame rate (default 15)")->check(CLI::Range(1, 240));
  command->add_option("--strip-frames", o->strip_frames,
                      "Frames in the PNG strip, spread over the episode (default 6)")
      ->check(CLI::Range(1, 32));
  command->footer("See docs/SALIENCY.md.");
  command->callback([o] { run_saliency_command(*o); });
}

}  // namespace lever

#include "lever/algo/play.h"

#include "lever/algo/on_policy.h"
#include "lever/algo/train.h"
#include "lever/core/errors.h"
#include "lever/env/registry.h"
#include "lever/env/vec_env.h"
#include "lever/viz/video.h"

namespace lever {

LoadedPolicy load_policy(const std::filesystem::path& checkpoint, const std::string& device) {
  TrainingState state = load_checkpoint(checkpoint);
  LoadedPolicy policy{Config::from_json(state.config, checkpoint.string()), nullptr};
  const EnvSpec spec = make_env(policy.config.str("env"))->spec();
  policy.device = resolve_device(device, spec.obs_type == ObsType::kU8Image);
  policy.net = make_policy(policy.config, spec, policy.device);
  if (state.params.numel() != policy.net->flat().numel()) {
    throw CheckpointError(checkpoint.string() + ": parameter count does not match its config");
  }
  torch::NoGradGuard no_grad;
  policy.net->flat().values().copy_(state.params);
  return policy;
}

EvalStats evaluate_checkpoint(const std::filesystem::path& checkpoint, const EvalRequest& request) {
  LoadedPolicy policy = load_policy(checkpoint, "auto");
  VecEnvOptions options = vec_env_options(policy.config, request.num_envs, request.seed);
  if (request.test_levels) options = test_level_options(options);
  VecEnv envs(options);
  Rng rng(request.seed * 3 + 3);
  return evaluate(*policy.net, envs, request.episodes, request.deterministic, rng, policy.device);
}

Rng play_action_rng(uint64_t seed) { return Rng(seed * 3 + 5); }

PlayResult play_episodes(
    const PlayRequest& request,
    const std::function<void(int64_t episode, double episode_return, int64_t length)>&
        on_episode) {
  LoadedPolicy policy{Config::defaults(), nullptr};
  std::string env_id = request.env_id;
  if (!request.policy.empty()) {
    policy = load_policy(request.policy, "auto");
    env_id = policy.config.str("env");
  }
  Config config = policy.config;
  if (request.policy.empty()) config.set("env=" + env_id);
  VecEnvOptions options = vec_env_options(config, 1, request.seed);
  options.num_threads = 1;
  VecEnv envs(options);
  Rng rng = play_action_rng(request.seed);
  const ActionHeads heads(envs.spec());

  Image frame;
  envs.env(0).render(frame);
  VideoWriter video(request.out, frame.width, frame.height, request.fps);
  video.write_frame(frame);
  PlayResult result;
  int64_t action = 0;
  float logprob = 0.0f;
  double partial_return = 0.0;
  int64_t episode_steps = 0;
  c10::InferenceMode inference;
  RecurrentState state = policy.net ? policy.net->initial_state(1) : RecurrentState{};
  const auto end_episode = [&](double episode_return) {
    result.returns.push_back(episode_return);
    result.lengths.push_back(episode_steps);
    if (on_episode) on_episode(result.returns.size() - 1, episode_return, episode_steps);
    partial_return = 0.0;
    episode_steps = 0;
  };
  while (static_cast<int64_t>(result.returns.size()) < request.episodes) {
    if (policy.net) {
      const auto out = policy.net->step(network_input(envs.observations(), policy.device), state);
      const auto log_probs = heads.log_probs(out.logits).to(torch::kCPU).contiguous();
      heads.sample(log_probs, rng, request.deterministic, &action, &logprob);
    } else {
      action = static_cast<int64_t>(rng.below(envs.spec().num_actions));
    }
    envs.step(&action);
    result.steps += 1;
    episode_steps += 1;
    if (!state.empty()) policy.net->end_episodes(state, episodes_ended(envs, policy.device));
    partial_return += envs.rewards().data_ptr<float>()[0];
    const auto finished = envs.take_finished_episodes();
    if (!finished.empty()) {
      end_episode(finished[0].episode_return);
    } else if (episode_steps >= request.max_steps) {
      end_episode(partial_return);
      if (static_cast<int64_t>(result.returns.size()) < request.episodes) {
        envs.reset();
        if (policy.net) state = policy.net->initial_state(1);
      }
    }
    // After an episode the env has already reset: this frame is the next episode's first.
    if (static_cast<int64_t>(result.returns.size()) < request.episodes) {
      envs.env(0).render(frame);
      video.write_frame(frame);
    }
  }
  video.close();
  result.frames = video.frames_written();
  return result;
}

}  // namespace lever

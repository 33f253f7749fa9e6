// Recurrent PPO, read top to bottom like ppo.cpp: collect a rollout while carrying each env's
// recurrent state, split it into sequences, then update over epochs of shuffled minibatches of
// whole sequences. What differs from PPO is only where the recurrent state comes from: recorded
// before every step during the rollout, and taken from a sequence's first step during training.
#include "lever/algo/recurrent_ppo.h"

#include <algorithm>
#include <chrono>

#include "lever/algo/gae.h"

namespace lever {

RecurrentRollout::RecurrentRollout(int64_t t, int64_t n, const EnvSpec& spec,
                                   const torch::Device& device, int64_t hidden_state_size,
                                   bool lstm)
    : steps(t, n, spec, device) {
  std::vector<int64_t> flat_shape = {t * n + 1};
  flat_shape.insert(flat_shape.end(), spec.obs_shape.begin(), spec.obs_shape.end());
  padded_obs = torch::zeros(flat_shape, steps.obs.options());
  steps.obs = padded_obs.narrow(0, 0, t * n).view(steps.obs.sizes());
  const auto state_options = torch::TensorOptions().device(device);
  hidden = torch::zeros({t, n, hidden_state_size}, state_options);
  if (lstm) cell = torch::zeros({t, n, hidden_state_size}, state_options);
}

EpisodeTotals collect_recurrent_rollout(RecurrentActorCritic& net, VecEnv& envs,
                                        RecurrentRollout& rollout, RecurrentState& state,
                                        Rng& action_rng, RewardNormalizer* normalizer,
                                        double reward_scale, double gamma, double gae_lambda,
                                        const torch::Device& device) {
  c10::InferenceMode inference;
  Rollout& r = rollout.steps;
  EpisodeTotals totals;
  for (int64_t t = 0; t < r.num_steps; ++t) {
    const auto obs = envs.observations();
    r.obs[t].copy_(obs, /*non_blocking=*/true);
    // The state this step reads: a sequence starting here starts from it.
    rollout.hidden[t].copy_(state.hidden);
    if (state.cell.defined()) rollout.cell[t].copy_(state.cell);
    const auto out = net->step(network_input(obs, device), state);
    envs.step(record_policy_step(out, r, t, action_rng));
    if (record_env_step(envs, r, t, normalizer, reward_scale, gamma, totals)) {
      // The final observation continues the finished episode, so it reads the state before reset.
      RecurrentState continued = state;
      r.final_values[t].copy_(
          net->step(network_input(envs.final_observations(), device), continued).values);
    }
    net->end_episodes(state, episodes_ended(envs, device));
  }
  RecurrentState continued = state;
  const auto last_values =
      net->step(network_input(envs.observations(), device), continued).values.to(torch::kCPU);
  compute_gae(r.rewards, r.values, r.terminated, r.truncated, r.final_values, last_values, gamma,
              gae_lambda, r.advantages, r.returns);
  return totals;
}

FlatRollout flatten_rollout(const RecurrentRollout& rollout, const torch::Device& device) {
  const Rollout& r = rollout.steps;
  const int64_t rows = r.num_steps * r.num_envs;
  FlatRollout flat;
  flat.obs = rollout.padded_obs;
  flat.hidden = rollout.hidden.view({rows, -1});
  if (rollout.cell.defined()) flat.cell = rollout.cell.view({rows, -1});
  flat.actions = r.actions.view({rows}).to(device);
  flat.logprobs = r.logprobs.view({rows}).to(device);
  flat.values = r.values.view({rows}).to(device);
  flat.advantages = r.advantages.view({rows}).to(device);
  flat.returns = r.returns.view({rows}).to(device);
  flat.heads = r.heads;
  return flat;
}

DeviceSequences split_rollout(const RecurrentRollout& rollout, int64_t sequence_length,
                              const torch::Device& device) {
  const Rollout& r = rollout.steps;
  const auto ended = torch::logical_or(r.terminated, r.truncated).to(torch::kUInt8).contiguous();
  const uint8_t* flags = ended.data_ptr<uint8_t>();
  DeviceSequences out;
  out.index = split_sequences(std::vector<uint8_t>(flags, flags + ended.numel()), r.num_steps,
                              r.num_envs, sequence_length);
  const auto as_tensor = [&](const std::vector<int64_t>& values) {
    return torch::tensor(values, torch::kInt64).to(device);
  };
  out.steps = as_tensor(out.index.steps);
  out.starts = as_tensor(out.index.starts);
  out.mask = torch::tensor(std::vector<int64_t>(out.index.mask.begin(), out.index.mask.end()),
                           torch::kInt64)
                 .to(device)
                 .to(torch::kBool);
  return out;
}

PpoLoss sequence_minibatch_loss(RecurrentActorCritic& net, const FlatRollout& rollout,
                                const DeviceSequences& sequences,
                                const std::vector<int64_t>& which,
                                const PpoLossSettings& settings) {
  const auto device = sequences.steps.device();
  const auto rows =
      torch::tensor(sequence_rows(sequences.index, which), torch::kInt64).to(device);
  const auto chosen = torch::tensor(which, torch::kInt64).to(device);
  const auto steps = sequences.steps.index_select(0, rows);  // rollout index or the zero row
  const auto starts = sequences.starts.index_select(0, chosen);
  RecurrentState start;
  start.hidden = rollout.hidden.index_select(0, starts);
  if (rollout.cell.defined()) start.cell = rollout.cell.index_select(0, starts);

  const PolicyOutput out = net->sequences(rollout.obs.index_select(0, steps), start,
                                          sequences.index.length);
  const auto real = sequences.mask.index_select(0, rows).nonzero().squeeze(1);
  const auto real_steps = steps.index_select(0, real);
  return ppo_loss(out.logits.index_select(0, real), out.values.index_select(0, real),
                  rollout.actions.index_select(0, real_steps),
                  rollout.logprobs.index_select(0, real_steps),
                  rollout.values.index_select(0, real_steps),
                  rollout.advantages.index_select(0, real_steps),
                  rollout.returns.index_select(0, real_steps), settings, rollout.heads);
}

namespace {

// The hyperparameters the update reads, resolved from the config once (docs/CONFIG.md).
struct RecurrentPpoHyperparameters {
  int64_t num_envs, num_steps, num_epochs, num_minibatches, sequence_length, hidden_state_size;
  double gamma, gae_lambda, max_grad_norm, target_kl, reward_scale;
  bool normalize_reward, lstm;
  PpoLossSettings loss;

  explicit RecurrentPpoHyperparameters(const Config& c)
      : num_envs(c.i64("num_envs")),
        num_steps(c.i64("num_steps")),
        num_epochs(c.i64("num_epochs")),
        num_minibatches(minibatches_per_epoch(c)),
        sequence_length(c.i64("sequence_length")),
        hidden_state_size(c.i64("hidden_state_size")),
        gamma(c.f64("gamma")),
        gae_lambda(c.f64("gae_lambda")),
        max_grad_norm(c.f64("max_grad_norm")),
        target_kl(c.f64("target_kl")),
        reward_scale(c.f64("reward_scale")),
        normalize_reward(c.flag("normalize_reward")),
        lstm(c.str("layer_type") == "lstm") {
    loss.clip_vloss = c.flag("clip_vloss");
    loss.norm_adv = c.flag("norm_adv");
    loss.vf_coef = c.f64("vf_coef");
    loss.beta = c.f64("beta");
  }
};

}  // namespace

TrainResult run_recurrent_ppo(const Config& config, const RunPaths& paths,
                              const TrainingState* resume_from, const TrainOptions& options) {
  const RecurrentPpoHyperparameters hp(config);
  TrainingRun run(config, paths, resume_from, options);
  RecurrentActorCritic& net = run.recurrent_net;
  FlatParameters& params = run.params;
  const torch::Device device = run.device;
  FlatOptimizer optimizer = make_optimizer(config, params);
  if (resume_from) TrainingRun::restore_optimizer(*resume_from, optimizer);

  const int64_t T = hp.num_steps, N = hp.num_envs;
  RecurrentRollout rollout(T, N, run.envs.spec(), device, hp.hidden_state_size, hp.lstm);
  // Each env's recurrent state lives across rollouts; a resumed run starts from zeros because its
  // envs start new episodes.
  RecurrentState env_state = net->initial_state(N);

  for (int64_t update = run.first_update(); update <= run.num_updates(); ++update) {
    const ScheduledValues scheduled = scheduled_values(config, update, run.num_updates());
    optimizer.set_lr(scheduled.learning_rate);
    PpoLossSettings loss_settings = hp.loss;
    loss_settings.ent_coef = scheduled.ent_coef;
    loss_settings.clip_coef = scheduled.clip_coef;

    // 1. Collect a rollout, recording the recurrent state fed into every step; GAE advantages.
    const auto rollout_start = std::chrono::steady_clock::now();
    const EpisodeTotals episodes = collect_recurrent_rollout(
        net, run.envs, rollout, env_state, run.action_rng,
        hp.normalize_reward ? &run.reward_normalizer : nullptr, hp.reward_scale, hp.gamma,
        hp.gae_lambda, device);
    run.add_steps(T * N);

    // 2. Split into sequences at episode ends and every sequence_length steps.
    const auto update_start = std::chrono::steady_clock::now();
    const FlatRollout flat = flatten_rollout(rollout, device);
    const DeviceSequences sequences = split_rollout(rollout, hp.sequence_length, device);
    const int64_t S = sequences.index.num_sequences;
    const int64_t minibatches = std::min(hp.num_minibatches, S);

    // 3. Update: num_epochs passes over shuffled whole sequences, in `minibatches` groups whose
    // sizes differ by at most one sequence.
    std::vector<int64_t> order(S);
    for (int64_t s = 0; s < S; ++s) order[s] = s;
    PpoUpdateStats stats(device);
    int64_t steps_trained = 0;
    double grad_norm = 0.0;
    for (int64_t epoch = 0; epoch < hp.num_epochs; ++epoch) {
      shuffle(order, run.shuffle_rng);
      stats.start_epoch();
      int64_t first = 0;
      for (int64_t m = 0; m < minibatches; ++m) {
        const int64_t count = S / minibatches + (m < S % minibatches ? 1 : 0);
        const std::vector<int64_t> which(order.begin() + first, order.begin() + first + count);
        first += count;
        const PpoLoss loss = sequence_minibatch_loss(net, flat, sequences, which, loss_settings);
        params.zero_grad();
        loss.loss.backward();
        grad_norm = params.clip_grad_norm(hp.max_grad_norm);
        optimizer.step();
        stats.add(loss, loss_settings.clip_coef);
        steps_trained += loss.ratio.size(0);
      }
      if (hp.target_kl > 0 && stats.epoch_mean_kl() > hp.target_kl) break;
    }
    const auto update_end = std::chrono::steady_clock::now();
    const double rollout_seconds =
        std::chrono::duration<double>(update_start - rollout_start).count();
    const double update_seconds = std::chrono::duration<double>(update_end - update_start).count();

    // 4. Log (CleanRL's tag names plus the schedules and sequences), evaluate, checkpoint.
    const PpoUpdateStats::Means means = stats.means();
    std::vector<Scalar> row = {
        {"charts/learning_rate", scheduled.learning_rate},
        {"charts/ent_coef", loss_settings.ent_coef},
        {"charts/clip_coef", loss_settings.clip_coef},
    };
    for (const Scalar& column : PpoUpdateStats::loss_columns(means)) row.push_back(column);
    row.insert(row.end(), {{"losses/explained_variance",
                            explained_variance(rollout.steps.values, rollout.steps.returns)},
                           {"losses/grad_norm", grad_norm},
                           {"recurrent/sequences", static_cast<double>(S)},
                           {"recurrent/padded_length", static_cast<double>(sequences.index.length)},
                           {"perf/learner_samples_per_second", steps_trained / update_seconds}});
    if (run.finish_update(update, episodes, row,
                          {means.policy_loss, means.value_loss, means.entropy}, optimizer,
                          rollout_seconds, update_seconds)) {
      break;
    }
  }
  return run.finish("recurrent PPO");
}

}  // namespace lever

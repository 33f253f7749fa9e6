// TRPO, read top to bottom: collect a rollout, take one natural-gradient step on the surrogate
// advantage inside the KL trust region (conjugate gradient on Fisher-vector products, then a
// backtracking line search), fit the value function with Adam, log, evaluate, checkpoint. The run
// around the update (envs, rollout, evaluation, logs, checkpoints) is TrainingRun, as for PPO.
#include "lever/algo/trpo.h"

#include <chrono>
#include <cmath>
#include <limits>

#include "lever/core/errors.h"

namespace lever {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The hyperparameters TRPO's update reads (docs/CONFIG.md, sections ppo and trpo).
struct TrpoHyperparameters {
  int64_t num_envs, num_steps, value_epochs, minibatch_size;
  double learning_rate, adam_eps, gamma, gae_lambda, max_grad_norm;
  bool anneal_lr, normalize_reward;
  double reward_scale;
  double max_kl, cg_damping, cg_residual_tol, line_search_shrink;
  int64_t cg_iters, line_search_steps, fisher_subsample;

  explicit TrpoHyperparameters(const Config& c)
      : num_envs(c.i64("num_envs")),
        num_steps(c.i64("num_steps")),
        value_epochs(c.i64("num_epochs")),
        minibatch_size(c.i64("num_envs") * c.i64("num_steps") / minibatches_per_epoch(c)),
        learning_rate(c.f64("learning_rate")),
        adam_eps(c.f64("adam_eps")),
        gamma(c.f64("gamma")),
        gae_lambda(c.f64("gae_lambda")),
        max_grad_norm(c.f64("max_grad_norm")),
        anneal_lr(c.flag("anneal_lr")),
        normalize_reward(c.flag("normalize_reward")),
        reward_scale(c.f64("reward_scale")),
        max_kl(c.f64("max_kl")),
        cg_damping(c.f64("cg_damping")),
        cg_residual_tol(c.f64("cg_residual_tol")),
        line_search_shrink(c.f64("line_search_shrink")),
        cg_iters(c.i64("cg_iters")),
        line_search_steps(c.i64("line_search_steps")),
        fisher_subsample(c.i64("fisher_subsample")) {}
};

// d f / d θ as one flat vector in FlatParameters order, zeros for parameters f does not use.
torch::Tensor flat_grad(const torch::Tensor& f, const std::vector<torch::Tensor>& params,
                        bool create_graph) {
  const auto grads = torch::autograd::grad({f}, params, /*grad_outputs=*/{},
                                           /*retain_graph=*/create_graph, create_graph,
                                           /*allow_unused=*/true);
  std::vector<torch::Tensor> flat;
  flat.reserve(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    flat.push_back(grads[i].defined() ? grads[i].reshape({-1})
                                      : torch::zeros({params[i].numel()}, params[i].options()));
  }
  return torch::cat(flat);
}

torch::Tensor action_logprobs(const torch::Tensor& logits, const torch::Tensor& actions) {
  return torch::log_softmax(logits, 1).gather(1, actions.unsqueeze(1)).squeeze(1);
}

// The batch a policy step reads, on the training device. Advantages are standardised over the
// whole batch.
struct PolicyBatch {
  torch::Tensor obs, actions, old_logprobs, old_logits, advantages;
  int64_t size() const { return obs.size(0); }
};

// Surrogate advantage mean(π_θ(a|s) / π_old(a|s) · Â) and mean KL(old‖θ), without gradients.
std::pair<double, double> surrogate_and_kl(ActorCritic& net, const PolicyBatch& b,
                                           int64_t chunk_size) {
  torch::NoGradGuard no_grad;
  double surrogate = 0.0, kl = 0.0;
  for (int64_t start = 0; start < b.size(); start += chunk_size) {
    const int64_t n = std::min(chunk_size, b.size() - start);
    const auto logits = net->forward(b.obs.narrow(0, start, n)).logits;
    const auto ratio =
        (action_logprobs(logits, b.actions.narrow(0, start, n)) - b.old_logprobs.narrow(0, start, n))
            .exp();
    surrogate += (ratio * b.advantages.narrow(0, start, n)).sum().item<double>();
    kl += categorical_kl(b.old_logits.narrow(0, start, n), logits).item<double>() * n;
  }
  return {surrogate / b.size(), kl / b.size()};
}

TrainResult train(const Config& config, const RunPaths& paths, const TrainingState* resume_from,
                  const TrainOptions& options) {
  const TrpoHyperparameters hp(config);
  TrainingRun run(config, paths, resume_from, options);
  ActorCritic& net = run.net;
  FlatParameters& params = run.params;
  const torch::Device device = run.device;
  // Adam fits the value function only: its gradients are masked to the value-only parameters, so
  // the policy moves by the trust-region step alone.
  FlatOptimizer value_optimizer = make_optimizer(config, params);
  if (resume_from) TrainingRun::restore_optimizer(*resume_from, value_optimizer);
  const torch::Tensor value_mask = net->value_only_mask();

  const int64_t T = hp.num_steps, N = hp.num_envs, B = T * N;
  Rollout rollout(T, N, run.envs.spec(), device);
  if (rollout.heads.multi()) {
    throw UsageError("policy trpo supports Discrete actions only; " + run.envs.spec().id +
                     " has MultiDiscrete actions (use ppo or recurrent_ppo)");
  }
  std::vector<int64_t> order(B);
  for (int64_t i = 0; i < B; ++i) order[i] = i;
  auto order_tensor = torch::from_blob(order.data(), {B}, torch::kInt64);

  for (int64_t update = run.first_update(); update <= run.num_updates(); ++update) {
    const ScheduledValues scheduled = scheduled_values(config, update, run.num_updates());
    const double lr = scheduled.learning_rate;
    value_optimizer.set_lr(lr);

    // 1. Collect a rollout of T steps from N envs with the current policy; GAE advantages.
    const auto rollout_start = std::chrono::steady_clock::now();
    const EpisodeTotals episodes =
        collect_rollout(net, run.envs, rollout, run.action_rng,
                        hp.normalize_reward ? &run.reward_normalizer : nullptr, hp.reward_scale,
                        hp.gamma,
                        hp.gae_lambda, device);
    run.add_steps(B);
    const auto update_start = std::chrono::steady_clock::now();

    // 2. The policy gradient g of the surrogate at θ_old, and the old policy's logits.
    PolicyBatch batch;
    batch.obs = rollout.obs.flatten(0, 1);
    batch.actions = rollout.actions.view({B}).to(device);
    batch.old_logprobs = rollout.logprobs.view({B}).to(device);
    const auto advantages = rollout.advantages.view({B}).to(device);
    batch.advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8);
    std::vector<torch::Tensor> old_logits;
    torch::Tensor entropy_sum = torch::zeros({}, device);
    params.zero_grad();
    for (int64_t start = 0; start < B; start += hp.minibatch_size) {
      const int64_t n = std::min(hp.minibatch_size, B - start);
      const auto logits = net->forward(batch.obs.narrow(0, start, n)).logits;
      const auto ratio = (action_logprobs(logits, batch.actions.narrow(0, start, n)) -
                          batch.old_logprobs.narrow(0, start, n))
                             .exp();
      ((ratio * batch.advantages.narrow(0, start, n)).sum() / B).backward();
      torch::NoGradGuard no_grad;
      old_logits.push_back(logits.detach());
      const auto log_probs = torch::log_softmax(logits, 1);
      entropy_sum.sub_((log_probs.exp() * log_probs).sum());
    }
    batch.old_logits = torch::cat(old_logits);
    const torch::Tensor policy_gradient = params.grads().clone();
    params.zero_grad();

    // 3. The natural-gradient direction x ≈ F⁻¹ g by conjugate gradient, F the Fisher matrix on
    // every fisher_subsample-th transition; the step β·x with β = sqrt(2δ / xᵀFx).
    const auto fisher_obs = batch.obs.slice(0, 0, B, hp.fisher_subsample);
    auto fisher_times = [&](const torch::Tensor& v) {
      return fisher_vector_product(net, fisher_obs, v, hp.cg_damping, hp.minibatch_size);
    };
    const ConjugateGradientResult cg =
        conjugate_gradient(fisher_times, policy_gradient, hp.cg_iters, hp.cg_residual_tol);
    const double curvature = cg.x.dot(fisher_times(cg.x)).item<double>();

    // 4. Backtracking line search: accept the largest step that keeps the mean KL within max_kl
    // and improves the surrogate; otherwise keep θ_old.
    const auto [old_surrogate, zero_kl] = surrogate_and_kl(net, batch, hp.minibatch_size);
    (void)zero_kl;
    LineSearchResult search;
    search.surrogate = old_surrogate;
    search.backtracks = hp.line_search_steps;
    double step_size = 0.0;
    if (std::isfinite(curvature) && curvature > 0) {
      step_size = std::sqrt(2.0 * hp.max_kl / curvature);
      torch::NoGradGuard no_grad;
      search = backtracking_line_search(
          params.values(), cg.x * step_size,
          [&] { return surrogate_and_kl(net, batch, hp.minibatch_size); }, old_surrogate,
          hp.max_kl, hp.line_search_steps, hp.line_search_shrink);
    }

    // 5. Fit the value function: value_epochs passes of Adam over shuffled minibatches. When the
    // heads share their features, only the value head is value-only: its inputs are computed
    // once instead of running the encoder forward and backward every minibatch.
    const auto b_returns = rollout.returns.view({B}).to(device);
    const bool head_only = net->heads_share_features();
    torch::Tensor value_inputs = batch.obs;
    if (head_only) {
      torch::NoGradGuard no_grad;
      std::vector<torch::Tensor> chunks;
      for (int64_t start = 0; start < B; start += hp.minibatch_size) {
        chunks.push_back(net->features(batch.obs.narrow(0, start, std::min(hp.minibatch_size, B - start))));
      }
      value_inputs = torch::cat(chunks);
    }
    torch::Tensor sum_value_loss = torch::zeros({}, device);
    int64_t minibatches = 0;
    double grad_norm = 0.0;
    for (int64_t epoch = 0; epoch < hp.value_epochs; ++epoch) {
      shuffle(order, run.shuffle_rng);
      const auto perm = order_tensor.to(device);
      const auto s_inputs = value_inputs.index_select(0, perm);
      const auto s_returns = b_returns.index_select(0, perm);
      for (int64_t start = 0; start + hp.minibatch_size <= B; start += hp.minibatch_size) {
        const auto inputs = s_inputs.narrow(0, start, hp.minibatch_size);
        const auto values = head_only ? net->value_head(inputs) : net->values(inputs);
        const auto value_loss =
            0.5 * (values - s_returns.narrow(0, start, hp.minibatch_size)).square().mean();
        params.zero_grad();
        value_loss.backward();
        params.grads().mul_(value_mask);
        grad_norm = params.clip_grad_norm(hp.max_grad_norm);
        value_optimizer.step();
        sum_value_loss.add_(value_loss.detach());
        ++minibatches;
      }
    }
    const auto update_end = std::chrono::steady_clock::now();
    const double rollout_seconds =
        std::chrono::duration<double>(update_start - rollout_start).count();
    const double update_seconds = std::chrono::duration<double>(update_end - update_start).count();

    // 6. Log, evaluate when due, checkpoint.
    const double value_loss = minibatches > 0 ? sum_value_loss.item<double>() / minibatches : kNaN;
    const double entropy = entropy_sum.item<double>() / B;
    const std::vector<Scalar> row = {
        {"charts/learning_rate", lr},
        {"losses/policy_loss", -search.surrogate},
        {"losses/value_loss", value_loss},
        {"losses/entropy", entropy},
        {"losses/approx_kl", search.kl},
        {"losses/explained_variance", explained_variance(rollout.values, rollout.returns)},
        {"losses/grad_norm", grad_norm},
        {"trpo/surrogate_gain", search.surrogate - old_surrogate},
        {"trpo/line_search_steps", static_cast<double>(search.backtracks)},
        {"trpo/line_search_accepted", search.accepted ? 1.0 : 0.0},
        {"trpo/cg_residual", cg.residual},
        {"trpo/cg_iterations", static_cast<double>(cg.iterations)},
        {"trpo/step_size", step_size},
        {"perf/learner_samples_per_second", minibatches * hp.minibatch_size / update_seconds},
    };
    if (run.finish_update(update, episodes, row, {-search.surrogate, value_loss, entropy},
                          value_optimizer, rollout_seconds, update_seconds)) {
      break;
    }
  }
  return run.finish("TRPO");
}

}  // namespace

TrainResult run_trpo(const Config& config, const RunPaths& paths, const TrainingState* resume_from,
                     const TrainOptions& options) {
  return train(config, paths, resume_from, options);
}

ConjugateGradientResult conjugate_gradient(
    const std::function<torch::Tensor(const torch::Tensor&)>& matrix_vector,
    const torch::Tensor& b, int64_t max_iterations, double residual_tol) {
  ConjugateGradientResult result;
  result.x = torch::zeros_like(b);
  torch::Tensor r = b.clone(), p = b.clone();
  double rr = r.dot(r).item<double>();
  while (result.iterations < max_iterations && rr >= residual_tol) {
    const torch::Tensor ap = matrix_vector(p);
    const double alpha = rr / p.dot(ap).item<double>();
    result.x.add_(p, alpha);
    r.sub_(ap, alpha);
    const double next_rr = r.dot(r).item<double>();
    p = r + (next_rr / rr) * p;
    rr = next_rr;
    ++result.iterations;
  }
  result.residual = rr;
  return result;
}

torch::Tensor categorical_kl(const torch::Tensor& old_logits, const torch::Tensor& new_logits) {
  const auto old_log_probs = torch::log_softmax(old_logits, 1);
  const auto new_log_probs = torch::log_softmax(new_logits, 1);
  return (old_log_probs.exp() * (old_log_probs - new_log_probs)).sum(1).mean();
}

torch::Tensor fisher_vector_product(ActorCritic& net, const torch::Tensor& obs,
                                    const torch::Tensor& v, double damping, int64_t chunk_size) {
  torch::AutoGradMode enable_grad(true);  // callers may hold a NoGradGuard
  const std::vector<torch::Tensor> parameters = net->parameters();
  const int64_t total = obs.size(0);
  torch::Tensor product = torch::zeros_like(v);
  for (int64_t start = 0; start < total; start += chunk_size) {
    const int64_t n = std::min(chunk_size, total - start);
    const auto logits = net->forward(obs.narrow(0, start, n)).logits;
    // This chunk's share of the batch mean; its Hessian at θ_old is the chunk's Fisher share.
    const auto kl = categorical_kl(logits.detach(), logits) * (static_cast<double>(n) / total);
    const auto kl_gradient = flat_grad(kl, parameters, /*create_graph=*/true);
    const auto directional = (kl_gradient * v.detach()).sum();
    product.add_(flat_grad(directional, parameters, /*create_graph=*/false));
  }
  return product.add_(v.detach(), damping);
}

LineSearchResult backtracking_line_search(torch::Tensor params, const torch::Tensor& full_step,
                                          const std::function<std::pair<double, double>()>& evaluate,
                                          double old_surrogate, double max_kl, int64_t max_steps,
                                          double shrink) {
  torch::NoGradGuard no_grad;
  const torch::Tensor old_params = params.clone();
  double fraction = 1.0;
  for (int64_t k = 0; k < max_steps; ++k, fraction *= shrink) {
    params.copy_(old_params + fraction * full_step);
    const auto [surrogate, kl] = evaluate();
    if (std::isfinite(kl) && kl <= max_kl && surrogate > old_surrogate) {
      return {true, k, surrogate, kl};
    }
  }
  params.copy_(old_params);
  return {false, max_steps, old_surrogate, 0.0};
}

}  // namespace lever

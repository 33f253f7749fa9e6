#include "lever/algo/gae.h"

namespace lever {

void compute_gae(const torch::Tensor& rewards, const torch::Tensor& values,
                 const torch::Tensor& terminated, const torch::Tensor& truncated,
                 const torch::Tensor& final_values, const torch::Tensor& last_values, double gamma,
                 double lambda, torch::Tensor& advantages, torch::Tensor& returns) {
  const int64_t steps = rewards.size(0), envs = rewards.size(1);
  auto r = rewards.accessor<float, 2>();
  auto v = values.accessor<float, 2>();
  auto term = terminated.accessor<float, 2>();
  auto trunc = truncated.accessor<float, 2>();
  auto final_v = final_values.accessor<float, 2>();
  auto last_v = last_values.accessor<float, 1>();
  auto adv = advantages.accessor<float, 2>();
  auto ret = returns.accessor<float, 2>();
  for (int64_t env = 0; env < envs; ++env) {
    double running = 0.0;
    for (int64_t t = steps - 1; t >= 0; --t) {
      double next_value = t == steps - 1 ? last_v[env] : v[t + 1][env];
      if (trunc[t][env] > 0.5f) next_value = final_v[t][env];
      const double bootstrap = term[t][env] > 0.5f ? 0.0 : 1.0;
      const double continues = (term[t][env] > 0.5f || trunc[t][env] > 0.5f) ? 0.0 : 1.0;
      const double delta = r[t][env] + gamma * next_value * bootstrap - v[t][env];
      running = delta + gamma * lambda * continues * running;
      adv[t][env] = static_cast<float>(running);
      ret[t][env] = static_cast<float>(running + v[t][env]);
    }
  }
}

}  // namespace lever

#include "lever/env/classic/cartpole_masked.h"

namespace lever {
namespace {

void mask_velocities(void* obs) {
  float* out = static_cast<float*>(obs);
  out[1] = 0.0f;
  out[3] = 0.0f;
}

}  // namespace

CartPoleMasked::CartPoleMasked() : spec_(cartpole_.spec()) {
  spec_.id = "cartpole_masked";
  spec_.max_episode_steps = kTimeLimit;
}

void CartPoleMasked::reset(uint64_t level_seed, void* obs) {
  cartpole_.reset(level_seed, obs);
  mask_velocities(obs);
}

StepResult CartPoleMasked::step(int action, void* obs) {
  const StepResult result = cartpole_.step(action, obs);
  mask_velocities(obs);
  return result;
}

EnvInfo cartpole_masked_info() {
  EnvInfo info;
  info.id = "cartpole_masked";
  info.description =
      "CartPole-v0 with velocities masked (recurrent-PPO reference's CartPoleMasked): obs (x, 0, "
      "theta, 0), cart velocity and pole angular velocity read 0; +1 per step, ends at |x| > 2.4 "
      "or |theta| > 12 deg, truncated at 200 steps";
  info.make = [](const nlohmann::json&) { return std::make_unique<CartPoleMasked>(); };
  return info;
}

}  // namespace lever

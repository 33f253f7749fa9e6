// CartPole-v1: a pole hinged on a cart; push left or right to keep it up. Dynamics as Gym's
// classic-control version (Euler integration, tau 0.02 s), 500-step limit.
#pragma once
#include <array>

#include "lever/env/env.h"
#include "lever/env/registry.h"

namespace lever {

class CartPole : public Env {
 public:
  static constexpr double kGravity = 9.8;
  static constexpr double kCartMass = 1.0;
  static constexpr double kPoleMass = 0.1;
  static constexpr double kPoleHalfLength = 0.5;
  static constexpr double kForce = 10.0;
  static constexpr double kTau = 0.02;
  static constexpr double kXThreshold = 2.4;
  static constexpr double kThetaThreshold = 12.0 * 2.0 * 3.14159265358979323846 / 360.0;
  static constexpr int kTimeLimit = 500;

  CartPole();
  const EnvSpec& spec() const override { return spec_; }
  void reset(uint64_t level_seed, void* obs) override;
  StepResult step(int action, void* obs) override;
  void render(Image& out) const override;

  // x, x_dot, theta, theta_dot; exposed for tests.
  using State = std::array<double, 4>;
  const State& state() const { return state_; }
  void set_state(const State& state) { state_ = state; }

 private:
  void write_observation(void* obs) const;

  EnvSpec spec_;
  State state_{};
};

EnvInfo cartpole_info();

}  // namespace lever

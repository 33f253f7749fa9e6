// CartPole-v0 with velocities hidden (the recurrent-PPO reference's CartPoleMasked): the
// observation keeps cart position and pole angle and zeroes cart velocity and pole angular
// velocity, so a policy must infer them from consecutive observations (memory). 200-step limit.
#pragma once
#include "lever/env/classic/cartpole.h"
#include "lever/env/env.h"
#include "lever/env/registry.h"

namespace lever {

class CartPoleMasked : public Env {
 public:
  static constexpr int kTimeLimit = 200;  // CartPole-v0, as the reference

  CartPoleMasked();
  const EnvSpec& spec() const override { return spec_; }
  void reset(uint64_t level_seed, void* obs) override;
  StepResult step(int action, void* obs) override;
  void render(Image& out) const override { cartpole_.render(out); }

  // The unmasked simulation, for tests.
  const CartPole& cartpole() const { return cartpole_; }

 private:
  CartPole cartpole_;  // before spec_, which copies its spec
  EnvSpec spec_;
};

EnvInfo cartpole_masked_info();

}  // namespace lever

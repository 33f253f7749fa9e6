#include "lever/env/classic/cartpole.h"

#include <cmath>

#include "lever/core/rng.h"

namespace lever {

CartPole::CartPole() {
  spec_.id = "cartpole";
  spec_.obs_shape = {4};
  spec_.obs_type = ObsType::kF32;
  spec_.num_actions = 2;
  spec_.max_episode_steps = kTimeLimit;
}

void CartPole::write_observation(void* obs) const {
  float* out = static_cast<float*>(obs);
  for (int i = 0; i < 4; ++i) out[i] = static_cast<float>(state_[i]);
}

void CartPole::reset(uint64_t level_seed, void* obs) {
  Rng rng(level_seed);
  for (double& v : state_) v = rng.uniform(-0.05, 0.05);
  write_observation(obs);
}

StepResult CartPole::step(int action, void* obs) {
  auto& [x, x_dot, theta, theta_dot] = state_;
  const double force = action == 1 ? kForce : -kForce;
  const double cos_theta = std::cos(theta);
  const double sin_theta = std::sin(theta);
  const double total_mass = kCartMass + kPoleMass;
  const double pole_mass_length = kPoleMass * kPoleHalfLength;
  const double temp = (force + pole_mass_length * theta_dot * theta_dot * sin_theta) / total_mass;
  const double theta_acc =
      (kGravity * sin_theta - cos_theta * temp) /
      (kPoleHalfLength * (4.0 / 3.0 - kPoleMass * cos_theta * cos_theta / total_mass));
  const double x_acc = temp - pole_mass_length * theta_acc * cos_theta / total_mass;
  x += kTau * x_dot;
  x_dot += kTau * x_acc;
  theta += kTau * theta_dot;
  theta_dot += kTau * theta_acc;
  write_observation(obs);

  StepResult result;
  result.terminated =
      x < -kXThreshold || x > kXThreshold || theta < -kThetaThreshold || theta > kThetaThreshold;
  result.reward = 1.0f;  // Gym v1 pays the step that ends the episode too
  return result;
}

void CartPole::render(Image& out) const {
  constexpr int kWidth = 600, kHeight = 400;
  out.resize(kWidth, kHeight);
  out.fill({255, 255, 255});
  const float scale = kWidth / (2.0f * static_cast<float>(kXThreshold));
  const float track_y = 300.0f;
  const float cart_x = static_cast<float>(state_[0]) * scale + kWidth / 2.0f;
  const float cart_w = 50.0f, cart_h = 30.0f;
  const float pole_len = scale * static_cast<float>(2 * kPoleHalfLength);
  const float pole_w = 10.0f;
  fill_rect(out, 0, track_y, kWidth, track_y + 1, {0, 0, 0});
  fill_rect(out, cart_x - cart_w / 2, track_y - cart_h, cart_x + cart_w / 2, track_y, {0, 0, 0});
  const float axle_y = track_y - cart_h * 0.75f;
  const float angle = static_cast<float>(state_[2]);
  // The pole as a rotated rectangle, hinged at the axle.
  const float dx = std::sin(angle), dy = -std::cos(angle);
  const float nx = -dy * pole_w / 2, ny = dx * pole_w / 2;
  const Point pole[4] = {{cart_x - nx, axle_y - ny},
                         {cart_x + nx, axle_y + ny},
                         {cart_x + nx + dx * pole_len, axle_y + ny + dy * pole_len},
                         {cart_x - nx + dx * pole_len, axle_y - ny + dy * pole_len}};
  fill_convex_polygon(out, pole, 4, {202, 152, 101});
  fill_circle(out, cart_x, axle_y, pole_w / 2, {129, 132, 203});
  // Threshold markers: where the episode ends.
  fill_rect(out, 0, track_y + 1, 2, track_y + 10, {200, 0, 0});
  fill_rect(out, kWidth - 2, track_y + 1, kWidth, track_y + 10, {200, 0, 0});
}

EnvInfo cartpole_info() {
  EnvInfo info;
  info.id = "cartpole";
  info.description =
      "CartPole-v1: balance a pole on a cart; obs (x, x_dot, theta, theta_dot), actions push "
      "left/right, +1 per step, ends at |x| > 2.4 or |theta| > 12 deg, truncated at 500 steps";
  info.make = [](const nlohmann::json&) { return std::make_unique<CartPole>(); };
  return info;
}

}  // namespace lever

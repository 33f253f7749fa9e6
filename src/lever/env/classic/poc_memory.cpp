#include "lever/env/classic/poc_memory.h"

#include "lever/core/rng.h"

namespace lever {

PocMemory::PocMemory() {
  spec_.id = "poc_memory";
  spec_.obs_shape = {3};
  spec_.obs_type = ObsType::kF32;
  spec_.num_actions = 2;
  spec_.max_episode_steps = kTimeLimit;
  spec_.reports_success = true;
}

void PocMemory::write_observation(void* obs) const {
  float* out = static_cast<float*>(obs);
  const bool visible = goals_visible();
  out[0] = visible ? goal_left_ : 0.0f;
  // The double product rounds to the same float as the 2-decimal value (0.6, not 0.6000001).
  out[1] = static_cast<float>(position_ticks_ * kStepSize);
  out[2] = visible ? goal_right_ : 0.0f;
}

void PocMemory::reset(uint64_t level_seed, void* obs) {
  Rng rng(level_seed);
  const bool swapped = rng.below(2) == 1;
  goal_left_ = swapped ? 1.0f : -1.0f;
  goal_right_ = -goal_left_;
  position_ticks_ = static_cast<int>(rng.below(5)) - 2;  // -0.4, -0.2, 0, 0.2, 0.4
  step_count_ = 0;
  write_observation(obs);
}

StepResult PocMemory::step(int action, void* obs) {
  StepResult result;
  if (step_count_ < kShowSteps) {
    ++step_count_;
    write_observation(obs);
    return result;
  }
  position_ticks_ += action == 1 ? 1 : -1;
  ++step_count_;
  write_observation(obs);
  if (position_ticks_ <= -kEndTicks || position_ticks_ >= kEndTicks) {
    const float goal = position_ticks_ < 0 ? goal_left_ : goal_right_;
    result.terminated = true;
    result.level_complete = goal > 0.0f;
    result.reward = result.level_complete ? kGoalReward : -kGoalReward;
  } else {
    result.reward = -kTimePenalty;
  }
  return result;
}

void PocMemory::render(Image& out) const {
  constexpr int kCells = 2 * kEndTicks + 1;
  constexpr int kCell = 40, kMargin = 20;
  constexpr int kWidth = kCells * kCell + 2 * kMargin, kHeight = 2 * kMargin + kCell + 20;
  out.resize(kWidth, kHeight);
  out.fill({255, 255, 255});
  const Color grid{60, 60, 60}, empty{235, 235, 235}, hidden{150, 150, 150};
  const Color good{40, 170, 60}, bad{200, 40, 40}, agent{40, 90, 220};
  const bool visible = goals_visible();
  for (int i = 0; i < kCells; ++i) {
    const float x0 = static_cast<float>(kMargin + i * kCell);
    const float y0 = static_cast<float>(kMargin);
    Color cell = empty;
    if (i == 0 || i == kCells - 1) {
      const float goal = i == 0 ? goal_left_ : goal_right_;
      cell = visible ? (goal > 0.0f ? good : bad) : hidden;
    }
    fill_rect(out, x0, y0, x0 + kCell, y0 + kCell, grid);
    fill_rect(out, x0 + 2, y0 + 2, x0 + kCell - 2, y0 + kCell - 2, cell);
  }
  const float agent_x = kMargin + (position_ticks_ + kEndTicks + 0.5f) * kCell;
  fill_circle(out, agent_x, kMargin + kCell / 2.0f, kCell * 0.35f, agent);
  draw_text(out, kMargin, kMargin + kCell + 6, visible ? "goals shown" : "goals hidden", grid);
}

EnvInfo poc_memory_info() {
  EnvInfo info;
  info.id = "poc_memory";
  info.description =
      "Proof-of-concept memory task (recurrent-PPO reference's PocMemoryEnv, freeze on): obs "
      "(goal_left, position, goal_right); the +1/-1 goals show only during the first 2 steps, "
      "while the agent is frozen, then read 0; actions move -0.2/+0.2 from a start in "
      "{-0.4..0.4}; reaching the +1 goal pays +1.6 (level_complete), the -1 goal -1.6, other "
      "steps -0.1; optimum from the centre 1.2; truncated at 64 steps";
  info.make = [](const nlohmann::json&) { return std::make_unique<PocMemory>(); };
  return info;
}

}  // namespace lever

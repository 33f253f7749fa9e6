// Proof-of-concept memory task (the recurrent-PPO reference's PocMemoryEnv, glob=False,
// freeze=True, step 0.2): a 1-D corridor from -1 to +1 with a rewarding and a punishing goal at the
// ends. The goals are shown only during the first two steps, while the agent cannot move, so a
// policy without memory cannot do better than a coin flip.
#pragma once
#include <cstdint>

#include "lever/env/env.h"
#include "lever/env/registry.h"

namespace lever {

class PocMemory : public Env {
 public:
  static constexpr double kStepSize = 0.2;
  static constexpr int kEndTicks = 5;   // +-1 in steps of 0.2
  static constexpr int kShowSteps = 2;  // goals visible and agent frozen for this many steps
  static constexpr float kTimePenalty = 0.1f;
  // The reference's min_steps = int(1 / step_size) + 1 = 6; a goal pays +-(1 + 6 * 0.1).
  static constexpr int kMinSteps = 6;
  static constexpr float kGoalReward = 1.6f;
  static constexpr int kTimeLimit = 64;

  PocMemory();
  const EnvSpec& spec() const override { return spec_; }
  void reset(uint64_t level_seed, void* obs) override;
  // Action 0 moves left, 1 moves right (once the goals are hidden).
  StepResult step(int action, void* obs) override;
  void render(Image& out) const override;

  // Exposed for tests and the render: position in ticks of 0.2 (-5..5), the goal at -1 and at +1
  // (each -1 or +1), and whether the latest observation shows the goals (reset's and those of the
  // two frozen steps do).
  int position_ticks() const { return position_ticks_; }
  float goal_left() const { return goal_left_; }
  float goal_right() const { return goal_right_; }
  bool goals_visible() const { return step_count_ <= kShowSteps; }

 private:
  void write_observation(void* obs) const;

  EnvSpec spec_;
  int position_ticks_ = 0;  // integer ticks so repeated moves never drift off +-1
  float goal_left_ = -1.0f, goal_right_ = 1.0f;
  int step_count_ = 0;
};

EnvInfo poc_memory_info();

}  // namespace lever

// Memory Gym's Searing Spotlights (memory_gym/searing_spotlights.py) and its endless form
// (endless_searing_spotlights.py): the agent walks a checkerboard that goes dark within a few
// steps; spotlights sweep across it and cost one health per step while the agent is inside any of
// them (a hit also turns the floor red). The agent, coins and exit show only inside spotlights.
// Finite: collect every coin (+0.25 each), then reach the exit, which opens only then (+1, success,
// terminal); 4 spotlights at the start, one more every 40 steps; health 5; 256 steps.
// Endless: one coin at a time, shown for its first 6 steps; each must be collected within 160
// steps or the episode ends; 3 spotlights, one more every 50 steps; health 20; no step limit.
//
// Game state is in screen units (observation pixels, see common.h); the observation and the
// 336x336 render come from one draw routine. What the code does, where it differs from the README
// or from what its comments say:
// - Spawns: the finite task builds a decaying interval list but compares the timer with its first
//   entry and pops the last, so a spotlight comes every int(initial_spawn_interval +
//   spawn_interval_threshold) = 40 steps until num_spawns have come; spawn_interval_decay has no
//   effect (kept as an option because configs name it).
// - The darkness is a black layer whose alpha starts at 0 and grows by int(255 / duration) per
//   step while it is <= light_threshold (capped at 255): fully dark from step 7 by default.
// - The HUD (top 4 rows) shows the previous step's action and the sign of the previous step's
//   reward: the original draws last_action/last_reward before storing the current ones.
// - A finished spotlight is removed on the step after it finishes, and the one behind it in the
//   list is neither drawn nor tested that step (Python list removal while iterating); kept.
// - Coins have radius int(10 coin_scale) = 3 and a rim int(2 coin_scale) = 0 wide, which pygame
//   draws as a filled disc: the coin is an orange (255, 165, 0) disc in the observation.
// - Endless: the first coin may spawn on the agent (the sampler is cleared before the coin is
//   placed), and health defaults to 20 (the README says 10).
// Not carried over: numpy's PCG64 stream (layouts come from lever's Rng seeded by level_seed),
// pygame's exact circle pixels and alpha rounding, reward_max_steps (the code never reads it), and
// the time limit as a termination: max_steps is the spec's max_episode_steps, so VecEnv truncates.
#pragma once
#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "lever/core/rng.h"
#include "lever/env/env.h"
#include "lever/env/memorygym/common.h"
#include "lever/env/registry.h"

namespace lever::memorygym {

class SearingSpotlights : public Env {
 public:
  enum class Variant { kFinite, kEndless };

  // The original's reset parameters (sizes in screen units, i.e. already times SCALE).
  struct Options {
    Variant variant = Variant::kFinite;
    int max_steps = 256;       // endless: -1 = no limit
    int steps_per_coin = 160;  // endless only
    int initial_spawns = 4;
    int num_spawns = 30;  // finite only
    double initial_spawn_interval = 30.0;
    double spawn_interval_threshold = 10.0;
    double spawn_interval_decay = 0.95;  // no effect, see the header comment
    int spawn_interval = 50;             // endless only
    double spot_min_radius = 7.5;
    double spot_max_radius = 13.75;
    double spot_min_speed = 0.0025;
    double spot_max_speed = 0.0075;
    double spot_damage = 1.0;
    bool visual_feedback = true;
    bool black_background = false;
    bool hide_chessboard = false;
    int light_dim_off_duration = 6;
    int light_threshold = 255;
    std::vector<int> num_coins = {1};  // finite only: the count is drawn from this list
    double coin_scale = 0.375;
    int coin_show_duration = 6;  // endless only
    bool coins_visible = false;
    bool use_exit = true;       // finite only
    double exit_scale = 0.5;    // finite only
    bool exit_visible = false;  // finite only
    double agent_speed = 3.0;
    double agent_health = 5.0;
    double agent_scale = 0.25;
    bool agent_visible = false;
    bool sample_agent_position = true;
    bool show_last_action = true;
    bool show_last_positive_reward = true;
    double reward_inside_spotlight = 0.0;
    double reward_outside_spotlight = 0.0;
    double reward_death = 0.0;
    double reward_exit = 1.0;  // finite only
    double reward_coin = 0.25;

    static Options finite() { return Options(); }
    static Options endless();
  };
  // Reads the options of `variant` (defaults for those missing); throws UsageError naming the
  // option and what it must be.
  static Options parse_options(const nlohmann::json& options, Variant variant);

  // A spotlight moves from spawn along lerp(spawn, lerp(target, offset, t), t) as t grows by
  // speed per step; (x, y) is where it was last drawn.
  struct Spotlight {
    float spawn_x, spawn_y, target_x, target_y, offset_x, offset_y;
    int radius;
    double speed;
    double t = 0.0;
    bool done = false;
    float x = 0.0f, y = 0.0f;
  };
  struct Coin {
    int x, y;
  };

  SearingSpotlights();  // the finite task with default options
  explicit SearingSpotlights(const Options& options);
  const EnvSpec& spec() const override { return spec_; }
  void reset(uint64_t level_seed, void* obs) override;
  StepResult step(int action, void* obs) override;
  void render(Image& out) const override;

  // State, for tests.
  const Options& options() const { return options_; }
  int agent_x() const { return agent_.x(); }
  int agent_y() const { return agent_.y(); }
  int agent_radius() const { return agent_.radius(); }
  double health() const { return health_; }
  int coins_collected() const { return coins_collected_; }
  const std::vector<Coin>& coins() const { return coins_; }  // endless: always one
  int coin_radius() const { return coin_radius_; }
  bool has_exit() const { return has_exit_; }
  bool exit_open() const { return exit_open_; }
  int exit_x() const { return exit_x_; }
  int exit_y() const { return exit_y_; }
  const std::vector<Spotlight>& spotlights() const { return spotlights_; }
  int light_alpha() const { return light_alpha_; }
  int steps() const { return steps_; }
  int coin_timer() const { return coin_timer_; }  // endless: steps since the last coin

  // Scripted situations for tests; each takes effect from the next step.
  void place_agent(int x, int y) { agent_.place(x, y, agent_.rotation()); }
  void set_spotlights(std::vector<Spotlight> spotlights) { spotlights_ = std::move(spotlights); }
  void set_coins(std::vector<Coin> coins) { coins_ = std::move(coins); }
  void place_exit(int x, int y) {
    exit_x_ = x;
    exit_y_ = y;
  }
  // A spotlight that stays at (x, y).
  static Spotlight fixed_spotlight(float x, float y, int radius);

 private:
  struct Hole {
    int x, y, radius;
  };

  Spotlight make_spotlight();
  void spawn_finite_items();
  void spawn_endless_coin();
  // GridPositionSampler: a uniformly drawn free cell of the screen, then the cells closer than
  // block_radius to it are no longer free.
  void clear_sampler() { std::fill(blocked_.begin(), blocked_.end(), false); }
  void block(int x, int y, int block_radius);
  void sample(int block_radius, int* x, int* y);
  // An item's spawn: a sampled cell plus 2 or 3 on each axis, kept 7 units off the borders.
  void sample_item(int block_radius, int* x, int* y);

  // Hit test against every live spotlight (advancing them); true if the agent is inside one.
  bool step_spotlights();
  void draw(const Painter& painter, Canvas overlay) const;
  void draw_exit(const Painter& painter) const;
  void draw_hud(const Painter& painter) const;

  EnvSpec spec_;
  Options options_;
  bool endless_;
  Rng rng_;
  std::vector<bool> blocked_;

  FreeController agent_;
  AgentShape agent_shape_;
  double health_ = 0.0;
  int steps_ = 0;

  std::vector<Spotlight> spotlights_;
  std::vector<Hole> holes_;  // the spotlights drawn on the last frame
  int spawn_timer_ = 0;
  int spawns_left_ = 0;
  int spawn_every_ = 0;
  int light_alpha_ = 0;
  bool hit_ = false;  // the floor is drawn red

  std::vector<Coin> coins_;
  int coin_radius_ = 0;
  int coins_collected_ = 0;
  int num_coins_ = 0;
  int coin_timer_ = 0;
  bool has_exit_ = false;
  bool exit_open_ = false;
  int exit_x_ = 0, exit_y_ = 0;

  // HUD: what it shows lags one step behind, as in the original.
  FreeAction shown_action_{0, 0};
  FreeAction last_action_{0, 0};
  bool reward_cell_drawn_ = false;
  bool shown_reward_positive_ = false;
  float last_reward_ = 0.0f;

  std::vector<uint8_t> overlay_;  // the darkness layer at observation size
};

EnvInfo searing_spotlights_info();
EnvInfo endless_searing_spotlights_info();

}  // namespace lever::memorygym

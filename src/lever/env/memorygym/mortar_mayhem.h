// Memory Gym's Mortar Mayhem (memory_gym/mortar_mayhem.py, mortar_mayhem_grid.py,
// endless_mortar_mayhem.py): an arena of 14-px tiles centred on a black 84x84 screen. First a
// sequence of commands (arrows for the eight neighbours, a crossed circle for "stay") is shown in
// the middle of the screen, each for command_show_duration steps plus command_show_delay blank
// steps, while the agent cannot move. Then the agent has explosion_delay steps to reach the tile
// the current command leads to (previous target + the command's offset); at that step every other
// tile turns red for explosion_duration steps and standing anywhere else ends the episode. Each
// command reached pays reward_command_success; reaching the last ends the episode with success.
//
// Variants: `mortar_mayhem` (free movement, MultiDiscrete {3, 3}), `mortar_mayhem_grid` (Discrete
// 4: noop, rotate left, rotate right, forward one tile; all nine commands may be allowed but the
// default is the first five, the straight ones and stay) and `endless_mortar_mayhem` (a 6x6 arena
// filling the screen as a torus: the agent wraps around the edges and targets wrap modulo 6;
// starts with initial_command_count commands and after each completed sequence shows one new
// command and asks for the whole, longer sequence again, from where the agent stands).
//
// Timeline with the defaults (the reset frame shows the first clue frame): steps 1..39 show the
// rest of the 40 clue frames with the agent frozen; the agent moves from step 40; commands are
// checked at steps 58, 82, ..., 274 (every explosion_delay + explosion_duration = 24 steps). The
// time limit is the original's calc_max_episode_steps: (3 + 1) * 10 + (18 + 6) * 10 - 6 + 1 = 275
// (grid: 119), one more than the longest episode.
//
// Deviations from the original, on purpose:
// - Layouts come from lever's Rng seeded by level_seed, not numpy's PCG64 stream.
// - Failing the last command of a finite episode ends it without success (the original also set
//   success = 1 and paid reward_episode_success there).
// - Every arrow is centred on the screen (the original blits the rotated diagonal arrows, whose
//   surfaces are larger, at the unrotated corner, 5 px off centre).
// - endless max_steps > 0 is declared as the spec's time limit, so VecEnv truncates there (the
//   original ends the episode as terminated).
// - StepResult.progress counts the commands reached this episode (the original's finite info
//   reports the fraction); level_complete is the original's success.
// - The human render (336x336) draws the observation at 4x and, as the original's debug view, a
//   green ring on the current target tile.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "lever/core/rng.h"
#include "lever/env/env.h"
#include "lever/env/memorygym/common.h"
#include "lever/env/registry.h"

namespace lever::memorygym {

class MortarMayhem : public Env {
 public:
  enum class Variant { kFree, kGrid, kEndless };

  // The nine commands in the original's order; allowed_commands = N keeps the first N.
  enum Command {
    kRight = 0,
    kDown,
    kLeft,
    kUp,
    kStay,
    kRightDown,
    kRightUp,
    kLeftDown,
    kLeftUp,
    kNumCommands
  };
  static constexpr int kCommandOffset[kNumCommands][2] = {{1, 0}, {0, 1},  {-1, 0}, {0, -1}, {0, 0},
                                                          {1, 1}, {1, -1}, {-1, 1}, {-1, -1}};
  static constexpr int kTileSize = 14;  // 56 * SCALE
  static constexpr int kEndlessArenaSize = 6;

  // The original's reset_params; the list-valued ones are choices sampled once per episode.
  struct Options {
    float agent_scale = 0.25f;
    float agent_speed = 3.0f;            // free and endless only
    int arena_size = 5;                  // finite only, in [2, 6]
    int allowed_commands = 9;            // in [4, 9]
    std::vector<int> command_count{10};  // finite only
    int initial_command_count = 1;       // endless only
    std::vector<int> command_show_duration{3};
    std::vector<int> command_show_delay{1};
    std::vector<int> explosion_duration{6};
    std::vector<int> explosion_delay{18};
    bool visual_feedback = true;  // death tiles drawn red
    float reward_command_failure = 0.0f;
    float reward_command_success = 0.1f;
    float reward_episode_success = 0.0f;  // finite only
    int max_steps = -1;                   // endless only; <= 0: unlimited
  };
  // The original's code defaults for each variant.
  static Options default_options(Variant variant);
  // Starts from default_options(variant); throws UsageError naming the option and what it must be
  // for a bad value or an option the variant does not have.
  static Options parse_options(Variant variant, const nlohmann::json& options);
  static const char* env_id(Variant variant);
  // calc_max_episode_steps of the original for the largest choices.
  static int max_episode_steps(const Options& options);

  explicit MortarMayhem(Variant variant);
  MortarMayhem(Variant variant, const Options& options);
  const EnvSpec& spec() const override { return spec_; }
  void reset(uint64_t level_seed, void* obs) override;
  StepResult step(int action, void* obs) override;
  void render(Image& out) const override;

  // State, exposed for tests.
  Variant variant() const { return variant_; }
  const Options& options() const { return options_; }
  int arena_size() const { return arena_size_; }
  Bounds arena() const { return arena_; }
  int agent_x() const { return agent_x_; }
  int agent_y() const { return agent_y_; }
  int agent_rotation() const { return rotation_; }
  // The tile under the agent's centre (may be outside [0, size) while wrapping in endless).
  int agent_tile_x() const;
  int agent_tile_y() const;
  int target_x() const { return target_x_; }
  int target_y() const { return target_y_; }
  // Screen position of a tile's centre.
  int tile_center_x(int tile_x) const { return arena_.left + tile_x * kTileSize + kTileSize / 2; }
  int tile_center_y(int tile_y) const { return arena_.top + tile_y * kTileSize + kTileSize / 2; }
  const std::vector<int>& commands() const { return commands_; }
  int current_command() const { return current_command_; }
  bool showing_clues() const { return clue_next_ < clue_frames_.size(); }
  // The command drawn this step, or -1 for none.
  int shown_command() const { return shown_command_; }
  bool tiles_on() const { return tiles_on_; }
  int commands_completed() const { return commands_completed_; }
  int show_duration() const { return show_duration_; }
  int show_delay() const { return show_delay_; }
  int explosion_duration() const { return explosion_duration_; }
  int explosion_delay() const { return explosion_delay_; }

 private:
  void sample_commands(int count, int from_x, int from_y);
  void queue_clues(int first_command);
  void move_agent(int action);
  void draw(const Painter& painter, bool human) const;
  void draw_command(const Painter& painter, int command) const;

  Variant variant_;
  Options options_;
  EnvSpec spec_;
  AgentShape shape_;
  int arena_size_;
  Bounds arena_{};
  Rng rng_;

  FreeController free_;
  ScreenWrapController wrap_;
  GridController grid_;
  int agent_x_ = 0, agent_y_ = 0, rotation_ = 0;

  std::vector<int> commands_;
  std::vector<int> clue_frames_;  // command per clue step, -1 for a blank step
  size_t clue_next_ = 0;
  int shown_command_ = -1;
  int show_duration_ = 0, show_delay_ = 0, explosion_duration_ = 0, explosion_delay_ = 0;
  int target_x_ = 0, target_y_ = 0;
  int current_command_ = 0;
  int command_steps_ = 0;
  int verify_step_ = 0;
  bool tiles_on_ = false;
  int commands_completed_ = 0;
};

EnvInfo mortar_mayhem_info();
EnvInfo mortar_mayhem_grid_info();
EnvInfo endless_mortar_mayhem_info();

}  // namespace lever::memorygym

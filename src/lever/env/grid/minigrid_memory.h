// MiniGrid's Memory task (minigrid/envs/memory.py) as the recurrent-PPO reference wraps it: a green
// key or ball in the start room, a one-cell corridor, and at its end a key and a ball; stepping
// next to the one that matches the cue pays 1 - 0.9 * steps / max_steps, the other pays 0, both end
// the episode. Three actions (turn left, turn right, forward), max_steps = 5 * size^2.
//
// The observation is MiniGrid's RGBImgPartialObsWrapper with agent_view_size 3 and tile_size 28:
// the 3x3 cells ahead of the agent, rotated so the agent sits in the bottom-middle cell facing up,
// cells hidden behind walls (process_vis, see_through_walls=False) drawn as empty floor, every
// visible cell highlighted (blended 30% towards white), each tile drawn at 3x resolution and
// averaged down with truncation to uint8, as MiniGrid's render_tile does. So a visible wall reads
// (146, 146, 146), visible floor is (76, 76, 76) with a 1-px grid line, the agent (255, 76, 76)
// and the green objects (76, 255, 76).
// Shapes are rasterised with image.h (pixel centre inside, half-open straight edges) instead of
// MiniGrid's point_in_* tests; the two could differ only where a sub-pixel centre falls exactly on
// an edge, and every tile this env draws (28 and 32 px) came out byte-identical to a transcription
// of MiniGrid's predicates when checked.
// Not carried over: pickup, drop, toggle and done (the reference uses the first three actions
// only), and MiniGrid's numpy random stream (layouts come from lever's Rng seeded by level_seed).
#pragma once
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "lever/env/env.h"
#include "lever/env/registry.h"

namespace lever {

class MinigridMemory : public Env {
 public:
  enum class Cell : uint8_t { kFloor, kWall, kKey, kBall };
  enum Action { kTurnLeft = 0, kTurnRight = 1, kForward = 2 };
  // MiniGrid's directions: 0 right (+x), 1 down (+y), 2 left, 3 up.
  static constexpr int kDirRight = 0, kDirDown = 1, kDirLeft = 2, kDirUp = 3;
  static constexpr int kNumActions = 3;
  static constexpr int kViewSize = 3;
  static constexpr int kObsTile = 28;
  static constexpr int kObsPixels = kViewSize * kObsTile;  // 84
  static constexpr int kRenderTile = 32;                   // MiniGrid's TILE_PIXELS
  static constexpr int kMinSize = 7, kMaxSize = 101;

  struct Options {
    int size = 9;                // odd, in [kMinSize, kMaxSize]
    bool random_length = false;  // corridor end drawn from [4, size - 3] (MiniGrid's *Random)
  };
  // Throws UsageError naming the option when a value is out of range.
  static Options parse_options(const nlohmann::json& options);

  MinigridMemory();  // MiniGrid-MemoryS9
  explicit MinigridMemory(const Options& options);
  const EnvSpec& spec() const override { return spec_; }
  void reset(uint64_t level_seed, void* obs) override;
  StepResult step(int action, void* obs) override;
  // The whole grid from above at kRenderTile px per cell, the agent's view highlighted.
  void render(Image& out) const override;

  // State, exposed for tests. cell() answers kWall outside the grid, as MiniGrid's slice does.
  int size() const { return size_; }
  Cell cell(int x, int y) const;
  int agent_x() const { return agent_x_; }
  int agent_y() const { return agent_y_; }
  int agent_dir() const { return agent_dir_; }
  int hallway_end() const { return hallway_end_; }
  int step_count() const { return step_count_; }
  // The cell beside the matching (success) and the other (failure) choice object.
  int success_y() const { return success_y_; }
  int failure_y() const { return failure_y_; }

 private:
  static constexpr int kMaxCells = kMaxSize * kMaxSize;

  void set_cell(int x, int y, Cell c) { grid_[static_cast<size_t>(y) * size_ + x] = c; }
  // The 3x3 view in view coordinates (column, row; the agent at (1, 2)) with MiniGrid's
  // visibility mask; hidden cells come back as floor.
  void compute_view();
  void write_observation(void* obs);

  EnvSpec spec_;
  int size_;
  bool random_length_;
  std::array<Cell, kMaxCells> grid_{};
  int hallway_end_ = 0;
  int agent_x_ = 0, agent_y_ = 0, agent_dir_ = 0;
  int success_y_ = 0, failure_y_ = 0;  // both at x = hallway_end + 1
  int step_count_ = 0;
  std::array<std::array<Cell, kViewSize>, kViewSize> view_{};     // [row][column]
  std::array<std::array<bool, kViewSize>, kViewSize> visible_{};  // [row][column]
};

EnvInfo minigrid_memory_info();

}  // namespace lever

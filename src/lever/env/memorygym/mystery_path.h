// Memory Gym's Mystery Path (memory_gym/mystery_path.py, mystery_path_grid.py,
// endless_mystery_path.py; path generation from pygame_assets.py's MysteryPath and
// EndlessMysteryPath). An invisible path crosses a 7x7 grid of 12-unit cells from an origin on one
// border to a goal on the opposite one; the agent must find it by trial and error: stepping off the
// path shows a red cross and puts the agent back on the origin on the next step, and the episode
// goes on. First visits to intermediate tiles pay reward_path_progress, the goal pays reward_goal
// and ends the episode with success. progress counts the path tiles reached (origin excluded, goal
// included), so a successful episode ends with progress = path length - 1.
//
// Generation as the original: inner cells (1 <= x, y <= 4) become walls with probability 33/100;
// 4 or 8 border cells that touch no wall (diagonals included) and are neither the origin, the goal
// nor next to them become walls; then the original's A* with random step costs in [1, 8] and a
// Euclidean heuristic traces the path, quirks kept (the first open node with a lower f than the
// first open node wins; a cheaper route re-parents a node without lowering its cost). Where the
// walls leave no route the original raises; lever draws a fresh layout from the same stream.
// Layouts come from lever's Rng seeded by level_seed; numpy's PCG64 stream is not reproduced.
//
// Defaults are the released code's: the path, origin and goal hidden (an 84x84 black screen with
// only the agent on it), +0.1 per new tile, +1 at the goal, 512 steps (grid: 128). render() is the
// original's debug view at 336x336: path white, origin blue, goal green, walls red, whatever the
// show_* options, so a video shows where the hidden path ran.
//
// Endless Mystery Path chains 7-column segments (each followed by one transition tile) left to
// right; the camera follows the agent horizontally (the agent stays at a fixed screen column) and
// the last few tiles behind it are drawn white. Actions are the original's Discrete(4): noop,
// right, up, down. The episode ends when no new tile is reached for stamina_level steps, when the
// agent falls off left of the farthest column it reached on the path, or when it falls off twice at
// the same cell; falling off elsewhere sends it back to the very first tile. The original clears
// its list of fall-off cells when a new farthest column is reached, but compares before updating
// that column, so the list is never cleared; lever keeps that behaviour. The original's
// show_origin option is never drawn (its condition contradicts itself) and is left out here.
#pragma once
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "lever/core/rng.h"
#include "lever/env/env.h"
#include "lever/env/memorygym/common.h"
#include "lever/env/registry.h"

namespace lever::memorygym {

struct PathCell {
  int x, y;
};
inline bool operator==(PathCell a, PathCell b) { return a.x == b.x && a.y == b.y; }
inline bool operator!=(PathCell a, PathCell b) { return !(a == b); }

// One 7x7 grid with its walls and the generated path.
struct PathLayout {
  static constexpr int kSize = 7;
  std::array<bool, kSize * kSize> walls{};  // [y * kSize + x]
  std::vector<PathCell> cells;              // origin first, goal last, each 4-adjacent to the next

  bool is_wall(int x, int y) const { return walls[static_cast<size_t>(y) * kSize + x]; }
  int index_of(PathCell c) const;  // -1 when c is not on the path
};

// origin and goal lie on the grid's border.
PathLayout generate_path(Rng& rng, PathCell origin, PathCell goal);

// Cells are 84 / 7 = 12 screen units wide in every variant.
constexpr int kPathTile = kScreenSize / PathLayout::kSize;

class MysteryPath : public Env {
 public:
  struct Options {
    int max_steps = 512;       // grid variant: 128
    float agent_speed = 3.0f;  // screen units per step (12 at 336); free movement only
    // Which border the origin is drawn from: 0 left, 1 right, 2 top, 3 bottom; the goal lies on
    // the opposite border.
    std::vector<int> cardinal_origin_choice = {0, 1, 2, 3};
    bool show_origin = false;
    bool show_goal = false;
    bool show_path = false;
    bool visual_feedback = true;  // the red cross after falling off
    float reward_goal = 1.0f;
    float reward_fall_off = 0.0f;
    float reward_path_progress = 0.1f;
    float reward_step = 0.0f;
  };
  // Throws UsageError naming the option when a value is out of range or of the wrong type.
  static Options parse_options(const nlohmann::json& options, bool grid);
  static Options default_options(bool grid);

  // grid = false: mystery_path (MultiDiscrete {3, 3}); true: mystery_path_grid (Discrete 4).
  MysteryPath(const Options& options, bool grid);
  const EnvSpec& spec() const override { return spec_; }
  void reset(uint64_t level_seed, void* obs) override;
  StepResult step(int action, void* obs) override;
  void render(Image& out) const override;

  // State, exposed for tests.
  const PathLayout& layout() const { return layout_; }
  PathCell origin() const { return layout_.cells.front(); }
  PathCell goal() const { return layout_.cells.back(); }
  int agent_x() const;  // body centre, screen units
  int agent_y() const;
  int agent_rotation() const;
  PathCell agent_cell() const { return {agent_x() / kPathTile, agent_y() / kPathTile}; }
  bool off_path() const { return off_path_; }
  bool cross_visible() const { return cross_visible_; }
  int num_fails() const { return num_fails_; }
  int tiles_reached() const { return tiles_reached_; }
  bool grid() const { return grid_; }

 private:
  void draw(const Painter& painter, bool debug) const;

  Options options_;
  bool grid_;
  EnvSpec spec_;
  AgentShape shape_;
  FreeController free_;
  GridController grid_controller_;
  PathLayout layout_;
  std::vector<uint8_t> visited_;  // per path index: its first-visit reward was paid
  bool off_path_ = false;
  bool cross_visible_ = false;
  int cross_x_ = 0, cross_y_ = 0;
  int num_fails_ = 0;
  int tiles_reached_ = 0;
};

class EndlessMysteryPath : public Env {
 public:
  enum Action { kNoop = 0, kRight = 1, kUp = 2, kDown = 3 };
  static constexpr int kNumActions = 4;
  static constexpr int kSegmentStride = PathLayout::kSize + 1;  // 7 columns and a transition tile
  static constexpr int kInitialSegments = 3;

  struct Options {
    int max_steps = -1;  // -1: no limit of its own
    float agent_speed = 3.0f;
    bool show_past_path = true;
    bool show_background = false;  // the icy scrolling floor
    bool show_stamina = false;     // a bar on the right edge
    bool visual_feedback = true;
    float camera_offset_scale = 5.0f;  // tiles between the screen's left edge and the agent, 0..5.5
    int stamina_level = 20;
    float reward_fall_off = 0.0f;
    float reward_path_progress = 0.1f;
    float reward_step = 0.0f;
  };
  static Options parse_options(const nlohmann::json& options);

  struct Node {
    PathCell cell;  // world cell: segment k covers x in [8k, 8k + 7], 8k + 7 the transition tile
    bool reward_visited = false;
    bool stamina_visited = false;
  };

  EndlessMysteryPath();
  explicit EndlessMysteryPath(const Options& options);
  const EnvSpec& spec() const override { return spec_; }
  void reset(uint64_t level_seed, void* obs) override;
  StepResult step(int action, void* obs) override;
  // The observation's camera at 336x336 with the whole generated path shown in grey and the
  // stamina bar always drawn.
  void render(Image& out) const override;

  // State, exposed for tests. Positions are world screen units.
  const std::vector<Node>& path() const { return nodes_; }
  int num_segments() const { return static_cast<int>(segment_begin_.size()); }
  int agent_x() const { return agent_.x(); }
  int agent_y() const { return agent_.y(); }
  PathCell agent_cell() const;
  // Screen column of the agent's centre: fixed for the episode.
  int agent_screen_x() const { return agent_screen_x_; }
  float camera_x() const { return camera_x_; }
  int stamina() const { return stamina_; }
  int max_x_reached() const { return max_x_reached_; }
  int tiles_visited() const { return tiles_visited_; }
  int num_fails() const { return num_fails_; }
  bool off_path() const { return off_path_; }
  bool cross_visible() const { return cross_visible_; }

 private:
  void add_segment();
  int find_node(PathCell c) const;  // -1 when off the path
  void draw(const Painter& painter, bool debug) const;

  Options options_;
  EnvSpec spec_;
  AgentShape shape_;
  FreeController agent_;
  Rng rng_;
  std::vector<Node> nodes_;
  std::vector<int> segment_begin_;  // index of each segment's first node in nodes_
  int last_goal_y_ = 0;
  float camera_offset_ = 0.0f;
  float camera_x_ = 0.0f;
  int bg_scroll_ = 0;
  int agent_screen_x_ = 0;
  int current_node_ = 0;
  bool off_path_ = false;
  bool cross_visible_ = false;
  int cross_x_ = 0, cross_y_ = 0;
  std::vector<PathCell> fall_off_cells_;
  int stamina_ = 0;
  int max_x_reached_ = 0;
  int tiles_visited_ = 0;
  int num_fails_ = 0;
};

EnvInfo mystery_path_info();
EnvInfo mystery_path_grid_info();
EnvInfo endless_mystery_path_info();

}  // namespace lever::memorygym

// The shared game kernel of lever's Procgen-style games: options, the 15-action set, entities with
// Procgen's default motion model and collision sub-steps, a tile grid, the world-to-pixel camera,
// z-ordered drawing and per-level colour themes. A game is one file that derives from ProcgenGame
// and fills in generate(), update() and (optionally) draw_world().
#pragma once
#include <array>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lever/core/image.h"
#include "lever/core/rng.h"
#include "lever/env/env.h"
#include "lever/env/registry.h"

namespace lever::procgen {

enum class Mode { kEasy = 0, kHard = 1, kExtreme = 2 };

struct Options {
  Mode mode = Mode::kHard;
  bool use_backgrounds = true;
  bool restrict_themes = false;
  bool paint_vel_info = false;
  bool center_agent = true;
  bool use_sequential_levels = false;
};

// What a game supports, for its registry entry and option checking.
struct GameInfo {
  std::string id, description;
  bool has_extreme = false;
  bool has_center_agent = false;  // games that show the whole world force center_agent off
};

std::vector<EnvOptionInfo> option_infos(const GameInfo& game);
// Reads validated options (distribution_mode must be easy/hard, or extreme where the game has it).
Options parse_options(const GameInfo& game, const nlohmann::json& options);

// Procgen's 15 actions. 0-8 move: ax = a/3 - 1, ay = a%3 - 1 with y up (4 = no-op). 9-14 are the
// keys D, A, W, S, Q, E: special 1-6, and the agent stands still that step.
struct ActionInput {
  int ax = 0, ay = 0;
  int special = 0;
};
ActionInput decode_action(int action);
inline constexpr int kNumActions = 15;

enum class Shape : uint8_t { kRect, kCircle, kDiamond, kShipRight, kShipLeft, kShipUp, kShipDown, kFish, kRing };

struct Entity {
  float x = 0, y = 0, vx = 0, vy = 0;
  float rx = 0.5f, ry = 0.5f;  // half extents in world units
  int type = 0;                // game-defined
  int health = 1;
  int age = 0;
  int timer = 0;               // game-defined countdown
  float aux = 0;               // game-defined
  Shape shape = Shape::kRect;
  Color color{255, 255, 255};
  Color detail{0, 0, 0};
  int z = 0;                   // drawing order: -1 under tiles, 0 normal, 1 above the agent
  bool alive = true;
  bool face_left = false;
};

inline bool overlaps(const Entity& a, const Entity& b) {
  return std::abs(a.x - b.x) < a.rx + b.rx && std::abs(a.y - b.y) < a.ry + b.ry;
}

// Square tiles of 1 world unit; (0, 0) is the bottom-left tile. 0 = empty, game-defined otherwise.
struct Grid {
  int width = 0, height = 0;
  std::vector<uint8_t> cells;
  void reset(int w, int h, uint8_t value = 0) {
    width = w;
    height = h;
    cells.assign(static_cast<size_t>(w) * h, value);
  }
  bool inside(int x, int y) const { return x >= 0 && y >= 0 && x < width && y < height; }
  uint8_t get(int x, int y) const { return inside(x, y) ? cells[y * width + x] : 0; }
  void set(int x, int y, uint8_t v) {
    if (inside(x, y)) cells[y * width + x] = v;
  }
};

// Maps the visible world rectangle [x0, x0+w] x [y0, y0+h] onto a canvas, y flipped.
struct Camera {
  float x0 = 0, y0 = 0, view_w = 1, view_h = 1;
  float scale_x = 1, scale_y = 1;  // pixels per world unit
  float px(float x) const { return (x - x0) * scale_x; }
  float py(float y) const { return (y0 + view_h - y) * scale_y; }
};

// Per-level colours: a game picks one of these from the level RNG (theme 0 with restrict_themes).
struct Theme {
  Color background_top, background_bottom, tile, tile_detail, agent, agent_detail;
};
const Theme& theme(int index);
inline constexpr int kNumThemes = 6;

class ProcgenGame : public Env {
 public:
  ProcgenGame(const GameInfo& info, const Options& options, float world_w, float world_h,
              int timeout);

  const EnvSpec& spec() const override { return spec_; }
  void reset(uint64_t level_seed, void* obs) override;
  StepResult step(int action, void* obs) override;
  void render(Image& out) const override;  // 512 x 512

  // For tests: the live state.
  const Entity& agent() const { return agent_; }
  Entity& mutable_agent() { return agent_; }
  std::vector<Entity>& entities() { return entities_; }
  const Grid& grid() const { return grid_; }
  Grid& mutable_grid() { return grid_; }
  int steps() const { return steps_; }
  const Options& options() const { return options_; }
  uint64_t level_seed() const { return level_seed_; }
  // Draws the current state at any size (the observation is 64 x 64).
  void draw(Canvas canvas) const;

 protected:
  // Build the level: agent, entities, grid, theme. rng_ is freshly seeded with the level seed.
  virtual void generate() = 0;
  // Advance one step given the decoded action: move things, resolve collisions, add to reward_,
  // call end_episode() on death or success.
  virtual void update(const ActionInput& action) = 0;
  // Draws everything but the background (default: grid tiles, then entities by z, agent at z 0).
  virtual void draw_world(Canvas canvas, const Camera& camera) const;
  // The visible world rectangle (default: the whole world, or centred on the agent with
  // visibility_ units across when center_agent is on and the game supports it).
  virtual Camera camera_for(const Canvas& canvas) const;

  // Procgen's default motion: v = 0.9((1 - mix) v + mix maxspeed a).
  void apply_default_motion(Entity& e, int ax, int ay, float max_speed, float mix = 0.5f) const;
  // Moves e by its velocity in sub-steps, stopping at solid tiles (solid(value) true) and, when
  // clamp_to_world, at the world border. Returns true when it was blocked.
  bool move_with_collisions(Entity& e, bool clamp_to_world, int substeps = 4);
  virtual bool solid(uint8_t tile) const { return tile != 0; }
  void end_episode(bool success);
  // Removes dead entities and those fully outside the world (by margin).
  void prune_entities(float margin);

  void draw_entity(Canvas canvas, const Camera& camera, const Entity& e) const;
  void draw_background(Canvas canvas) const;
  void draw_velocity_info(Canvas canvas) const;

  GameInfo info_;
  Options options_;
  EnvSpec spec_;
  float world_w_, world_h_;
  float visibility_;   // world units across the view when the camera follows the agent
  float max_speed_ = 0.5f;  // for paint_vel_info
  Rng rng_;
  uint64_t level_seed_ = 0;
  int steps_ = 0;
  float reward_ = 0;
  bool episode_over_ = false, level_complete_ = false;
  Entity agent_;
  std::vector<Entity> entities_;
  Grid grid_;
  int theme_index_ = 0;
  int background_style_ = 0;  // 0 plain gradient, 1 stars, 2 bubbles, 3 stripes
};

// One registry line per game: info, a factory, and the shared options.
template <typename Game>
EnvInfo make_env_info(const GameInfo& game) {
  EnvInfo info;
  info.id = game.id;
  info.description = game.description;
  info.options = option_infos(game);
  info.make = [game](const nlohmann::json& options) {
    return std::make_unique<Game>(parse_options(game, options));
  };
  return info;
}

}  // namespace lever::procgen

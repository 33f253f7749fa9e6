#include "lever/env/memorygym/mystery_path.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <string>

#include "lever/core/errors.h"
#include "lever/env/env_options.h"

namespace lever::memorygym {
namespace {

constexpr int kSize = PathLayout::kSize;
constexpr Color kBlack{0, 0, 0};
constexpr Color kPathWhite{255, 255, 255};
constexpr Color kOriginBlue{0, 0, 255};
constexpr Color kGoalGreen{0, 255, 0};
constexpr Color kWallRed{255, 0, 0};
constexpr Color kCrossRed{255, 0, 0};
constexpr Color kTileBorder{210, 210, 210};
constexpr Color kIce{125, 177, 250};
constexpr Color kFullPathGrey{200, 200, 200};  // white at the original's alpha 200 over black
constexpr Color kStaminaGreen{0, 255, 0};
constexpr Color kStaminaRed{255, 0, 0};
constexpr int kInnerWallPercent = 33;
constexpr float kCrossSide = 40.0f;  // at 336
constexpr float kCrossWidth = 12.0f;
constexpr float kStaminaBarWidth = 16.0f;

int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// ---- Options ----

float reward_option(const EnvOptionReader& read, const char* name, float fallback) {
  return static_cast<float>(read.number(name, fallback, -HUGE_VAL, HUGE_VAL));
}

float speed_option(const EnvOptionReader& read, float fallback) {
  // Faster than a cell per step would jump over tiles; slower than 1 truncates to no movement.
  return static_cast<float>(read.number("agent_speed", fallback, 1.0, kPathTile));
}

// ---- Path generation ----

int cell_index(int x, int y) { return y * kSize + x; }
bool inside(int x, int y) { return x >= 0 && y >= 0 && x < kSize && y < kSize; }

// Node.add_neighbors' order: right, left, down, up.
int neighbors4(PathCell c, PathCell* out) {
  static constexpr int kDx[4] = {1, -1, 0, 0}, kDy[4] = {0, 0, 1, -1};
  int n = 0;
  for (int k = 0; k < 4; ++k) {
    if (inside(c.x + kDx[k], c.y + kDy[k])) out[n++] = {c.x + kDx[k], c.y + kDy[k]};
  }
  return n;
}

bool touches_wall(const PathLayout& layout, PathCell c) {
  for (int dy = -1; dy <= 1; ++dy) {
    for (int dx = -1; dx <= 1; ++dx) {
      if ((dx != 0 || dy != 0) && inside(c.x + dx, c.y + dy) && layout.is_wall(c.x + dx, c.y + dy))
        return true;
    }
  }
  return false;
}

bool is_neighbor4(PathCell a, PathCell b) { return std::abs(a.x - b.x) + std::abs(a.y - b.y) == 1; }

bool try_generate(Rng& rng, PathCell origin, PathCell goal, PathLayout* layout) {
  layout->walls.fill(false);
  layout->cells.clear();
  for (int x = 0; x < kSize; ++x) {
    for (int y = 0; y < kSize; ++y) {
      if (x > 0 && x < kSize - 2 && y > 0 && y < kSize - 2 &&
          static_cast<int>(rng.below(100)) < kInnerWallPercent) {
        layout->walls[cell_index(x, y)] = true;
      }
    }
  }

  std::vector<PathCell> candidates;
  for (int x = 0; x < kSize; ++x) {
    for (int y = 0; y < kSize; ++y) {
      const PathCell c{x, y};
      const bool border = x == 0 || y == 0 || x == kSize - 1 || y == kSize - 1;
      if (!border || c == origin || c == goal || is_neighbor4(c, origin) || is_neighbor4(c, goal) ||
          touches_wall(*layout, c)) {
        continue;
      }
      candidates.push_back(c);
    }
  }
  const int border_walls = rng.below(2) == 0 ? 4 : 8;
  for (int i = 0; i < border_walls && !candidates.empty(); ++i) {
    const size_t k = rng.below(candidates.size());
    layout->walls[cell_index(candidates[k].x, candidates[k].y)] = true;
    candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(k));
  }

  constexpr int kCells = kSize * kSize;
  std::array<double, kCells> g{}, f{};
  std::array<int, kCells> parent;
  parent.fill(-1);
  std::array<bool, kCells> open_member{}, closed{};
  std::vector<int> open = {cell_index(origin.x, origin.y)};
  open_member[open[0]] = true;
  const int goal_id = cell_index(goal.x, goal.y);
  while (!open.empty()) {
    size_t winner = 0;
    for (size_t i = 0; i < open.size(); ++i) {
      if (f[open[i]] < f[open[winner]]) {
        winner = i;
        break;
      }
    }
    const int current = open[winner];
    if (current == goal_id) {
      for (int id = goal_id; id >= 0; id = parent[id])
        layout->cells.push_back({id % kSize, id / kSize});
      std::reverse(layout->cells.begin(), layout->cells.end());
      return true;
    }
    open.erase(open.begin() + static_cast<std::ptrdiff_t>(winner));
    open_member[current] = false;
    closed[current] = true;
    PathCell next[4];
    const int count = neighbors4({current % kSize, current / kSize}, next);
    for (int k = 0; k < count; ++k) {
      const int id = cell_index(next[k].x, next[k].y);
      if (closed[id] || layout->walls[id]) continue;
      const double cost = g[current] + 1 + static_cast<double>(rng.below(8));
      bool new_parent = false;
      if (open_member[id]) {
        new_parent = cost < g[id];  // the original stores this cost under a misspelt name
      } else {
        g[id] = cost;
        new_parent = true;
        open.push_back(id);
        open_member[id] = true;
      }
      if (new_parent) {
        f[id] = g[id] + std::hypot(next[k].x - goal.x, next[k].y - goal.y);
        parent[id] = current;
      }
    }
  }
  return false;
}

void draw_cross(const Painter& painter, int cx, int cy) {
  // The original's 10x10 surface centred on the agent, diagonals from corner pixel to corner pixel.
  const float side = kCrossSide * kScale, width = static_cast<float>(scaled(kCrossWidth));
  const float x0 = cx - side / 2, y0 = cy - side / 2, x1 = x0 + side - 1, y1 = y0 + side - 1;
  painter.line(x0, y0, x1, y1, width, kCrossRed);
  painter.line(x1, y0, x0, y1, width, kCrossRed);
}

}  // namespace

int PathLayout::index_of(PathCell c) const {
  for (size_t i = 0; i < cells.size(); ++i) {
    if (cells[i] == c) return static_cast<int>(i);
  }
  return -1;
}

PathLayout generate_path(Rng& rng, PathCell origin, PathCell goal) {
  PathLayout layout;
  while (!try_generate(rng, origin, goal, &layout)) {
  }
  return layout;
}

// ---- Mystery Path and Mystery Path Grid ----

MysteryPath::Options MysteryPath::default_options(bool grid) {
  Options options;
  if (grid) options.max_steps = 128;
  return options;
}

MysteryPath::Options MysteryPath::parse_options(const nlohmann::json& o, bool grid) {
  const EnvOptionReader read(grid ? "mystery_path_grid" : "mystery_path", o);
  Options d = default_options(grid);
  d.max_steps = read.integer("max_steps", d.max_steps, 1, INT_MAX);
  if (!grid) d.agent_speed = speed_option(read, d.agent_speed);
  if (o.contains("cardinal_origin_choice")) {
    const nlohmann::json& v = o.at("cardinal_origin_choice");
    const char* requirement =
        "a non-empty list of borders from 0..3 (0 left, 1 right, 2 top, 3 bottom)";
    if (!v.is_array()) read.fail("cardinal_origin_choice", requirement, v);
    d.cardinal_origin_choice = read.integer_choices_of("cardinal_origin_choice", v, 0, 3);
  }
  d.show_origin = read.flag("show_origin", d.show_origin);
  d.show_goal = read.flag("show_goal", d.show_goal);
  d.show_path = read.flag("show_path", d.show_path);
  d.visual_feedback = read.flag("visual_feedback", d.visual_feedback);
  d.reward_goal = reward_option(read, "reward_goal", d.reward_goal);
  d.reward_fall_off = reward_option(read, "reward_fall_off", d.reward_fall_off);
  d.reward_path_progress = reward_option(read, "reward_path_progress", d.reward_path_progress);
  d.reward_step = reward_option(read, "reward_step", d.reward_step);
  return d;
}

MysteryPath::MysteryPath(const Options& options, bool grid)
    : options_(options),
      grid_(grid),
      shape_(agent_shape(kScale)),
      free_(options.agent_speed, agent_shape(kScale).radius),
      grid_controller_(kSize) {
  if (options.cardinal_origin_choice.empty()) {
    throw UsageError("mystery_path: cardinal_origin_choice must not be empty");
  }
  spec_.id = grid ? "mystery_path_grid" : "mystery_path";
  spec_.obs_shape = {kScreenSize, kScreenSize, 3};
  spec_.obs_type = ObsType::kU8Image;
  if (grid) {
    spec_.num_actions = kGridActions;
  } else {
    spec_.num_actions = kFreeActions;
    spec_.action_nvec = {3, 3};
  }
  spec_.max_episode_steps = options.max_steps;
  spec_.reports_success = true;
  spec_.reports_progress = true;
}

int MysteryPath::agent_x() const {
  return grid_ ? grid_controller_.cell_x() * kPathTile + kPathTile / 2 : free_.x();
}
int MysteryPath::agent_y() const {
  return grid_ ? grid_controller_.cell_y() * kPathTile + kPathTile / 2 : free_.y();
}
int MysteryPath::agent_rotation() const {
  return grid_ ? grid_controller_.rotation() : free_.rotation();
}

void MysteryPath::reset(uint64_t level_seed, void* obs) {
  Rng rng(level_seed);
  const auto& choices = options_.cardinal_origin_choice;
  const int border = choices[rng.below(choices.size())];
  const int a = static_cast<int>(rng.below(kSize));
  const int b = static_cast<int>(rng.below(kSize));
  const int last = kSize - 1;
  const PathCell origins[4] = {{0, a}, {last, a}, {a, 0}, {a, last}};
  const PathCell goals[4] = {{last, b}, {0, b}, {b, last}, {b, 0}};
  const PathCell origin = origins[border], goal = goals[border];
  layout_ = generate_path(rng, origin, goal);
  visited_.assign(layout_.cells.size(), 0);
  free_.place(origin.x * kPathTile + shape_.radius, origin.y * kPathTile + shape_.radius, 0);
  grid_controller_.place(origin.x, origin.y, 0);
  off_path_ = false;
  cross_visible_ = false;
  num_fails_ = 0;
  tiles_reached_ = 0;
  draw(observation_painter(obs), false);
}

StepResult MysteryPath::step(int action, void* obs) {
  const PathCell start = origin();
  if (grid_) {
    if (off_path_) {
      if (action < 0 || action >= kGridActions) {
        throw UsageError("mystery_path_grid: action " + std::to_string(action) +
                         " is outside [0, 4) (noop, rotate left, rotate right, forward)");
      }
      grid_controller_.place(start.x, start.y, grid_controller_.rotation());
      grid_controller_.step(kGridNoop, "mystery_path_grid");
    } else {
      grid_controller_.step(action, "mystery_path_grid");
    }
  } else {
    const FreeAction move = decode_free_action(action, "mystery_path");
    const Bounds screen{0, 0, kScreenSize, kScreenSize};
    if (off_path_) {
      free_.place(start.x * kPathTile + shape_.radius, start.y * kPathTile + shape_.radius,
                  free_.rotation());
      free_.step(FreeAction{0, 0}, screen);
    } else {
      free_.step(move, screen);
    }
  }

  StepResult result;
  const PathCell cell = agent_cell();
  const int last = static_cast<int>(layout_.cells.size()) - 1;
  if (cell == goal()) {
    result.reward += options_.reward_goal;
    result.terminated = true;
    result.level_complete = true;
    ++tiles_reached_;
  } else {
    const int index = layout_.index_of(cell);
    if (index >= 0) {
      if (index != 0 && index != last && !visited_[index]) {
        visited_[index] = 1;
        result.reward += options_.reward_path_progress;
        ++tiles_reached_;
      }
      off_path_ = false;
      cross_visible_ = false;
    } else {
      result.reward += options_.reward_fall_off;
      ++num_fails_;
      cross_visible_ = options_.visual_feedback;
      off_path_ = true;
    }
    cross_x_ = agent_x();
    cross_y_ = agent_y();
  }
  result.reward += options_.reward_step;
  result.progress = tiles_reached_;
  draw(observation_painter(obs), false);
  return result;
}

void MysteryPath::draw(const Painter& painter, bool debug) const {
  painter.fill(kBlack);
  const int last = static_cast<int>(layout_.cells.size()) - 1;
  for (int i = 0; i <= last; ++i) {
    const PathCell c = layout_.cells[i];
    const Color* color = nullptr;
    if (i == last) {
      if (debug || options_.show_goal) color = &kGoalGreen;
    } else if (i == 0) {
      if (debug || options_.show_origin) color = &kOriginBlue;
    } else if (debug || options_.show_path) {
      color = &kPathWhite;
    }
    if (color) painter.rect(c.x * kPathTile, c.y * kPathTile, kPathTile, kPathTile, *color);
  }
  if (debug) {
    for (int y = 0; y < kSize; ++y) {
      for (int x = 0; x < kSize; ++x) {
        if (layout_.is_wall(x, y))
          painter.rect(x * kPathTile, y * kPathTile, kPathTile, kPathTile, kWallRed);
      }
    }
  }
  draw_agent(painter, shape_, agent_x(), agent_y(), agent_rotation());
  if (cross_visible_) draw_cross(painter, cross_x_, cross_y_);
}

void MysteryPath::render(Image& out) const { draw(render_painter(out), true); }

// ---- Endless Mystery Path ----

EndlessMysteryPath::Options EndlessMysteryPath::parse_options(const nlohmann::json& o) {
  const EnvOptionReader read("endless_mystery_path", o);
  Options d;
  d.max_steps = read.integer("max_steps", d.max_steps, -1, INT_MAX);
  if (d.max_steps == 0) read.fail("max_steps", "-1 (no limit) or an integer >= 1", 0);
  d.agent_speed = speed_option(read, d.agent_speed);
  d.show_past_path = read.flag("show_past_path", d.show_past_path);
  d.show_background = read.flag("show_background", d.show_background);
  d.show_stamina = read.flag("show_stamina", d.show_stamina);
  d.visual_feedback = read.flag("visual_feedback", d.visual_feedback);
  // Tiles between the screen's left edge and the agent.
  d.camera_offset_scale =
      static_cast<float>(read.number("camera_offset_scale", d.camera_offset_scale, 0.0, 5.5));
  d.stamina_level = read.integer("stamina_level", d.stamina_level, 1, INT_MAX);
  d.reward_fall_off = reward_option(read, "reward_fall_off", d.reward_fall_off);
  d.reward_path_progress = reward_option(read, "reward_path_progress", d.reward_path_progress);
  d.reward_step = reward_option(read, "reward_step", d.reward_step);
  return d;
}

EndlessMysteryPath::EndlessMysteryPath() : EndlessMysteryPath(Options()) {}

EndlessMysteryPath::EndlessMysteryPath(const Options& options)
    : options_(options),
      shape_(agent_shape(kScale)),
      agent_(options.agent_speed, agent_shape(kScale).radius) {
  spec_.id = "endless_mystery_path";
  spec_.obs_shape = {kScreenSize, kScreenSize, 3};
  spec_.obs_type = ObsType::kU8Image;
  spec_.num_actions = kNumActions;
  spec_.max_episode_steps = options.max_steps > 0 ? options.max_steps : 0;
  spec_.reports_progress = true;
}

PathCell EndlessMysteryPath::agent_cell() const {
  return {floor_div(agent_.x(), kPathTile), floor_div(agent_.y(), kPathTile)};
}

void EndlessMysteryPath::add_segment() {
  const int k = num_segments();
  const int start_y = k == 0 ? static_cast<int>(rng_.below(kSize)) : last_goal_y_;
  const int goal_y = static_cast<int>(rng_.below(kSize));
  const PathLayout layout = generate_path(rng_, {0, start_y}, {kSize - 1, goal_y});
  segment_begin_.push_back(static_cast<int>(nodes_.size()));
  for (const PathCell& c : layout.cells) nodes_.push_back({{c.x + k * kSegmentStride, c.y}});
  nodes_.push_back({{k * kSegmentStride + kSize, goal_y}});  // the transition tile
  last_goal_y_ = goal_y;
}

int EndlessMysteryPath::find_node(PathCell c) const {
  const int segment = floor_div(c.x, kSegmentStride);
  if (segment < 0 || segment >= num_segments()) return -1;
  const int begin = segment_begin_[segment];
  const int end =
      segment + 1 < num_segments() ? segment_begin_[segment + 1] : static_cast<int>(nodes_.size());
  for (int i = begin; i < end; ++i) {
    if (nodes_[i].cell == c) return i;
  }
  return -1;
}

void EndlessMysteryPath::reset(uint64_t level_seed, void* obs) {
  rng_.reseed(level_seed);
  nodes_.clear();
  segment_begin_.clear();
  for (int i = 0; i < kInitialSegments; ++i) add_segment();
  nodes_[0].reward_visited = true;
  camera_offset_ = -kPathTile * options_.camera_offset_scale;
  camera_x_ = camera_offset_;
  bg_scroll_ = 0;
  const PathCell origin = nodes_[0].cell;
  agent_.place(origin.x * kPathTile + shape_.radius, origin.y * kPathTile + shape_.radius, 270);
  agent_screen_x_ = static_cast<int>(agent_.x() - camera_offset_);
  current_node_ = 0;
  off_path_ = false;
  cross_visible_ = false;
  fall_off_cells_.clear();
  stamina_ = options_.stamina_level;
  max_x_reached_ = 0;
  tiles_visited_ = 0;
  num_fails_ = 0;
  draw(observation_painter(obs), false);
}

StepResult EndlessMysteryPath::step(int action, void* obs) {
  static constexpr FreeAction kMoves[kNumActions] = {{0, 0}, {2, 0}, {0, 1}, {0, 2}};
  if (action < 0 || action >= kNumActions) {
    throw UsageError("endless_mystery_path: action " + std::to_string(action) +
                     " is outside [0, 4) (noop, right, up, down)");
  }
  if (off_path_) {
    const PathCell origin = nodes_[0].cell;
    agent_.place(origin.x * kPathTile + shape_.radius, origin.y * kPathTile + shape_.radius,
                 agent_.rotation());
    agent_.step(FreeAction{0, 0});
    camera_x_ = camera_offset_;
    bg_scroll_ = 0;
  } else {
    const int x_before = agent_.x();
    agent_.step(kMoves[action]);
    const int vx = agent_.x() - x_before;
    camera_x_ += vx;
    bg_scroll_ -= vx;
    // The original's wrap of the floor pattern: back to the remainder of a whole number of steps.
    if (vx != 0 && std::abs(bg_scroll_) >= kPathTile) {
      const int remainder = std::abs(bg_scroll_) % std::abs(vx);
      bg_scroll_ = bg_scroll_ < 0 ? -remainder : remainder;
    }
  }

  StepResult result;
  const PathCell cell = agent_cell();
  if (floor_div(cell.x, kSegmentStride) > num_segments() - 2) add_segment();
  const int index = find_node(cell);
  if (index >= 0) {
    current_node_ = index;
    Node& node = nodes_[index];
    const bool is_origin = index == 0;
    if (!node.reward_visited && !is_origin) {
      node.reward_visited = true;
      result.reward += options_.reward_path_progress;
      ++tiles_visited_;
    }
    if (!node.stamina_visited && !is_origin) {
      node.stamina_visited = true;
      stamina_ = options_.stamina_level;
    }
    off_path_ = false;
    cross_visible_ = false;
  } else {
    result.reward += options_.reward_fall_off;
    ++num_fails_;
    cross_visible_ = options_.visual_feedback;
    off_path_ = true;
    if (cell.x < max_x_reached_) {
      result.terminated = true;
    } else if (std::find(fall_off_cells_.begin(), fall_off_cells_.end(), cell) !=
               fall_off_cells_.end()) {
      result.terminated = true;
    } else {
      fall_off_cells_.push_back(cell);
    }
    // Walking the path again after a fall refills the stamina tile by tile.
    for (Node& node : nodes_) node.stamina_visited = false;
    stamina_ = options_.stamina_level;
  }
  cross_x_ = static_cast<int>(std::floor(agent_.x() - camera_x_));
  cross_y_ = agent_.y();
  result.reward += options_.reward_step;
  if (--stamina_ <= 0) result.terminated = true;
  if (index >= 0 && cell.x > max_x_reached_) max_x_reached_ = cell.x;
  result.progress = tiles_visited_;
  draw(observation_painter(obs), false);
  return result;
}

void EndlessMysteryPath::draw(const Painter& painter, bool debug) const {
  painter.fill(kBlack);
  if (options_.show_background) {
    const int columns = (kScreenSize + kPathTile - 1) / kPathTile + 2;
    for (int i = 0; i < columns; ++i) {
      const float x = static_cast<float>(i * kPathTile + bg_scroll_ - kPathTile);
      for (int row = 0; row < kSize; ++row) {
        painter.rect(x, row * kPathTile, kPathTile, kPathTile, kIce);
        painter.rect_outline(x, row * kPathTile, kPathTile, kPathTile, 1, kTileBorder);
      }
    }
  }
  if (debug) {
    for (const Node& node : nodes_) {
      painter.rect(node.cell.x * kPathTile - camera_x_, node.cell.y * kPathTile, kPathTile,
                   kPathTile, kFullPathGrey);
    }
  }
  if (options_.show_past_path) {
    // The tiles before the last one stood on, back to camera_offset_scale columns behind the
    // agent's column minus one.
    int x = agent_cell().x - 1;
    const int past_x = std::max(0, x - static_cast<int>(options_.camera_offset_scale));
    for (int i = current_node_ - 1; i >= 0 && x >= past_x && x >= 0; --i) {
      const PathCell c = nodes_[i].cell;
      x = c.x;
      const float draw_x = c.x * kPathTile - camera_x_;
      painter.rect(draw_x, c.y * kPathTile, kPathTile, kPathTile, kPathWhite);
      painter.rect_outline(draw_x, c.y * kPathTile, kPathTile, kPathTile, 1, kTileBorder);
      if (x == past_x) break;
    }
  }
  draw_agent(painter, shape_, agent_screen_x_, agent_.y(), agent_.rotation());
  if (options_.show_stamina || debug) {
    const float bar = static_cast<float>(scaled(kStaminaBarWidth));
    const float left = kScreenSize - bar;
    painter.rect(left, 0, bar, kScreenSize, kStaminaGreen);
    const float full = static_cast<float>(options_.stamina_level);
    const int red = static_cast<int>(kScreenSize * (1.0f - std::min<float>(stamina_, full) / full));
    if (red > 0) painter.rect(left, 0, bar, red, kStaminaRed);
  }
  if (cross_visible_) draw_cross(painter, cross_x_, cross_y_);
}

void EndlessMysteryPath::render(Image& out) const { draw(render_painter(out), true); }

// ---- Registry ----

namespace {

std::vector<EnvOptionInfo> finite_options(bool grid) {
  const MysteryPath::Options d = MysteryPath::default_options(grid);
  std::vector<EnvOptionInfo> options = {
      {"max_steps", d.max_steps, "episode length limit (the original's max_steps)"}};
  if (!grid) {
    options.push_back({"agent_speed", d.agent_speed,
                       "screen units per step in [1, 12] (12 at 336); diagonals truncate"});
  }
  const std::vector<EnvOptionInfo> rest = {
      {"cardinal_origin_choice", d.cardinal_origin_choice,
       "borders the origin is drawn from: 0 left, 1 right, 2 top, 3 bottom (goal opposite)"},
      {"show_origin", d.show_origin, "draw the origin tile blue"},
      {"show_goal", d.show_goal, "draw the goal tile green"},
      {"show_path", d.show_path, "draw the path's intermediate tiles white"},
      {"visual_feedback", d.visual_feedback, "show a red cross where the agent fell off"},
      {"reward_goal", d.reward_goal, "reward for reaching the goal (ends the episode)"},
      {"reward_fall_off", d.reward_fall_off, "reward for stepping off the path"},
      {"reward_path_progress", d.reward_path_progress,
       "reward for the first visit to each intermediate path tile"},
      {"reward_step", d.reward_step, "reward added every step"},
  };
  options.insert(options.end(), rest.begin(), rest.end());
  return options;
}

EnvInfo finite_info(bool grid, const char* description) {
  EnvInfo info;
  info.id = grid ? "mystery_path_grid" : "mystery_path";
  info.description = description;
  info.options = finite_options(grid);
  info.make = [grid](const nlohmann::json& options) {
    return std::make_unique<MysteryPath>(MysteryPath::parse_options(options, grid), grid);
  };
  return info;
}

}  // namespace

EnvInfo mystery_path_info() {
  return finite_info(
      false,
      "Memory Gym Mystery Path: find an invisible path across a 7x7 grid from one border to the "
      "opposite; stepping off shows a red cross and returns the agent to the origin; +0.1 per new "
      "tile, +1 at the goal; free movement MultiDiscrete {3, 3}, 84x84 RGB, 512 steps");
}

EnvInfo mystery_path_grid_info() {
  return finite_info(true,
                     "Memory Gym Mystery Path on the grid: as mystery_path with one cell per move "
                     "(noop, rotate left, rotate right, forward), 128 steps");
}

EnvInfo endless_mystery_path_info() {
  const EndlessMysteryPath::Options d;
  EnvInfo info;
  info.id = "endless_mystery_path";
  info.description =
      "Memory Gym Endless Mystery Path: an invisible path of chained 7x7 segments scrolling left "
      "to right; +0.1 per new tile; ends after stamina_level steps without a new tile, on falling "
      "off behind the farthest column reached or twice at one cell; actions noop/right/up/down";
  info.options = {
      {"max_steps", d.max_steps, "episode length limit, -1 for none (stamina ends episodes)"},
      {"agent_speed", d.agent_speed, "screen units per step in [1, 12] (12 at 336)"},
      {"show_past_path", d.show_past_path, "draw the last tiles behind the agent white"},
      {"show_background", d.show_background, "draw the scrolling icy floor"},
      {"show_stamina", d.show_stamina, "draw the stamina bar on the right edge"},
      {"visual_feedback", d.visual_feedback, "show a red cross where the agent fell off"},
      {"camera_offset_scale", d.camera_offset_scale,
       "tiles between the screen's left edge and the agent, 0..5.5; also how many past tiles show"},
      {"stamina_level", d.stamina_level, "steps allowed without reaching a new tile"},
      {"reward_fall_off", d.reward_fall_off, "reward for stepping off the path"},
      {"reward_path_progress", d.reward_path_progress, "reward for each new path tile"},
      {"reward_step", d.reward_step, "reward added every step"},
  };
  info.make = [](const nlohmann::json& options) {
    return std::make_unique<EndlessMysteryPath>(EndlessMysteryPath::parse_options(options));
  };
  return info;
}

}  // namespace lever::memorygym

#include "lever/env/grid/minigrid_memory.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "lever/core/errors.h"
#include "lever/core/rng.h"
#include "lever/env/env_options.h"

namespace lever {
namespace {

using Cell = MinigridMemory::Cell;

constexpr int kNumCellKinds = 4;
constexpr int kSubdivs = 3;  // MiniGrid draws each tile at 3x and averages down
constexpr Color kGrey{100, 100, 100};
constexpr Color kGreen{0, 255, 0};
constexpr Color kRed{255, 0, 0};
constexpr Color kBlack{0, 0, 0};
constexpr int kDirVec[4][2] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};

void check_size(const nlohmann::json& size) {
  if (!size.is_number_integer() || size.get<int64_t>() < MinigridMemory::kMinSize ||
      size.get<int64_t>() > MinigridMemory::kMaxSize || size.get<int64_t>() % 2 == 0) {
    EnvOptionReader("minigrid_memory", nlohmann::json::object())
        .fail("minigrid_size", "an odd integer in [7, 101]", size);
  }
}

// Pre-rendered tiles, RGB rows of size x size pixels, shared by every instance.
struct TileSet {
  int size = 0;
  std::array<std::array<std::vector<uint8_t>, 2>, kNumCellKinds> cells;  // [kind][highlighted]
  std::array<std::vector<uint8_t>, 4> agent;  // on highlighted floor, per direction

  const uint8_t* cell(Cell c, bool highlighted) const {
    return cells[static_cast<int>(c)][highlighted ? 1 : 0].data();
  }
};

// Shapes in MiniGrid's tile-relative coordinates (0..1), scaled to the fine canvas of side s.
void draw_object(Canvas fine, Cell c, float s) {
  switch (c) {
    case Cell::kFloor:
      break;
    case Cell::kWall:
      fill_rect(fine, 0, 0, s, s, kGrey);
      break;
    case Cell::kKey:
      fill_rect(fine, 0.50f * s, 0.31f * s, 0.63f * s, 0.88f * s, kGreen);  // shaft
      fill_rect(fine, 0.38f * s, 0.59f * s, 0.50f * s, 0.66f * s, kGreen);  // teeth
      fill_rect(fine, 0.38f * s, 0.81f * s, 0.50f * s, 0.88f * s, kGreen);
      fill_circle(fine, 0.56f * s, 0.28f * s, 0.190f * s, kGreen);  // ring
      fill_circle(fine, 0.56f * s, 0.28f * s, 0.064f * s, kBlack);
      break;
    case Cell::kBall:
      fill_circle(fine, 0.5f * s, 0.5f * s, 0.31f * s, kGreen);
      break;
  }
}

// MiniGrid's agent triangle points right and turns a quarter clockwise per direction step.
void draw_agent(Canvas fine, int dir, float s) {
  Point corners[3] = {{0.12f, 0.19f}, {0.87f, 0.50f}, {0.12f, 0.81f}};
  for (Point& p : corners) {
    float x = p.x - 0.5f, y = p.y - 0.5f;
    for (int k = 0; k < dir; ++k) {
      const float turned_x = -y;
      y = x;
      x = turned_x;
    }
    p = {(x + 0.5f) * s, (y + 0.5f) * s};
  }
  fill_convex_polygon(fine, corners, 3, kRed);
}

// render_tile: grid lines on the top and left edges, the object, the agent, the highlight, then a
// 3x3 box filter whose float result numpy truncates to uint8 (the two-stage mean kept as numpy
// computes it so the truncation agrees).
std::vector<uint8_t> make_tile(int size, Cell c, int agent_dir, bool highlighted) {
  const int n = size * kSubdivs;
  const float s = static_cast<float>(n);
  Image fine;
  fine.resize(n, n);
  fine.fill(kBlack);
  fill_rect(fine, 0, 0, 0.031f * s, s, kGrey);
  fill_rect(fine, 0, 0, s, 0.031f * s, kGrey);
  draw_object(fine, c, s);
  if (agent_dir >= 0) draw_agent(fine, agent_dir, s);
  if (highlighted) {
    for (uint8_t& v : fine.pixels) v = static_cast<uint8_t>(v + 0.3 * (255 - v));
  }
  std::vector<uint8_t> tile(static_cast<size_t>(size) * size * 3);
  for (int oy = 0; oy < size; ++oy) {
    for (int ox = 0; ox < size; ++ox) {
      for (int ch = 0; ch < 3; ++ch) {
        double rows = 0.0;
        for (int dy = 0; dy < kSubdivs; ++dy) {
          double sum = 0.0;
          for (int dx = 0; dx < kSubdivs; ++dx) {
            sum += fine.at(ox * kSubdivs + dx, oy * kSubdivs + dy)[ch];
          }
          rows += sum / kSubdivs;
        }
        tile[(static_cast<size_t>(oy) * size + ox) * 3 + ch] =
            static_cast<uint8_t>(rows / kSubdivs);
      }
    }
  }
  return tile;
}

TileSet make_tile_set(int size) {
  TileSet set;
  set.size = size;
  for (int kind = 0; kind < kNumCellKinds; ++kind) {
    for (int h = 0; h < 2; ++h)
      set.cells[kind][h] = make_tile(size, static_cast<Cell>(kind), -1, h);
  }
  for (int dir = 0; dir < 4; ++dir) set.agent[dir] = make_tile(size, Cell::kFloor, dir, true);
  return set;
}

const TileSet& observation_tiles() {
  static const TileSet tiles = make_tile_set(MinigridMemory::kObsTile);
  return tiles;
}

const TileSet& render_tiles() {
  static const TileSet tiles = make_tile_set(MinigridMemory::kRenderTile);
  return tiles;
}

void blit(uint8_t* dst, int dst_width, int x0, int y0, const uint8_t* tile, int size) {
  const size_t row_bytes = static_cast<size_t>(size) * 3;
  for (int r = 0; r < size; ++r) {
    std::memcpy(dst + (static_cast<size_t>(y0 + r) * dst_width + x0) * 3, tile + r * row_bytes,
                row_bytes);
  }
}

}  // namespace

MinigridMemory::Options MinigridMemory::parse_options(const nlohmann::json& o) {
  const EnvOptionReader read("minigrid_memory", o);
  Options options;
  if (o.contains("minigrid_size")) {
    check_size(o.at("minigrid_size"));
    options.size = o.at("minigrid_size").get<int>();
  }
  options.random_length = read.flag("minigrid_random_length", options.random_length);
  return options;
}

MinigridMemory::MinigridMemory() : MinigridMemory(Options()) {}

MinigridMemory::MinigridMemory(const Options& options)
    : size_(options.size), random_length_(options.random_length) {
  check_size(options.size);
  spec_.id = "minigrid_memory";
  spec_.obs_shape = {kObsPixels, kObsPixels, 3};
  spec_.obs_type = ObsType::kU8Image;
  spec_.num_actions = kNumActions;
  spec_.max_episode_steps = 5 * size_ * size_;
  spec_.reports_success = true;
  observation_tiles();  // build the shared tiles now rather than inside the first step
}

MinigridMemory::Cell MinigridMemory::cell(int x, int y) const {
  if (x < 0 || y < 0 || x >= size_ || y >= size_) return Cell::kWall;
  return grid_[static_cast<size_t>(y) * size_ + x];
}

// Layout and draw order follow memory.py's _gen_grid.
void MinigridMemory::reset(uint64_t level_seed, void* obs) {
  Rng rng(level_seed);
  const int s = size_;
  const int mid = s / 2;
  std::fill(grid_.begin(), grid_.begin() + s * s, Cell::kFloor);
  for (int i = 0; i < s; ++i) {
    set_cell(i, 0, Cell::kWall);
    set_cell(i, s - 1, Cell::kWall);
    set_cell(0, i, Cell::kWall);
    set_cell(s - 1, i, Cell::kWall);
  }
  const int upper_room_wall = mid - 2;
  const int lower_room_wall = mid + 2;
  // randint(4, s - 2) excludes its upper bound.
  hallway_end_ = random_length_ ? 4 + static_cast<int>(rng.below(s - 6)) : s - 3;

  for (int i = 1; i < 5; ++i) {
    set_cell(i, upper_room_wall, Cell::kWall);
    set_cell(i, lower_room_wall, Cell::kWall);
  }
  set_cell(4, upper_room_wall + 1, Cell::kWall);
  set_cell(4, lower_room_wall - 1, Cell::kWall);
  for (int i = 5; i < hallway_end_; ++i) {
    set_cell(i, upper_room_wall + 1, Cell::kWall);
    set_cell(i, lower_room_wall - 1, Cell::kWall);
  }
  for (int j = 0; j < s; ++j) {
    if (j != mid) set_cell(hallway_end_, j, Cell::kWall);
    set_cell(hallway_end_ + 2, j, Cell::kWall);
  }

  agent_x_ = 1 + static_cast<int>(rng.below(hallway_end_));  // [1, hallway_end]
  agent_y_ = mid;
  agent_dir_ = kDirRight;

  const Cell cue = rng.below(2) == 0 ? Cell::kKey : Cell::kBall;
  set_cell(1, mid - 1, cue);
  const bool ball_on_top = rng.below(2) == 0;
  const Cell top = ball_on_top ? Cell::kBall : Cell::kKey;
  set_cell(hallway_end_ + 1, mid - 2, top);
  set_cell(hallway_end_ + 1, mid + 2, ball_on_top ? Cell::kKey : Cell::kBall);
  // Success is the cell between the corridor and the matching object.
  success_y_ = cue == top ? mid - 1 : mid + 1;
  failure_y_ = cue == top ? mid + 1 : mid - 1;

  step_count_ = 0;
  write_observation(obs);
}

StepResult MinigridMemory::step(int action, void* obs) {
  if (action < 0 || action >= kNumActions) {
    throw UsageError("minigrid_memory: action " + std::to_string(action) +
                     " is outside [0, 3) (turn left, turn right, forward)");
  }
  ++step_count_;
  if (action == kTurnLeft) {
    agent_dir_ = (agent_dir_ + 3) % 4;
  } else if (action == kTurnRight) {
    agent_dir_ = (agent_dir_ + 1) % 4;
  } else {
    const int x = agent_x_ + kDirVec[agent_dir_][0];
    const int y = agent_y_ + kDirVec[agent_dir_][1];
    if (cell(x, y) == Cell::kFloor) {  // walls, keys and balls block
      agent_x_ = x;
      agent_y_ = y;
    }
  }

  StepResult result;
  if (agent_x_ == hallway_end_ + 1 && agent_y_ == success_y_) {
    const int max_steps = spec_.max_episode_steps;
    result.reward = static_cast<float>(1.0 - 0.9 * (static_cast<double>(step_count_) / max_steps));
    result.terminated = true;
    result.level_complete = true;
  } else if (agent_x_ == hallway_end_ + 1 && agent_y_ == failure_y_) {
    result.terminated = true;
  }
  write_observation(obs);
  return result;
}

void MinigridMemory::compute_view() {
  const int fx = kDirVec[agent_dir_][0], fy = kDirVec[agent_dir_][1];
  const int rx = -fy, ry = fx;  // the agent's right
  for (int row = 0; row < kViewSize; ++row) {
    for (int col = 0; col < kViewSize; ++col) {
      const int ahead = kViewSize - 1 - row, side = col - kViewSize / 2;
      view_[row][col] = cell(agent_x_ + fx * ahead + rx * side, agent_y_ + fy * ahead + ry * side);
      visible_[row][col] = false;
    }
  }
  // process_vis: sweep rows from the agent outwards; light spreads sideways and one row further
  // from every visible cell that is not a wall.
  visible_[kViewSize - 1][kViewSize / 2] = true;
  for (int row = kViewSize - 1; row >= 0; --row) {
    for (int col = 0; col < kViewSize - 1; ++col) {
      if (!visible_[row][col] || view_[row][col] == Cell::kWall) continue;
      visible_[row][col + 1] = true;
      if (row > 0) {
        visible_[row - 1][col + 1] = true;
        visible_[row - 1][col] = true;
      }
    }
    for (int col = kViewSize - 1; col >= 1; --col) {
      if (!visible_[row][col] || view_[row][col] == Cell::kWall) continue;
      visible_[row][col - 1] = true;
      if (row > 0) {
        visible_[row - 1][col - 1] = true;
        visible_[row - 1][col] = true;
      }
    }
  }
  for (int row = 0; row < kViewSize; ++row) {
    for (int col = 0; col < kViewSize; ++col) {
      if (!visible_[row][col]) view_[row][col] = Cell::kFloor;
    }
  }
}

void MinigridMemory::write_observation(void* obs) {
  compute_view();
  const TileSet& tiles = observation_tiles();
  uint8_t* out = static_cast<uint8_t*>(obs);
  for (int row = 0; row < kViewSize; ++row) {
    for (int col = 0; col < kViewSize; ++col) {
      const bool agent_here = row == kViewSize - 1 && col == kViewSize / 2;
      const uint8_t* tile =
          agent_here ? tiles.agent[kDirUp].data() : tiles.cell(view_[row][col], visible_[row][col]);
      blit(out, kObsPixels, col * kObsTile, row * kObsTile, tile, kObsTile);
    }
  }
}

void MinigridMemory::render(Image& out) const {
  const TileSet& tiles = render_tiles();
  out.resize(size_ * kRenderTile, size_ * kRenderTile);
  const int fx = kDirVec[agent_dir_][0], fy = kDirVec[agent_dir_][1];
  const int rx = -fy, ry = fx;
  for (int y = 0; y < size_; ++y) {
    for (int x = 0; x < size_; ++x) {
      // Highlight the cells the agent sees, as MiniGrid's full render does.
      const int dx = x - agent_x_, dy = y - agent_y_;
      const int row = kViewSize - 1 - (fx * dx + fy * dy);
      const int col = kViewSize / 2 + rx * dx + ry * dy;
      const bool in_view = row >= 0 && row < kViewSize && col >= 0 && col < kViewSize;
      const bool highlighted = in_view && visible_[row][col];
      const uint8_t* tile = x == agent_x_ && y == agent_y_ ? tiles.agent[agent_dir_].data()
                                                           : tiles.cell(cell(x, y), highlighted);
      blit(out.pixels.data(), out.width, x * kRenderTile, y * kRenderTile, tile, kRenderTile);
    }
  }
}

EnvInfo minigrid_memory_info() {
  EnvInfo info;
  info.id = "minigrid_memory";
  info.description =
      "MiniGrid Memory (MiniGrid-MemoryS<size>[Random]): see a green key or ball in the start "
      "room, walk the corridor and step next to the matching object at its end (1 - 0.9 "
      "t/max_steps; the other object pays 0; both end the episode); 84x84 RGB view of the 3x3 "
      "cells ahead, actions turn left/turn right/forward, 5 size^2 steps";
  info.options = {
      {"minigrid_size", 9,
       "grid side S, odd, 7..101 (MiniGrid-MemoryS9: 9, MiniGrid-MemoryS17Random: 17)"},
      {"minigrid_random_length", false,
       "draw the corridor end per episode from [4, S-3] (MiniGrid's *Random variants); false: "
       "S-3"},
  };
  info.make = [](const nlohmann::json& options) {
    return std::make_unique<MinigridMemory>(MinigridMemory::parse_options(options));
  };
  return info;
}

}  // namespace lever

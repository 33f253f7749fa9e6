// Chaser: a Pac-Man-like maze. Every free cell holds a small orb (+0.04); collecting the last one
// gives +10 and completes the level. Enemies hatch from eggs and chase the agent; touching one
// kills, unless a large orb (+0.04) has made them edible for 75 steps, in which case the agent
// eats it and it returns as an egg. Square Kruskal maze without dead ends, whole maze in view.
#include <algorithm>
#include <array>
#include <cmath>

#include "lever/env/procgen/games.h"

namespace lever::procgen {
namespace {

constexpr uint8_t kWall = 1, kOrb = 2, kLargeOrb = 3;  // grid tiles; 0 is an empty corridor
constexpr int kEgg = 0, kEnemy = 1;                    // entity types
constexpr float kOrbReward = 0.04f;
constexpr float kCompletionBonus = 10.0f;
constexpr float kAgentSpeed = 0.5f, kEnemySpeed = 0.5f;
constexpr int kEdibleSteps = 75, kHatchSteps = 50;
// Agent and enemy half-width: two of them one cell apart (1.0) do not touch, and 0.8 > 0.5 (the
// largest move per step) means they can never pass through each other.
constexpr float kBodyRadius = 0.4f;
constexpr int kDirections[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};

int maze_size(Mode mode) { return mode == Mode::kEasy ? 11 : mode == Mode::kHard ? 13 : 19; }

bool centred(float v) { return std::abs(v - std::floor(v) - 0.5f) < 1e-3f; }
int cell_of(float v) { return static_cast<int>(std::floor(v)); }

Color unlike(Color agent, Color preferred, Color fallback) {
  return distinct_from(preferred, agent, fallback);
}

class Chaser : public ProcgenGame {
 public:
  static GameInfo info() {
    return {"chaser",
            "Procgen Chaser: collect every orb in a maze (+0.04 each, +10 when none are left) "
            "while enemies chase you; large orbs make them edible. Maze 11 (easy), 13 (hard) or "
            "19 (extreme); 3 enemies (5 in extreme)",
            true, false};
  }
  explicit Chaser(const Options& options)
      : ProcgenGame(info(), options, static_cast<float>(maze_size(options.mode)),
                    static_cast<float>(maze_size(options.mode)), 1000),
        size_(maze_size(options.mode)) {
    const int cells = (size_ - 1) / 2;
    parent_.reserve(static_cast<size_t>(cells) * cells);
    walls_.reserve(static_cast<size_t>(2) * cells * cells);
    cached_walls_.reserve(static_cast<size_t>(size_) * size_);
  }

 protected:
  bool solid(uint8_t tile) const override { return tile == kWall; }

  void generate() override {
    max_speed_ = kAgentSpeed;
    edible_timer_ = 0;
    last_dx_ = last_dy_ = 0;
    build_maze();

    int free_count = 0;
    for (uint8_t tile : grid_.cells) free_count += tile == 0;
    int start = static_cast<int>(rng_.below(static_cast<uint64_t>(free_count)));
    for (int i = 0; i < static_cast<int>(grid_.cells.size()); ++i) {
      if (grid_.cells[i] != 0) continue;
      if (start-- == 0) {
        agent_.x = static_cast<float>(i % size_) + 0.5f;
        agent_.y = static_cast<float>(i / size_) + 0.5f;
      }
      grid_.cells[i] = kOrb;
    }
    // The agent's own cell starts empty (the reference is silent; a free first orb is pointless).
    grid_.set(cell_of(agent_.x), cell_of(agent_.y), 0);
    agent_.rx = agent_.ry = kBodyRadius;
    agent_.shape = Shape::kCircle;
    agent_.color = theme(theme_index_).agent;
    agent_.detail = theme(theme_index_).agent_detail;

    place_large_orbs();
    orbs_left_ = 0;
    for (uint8_t tile : grid_.cells) orbs_left_ += tile == kOrb;

    const Color agent = agent_.color;
    orb_color_ = unlike(agent, {250, 250, 210}, {250, 150, 90});
    egg_color_ = unlike(agent, {235, 220, 180}, {170, 120, 80});
    const int enemies = options_.mode == Mode::kExtreme ? 5 : 3;
    for (int i = 0; i < enemies; ++i) {
      Entity egg;
      become_egg(egg);
      entities_.push_back(egg);
    }
  }

  void update(const ActionInput& action) override {
    if (edible_timer_ > 0) --edible_timer_;
    move_agent(action);
    collect_orbs();
    if (episode_over_) return;

    const float enemy_speed = edible_timer_ > 0 ? kEnemySpeed / 2 : kEnemySpeed;
    for (Entity& e : entities_) {
      if (e.type == kEgg) {
        if (--e.timer <= 0) {
          e.type = kEnemy;
          e.vx = e.vy = 0;
          e.rx = e.ry = kBodyRadius;
        }
        continue;
      }
      move_enemy(e, enemy_speed);
    }
    for (Entity& e : entities_) {
      if (e.type != kEnemy || !overlaps(agent_, e)) continue;
      if (edible_timer_ == 0) {
        end_episode(false);
        return;
      }
      become_egg(e);  // eaten: the reference names no reward for it, so none
    }
  }

  void draw_world(Canvas canvas, const Camera& cam) const override {
    draw_walls(canvas, cam);
    // Keep orbs at least a pixel across at 64 x 64, even in the 19-cell extreme maze.
    const float orb_half = std::max(0.14f * cam.scale_x, 0.55f);
    for (int ty = 0; ty < grid_.height; ++ty) {
      for (int tx = 0; tx < grid_.width; ++tx) {
        const uint8_t tile = grid_.cells[ty * grid_.width + tx];
        if (tile != kOrb && tile != kLargeOrb) continue;
        const float cx = cam.px(tx + 0.5f), cy = cam.py(ty + 0.5f);
        if (tile == kOrb) {
          fill_rect(canvas, cx - orb_half, cy - orb_half, cx + orb_half, cy + orb_half, orb_color_);
        } else {
          fill_circle(canvas, cx, cy, 0.3f * cam.scale_x, orb_color_);
        }
      }
    }
    for (const Entity& e : entities_) {
      if (e.type == kEgg) {
        draw_entity(canvas, cam, e);
      } else {
        draw_enemy(canvas, cam, e);
      }
    }
    draw_entity(canvas, cam, agent_);
  }

 private:
  // Kruskal over the cells at odd coordinates, then every dead end opened towards a random
  // walled neighbour, so the maze has loops to escape through.
  void build_maze() {
    grid_.reset(size_, size_, kWall);
    const int n = (size_ - 1) / 2;
    auto tile_x = [&](int cell) { return 2 * (cell % n) + 1; };
    auto tile_y = [&](int cell) { return 2 * (cell / n) + 1; };
    parent_.resize(static_cast<size_t>(n) * n);
    walls_.clear();
    for (int c = 0; c < n * n; ++c) {
      parent_[c] = c;
      grid_.set(tile_x(c), tile_y(c), 0);
      if (c % n + 1 < n) walls_.push_back(2 * c);      // towards the cell on the right
      if (c / n + 1 < n) walls_.push_back(2 * c + 1);  // towards the cell above
    }
    for (size_t i = walls_.size(); i > 1; --i) {
      std::swap(walls_[i - 1], walls_[rng_.below(i)]);
    }
    auto root = [&](int c) {
      while (parent_[c] != c) c = parent_[c] = parent_[parent_[c]];
      return c;
    };
    for (int wall : walls_) {
      const int a = wall / 2, b = wall % 2 == 0 ? a + 1 : a + n;
      const int ra = root(a), rb = root(b);
      if (ra == rb) continue;
      parent_[ra] = rb;
      grid_.set(tile_x(a) + (wall % 2 == 0), tile_y(a) + (wall % 2 == 1), 0);
    }
    for (int c = 0; c < n * n; ++c) {
      const int x = tile_x(c), y = tile_y(c);
      int open = 0, closed = 0;
      int closed_dirs[4];
      for (int d = 0; d < 4; ++d) {
        const int wx = x + kDirections[d][0], wy = y + kDirections[d][1];
        if (wx <= 0 || wy <= 0 || wx >= size_ - 1 || wy >= size_ - 1) continue;
        if (grid_.get(wx, wy) == kWall) {
          closed_dirs[closed++] = d;
        } else {
          ++open;
        }
      }
      if (open != 1 || closed == 0) continue;
      const int d = closed_dirs[rng_.below(static_cast<uint64_t>(closed))];
      grid_.set(x + kDirections[d][0], y + kDirections[d][1], 0);
    }
  }

  // "About one per quadrant": quadrants in a random order, the count wrapping round in extreme.
  void place_large_orbs() {
    const int count = options_.mode == Mode::kEasy ? 4 : options_.mode == Mode::kHard ? 3 : 5;
    int quadrants[4] = {0, 1, 2, 3};
    for (int i = 3; i > 0; --i) std::swap(quadrants[i], quadrants[rng_.below(i + 1)]);
    const int half = size_ / 2;
    for (int i = 0; i < count; ++i) {
      const int q = quadrants[i % 4];
      const int x_lo = q % 2 == 0 ? 1 : half, x_hi = q % 2 == 0 ? half : size_ - 1;
      const int y_lo = q / 2 == 0 ? 1 : half, y_hi = q / 2 == 0 ? half : size_ - 1;
      int candidates = 0;
      for (int y = y_lo; y < y_hi; ++y) {
        for (int x = x_lo; x < x_hi; ++x) candidates += grid_.get(x, y) == kOrb;
      }
      if (candidates == 0) continue;
      int pick = static_cast<int>(rng_.below(static_cast<uint64_t>(candidates)));
      for (int y = y_lo; y < y_hi && pick >= 0; ++y) {
        for (int x = x_lo; x < x_hi && pick >= 0; ++x) {
          if (grid_.get(x, y) == kOrb && pick-- == 0) grid_.set(x, y, kLargeOrb);
        }
      }
    }
  }

  // A fresh egg on a random free cell at least half the maze (Manhattan) from the agent; Procgen's
  // text does not say where eaten enemies respawn, and far away keeps a respawn from being a trap.
  void become_egg(Entity& e) {
    const int ax = cell_of(agent_.x), ay = cell_of(agent_.y);
    int min_distance = size_ / 2;
    auto far_free = [&](int x, int y) {
      return !solid(grid_.get(x, y)) && std::abs(x - ax) + std::abs(y - ay) >= min_distance;
    };
    auto count_candidates = [&] {
      int n = 0;
      for (int y = 1; y < size_ - 1; ++y) {
        for (int x = 1; x < size_ - 1; ++x) n += far_free(x, y);
      }
      return n;
    };
    int candidates = count_candidates();
    if (candidates == 0) {  // never in a generated maze, but a scripted grid may have none
      min_distance = 1;
      candidates = std::max(count_candidates(), 1);
    }
    int pick = static_cast<int>(rng_.below(static_cast<uint64_t>(candidates)));
    for (int y = 1; y < size_ - 1 && pick >= 0; ++y) {
      for (int x = 1; x < size_ - 1 && pick >= 0; ++x) {
        if (far_free(x, y) && pick-- == 0) {
          e.x = static_cast<float>(x) + 0.5f;
          e.y = static_cast<float>(y) + 0.5f;
        }
      }
    }
    e.type = kEgg;
    e.timer = kHatchSteps;
    e.vx = e.vy = 0;
    e.rx = e.ry = 0.35f;
    e.shape = Shape::kRing;
    e.color = egg_color_;
    e.detail = {120, 80, 50};
  }

  bool free_tile(int x, int y) const { return grid_.inside(x, y) && !solid(grid_.get(x, y)); }

  // Movement is along corridors only: across x needs y on a cell centre, and from a cell centre
  // the next cell must be free (between two centres both cells are free).
  bool can_move(const Entity& e, int dx, int dy) const {
    if (dx != 0) {
      if (!centred(e.y)) return false;
      return !centred(e.x) || free_tile(cell_of(e.x) + dx, cell_of(e.y));
    }
    if (dy != 0) {
      if (!centred(e.x)) return false;
      return !centred(e.y) || free_tile(cell_of(e.x), cell_of(e.y) + dy);
    }
    return false;
  }

  // Moves e along (dx, dy) by at most `budget`, stopping at the next cell centre; returns the
  // distance covered.
  static float advance_to_centre(Entity& e, int dx, int dy, float budget) {
    float& c = dx != 0 ? e.x : e.y;
    const int d = dx != 0 ? dx : dy;
    const float offset = c - std::floor(c) - 0.5f;  // from the current cell's centre
    float to_centre = 1.0f;
    if (!centred(c)) {
      to_centre = d > 0 ? (offset < 0 ? -offset : 1 - offset) : (offset > 0 ? offset : 1 + offset);
    }
    const float s = std::min(budget, to_centre);
    c += static_cast<float>(d) * s;
    if (centred(c)) c = std::floor(c) + 0.5f;
    return s;
  }

  // The grid version of Procgen's agent: speed 0.5, no inertia, stop when no key is pressed. A
  // diagonal tries its horizontal part first; a blocked key between two cells keeps the agent
  // going the way it was, so it always gets back onto a cell centre (both choices are ours).
  void move_agent(const ActionInput& action) {
    int dx = 0, dy = 0;
    if (action.ax != 0 && can_move(agent_, action.ax, 0)) {
      dx = action.ax;
    } else if (action.ay != 0 && can_move(agent_, 0, action.ay)) {
      dy = action.ay;
    } else if ((action.ax != 0 || action.ay != 0) && !(centred(agent_.x) && centred(agent_.y)) &&
               can_move(agent_, last_dx_, last_dy_)) {
      dx = last_dx_;
      dy = last_dy_;
    }
    const float x0 = agent_.x, y0 = agent_.y;
    float budget = kAgentSpeed;
    while (budget > 1e-4f && (dx != 0 || dy != 0) && can_move(agent_, dx, dy)) {
      budget -= advance_to_centre(agent_, dx, dy, budget);
    }
    if (dx != 0 || dy != 0) {
      last_dx_ = dx;
      last_dy_ = dy;
    }
    agent_.vx = agent_.x - x0;
    agent_.vy = agent_.y - y0;
  }

  // Orbs in every cell the agent's centre is within a quarter cell of: on a centre its own cell,
  // half-way between two cells both of them.
  void collect_orbs() {
    const int xs[2] = {cell_of(agent_.x - 0.25f), cell_of(agent_.x + 0.25f)};
    const int ys[2] = {cell_of(agent_.y - 0.25f), cell_of(agent_.y + 0.25f)};
    for (int i = 0; i < 2; ++i) {
      for (int j = 0; j < 2; ++j) {
        if ((i == 1 && xs[1] == xs[0]) || (j == 1 && ys[1] == ys[0])) continue;
        const uint8_t tile = grid_.get(xs[i], ys[j]);
        if (tile != kOrb && tile != kLargeOrb) continue;
        grid_.set(xs[i], ys[j], 0);
        reward_ += kOrbReward;
        if (tile == kLargeOrb) {
          edible_timer_ = kEdibleSteps;
        } else {
          --orbs_left_;
        }
      }
    }
    if (orbs_left_ == 0) {
      reward_ += kCompletionBonus;
      end_episode(true);
    }
  }

  // At each cell centre an enemy picks a corridor, never turning back unless it must. With two or
  // more choices, half the time it takes the one that brings it closest to the agent (Manhattan;
  // farthest while edible), otherwise a random one.
  void choose_direction(Entity& e) {
    const int x = cell_of(e.x), y = cell_of(e.y);
    const int back_x = -static_cast<int>(e.vx), back_y = -static_cast<int>(e.vy);
    int options[4], count = 0, reverse = -1;
    for (int d = 0; d < 4; ++d) {
      if (!free_tile(x + kDirections[d][0], y + kDirections[d][1])) continue;
      if (kDirections[d][0] == back_x && kDirections[d][1] == back_y && (back_x || back_y)) {
        reverse = d;
        continue;
      }
      options[count++] = d;
    }
    if (count == 0 && reverse >= 0) options[count++] = reverse;
    if (count == 0) {
      e.vx = e.vy = 0;
      return;
    }
    int choice = options[0];
    if (count > 1) {
      if (rng_.below(2) == 0) {
        const float sign = edible_timer_ > 0 ? -1.0f : 1.0f;
        float best = 0;
        int ties = 0;
        for (int i = 0; i < count; ++i) {
          const int d = options[i];
          const float dist = std::abs(x + 0.5f + kDirections[d][0] - agent_.x) +
                             std::abs(y + 0.5f + kDirections[d][1] - agent_.y);
          const float score = sign * dist;
          if (ties == 0 || score < best - 1e-4f) {
            best = score;
            choice = d;
            ties = 1;
          } else if (score < best + 1e-4f && rng_.below(static_cast<uint64_t>(++ties)) == 0) {
            choice = d;
          }
        }
      } else {
        choice = options[rng_.below(static_cast<uint64_t>(count))];
      }
    }
    e.vx = static_cast<float>(kDirections[choice][0]);
    e.vy = static_cast<float>(kDirections[choice][1]);
  }

  void move_enemy(Entity& e, float speed) {
    float budget = speed;
    while (budget > 1e-4f) {
      if (centred(e.x) && centred(e.y)) {
        choose_direction(e);
        if (e.vx == 0 && e.vy == 0) return;
      }
      budget -= advance_to_centre(e, static_cast<int>(e.vx), static_cast<int>(e.vy), budget);
    }
  }

  // The walls never move, so the 64 x 64 observation copies background and walls from a frame
  // drawn once per level; the copy is redrawn whenever the wall layout (or the level) differs
  // from the one it was drawn for, e.g. after a test edits the grid.
  void draw_walls(Canvas canvas, const Camera& cam) const {
    const bool observation = canvas.width == 64 && canvas.height == 64;
    const size_t cells = grid_.cells.size();
    bool cached = observation && cached_seed_ == level_seed_ && cached_walls_.size() == cells;
    for (size_t i = 0; cached && i < cells; ++i) {
      cached = cached_walls_[i] == (grid_.cells[i] == kWall);
    }
    if (cached) {
      std::copy(cached_frame_.begin(), cached_frame_.end(), canvas.data);
      return;
    }
    const Color wall = theme(theme_index_).tile;
    for (int ty = 0; ty < grid_.height; ++ty) {
      for (int tx = 0; tx < grid_.width; ++tx) {
        if (grid_.cells[ty * grid_.width + tx] != kWall) continue;
        fill_rect(canvas, cam.px(static_cast<float>(tx)), cam.py(static_cast<float>(ty + 1)),
                  cam.px(static_cast<float>(tx + 1)), cam.py(static_cast<float>(ty)), wall);
      }
    }
    if (!observation) return;
    std::copy(canvas.data, canvas.data + cached_frame_.size(), cached_frame_.begin());
    cached_walls_.resize(cells);
    for (size_t i = 0; i < cells; ++i) cached_walls_[i] = grid_.cells[i] == kWall;
    cached_seed_ = level_seed_;
  }

  // A ghost: round head, square skirt, two white eyes; blue while edible.
  void draw_enemy(Canvas canvas, const Camera& cam, const Entity& e) const {
    const Color body = edible_timer_ > 0 ? Color{40, 70, 230} : Color{230, 40, 40};
    const float cx = cam.px(e.x), cy = cam.py(e.y);
    const float w = e.rx * cam.scale_x, h = e.ry * cam.scale_y;
    fill_circle(canvas, cx, cy - h * 0.2f, w, body);
    fill_rect(canvas, cx - w, cy - h * 0.2f, cx + w, cy + h, body);
    const float eye = std::max(0.1f * cam.scale_x, 0.5f);
    const Color white{255, 255, 255};
    fill_rect(canvas, cx - w * 0.45f - eye, cy - h * 0.3f - eye, cx - w * 0.45f + eye,
              cy - h * 0.3f + eye, white);
    fill_rect(canvas, cx + w * 0.45f - eye, cy - h * 0.3f - eye, cx + w * 0.45f + eye,
              cy - h * 0.3f + eye, white);
  }

  int size_;
  int orbs_left_ = 0;
  int edible_timer_ = 0;
  int last_dx_ = 0, last_dy_ = 0;
  Color orb_color_{250, 250, 210}, egg_color_{235, 220, 180};
  mutable std::array<uint8_t, 64 * 64 * 3> cached_frame_{};
  mutable std::vector<uint8_t> cached_walls_;
  mutable uint64_t cached_seed_ = ~0ULL;
  std::vector<int> parent_;  // union-find and wall list for Kruskal, kept between levels
  std::vector<int> walls_;
};

}  // namespace

EnvInfo chaser_info() { return make_env_info<Chaser>(Chaser::info()); }

}  // namespace lever::procgen

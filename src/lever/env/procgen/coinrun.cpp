// CoinRun: a side-scrolling platformer. Run right over rising and falling ground, jump pits of
// lava, saws or slimes, dodge saws and walking enemies; the coin at the end gives +10 and
// completes the level. 64x64 tile world under gravity, camera centred on the agent 13 tiles wide.
#include <algorithm>
#include <cmath>

#include "lever/env/procgen/games.h"

namespace lever::procgen {
namespace {

constexpr int kWorld = 64;
constexpr float kVisibility = 13.0f;
constexpr float kMaxSpeed = 0.5f;
constexpr float kGravity = 0.2f;
constexpr float kMaxJump = 1.5f;
constexpr float kGroundMix = 0.2f, kAirMix = 0.03f;
constexpr float kEnemySpeed = 0.15f;
constexpr float kCoinReward = 10.0f;
constexpr float kAgentRx = 0.5f, kAgentRy = 0.579f;
constexpr int kMaxGap = 7;   // widest pit the jump clears with a run-up
constexpr int kMaxStep = 5;  // highest rise the jump clears (its apex is 6.4 tiles)
constexpr int kSubsteps = 4;
constexpr float kEps = 1e-4f;

// Tile values in grid_ (tests/env/procgen/test_coinrun.cpp mirrors them). Barriers are invisible
// markers at section edges that turn walking enemies around; only kWall blocks the agent.
constexpr uint8_t kWall = 1, kLava = 2, kCrate = 3, kBarrier = 4;
// Entity types. Pit enemies behave like platform enemies; the type records where they spawned.
constexpr int kCoin = 1, kSaw = 2, kEnemy = 3, kPitEnemy = 4;

// Agent skins are theme agent colours; theme 1's yellow is left out because it reads as the coin.
constexpr int kSkins[] = {0, 2, 3, 4, 5};
constexpr int kNumSkins = 5;

constexpr Color kCoinColor{255, 230, 0}, kCoinShine{255, 250, 170};
constexpr Color kSawColor{190, 190, 200}, kSawHub{60, 60, 70};
constexpr Color kEnemyColor{140, 40, 180}, kEyeWhite{255, 255, 255}, kPupil{20, 20, 20};
constexpr Color kLavaColor{200, 40, 20}, kLavaTop{240, 80, 10};
constexpr Color kCrateColor{175, 120, 60}, kCrateEdge{105, 65, 25};

Color lighter(Color c, int by) {
  auto up = [by](uint8_t v) { return static_cast<uint8_t>(std::min(255, v + by)); };
  return {up(c.r), up(c.g), up(c.b)};
}

class CoinRun : public ProcgenGame {
 public:
  static GameInfo info() {
    return {"coinrun",
            "Procgen CoinRun: a platformer; reach the coin at the right end (+10) past saws, lava "
            "and enemies (death ends the episode). Easy has no platform enemies and one look",
            false, true};
  }
  explicit CoinRun(const Options& options) : ProcgenGame(info(), options, kWorld, kWorld, 1000) {
    visibility_ = kVisibility;
    max_speed_ = kMaxSpeed;
  }

 protected:
  bool solid(uint8_t tile) const override { return tile == kWall; }

  void generate() override {
    const bool easy = options_.mode == Mode::kEasy;
    grid_.reset(kWorld, kWorld, 0);
    fill(0, 0, kWorld, 1, kWall);

    const int difficulty = 1 + static_cast<int>(rng_.below(3));
    const int num_sections = difficulty + static_cast<int>(rng_.below(difficulty));
    const int danger = static_cast<int>(rng_.below(3));  // what every pit holds: lava, saws, slimes
    int x = 5, y = 1;
    for (int s = 0; s < num_sections; ++s) {
      int dy = std::min(kMaxStep, 1 + static_cast<int>(rng_.below(4)) + difficulty / 3);
      // Silent in the reference: keep the terrain low, falling at random once it has some height.
      if (y >= 20 || (y >= 5 && rng_.below(2) == 1)) dy = -dy;
      const int dx = 3 + static_cast<int>(rng_.below(2 * difficulty)) + difficulty / 3;
      y = std::max(1, y + dy);
      // A pit needs room for walls on both sides and for lava below the stepping-stone row.
      const bool pit = dx > 7 && y > 3 && static_cast<int>(rng_.below(20)) >= difficulty;
      if (pit) {
        build_pit(x, y, dx, danger);
      } else {
        build_platform(x, y, dx, difficulty, easy);
      }
      if (grid_.get(x - 1, y) == 0) grid_.set(x - 1, y, kBarrier);
      x += dx;
      grid_.set(x, y, kBarrier);  // the next section's ground replaces it when that one is higher
    }
    // The coin stands on the last column of the last section; a wall closes the world after it.
    add_entity(kCoin, x - 1, y, 0.0f);
    fill(x, 0, kWorld - x, kWorld, kWall);

    agent_.rx = kAgentRx;
    agent_.ry = kAgentRy;
    agent_.x = 1.5f;
    agent_.y = 1.0f + kAgentRy;  // standing on the floor (the reference rounds this to 1.58)
    agent_.shape = Shape::kRect;
    // Drawn last so that a seed's layout is the same in easy and hard.
    const int skin = kSkins[rng_.below(kNumSkins)];
    if (easy || options_.restrict_themes) {
      theme_index_ = 0;
      background_style_ = 0;
      skin_ = kSkins[0];
    } else {
      skin_ = skin;
    }
    agent_.color = theme(skin_).agent;
    agent_.detail = theme(skin_).agent_detail;
  }

  void update(const ActionInput& action) override {
    const bool supported = is_supported();
    const float mix = supported ? kGroundMix : kAirMix;
    agent_.vx = (1 - mix) * agent_.vx + mix * kMaxSpeed * static_cast<float>(action.ax);
    // Dead zone (threshold not in the reference): half of one step's acceleration.
    if (std::abs(agent_.vx) < 0.5f * mix * kMaxSpeed) agent_.vx = 0;
    // A jump replaces gravity on its first step (not in the reference); the apex is then 6.4
    // tiles, which clears the generator's 5-tile steps.
    if (action.ay > 0 && supported) {
      agent_.vy = kMaxJump;
    } else {
      agent_.vy = std::max(agent_.vy - kGravity, -kMaxJump);
    }
    if (action.ax != 0) agent_.face_left = action.ax < 0;
    move_agent();

    for (Entity& e : entities_) {
      if (e.type != kEnemy && e.type != kPitEnemy) continue;
      const float nx = e.x + e.vx;
      if (enemy_blocked(nx, e)) {
        e.vx = -e.vx;
      } else {
        e.x = nx;
      }
      e.face_left = e.vx < 0;
    }

    if (touches_tile(agent_, kLava)) {
      end_episode(false);
      return;
    }
    for (const Entity& e : entities_) {
      if (!overlaps(agent_, e)) continue;
      if (e.type == kCoin) {
        reward_ += kCoinReward;
        end_episode(true);
      } else {
        end_episode(false);  // saws and enemies kill
      }
      return;
    }
  }

  void draw_world(Canvas canvas, const Camera& cam) const override {
    draw_tiles(canvas, cam);
    const float half_w = cam.view_w / 2 + 1, half_h = cam.view_h / 2 + 1;
    const float mid_x = cam.x0 + cam.view_w / 2, mid_y = cam.y0 + cam.view_h / 2;
    for (const Entity& e : entities_) {
      if (std::abs(e.x - mid_x) > half_w || std::abs(e.y - mid_y) > half_h) continue;
      if (e.type == kSaw) {
        draw_saw(canvas, cam, e);
      } else if (e.type == kCoin) {
        draw_coin(canvas, cam, e);
      } else {
        draw_enemy(canvas, cam, e);
      }
    }
    draw_agent(canvas, cam);
  }

 private:
  void fill(int x, int y, int w, int h, uint8_t tile) {
    for (int ty = y; ty < y + h; ++ty) {
      for (int tx = x; tx < x + w; ++tx) grid_.set(tx, ty, tile);
    }
  }

  void add_entity(int type, int tx, int ty, float vx) {
    Entity e;
    e.type = type;
    e.x = static_cast<float>(tx) + 0.5f;
    e.y = static_cast<float>(ty) + 0.5f;
    e.rx = e.ry = 0.5f;
    e.vx = vx;
    entities_.push_back(e);
  }

  float random_enemy_velocity() { return rng_.below(2) == 0 ? -kEnemySpeed : kEnemySpeed; }

  void build_pit(int x, int y, int dx, int danger) {
    const int x1 = 1 + static_cast<int>(rng_.below(3));
    int x2 = 1 + static_cast<int>(rng_.below(3));
    int width = dx - x1 - x2;
    if (width > kMaxGap) {
      width = kMaxGap;
      x2 = dx - x1 - width;
    }
    fill(x, 0, x1, y, kWall);
    fill(x + dx - x2, 0, x2, y, kWall);
    const int lava_height = 1 + static_cast<int>(rng_.below(y - 3));
    if (danger == 0) {
      fill(x + x1, 1, width, lava_height, kLava);
    } else {
      for (int i = 0; i < width; ++i) {
        if (danger == 1) {
          add_entity(kSaw, x + x1 + i, 1, 0.0f);
        } else {
          add_entity(kPitEnemy, x + x1 + i, 1, random_enemy_velocity());
        }
      }
    }
    if (width > 4) {  // a stepping stone one row below the rim
      int offset, stone;
      if (width == 5) {
        offset = 1 + static_cast<int>(rng_.below(2));
        stone = 1 + static_cast<int>(rng_.below(2));
      } else if (width == 6) {
        offset = 2 + static_cast<int>(rng_.below(2));
        stone = 1 + static_cast<int>(rng_.below(2));
      } else {
        offset = 2 + static_cast<int>(rng_.below(2));
        stone = width - offset - (2 + static_cast<int>(rng_.below(2)));
      }
      fill(x + x1 + offset, y - 1, stone, 1, kWall);
    }
  }

  void build_platform(int x, int y, int dx, int difficulty, bool easy) {
    fill(x, 0, dx, y, kWall);
    int saw_x = -1, enemy_x = -1;
    if (static_cast<int>(rng_.below(10)) < 2 * difficulty) {
      saw_x = x + 1 + static_cast<int>(rng_.below(dx - 2));
      add_entity(kSaw, saw_x, y, 0.0f);
    }
    // Easy draws the same numbers as hard and just leaves the enemy out, so layouts match.
    if (static_cast<int>(rng_.below(10)) < difficulty) {
      enemy_x = x + 1 + static_cast<int>(rng_.below(dx - 2));
      const float vx = random_enemy_velocity();
      if (!easy) add_entity(kEnemy, enemy_x, y, vx);
    }
    for (int pile = 0; pile < 2; ++pile) {
      const int crate_x = x + 1 + static_cast<int>(rng_.below(dx - 2));
      if (rng_.below(2) == 1 && crate_x != saw_x && crate_x != enemy_x) {
        fill(crate_x, y, 1, 1 + static_cast<int>(rng_.below(3)), kCrate);
      }
    }
  }

  // Tiles in [x0, x1] x [y0, y1] (inclusive tile indices) of an entity's box.
  template <typename Fn>
  bool any_tile(float x, float y, float rx, float ry, Fn&& fn) const {
    const int x0 = static_cast<int>(std::floor(x - rx + kEps));
    const int x1 = static_cast<int>(std::floor(x + rx - kEps));
    const int y0 = static_cast<int>(std::floor(y - ry + kEps));
    const int y1 = static_cast<int>(std::floor(y + ry - kEps));
    for (int ty = y0; ty <= y1; ++ty) {
      for (int tx = x0; tx <= x1; ++tx) {
        if (fn(grid_.inside(tx, ty) ? grid_.get(tx, ty) : kWall)) return true;
      }
    }
    return false;
  }

  bool touches_tile(const Entity& e, uint8_t tile) const {
    return any_tile(e.x, e.y, e.rx, e.ry, [tile](uint8_t t) { return t == tile; });
  }

  bool hits_wall(float x, float y) const {
    return any_tile(x, y, agent_.rx, agent_.ry, [](uint8_t t) { return t == kWall; });
  }

  // Standing on a wall or a crate: the feet rest on a tile's top edge.
  bool is_supported() const {
    const float feet = agent_.y - agent_.ry;
    const float top = std::round(feet);
    if (std::abs(feet - top) > 1e-3f) return false;
    const int row = static_cast<int>(top) - 1;
    const int x0 = static_cast<int>(std::floor(agent_.x - agent_.rx + kEps));
    const int x1 = static_cast<int>(std::floor(agent_.x + agent_.rx - kEps));
    for (int tx = x0; tx <= x1; ++tx) {
      const uint8_t t = grid_.inside(tx, row) ? grid_.get(tx, row) : kWall;
      if (t == kWall || t == kCrate) return true;
    }
    return false;
  }

  // Crates block only a fall that crosses their top edge.
  bool lands_on_crate(float old_feet, float new_feet) const {
    const int row = static_cast<int>(std::floor(new_feet + kEps));
    if (old_feet < static_cast<float>(row + 1) - kEps) return false;
    const int x0 = static_cast<int>(std::floor(agent_.x - agent_.rx + kEps));
    const int x1 = static_cast<int>(std::floor(agent_.x + agent_.rx - kEps));
    for (int tx = x0; tx <= x1; ++tx) {
      if (grid_.get(tx, row) == kCrate) return true;
    }
    return false;
  }

  // Sub-stepped motion that snaps to the edge of whatever blocked it, so the agent rests exactly
  // on the ground (the kernel's move_with_collisions stops short and knows nothing of crates).
  void move_agent() {
    const float dx = agent_.vx / kSubsteps, dy = agent_.vy / kSubsteps;
    for (int i = 0; i < kSubsteps; ++i) {
      if (agent_.vx != 0) {
        const float nx = agent_.x + dx;
        if (hits_wall(nx, agent_.y)) {
          agent_.x = dx > 0 ? std::floor(nx + agent_.rx - kEps) - agent_.rx
                            : std::floor(nx - agent_.rx + kEps) + 1 + agent_.rx;
          agent_.vx = 0;
        } else {
          agent_.x = nx;
        }
      }
      if (agent_.vy != 0) {
        const float ny = agent_.y + dy;
        const float old_feet = agent_.y - agent_.ry, new_feet = ny - agent_.ry;
        if (dy < 0 && (hits_wall(agent_.x, ny) || lands_on_crate(old_feet, new_feet))) {
          agent_.y = std::floor(new_feet + kEps) + 1 + agent_.ry;
          agent_.vy = 0;
        } else if (dy > 0 && hits_wall(agent_.x, ny)) {
          agent_.y = std::floor(ny + agent_.ry - kEps) - agent_.ry;
          agent_.vy = 0;
        } else {
          agent_.y = ny;
        }
      }
    }
  }

  bool enemy_blocked(float nx, const Entity& e) const {
    return any_tile(nx, e.y, e.rx, e.ry, [](uint8_t t) { return t == kWall || t == kBarrier; });
  }

  // Outside the world counts as wall, for drawing as for collisions.
  uint8_t tile_at(int tx, int ty) const { return grid_.inside(tx, ty) ? grid_.get(tx, ty) : kWall; }

  // Walls under open air get a grass edge; lava under anything but lava gets a bright crust.
  bool is_surface(uint8_t v, int tx, int ty) const {
    const uint8_t above = tile_at(tx, ty + 1);
    return v == kWall ? !solid(above) : above != kLava;
  }

  void draw_tiles(Canvas canvas, const Camera& cam) const {
    const Theme& t = theme(theme_index_);
    const Color grass = lighter(t.tile, 60);
    const int x_lo = static_cast<int>(std::floor(cam.x0));
    const int x_hi = static_cast<int>(std::floor(cam.x0 + cam.view_w));
    const int y_lo = static_cast<int>(std::floor(cam.y0));
    const int y_hi = static_cast<int>(std::floor(cam.y0 + cam.view_h));
    for (int ty = y_lo; ty <= y_hi; ++ty) {
      const float top = cam.py(static_cast<float>(ty + 1)), bottom = cam.py(static_cast<float>(ty));
      const float strip = (bottom - top) * 0.25f;
      int tx = x_lo;
      while (tx <= x_hi) {
        const uint8_t v = tile_at(tx, ty);
        if (v == 0 || v == kBarrier) {
          ++tx;
          continue;
        }
        const float left = cam.px(static_cast<float>(tx));
        if (v == kCrate) {
          const float right = cam.px(static_cast<float>(tx + 1));
          const float inset = std::max(1.0f, (right - left) * 0.12f);
          fill_rect(canvas, left, top, right, bottom, kCrateEdge);
          fill_rect(canvas, left + inset, top + inset, right - inset, bottom - inset, kCrateColor);
          ++tx;
          continue;
        }
        // Merge a run of the same tile (and the same surface flag) into one rectangle.
        const bool surface = is_surface(v, tx, ty);
        int end = tx + 1;
        while (end <= x_hi && tile_at(end, ty) == v && is_surface(v, end, ty) == surface) ++end;
        const float right = cam.px(static_cast<float>(end));
        if (v == kWall) {
          fill_rect(canvas, left, top, right, bottom, t.tile);
          if (surface) fill_rect(canvas, left, top, right, top + strip, grass);
        } else {
          fill_rect(canvas, left, surface ? top + strip : top, right, bottom, kLavaColor);
          if (surface) fill_rect(canvas, left, top + strip, right, top + 2 * strip, kLavaTop);
        }
        tx = end;
      }
    }
  }

  void draw_agent(Canvas canvas, const Camera& cam) const {
    const float cx = cam.px(agent_.x), cy = cam.py(agent_.y);
    const float w = agent_.rx * cam.scale_x, h = agent_.ry * cam.scale_y;
    fill_rect(canvas, cx - w, cy - h, cx + w, cy + h, agent_.color);
    const float d = agent_.face_left ? -1.0f : 1.0f;
    const float eye = std::max(0.5f, w * 0.18f);
    const float ex = cx + d * w * 0.55f, ey = cy - h * 0.5f;
    fill_rect(canvas, ex - eye, ey - eye, ex + eye, ey + eye, agent_.detail);
  }

  void draw_coin(Canvas canvas, const Camera& cam, const Entity& e) const {
    const float cx = cam.px(e.x), cy = cam.py(e.y), r = e.rx * cam.scale_x;
    fill_circle(canvas, cx, cy, r * 0.85f, kCoinColor);
    fill_circle(canvas, cx - r * 0.2f, cy - r * 0.2f, r * 0.35f, kCoinShine);
  }

  void draw_saw(Canvas canvas, const Camera& cam, const Entity& e) const {
    const float cx = cam.px(e.x), cy = cam.py(e.y), r = e.rx * cam.scale_x;
    const float spin = 0.5f * static_cast<float>(steps_);
    fill_circle(canvas, cx, cy, r * 0.75f, kSawColor);
    for (int k = 0; k < 2; ++k) {  // two turning squares make an eight-toothed blade
      const float a = spin + k * 0.785398f;
      Point p[4];
      for (int i = 0; i < 4; ++i) {
        const float b = a + i * 1.570796f;
        p[i] = {cx + r * std::cos(b), cy + r * std::sin(b)};
      }
      fill_convex_polygon(canvas, p, 4, kSawColor);
    }
    fill_circle(canvas, cx, cy, r * 0.3f, kSawHub);
  }

  void draw_enemy(Canvas canvas, const Camera& cam, const Entity& e) const {
    const float cx = cam.px(e.x), cy = cam.py(e.y);
    const float w = e.rx * cam.scale_x * 0.9f, h = e.ry * cam.scale_y;
    fill_circle(canvas, cx, cy, w, kEnemyColor);
    fill_rect(canvas, cx - w, cy, cx + w, cy + h, kEnemyColor);
    const float d = e.face_left ? -1.0f : 1.0f;
    const float eye = std::max(0.5f, w * 0.2f);
    const float ex = cx + d * w * 0.4f, ey = cy - h * 0.25f;
    fill_rect(canvas, ex - eye, ey - eye, ex + eye, ey + eye, kEyeWhite);
    fill_rect(canvas, ex + d * eye * 0.4f - eye * 0.5f, ey - eye * 0.5f,
              ex + d * eye * 0.4f + eye * 0.5f, ey + eye * 0.5f, kPupil);
  }

  int skin_ = 0;
};

}  // namespace

EnvInfo coinrun_info() { return make_env_info<CoinRun>(CoinRun::info()); }

}  // namespace lever::procgen

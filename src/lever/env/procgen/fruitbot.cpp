// FruitBot: a robot drives up a tall corridor, steering left and right through gaps in walls. Fruit
// gives +1, other objects -4, a wall or locked door kills, and the row of presents at the top gives
// +10 and completes the level. Hard locks some gaps with a door that a key (action 9) opens.
#include <algorithm>
#include <cmath>

#include "lever/env/procgen/games.h"

namespace lever::procgen {
namespace {

constexpr float kHeight = 60.0f;
constexpr float kMaxSpeed = 0.85f;
constexpr float kDrive = 0.2f;  // the constant upward action
constexpr float kAgentRadius = 0.4f;
constexpr float kObjectRadius = 0.5f;
constexpr float kWallRy = 0.3f;
constexpr float kLockRx = 0.25f, kLockRy = 0.45f;
constexpr float kDoorTile = 2 * kWallRy * 3.25f;  // one fence panel's width
constexpr float kKeySpeed = 0.5f, kKeyRadius = 0.25f;
constexpr int kKeyLife = 8;  // steps a key lasts, also the cooldown between keys
constexpr float kFruitReward = 1.0f, kJunkPenalty = -4.0f, kCompletionBonus = 10.0f;

enum Type { kWall = 1, kDoor, kLock, kKey, kFruit, kJunk, kPresent };

constexpr Color kFruitColors[] = {{225, 35, 40},  {250, 135, 20}, {150, 205, 40},
                                  {140, 60, 180}, {250, 230, 70}, {255, 150, 160}};
constexpr Color kJunkColors[] = {{150, 150, 165}, {150, 100, 55}, {240, 240, 240},
                                 {55, 85, 205},   {85, 50, 30},   {30, 150, 140}};
constexpr Color kPresentColors[] = {{215, 45, 55}, {50, 150, 230}, {150, 75, 200}};
constexpr Color kDoorColor{225, 185, 45}, kDoorPost{140, 105, 20};
constexpr Color kLockColor{205, 40, 40}, kKeyColor{235, 70, 60};

class FruitBot : public ProcgenGame {
 public:
  static GameInfo info() {
    return {"fruitbot",
            "Procgen FruitBot: steer up through gaps in walls; fruit +1, other objects -4, a wall "
            "kills, the presents at the top +10. Easy 10 wide with 5 walls, hard 20 wide with 10 "
            "walls and locked doors opened by a key (action 9)",
            false, true};
  }
  explicit FruitBot(const Options& options)
      : ProcgenGame(info(), options, options.mode == Mode::kEasy ? 10.0f : 20.0f, kHeight, 1000) {}

 protected:
  void generate() override {
    const bool easy = options_.mode == Mode::kEasy;
    const int width = static_cast<int>(world_w_);
    visibility_ = world_w_;
    max_speed_ = kMaxSpeed;
    last_fire_ = 0;
    agent_color_ = theme(theme_index_).agent;

    agent_.rx = agent_.ry = kAgentRadius;
    agent_.x = static_cast<float>(rng_.uniform(kAgentRadius, world_w_ - kAgentRadius));
    agent_.y = kAgentRadius;
    agent_.color = agent_color_;
    agent_.detail = theme(theme_index_).agent_detail;

    // Wall rows at least 4 apart; the leftover height is split into random non-negative parts.
    const int num_walls = easy ? 5 : 10;
    const int min_sep = 4;
    const float door_prob = easy ? 0.0f : 0.125f;
    const float min_gap = easy ? 0.2f : 0.1f;
    int parts[10];
    partition(static_cast<int>(kHeight) - min_sep * num_walls - 4, num_walls, parts);
    int wall_y = 0;
    for (int i = 0; i < num_walls; ++i) {
      const int dy = min_sep + parts[i];
      wall_y += dy;
      const bool door = dy > 5 && rng_.uniform() < door_prob;
      add_wall_row(static_cast<float>(wall_y), door, min_gap);
    }

    for (int i = 0; i < width; ++i) {
      Entity present = make_entity(kPresent, i + 0.5f, kHeight - 0.5f, 0.5f, 0.5f);
      present.color = kPresentColors[rng_.below(3)];
      present.detail = {250, 235, 130};
      entities_.push_back(present);
    }

    // Easy draws each kind from 2 looks, hard from 6, so easy objects are easier to tell apart.
    const int looks = easy ? 2 : 6;
    const int num_fruit = 10 + static_cast<int>(rng_.below(10));
    const int num_junk = 10 + static_cast<int>(rng_.below(10));
    for (int i = 0; i < num_fruit + num_junk; ++i) {
      const bool fruit = i < num_fruit;
      Entity e = make_entity(fruit ? kFruit : kJunk, 0, 0, kObjectRadius, kObjectRadius);
      place_without_overlap(e);
      const int look = static_cast<int>(rng_.below(looks));
      e.shape = fruit ? Shape::kCircle : Shape::kRect;
      e.color = fruit ? kFruitColors[look] : kJunkColors[look];
      e.detail = fruit ? Color{40, 130, 30} : Color{30, 30, 30};
      e.color = avoid_agent(e.color, fruit ? Color{110, 20, 20} : Color{70, 70, 70});
      entities_.push_back(e);
    }
  }

  void update(const ActionInput& action) override {
    agent_.vx = 0.9f * (0.5f * agent_.vx + 0.5f * kMaxSpeed * static_cast<float>(action.ax));
    agent_.vy = 0.9f * (0.5f * agent_.vy + 0.5f * kMaxSpeed * kDrive);
    move_with_collisions(agent_, /*clamp_to_world=*/true, 4);

    for (Entity& key : entities_) {
      if (key.type != kKey) continue;
      key.x += key.vx;
      key.y += key.vy;
      if (++key.age > kKeyLife) key.alive = false;
    }

    for (Entity& e : entities_) {
      if (!e.alive || !overlaps(agent_, e)) continue;
      switch (e.type) {
        case kWall:
        case kDoor:
          end_episode(false);
          break;
        case kFruit:
          reward_ += kFruitReward;
          e.alive = false;
          break;
        case kJunk:
          reward_ += kJunkPenalty;
          e.alive = false;
          break;
        case kPresent:
          // Procgen pays the bonus for each present overlapped; the reference says +10, once.
          if (!level_complete_) reward_ += kCompletionBonus;
          end_episode(true);
          break;
        default:
          break;
      }
    }

    for (Entity& key : entities_) {
      if (key.type == kKey && key.alive) resolve_key(key);
    }

    const int now = steps_ + 1;
    if (action.special == 1 && now - last_fire_ >= kKeyLife) {
      Entity key = make_entity(kKey, agent_.x, agent_.y, kKeyRadius, kKeyRadius);
      key.vy = kKeySpeed;
      key.shape = Shape::kDiamond;
      key.color = kKeyColor;
      entities_.push_back(key);
      last_fire_ = now;
    }
    prune_entities(0.0f);
  }

  // The whole width, with the agent just above the bottom edge (center_agent off: whole world).
  Camera camera_for(const Canvas& canvas) const override {
    Camera camera;
    if (options_.center_agent) {
      camera.view_w = camera.view_h = world_w_;
      camera.x0 = 0;
      camera.y0 = agent_.y - 2 * agent_.ry;
    } else {
      camera.view_w = camera.view_h = kHeight;
      camera.x0 = world_w_ / 2 - kHeight / 2;
      camera.y0 = 0;
    }
    camera.scale_x = canvas.width / camera.view_w;
    camera.scale_y = canvas.height / camera.view_h;
    return camera;
  }

  void draw_world(Canvas canvas, const Camera& cam) const override {
    // Outside the world is black, as in Procgen (above the presents, beside a whole-world view).
    const Color black{0, 0, 0};
    if (cam.y0 + cam.view_h > kHeight)
      fill_rect(canvas, 0, 0, canvas.width, cam.py(kHeight), black);
    if (cam.y0 < 0) fill_rect(canvas, 0, cam.py(0), canvas.width, canvas.height, black);
    if (cam.x0 < 0) {
      fill_rect(canvas, 0, 0, cam.px(0), canvas.height, black);
      fill_rect(canvas, cam.px(world_w_), 0, canvas.width, canvas.height, black);
    }
    const float y_lo = cam.y0, y_hi = cam.y0 + cam.view_h;
    for (const Entity& e : entities_) {
      if (e.y + e.ry < y_lo || e.y - e.ry > y_hi) continue;
      draw_object(canvas, cam, e);
    }
    draw_robot(canvas, cam);
  }

 private:
  Entity make_entity(int type, float x, float y, float rx, float ry) const {
    Entity e;
    e.type = type;
    e.x = x;
    e.y = y;
    e.rx = rx;
    e.ry = ry;
    return e;
  }

  // Splits total into n non-negative integers, uniform over all compositions (stars and bars).
  void partition(int total, int n, int* parts) {
    int bars[10];
    const int slots = total + n - 1;
    int chosen = 0;
    for (int s = 0; s < slots && chosen < n - 1; ++s) {  // selection sampling keeps bars sorted
      if (rng_.below(static_cast<uint64_t>(slots - s)) < static_cast<uint64_t>(n - 1 - chosen)) {
        bars[chosen++] = s;
      }
    }
    int prev = -1;
    for (int i = 0; i < n - 1; ++i) {
      parts[i] = bars[i] - prev - 1;
      prev = bars[i];
    }
    parts[n - 1] = slots - prev - 1;
  }

  // Two walls with a gap; a door row fills the gap with a fence panel run and a lock at one end.
  void add_wall_row(float y, bool door, float min_gap) {
    const float w = world_w_;
    float gap = min_gap + 0.2f * static_cast<float>(rng_.uniform());
    if (door) {
      const float lock_frac = 2 * kLockRx / w, panel_frac = kDoorTile / w;
      const int panels = static_cast<int>(std::ceil((gap + 0.1f - 2 * lock_frac) / panel_frac));
      gap = 2 * lock_frac + panel_frac * panels;
    }
    const float gap_w = gap * w;
    const float w1 = static_cast<float>(rng_.uniform()) * (w - gap_w);
    const float w2 = w - w1 - gap_w;
    add_wall(w1 / 2, y, w1 / 2);
    add_wall(w - w2 / 2, y, w2 / 2);
    if (!door) return;
    const bool lock_right = rng_.below(2) == 1;
    const float lock_x = lock_right ? w1 + gap_w - kLockRx : w1 + kLockRx;
    const float door_x = w1 + gap_w / 2 + (lock_right ? -kLockRx : kLockRx);
    Entity fence = make_entity(kDoor, door_x, y, gap_w / 2 - kLockRx, kWallRy);
    fence.color = avoid_agent(kDoorColor, {235, 235, 220});
    fence.detail = kDoorPost;
    entities_.push_back(fence);
    Entity lock = make_entity(kLock, lock_x, y - kLockRy + kWallRy, kLockRx, kLockRy);
    lock.color = kLockColor;
    lock.detail = {60, 10, 10};
    entities_.push_back(lock);
  }

  // Objects keep their look unless it could be mistaken for the robot.
  Color avoid_agent(Color c, Color fallback) const {
    return color_distance(c, agent_color_) < 100 ? fallback : c;
  }

  void add_wall(float x, float y, float rx) {
    if (rx <= 0) return;
    Entity wall = make_entity(kWall, x, y, rx, kWallRy);
    wall.color = theme(theme_index_).tile;
    wall.detail = theme(theme_index_).tile_detail;
    entities_.push_back(wall);
  }

  // Procgen's reposition: random spots until nothing overlaps, giving up after 100 tries.
  void place_without_overlap(Entity& e) {
    for (int attempt = 0; attempt <= 100; ++attempt) {
      e.x = static_cast<float>(rng_.uniform(e.rx, world_w_ - e.rx));
      e.y = static_cast<float>(rng_.uniform(e.ry, kHeight - e.ry));
      bool clear = !overlaps(e, agent_);
      for (size_t i = 0; clear && i < entities_.size(); ++i) clear = !overlaps(e, entities_[i]);
      if (clear) return;
    }
  }

  // A key stops at a wall; touching a lock removes the lock and the door on its row.
  void resolve_key(Entity& key) {
    for (Entity& e : entities_) {
      if (!e.alive || &e == &key || !overlaps(key, e)) continue;
      if (e.type == kWall) {
        key.alive = false;
        return;
      }
      if (e.type == kLock) {
        key.alive = false;
        e.alive = false;
        for (Entity& door : entities_) {
          if (door.type == kDoor && door.alive && std::abs(door.y - e.y) < 1) {
            door.alive = false;
            break;
          }
        }
        return;
      }
    }
  }

  void draw_object(Canvas canvas, const Camera& cam, const Entity& e) const {
    const float x0 = cam.px(e.x - e.rx), x1 = cam.px(e.x + e.rx);
    const float y0 = cam.py(e.y + e.ry), y1 = cam.py(e.y - e.ry);
    const float unit = cam.scale_x;
    switch (e.type) {
      case kWall: {
        fill_rect(canvas, x0, y0, x1, y1, e.color);
        fill_rect(canvas, x0, y0 + 0.6f * (y1 - y0), x1, y1, e.detail);
        if (unit < 4) break;
        for (float sx = std::ceil(e.x - e.rx); sx < e.x + e.rx; sx += 1.0f) {  // stone seams
          fill_rect(canvas, cam.px(sx), y0, cam.px(sx) + std::max(1.0f, 0.06f * unit), y1,
                    e.detail);
        }
        break;
      }
      case kDoor: {
        fill_rect(canvas, x0, y0, x1, y1, e.color);
        const float post = std::max(1.0f, 0.12f * unit);
        for (float sx = e.x - e.rx; sx < e.x + e.rx; sx += kDoorTile / 3) {
          fill_rect(canvas, cam.px(sx), y0, cam.px(sx) + post, y1, e.detail);
        }
        break;
      }
      case kLock:
        fill_rect(canvas, x0, y0, x1, y1, e.color);
        if (unit >= 4) {
          fill_circle(canvas, cam.px(e.x), cam.py(e.y + 0.1f), 0.08f * unit, e.detail);
        }
        break;
      case kPresent: {
        fill_rect(canvas, x0, y0, x1, y1, e.color);
        const float ribbon = std::max(1.0f, 0.15f * unit);
        const float cx = cam.px(e.x), cy = cam.py(e.y);
        fill_rect(canvas, cx - ribbon / 2, y0, cx + ribbon / 2, y1, e.detail);
        fill_rect(canvas, x0, cy - ribbon / 2, x1, cy + ribbon / 2, e.detail);
        break;
      }
      case kFruit: {
        fill_circle(canvas, cam.px(e.x), cam.py(e.y - 0.05f), 0.45f * unit, e.color);
        // The stem and the junk's band keep at least a pixel, so the kinds differ at 64 x 64.
        const float stem_x = cam.px(e.x + 0.12f);
        fill_rect(canvas, stem_x, y0, stem_x + std::max(1.0f, 0.25f * unit),
                  y0 + std::max(1.0f, 0.2f * unit), e.detail);
        break;
      }
      case kJunk: {
        fill_rect(canvas, cam.px(e.x - 0.4f), y0, cam.px(e.x + 0.4f), y1, e.color);
        const float band = std::max(1.0f, 0.24f * unit), cy = cam.py(e.y);
        fill_rect(canvas, cam.px(e.x - 0.4f), cy - band / 2, cam.px(e.x + 0.4f), cy + band / 2,
                  e.detail);
        break;
      }
      default:
        draw_entity(canvas, cam, e);
        break;
    }
  }

  // A square robot body with two eyes and an antenna when there are pixels to spare.
  void draw_robot(Canvas canvas, const Camera& cam) const {
    const Entity& a = agent_;
    const float unit = cam.scale_x;
    if (unit < 4) {
      draw_entity(canvas, cam, a);
      return;
    }
    fill_rect(canvas, cam.px(a.x - a.rx), cam.py(a.y + a.ry * 0.7f), cam.px(a.x + a.rx),
              cam.py(a.y - a.ry), a.color);
    fill_rect(canvas, cam.px(a.x - 0.04f), cam.py(a.y + a.ry), cam.px(a.x + 0.04f),
              cam.py(a.y + a.ry * 0.7f), a.color);
    const float eye = 0.09f * unit;
    fill_circle(canvas, cam.px(a.x - 0.17f), cam.py(a.y + 0.1f), eye, a.detail);
    fill_circle(canvas, cam.px(a.x + 0.17f), cam.py(a.y + 0.1f), eye, a.detail);
    fill_rect(canvas, cam.px(a.x - 0.2f), cam.py(a.y - 0.15f), cam.px(a.x + 0.2f),
              cam.py(a.y - 0.22f), a.detail);
  }

  int last_fire_ = 0;
  Color agent_color_{0, 0, 0};
};

}  // namespace

EnvInfo fruitbot_info() { return make_env_info<FruitBot>(FruitBot::info()); }

}  // namespace lever::procgen

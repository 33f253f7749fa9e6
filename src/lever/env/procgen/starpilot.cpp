// StarPilot: a side-scrolling shooter. Enemy groups fly in from the right; every kill is +1, and
// surviving until the finish line (it enters at t = 500) and touching it is +10 and completes the
// level. 16x16 world, whole world in view, timeout 1000. Actions 9-14 fire (10 to the left).
//
// Entity types (tests rely on these numbers): 1 player bullet, 2 flyer bullet, 3 turret bullet,
// 4 flyer, 5 meteor, 6 cloud, 7 turret, 8 fast flyer, 9 finish line, 10 explosion.
#include <algorithm>
#include <array>
#include <cmath>

#include "lever/env/procgen/games.h"

namespace lever::procgen {
namespace {

enum Type : int {
  kPlayerBullet = 1,
  kFlyerBullet = 2,
  kTurretBullet = 3,
  kFlyer = 4,
  kMeteor = 5,
  kCloud = 6,
  kTurret = 7,
  kFastFlyer = 8,
  kFinishLine = 9,
  kExplosion = 10,
};

constexpr float kWorld = 16.0f;
constexpr int kWinTime = 500;  // no groups start after this step; the finish line enters at it
constexpr float kKillReward = 1.0f;
constexpr float kCompletionBonus = 10.0f;
constexpr float kPlayerBulletSpeed = 0.8f;
constexpr float kSlowSpeed = 0.2f;  // meteors, clouds, turrets and the finish line
constexpr float kShipRadius = 0.5f;
constexpr float kBigRadius = 2.0f;        // meteors, clouds, turrets
constexpr float kFinishHalfWidth = 1.0f;  // Procgen sizes it from its rocket sprite; 2 units wide
constexpr int kGroupSpacing = 5;          // steps between the ships of one flyer group
constexpr int kNumStars = 24;
constexpr double kPi = 3.14159265358979323846;

bool destructible(int type) {
  return type == kFlyer || type == kFastFlyer || type == kTurret || type == kMeteor;
}
bool lethal(int type) {
  return destructible(type) || type == kFlyerBullet || type == kTurretBullet;
}

// Dark space backgrounds, one per theme: Procgen's starpilot only uses space pictures.
struct SpaceColors {
  Color top, bottom;
};
constexpr std::array<SpaceColors, kNumThemes> kSpace = {{
    {{4, 6, 22}, {22, 26, 64}},
    {{18, 4, 28}, {58, 22, 72}},
    {{0, 18, 24}, {12, 52, 62}},
    {{8, 8, 8}, {36, 36, 42}},
    {{28, 6, 8}, {70, 26, 22}},
    {{6, 14, 40}, {34, 12, 52}},
}};
// Enemy ship liveries, all far from every theme's agent colour and from the red enemy bullets.
constexpr std::array<Color, 4> kShipColors = {
    {{170, 80, 255}, {120, 130, 160}, {40, 150, 60}, {200, 90, 40}}};
constexpr Color kPlayerBulletColor{170, 255, 30};
constexpr Color kEnemyBulletColor{255, 0, 0};
constexpr Color kTurretColor{150, 150, 150};
constexpr Color kMeteorColor{140, 100, 70};
constexpr Color kCloudColor{105, 90, 150};
constexpr Color kExplosionColor{255, 240, 170};
constexpr Color kStarColor{150, 150, 170};

class StarPilot : public ProcgenGame {
 public:
  static GameInfo info() {
    return {"starpilot",
            "Procgen StarPilot: shoot enemy ships (+1 each) and dodge their fire, meteors and "
            "turrets; touch the finish line that arrives after step 500 (+10). Easy has flyers "
            "only; extreme adds health and slows the ship",
            true, false};
  }
  explicit StarPilot(const Options& options) : ProcgenGame(info(), options, kWorld, kWorld, 1000) {
    entities_.reserve(512);
    spawns_.reserve(256);  // at most 50 groups of up to 5 fit before step 500
  }

 protected:
  void generate() override {
    const bool easy = options_.mode == Mode::kEasy;
    const bool extreme = options_.mode == Mode::kExtreme;
    max_speed_ = extreme ? 0.5f : 0.75f;
    bullet_r_ = extreme ? 0.2f : 0.4f;
    flyer_speed_ = easy ? 0.3f : 0.4f;
    flyer_bullet_speed_ = easy ? 0.5f : 0.8f;
    flyer_health_ = extreme ? 5 : 2;
    fast_flyer_health_ = extreme ? 2 : 1;
    turret_health_ = extreme ? 10 : 5;

    agent_.rx = agent_.ry = 0.4f;
    agent_.x = static_cast<float>(rng_.uniform(agent_.rx, kWorld - agent_.rx));
    agent_.y = static_cast<float>(rng_.uniform(agent_.ry, kWorld - agent_.ry));
    agent_.shape = Shape::kShipRight;
    agent_.color = theme(theme_index_).agent;
    agent_.detail = theme(theme_index_).agent_detail;

    for (Point& star : stars_) {
      star.x = static_cast<float>(rng_.uniform(0.0, kWorld));
      star.y = static_cast<float>(rng_.uniform(0.0, kWorld));
    }
    plan_spawns(easy);
  }

  void update(const ActionInput& action) override {
    const int t = steps_ + 1;  // Procgen counts the step being taken from 1
    apply_default_motion(agent_, action.ax, action.ay, max_speed_);
    move_with_collisions(agent_, /*clamp_to_world=*/true);

    for (Entity& e : entities_) {
      e.x += e.vx;
      e.y += e.vy;
      ++e.age;
      if (e.type == kExplosion && --e.timer <= 0) e.alive = false;
    }
    resolve_player_bullets();

    // Procgen checks the agent against every entity before it removes this step's kills.
    for (const Entity& e : entities_) {
      if (!e.alive || !overlaps(agent_, e)) continue;
      if (e.type == kFinishLine) {
        reward_ += kCompletionBonus;
        end_episode(true);
        break;
      }
      if (lethal(e.type)) {
        end_episode(false);
        break;
      }
    }

    const size_t count = entities_.size();
    for (size_t i = 0; i < count; ++i) {
      fire_if_due(i);
      Entity& e = entities_[i];
      if (e.alive && destructible(e.type) && e.health <= 0) {
        e.alive = false;
        reward_ += kKillReward;
        add_explosion(e.x, e.y, e.vx, e.vy, 0.5f * e.rx);
      }
    }
    if (!episode_over_) advance_schedule(t, action);
    prune_entities(0);
  }

  void draw_world(Canvas canvas, const Camera& cam) const override {
    if (options_.use_backgrounds) draw_space(canvas, cam);
    for (const Entity& e : entities_) {
      if (e.z > 0) continue;
      if (e.type == kFinishLine) {
        draw_finish_line(canvas, cam, e);
      } else {
        draw_entity(canvas, cam, e);
      }
    }
    draw_entity(canvas, cam, agent_);
    for (const Entity& e : entities_) {
      if (e.z > 0) draw_entity(canvas, cam, e);
    }
  }

 private:
  struct Spawn {
    int time;
    Entity enemy;
  };

  // Procgen lays out the whole level's enemy schedule at reset: a group every 10-29 steps from
  // step 11-30 until step 500.
  void plan_spawns(bool easy) {
    spawns_.clear();
    next_spawn_ = 0;
    int t = 11 + static_cast<int>(rng_.below(20));
    while (t <= kWinTime) {
      const int type = easy ? kFlyer : pick_hard_type();
      const bool ship = type == kFlyer || type == kFastFlyer;
      const float r = ship ? kShipRadius : kBigRadius;
      const int group_size = ship ? 1 + static_cast<int>(rng_.below(5)) : 1;
      const Color livery = kShipColors[rng_.below(kShipColors.size())];
      const float y = static_cast<float>(rng_.uniform(r, kWorld - r));
      for (int j = 0; j < group_size; ++j) {
        Entity e;
        e.type = type;
        e.rx = e.ry = r;
        e.y = y;
        e.timer = 10 + static_cast<int>(rng_.below(90));  // a flyer's one shot, steps after entry
        // Each ship picks its own heading: straight half the time, else within +-45 degrees.
        float theta = static_cast<float>((rng_.uniform() - 0.5) * kPi / 2);
        if (rng_.below(2) == 1) theta = 0;
        float speed = type == kFastFlyer ? 0.6f : flyer_speed_;
        if (type == kFlyer) e.health = flyer_health_;
        if (type == kFastFlyer) e.health = fast_flyer_health_;
        if (!ship) {
          theta = 0;
          speed = kSlowSpeed;
          e.timer = 0;
        }
        if (type == kTurret) {
          e.timer = 20 + static_cast<int>(rng_.below(10));  // fires every 20-29 steps
          e.health = turret_health_;
        }
        if (type == kMeteor) e.health = 500;  // soaks bullets
        e.vx = -std::cos(theta) * speed;
        e.vy = std::sin(theta) * speed;
        const bool from_left = ship && !easy && rng_.uniform() > 0.9;
        e.x = from_left ? -r : kWorld + r;
        if (from_left) e.vx = -e.vx;
        style_enemy(e, livery);
        spawns_.push_back({t + j * kGroupSpacing, e});
      }
      t += 10 + static_cast<int>(rng_.below(20));
    }
    std::stable_sort(spawns_.begin(), spawns_.end(),
                     [](const Spawn& a, const Spawn& b) { return a.time < b.time; });
  }

  // New enemies from the level's schedule, the player's shot, and the finish line at step 500.
  void advance_schedule(int t, const ActionInput& action) {
    while (next_spawn_ < spawns_.size() && spawns_[next_spawn_].time <= t) {
      entities_.push_back(spawns_[next_spawn_++].enemy);
    }
    if (action.special != 0) {
      const float dir = action.special == 2 ? -1.0f : 1.0f;  // key A fires left
      add_bullet(kPlayerBullet, agent_.x + dir * agent_.rx, agent_.y, dir * kPlayerBulletSpeed, 0,
                 kPlayerBulletColor, Shape::kDiamond);
    }
    if (t == kWinTime) {
      Entity finish;
      finish.type = kFinishLine;
      finish.rx = kFinishHalfWidth;
      finish.ry = kWorld / 2;
      finish.x = kWorld + finish.rx;
      finish.y = kWorld / 2;
      finish.vx = -kSlowSpeed;
      entities_.push_back(finish);
    }
  }

  // Hard and extreme weights: flyer 3, meteor, cloud, turret and fast flyer 1 each.
  int pick_hard_type() {
    const int roll = static_cast<int>(rng_.below(7));
    static constexpr int kTypes[7] = {kFlyer, kFlyer, kFlyer, kMeteor, kCloud, kTurret, kFastFlyer};
    return kTypes[roll];
  }

  void style_enemy(Entity& e, Color livery) const {
    switch (e.type) {
      case kFlyer:
      case kFastFlyer:
        e.shape = e.vx > 0 ? Shape::kShipRight : Shape::kShipLeft;
        e.color = livery;
        e.detail = {30, 30, 30};
        break;
      case kTurret:
        e.shape = Shape::kRing;
        e.color = kTurretColor;
        e.detail = {60, 60, 72};
        break;
      case kMeteor:
        e.shape = Shape::kCircle;
        e.color = kMeteorColor;
        break;
      default:  // a cloud: harmless, cannot be shot, drawn over the agent
        e.shape = Shape::kCircle;
        e.color = kCloudColor;
        e.z = 1;
        break;
    }
  }

  // Each player bullet stops at the first destructible enemy it overlaps and takes one health.
  void resolve_player_bullets() {
    const size_t count = entities_.size();
    for (size_t i = 0; i < count; ++i) {
      if (entities_[i].type != kPlayerBullet || !entities_[i].alive) continue;
      for (size_t j = 0; j < count; ++j) {
        const Entity& bullet = entities_[i];
        Entity& target = entities_[j];
        if (!target.alive || !destructible(target.type) || !overlaps(bullet, target)) continue;
        entities_[i].alive = false;
        --target.health;
        add_explosion(bullet.x, bullet.y, target.vx, target.vy, 0.5f * bullet.rx);
        break;
      }
    }
  }

  // Flyers fire once, timer steps after entering; turrets every timer steps. Aimed at the agent.
  void fire_if_due(size_t index) {
    const Entity& e = entities_[index];
    if (!e.alive || e.timer <= 0) return;
    const bool turret = e.type == kTurret;
    const bool ship = e.type == kFlyer || e.type == kFastFlyer;
    const bool due = turret ? e.age > 0 && e.age % e.timer == 0 : ship && e.age == e.timer;
    if (!due) return;
    const float dx = agent_.x - e.x, dy = agent_.y - e.y;
    const float length = std::max(std::sqrt(dx * dx + dy * dy), 1e-6f);
    const float speed = turret ? 0.8f : flyer_bullet_speed_;
    const float x = e.x, y = e.y;
    add_bullet(turret ? kTurretBullet : kFlyerBullet, x, y, dx / length * speed,
               dy / length * speed, kEnemyBulletColor, turret ? Shape::kDiamond : Shape::kCircle);
  }

  void add_bullet(int type, float x, float y, float vx, float vy, Color color, Shape shape) {
    Entity b;
    b.type = type;
    b.x = x;
    b.y = y;
    b.vx = vx;
    b.vy = vy;
    b.rx = b.ry = bullet_r_;
    b.color = color;
    b.shape = shape;
    entities_.push_back(b);
  }

  // Procgen's explosions are a short animation that drifts with what was hit; harmless.
  void add_explosion(float x, float y, float vx, float vy, float r) {
    Entity e;
    e.type = kExplosion;
    e.x = x;
    e.y = y;
    e.vx = vx;
    e.vy = vy;
    e.rx = e.ry = r;
    e.timer = 4;
    e.shape = Shape::kCircle;
    e.color = kExplosionColor;
    entities_.push_back(e);
  }

  void draw_space(Canvas canvas, const Camera& cam) const {
    const SpaceColors& s = kSpace[static_cast<size_t>(theme_index_) % kSpace.size()];
    for (int band = 0; band < 8; ++band) {
      const float f = band / 7.0f;
      auto mix = [f](uint8_t a, uint8_t b) { return static_cast<uint8_t>(a + f * (b - a)); };
      const Color c{mix(s.top.r, s.bottom.r), mix(s.top.g, s.bottom.g), mix(s.top.b, s.bottom.b)};
      fill_rect(canvas, 0, canvas.height * band / 8.0f, canvas.width,
                canvas.height * (band + 1) / 8.0f, c);
    }
    // The star field scrolls left (two layers for depth), as Procgen's background does.
    const float size = std::max(1.0f, cam.scale_x * 0.25f);
    for (int i = 0; i < kNumStars; ++i) {
      const float speed = i % 2 == 0 ? 0.05f : 0.1f;
      float x = std::fmod(stars_[i].x - speed * static_cast<float>(steps_), kWorld);
      if (x < 0) x += kWorld;
      const float px = cam.px(x), py = cam.py(stars_[i].y);
      fill_rect(canvas, px, py, px + size, py + size, kStarColor);
    }
  }

  // A chequered column, like a racing flag, so it reads as a goal at 64 x 64.
  void draw_finish_line(Canvas canvas, const Camera& cam, const Entity& e) const {
    const float x0 = cam.px(e.x - e.rx), x1 = cam.px(e.x + e.rx), xm = cam.px(e.x);
    const int rows = static_cast<int>(2 * e.ry);
    for (int row = 0; row < rows; ++row) {
      const float y_top = cam.py(e.y + e.ry - row), y_bottom = cam.py(e.y + e.ry - row - 1);
      const bool white_left = row % 2 == 0;
      fill_rect(canvas, x0, y_top, xm, y_bottom,
                white_left ? Color{240, 240, 240} : Color{20, 20, 20});
      fill_rect(canvas, xm, y_top, x1, y_bottom,
                white_left ? Color{20, 20, 20} : Color{240, 240, 240});
    }
  }

  std::vector<Spawn> spawns_;
  size_t next_spawn_ = 0;
  std::array<Point, kNumStars> stars_{};
  float bullet_r_ = 0.4f;
  float flyer_speed_ = 0.4f;
  float flyer_bullet_speed_ = 0.8f;
  int flyer_health_ = 2, fast_flyer_health_ = 1, turret_health_ = 5;
};

}  // namespace

EnvInfo starpilot_info() { return make_env_info<StarPilot>(StarPilot::info()); }

}  // namespace lever::procgen

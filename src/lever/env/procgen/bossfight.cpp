// BossFight: a ship at the bottom of a 20x20 arena shoots a boss that glides about the top half.
// The boss has round_health x num_rounds hit points; a round ends at each multiple of
// round_health (+1, shields up, 40 quiet "damaged" steps), the last hit gives +10 more and
// completes the level. Shields are up at the start and after every round and deflect shots;
// while up the boss fires its round's attack pattern. Meteors near the bottom block all bullets.
// Touching the boss, a meteor or a boss bullet ends the episode. Easy differs from hard only in
// boss bullet speed (0.5 vs 0.75) and how many boss moves the shields last (3-4 vs 3-6).
//
// Entity layout, which tests rely on: entities_[0] is the boss (health = hit points left, timer =
// damaged steps left, aux = round_health), entities_[1] its shield (health 1 = up, 0 = down,
// timer = boss moves left before it drops); then meteors and bullets (types below).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>

#include "lever/env/procgen/games.h"

namespace lever::procgen {
namespace {

constexpr float kWorld = 20.0f;
constexpr int kTimeout = 4000;
constexpr float kPi = 3.14159265358979f;

enum Type {
  kBoss = 1,
  kShield = 2,
  kPlayerBullet = 3,
  kBossBullet = 4,
  kDeflected = 5,
  kMeteor = 6
};

constexpr float kAgentRadius = 0.75f;
constexpr float kAgentMaxSpeed = 0.85f;
constexpr int kFireCooldown = 3;
constexpr float kPlayerBulletSpeed = 1.0f;
constexpr float kPlayerBulletRadius = 0.25f;
constexpr int kPlayerBulletLife = 25;

constexpr float kBossRadius = 3.0f;
constexpr float kShieldRadius = 3.3f;  // a little larger than the boss so shots meet it first
constexpr int kBossMoveInterval = 20;
constexpr int kDamagedSteps = 40;
constexpr float kBossBulletRadius = 0.5f;
constexpr int kBossBulletLife = 50;
constexpr float kMeteorRadius = 0.6f;
constexpr float kBottomBand = 6.0f;

constexpr float kRoundReward = 1.0f;
constexpr float kCompletionBonus = 10.0f;

class BossFight : public ProcgenGame {
 public:
  static GameInfo info() {
    return {"bossfight",
            "Procgen BossFight: shoot the boss (action 9) when its shields are down; +1 per round, "
            "+10 for the final hit; boss, meteors and boss bullets kill. Easy has slower boss "
            "bullets (0.5 vs 0.75) and shorter shields",
            false, false};
  }
  explicit BossFight(const Options& options)
      : ProcgenGame(info(), options, kWorld, kWorld, kTimeout) {}

 protected:
  void generate() override {
    const bool easy = options_.mode == Mode::kEasy;
    bullet_speed_ = easy ? 0.5f : 0.75f;
    max_invulnerable_ = easy ? 3 : 5;
    max_speed_ = kAgentMaxSpeed;
    fire_cooldown_ = 0;
    move_timer_ = kBossMoveInterval;
    attack_clock_ = 0;
    cross_angle_ = 0;

    const Theme& t = theme(theme_index_);
    agent_.rx = agent_.ry = kAgentRadius;
    agent_.x = kWorld / 2;
    agent_.y = kAgentRadius;
    agent_.shape = Shape::kShipUp;
    agent_.color = t.agent;
    agent_.detail = t.agent_detail;

    static const Color kBossColors[] = {
        {170, 60, 200}, {150, 140, 50}, {80, 90, 210}, {60, 160, 110}, {150, 150, 160}};
    boss_color_ = distinct_from(kBossColors[rng_.below(5)], t.agent, {120, 40, 150});
    player_bullet_color_ = distinct_from({255, 255, 150}, t.agent, {120, 255, 255});
    boss_bullet_color_ = distinct_from({255, 40, 90}, t.agent, {255, 40, 40});
    shield_color_ = distinct_from({110, 230, 255}, t.agent, {250, 250, 250});
    meteor_color_ = distinct_from(t.tile, t.agent, {120, 110, 100});

    const int round_health = 1 + static_cast<int>(rng_.below(9));
    const int num_rounds = 1 + static_cast<int>(rng_.below(5));
    Entity boss;
    boss.type = kBoss;
    boss.rx = boss.ry = kBossRadius;
    boss.x = kWorld / 2;
    boss.y = 13.0f;
    boss.health = round_health * num_rounds;
    boss.aux = static_cast<float>(round_health);
    entities_.push_back(boss);
    glide_boss();  // the first glide is free: shields last whole moves counted from here

    Entity shield;
    shield.type = kShield;
    shield.rx = shield.ry = kShieldRadius;
    shield.x = boss.x;
    shield.y = boss.y;
    entities_.push_back(shield);
    raise_shields();

    // Meteors sit above the agent's spawn row (y >= 2.5), so the start is never a death.
    const int meteors = 1 + static_cast<int>(rng_.below(3));
    for (int placed = 0, tries = 0; placed < meteors && tries < 100; ++tries) {
      Entity m;
      m.type = kMeteor;
      m.rx = m.ry = kMeteorRadius;
      m.x = static_cast<float>(rng_.uniform(1.0, kWorld - 1.0));
      m.y = static_cast<float>(rng_.uniform(2.5, kBottomBand - kMeteorRadius));
      bool clear = true;
      for (const Entity& e : entities_) {
        if (e.type == kMeteor && std::abs(e.x - m.x) < 2.0f && std::abs(e.y - m.y) < 2.0f) {
          clear = false;
        }
      }
      if (!clear) continue;
      m.color = meteor_color_;
      m.detail = t.tile_detail;
      entities_.push_back(m);
      ++placed;
    }
  }

  void update(const ActionInput& action) override {
    apply_default_motion(agent_, action.ax, action.ay, max_speed_);
    move_with_collisions(agent_, /*clamp_to_world=*/true);

    if (fire_cooldown_ > 0) --fire_cooldown_;
    if (action.special == 1 && fire_cooldown_ == 0) {
      Entity b;
      b.type = kPlayerBullet;
      b.rx = b.ry = kPlayerBulletRadius;
      b.x = agent_.x;
      b.y = agent_.y + agent_.ry;
      b.vy = kPlayerBulletSpeed;
      b.timer = kPlayerBulletLife;
      b.color = player_bullet_color_;
      spawn(b);
      fire_cooldown_ = kFireCooldown;
    }

    update_boss();

    for (Entity& e : entities_) {
      if (!e.alive || e.type < kPlayerBullet || e.type > kDeflected) continue;
      e.x += e.vx;
      e.y += e.vy;
      if (--e.timer <= 0) e.alive = false;
    }

    if (resolve_collisions()) return;
    prune_entities(1.0f);
  }

  void draw_world(Canvas canvas, const Camera& cam) const override {
    for (const Entity& e : entities_) {
      if (e.alive && e.type == kMeteor) draw_meteor(canvas, cam, e);
    }
    draw_boss(canvas, cam);
    for (const Entity& e : entities_) {
      if (e.alive && e.type >= kPlayerBullet && e.type <= kDeflected) draw_entity(canvas, cam, e);
    }
    draw_entity(canvas, cam, agent_);
  }

 private:
  // Never grows the vector past its reserved capacity, so stepping never allocates.
  void spawn(const Entity& e) {
    if (entities_.size() < entities_.capacity()) entities_.push_back(e);
  }

  // Sets the boss's velocity so it reaches a random point in the upper arena in one interval.
  void glide_boss() {
    Entity& boss = entities_[0];
    const float tx = static_cast<float>(rng_.uniform(3.0, 17.0));
    const float ty = static_cast<float>(rng_.uniform(9.0, 17.0));
    boss.vx = (tx - boss.x) / kBossMoveInterval;
    boss.vy = (ty - boss.y) / kBossMoveInterval;
  }

  // Shields hold for invulnerable_duration + 1 boss moves; the duration is drawn per round
  // (the reference gives its range, not when it is drawn) and a new attack pattern with it.
  void raise_shields() {
    Entity& shield = entities_[1];
    shield.health = 1;
    const int invulnerable_duration = 2 + static_cast<int>(rng_.below(max_invulnerable_ - 1));
    shield.timer = invulnerable_duration + 1;
    attack_pattern_ = static_cast<int>(rng_.below(4));
    attack_clock_ = 0;
  }

  void fire_boss_bullet(float angle) {
    const Entity& boss = entities_[0];
    Entity b;
    b.type = kBossBullet;
    b.rx = b.ry = kBossBulletRadius;
    b.x = boss.x;
    b.y = boss.y;
    b.vx = bullet_speed_ * std::cos(angle);
    b.vy = bullet_speed_ * std::sin(angle);
    b.timer = kBossBulletLife;
    b.shape = Shape::kCircle;
    b.color = boss_bullet_color_;
    spawn(b);
  }

  void update_boss() {
    if (--move_timer_ <= 0) {
      move_timer_ = kBossMoveInterval;
      glide_boss();
      Entity& shield = entities_[1];
      if (shield.health > 0 && --shield.timer <= 0) shield.health = 0;
    }
    Entity& boss = entities_[0];
    boss.x += boss.vx;
    boss.y += boss.vy;
    entities_[1].x = boss.x;
    entities_[1].y = boss.y;

    // Damaged steps are a pause in the boss's fire (the reference's "no firing").
    if (boss.timer > 0) {
      --boss.timer;
      return;
    }
    const float down = -kPi / 2;
    if (entities_[1].health == 0) {
      if (rng_.uniform() < 0.1) fire_boss_bullet(down);
      return;
    }
    const int t = attack_clock_++;
    switch (attack_pattern_) {
      case 0:  // a downward fan of five
        if (t % 8 == 0) {
          for (int i = -2; i <= 2; ++i) fire_boss_bullet(down + i * kPi / 12);
        }
        break;
      case 1:  // a cross that turns a little each volley
        if (t % 5 == 0) {
          for (int i = 0; i < 4; ++i) fire_boss_bullet(cross_angle_ + i * kPi / 2);
          cross_angle_ += kPi / 12;
        }
        break;
      case 2:  // a ring of eight
        if (t % 10 == 0) {
          for (int i = 0; i < 8; ++i) fire_boss_bullet(i * kPi / 4);
        }
        break;
      default:  // one shot somewhere below
        if (t % 4 == 0)
          fire_boss_bullet(down + static_cast<float>(rng_.uniform(-1.0, 1.0)) * kPi / 4);
        break;
    }
  }

  // Returns true when the episode ended this step.
  bool resolve_collisions() {
    Entity& boss = entities_[0];
    Entity& shield = entities_[1];
    const int round_health = static_cast<int>(boss.aux);
    for (size_t i = 2; i < entities_.size(); ++i) {
      Entity& b = entities_[i];
      if (!b.alive || (b.type != kPlayerBullet && b.type != kBossBullet)) continue;
      for (size_t j = 2; j < entities_.size(); ++j) {
        const Entity& m = entities_[j];
        if (m.alive && m.type == kMeteor && overlaps(b, m)) b.alive = false;
      }
      if (!b.alive || b.type != kPlayerBullet) continue;
      if (shield.health > 0 && overlaps(b, shield)) {
        b.type = kDeflected;  // knocked back down at half speed, harmless
        b.vx *= 0.5f;
        b.vy *= -0.5f;
        b.color = {150, 150, 150};
        continue;
      }
      if (!overlaps(b, boss)) continue;
      b.alive = false;
      --boss.health;
      if (boss.health % round_health != 0) continue;
      reward_ += kRoundReward;
      if (boss.health <= 0) {
        reward_ += kCompletionBonus;
        end_episode(true);
        return true;
      }
      boss.timer = kDamagedSteps;
      raise_shields();
    }
    for (const Entity& e : entities_) {
      if (!e.alive || e.type == kShield || e.type == kPlayerBullet || e.type == kDeflected)
        continue;
      if (overlaps(agent_, e)) {
        end_episode(false);
        return true;
      }
    }
    return false;
  }

  void draw_meteor(Canvas canvas, const Camera& cam, const Entity& m) const {
    const float cx = cam.px(m.x), cy = cam.py(m.y), r = m.rx * cam.scale_x;
    fill_circle(canvas, cx, cy, r, m.color);
    fill_circle(canvas, cx + 0.3f * r, cy - 0.25f * r, 0.35f * r, m.detail);
    fill_circle(canvas, cx - 0.35f * r, cy + 0.35f * r, 0.22f * r, m.detail);
  }

  // A flying saucer that fills most of its 6x6 hit box; it flashes white while damaged.
  void draw_boss(Canvas canvas, const Camera& cam) const {
    const Entity& boss = entities_[0];
    const Entity& shield = entities_[1];
    const float cx = cam.px(boss.x), cy = cam.py(boss.y);
    const float sx = boss.rx * cam.scale_x, sy = boss.ry * cam.scale_y;
    const bool flash = boss.timer > 0 && (boss.timer / 3) % 2 == 0;
    const Color body = flash ? Color{245, 245, 245} : boss_color_;
    const Color dome{static_cast<uint8_t>(body.r / 2 + 100), static_cast<uint8_t>(body.g / 2 + 100),
                     static_cast<uint8_t>(body.b / 2 + 100)};
    fill_circle(canvas, cx, cy - 0.45f * sy, 0.45f * sx, dome);
    static constexpr std::array<Point, 8> kHull = {{{-1.0f, -0.1f},
                                                    {-0.7f, -0.5f},
                                                    {0.7f, -0.5f},
                                                    {1.0f, -0.1f},
                                                    {0.8f, 0.45f},
                                                    {0.35f, 0.8f},
                                                    {-0.35f, 0.8f},
                                                    {-0.8f, 0.45f}}};
    std::array<Point, 8> hull;
    for (size_t i = 0; i < hull.size(); ++i) {
      hull[i] = {cx + kHull[i].x * sx, cy + kHull[i].y * sy};
    }
    fill_convex_polygon(canvas, hull.data(), static_cast<int>(hull.size()), body);
    fill_circle(canvas, cx, cy + 0.1f * sy, 0.24f * sx, {255, 220, 60});
    fill_circle(canvas, cx, cy + 0.1f * sy, 0.11f * sx, {30, 10, 10});
    const float light = std::max(0.08f * sx, 0.6f);
    for (float side : {-0.62f, 0.62f}) {
      fill_rect(canvas, cx + side * sx - light, cy + 0.05f * sy - light, cx + side * sx + light,
                cy + 0.05f * sy + light, {255, 240, 200});
    }
    if (shield.health > 0) {
      // The shield is an outline circle, so the boss stays visible inside it.
      static const std::array<Point, 24> kCircle = [] {
        std::array<Point, 24> pts{};
        for (size_t i = 0; i < pts.size(); ++i) {
          const float a = 2 * kPi * static_cast<float>(i) / pts.size();
          pts[i] = {std::cos(a), std::sin(a)};
        }
        return pts;
      }();
      const float rx = shield.rx * cam.scale_x, ry = shield.ry * cam.scale_y;
      const float width = std::max(1.2f, 0.12f * cam.scale_x);
      for (size_t i = 0; i < kCircle.size(); ++i) {
        const Point& a = kCircle[i];
        const Point& b = kCircle[(i + 1) % kCircle.size()];
        draw_line(canvas, cx + a.x * rx, cy + a.y * ry, cx + b.x * rx, cy + b.y * ry, width,
                  shield_color_);
      }
    }
  }

  float bullet_speed_ = 0.75f;
  int max_invulnerable_ = 5;
  int fire_cooldown_ = 0;
  int move_timer_ = kBossMoveInterval;
  int attack_pattern_ = 0;
  int attack_clock_ = 0;
  float cross_angle_ = 0;
  Color boss_color_{170, 60, 200}, player_bullet_color_{255, 255, 150};
  Color boss_bullet_color_{255, 40, 90}, shield_color_{110, 230, 255}, meteor_color_{120, 110, 100};
};

}  // namespace

EnvInfo bossfight_info() { return make_env_info<BossFight>(BossFight::info()); }

}  // namespace lever::procgen

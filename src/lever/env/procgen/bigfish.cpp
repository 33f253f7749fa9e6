// BigFish: eat fish smaller than you to grow; touching a larger fish ends the episode.
// +1 per fish eaten, +10 and level complete after 30. 20x20 world, whole world in view.
#include <cmath>

#include "lever/env/procgen/games.h"

namespace lever::procgen {
namespace {

constexpr float kWorld = 20.0f;
constexpr int kFishToWin = 30;

class BigFish : public ProcgenGame {
 public:
  static GameInfo info() {
    return {"bigfish",
            "Procgen BigFish: eat smaller fish (+1) and grow; a larger fish kills; +10 after 30. "
            "Easy starts at radius 1.0, hard 0.5",
            false, false};
  }
  explicit BigFish(const Options& options) : ProcgenGame(info(), options, kWorld, kWorld, 6000) {}

  int fish_eaten() const { return eaten_; }

 protected:
  void generate() override {
    start_radius_ = options_.mode == Mode::kEasy ? 1.0f : 0.5f;
    eaten_ = 0;
    max_speed_ = 0.5f;
    agent_.rx = start_radius_;
    agent_.ry = start_radius_ * 0.7f;
    agent_.x = static_cast<float>(rng_.uniform(agent_.rx, kWorld - agent_.rx));
    agent_.y = agent_.ry + 0.5f;
    agent_.shape = Shape::kFish;
    agent_.color = theme(theme_index_).agent;
    agent_.detail = theme(theme_index_).agent_detail;
  }

  void update(const ActionInput& action) override {
    apply_default_motion(agent_, action.ax, action.ay, max_speed_);
    if (action.ax != 0) agent_.face_left = action.ax < 0;
    move_with_collisions(agent_, /*clamp_to_world=*/true, 1);

    if (rng_.below(10) == 0) spawn_fish();
    for (Entity& fish : entities_) {
      fish.x += fish.vx;
      if (!overlaps(agent_, fish)) continue;
      if (fish.rx > agent_.rx) {
        end_episode(false);
        return;
      }
      fish.alive = false;
      reward_ += 1.0f;
      ++eaten_;
      agent_.rx += (2.0f - start_radius_) / kFishToWin;
      agent_.ry = agent_.rx * 0.7f;
      if (eaten_ >= kFishToWin) {
        reward_ += 10.0f;
        end_episode(true);
        return;
      }
    }
    prune_entities(2.5f);
  }

 private:
  void spawn_fish() {
    static const Color kFishColors[] = {{240, 90, 60},   {250, 200, 60},  {120, 220, 90},
                                        {200, 120, 230}, {250, 150, 180}, {90, 200, 200}};
    Entity fish;
    const float r = 0.25f + 1.75f * std::pow(static_cast<float>(rng_.uniform()), 1.4f);
    const bool from_left = rng_.below(2) == 0;
    fish.rx = r;
    fish.ry = r * 0.7f;
    fish.x = from_left ? -r : kWorld + r;
    fish.y = static_cast<float>(rng_.uniform(fish.ry, kWorld - fish.ry));
    const float speed = static_cast<float>(rng_.uniform(0.15, 0.40));
    fish.vx = from_left ? speed : -speed;
    fish.face_left = !from_left;
    fish.shape = Shape::kFish;
    fish.color =
        distinct_from(kFishColors[rng_.below(6)], theme(theme_index_).agent, {235, 235, 235}, 120);
    fish.detail = {20, 20, 20};
    entities_.push_back(fish);
  }

  float start_radius_ = 0.5f;
  int eaten_ = 0;
};

}  // namespace

EnvInfo bigfish_info() { return make_env_info<BigFish>(BigFish::info()); }

}  // namespace lever::procgen

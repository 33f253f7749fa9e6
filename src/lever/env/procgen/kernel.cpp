#include "lever/env/procgen/kernel.h"

#include <algorithm>
#include <cmath>

#include "lever/core/errors.h"

namespace lever::procgen {

std::vector<EnvOptionInfo> option_infos(const GameInfo& game) {
  std::vector<EnvOptionInfo> infos = {
      {"distribution_mode", "hard",
       game.has_extreme ? "easy, hard or extreme: level difficulty"
                        : "easy or hard: level difficulty"},
      {"use_backgrounds", true, "draw the background (false: black)"},
      {"restrict_themes", false, "always use colour theme 0"},
      {"paint_vel_info", false, "paint the agent's velocity as two grey squares at the top left"},
      {"use_sequential_levels", false,
       "on level completion continue with the next level (seed + 997) instead of ending"},
  };
  if (game.has_center_agent) {
    infos.push_back({"center_agent", true, "the camera follows the agent (false: whole world)"});
  }
  return infos;
}

Options parse_options(const GameInfo& game, const nlohmann::json& o) {
  Options options;
  const std::string mode = o.value("distribution_mode", std::string("hard"));
  if (mode == "easy") {
    options.mode = Mode::kEasy;
  } else if (mode == "hard") {
    options.mode = Mode::kHard;
  } else if (mode == "extreme" && game.has_extreme) {
    options.mode = Mode::kExtreme;
  } else {
    throw UsageError("env '" + game.id + "': distribution_mode must be " +
                     (game.has_extreme ? "easy, hard or extreme" : "easy or hard") + ", got '" +
                     mode + "'");
  }
  options.use_backgrounds = o.value("use_backgrounds", true);
  options.restrict_themes = o.value("restrict_themes", false);
  options.paint_vel_info = o.value("paint_vel_info", false);
  options.use_sequential_levels = o.value("use_sequential_levels", false);
  options.center_agent = game.has_center_agent && o.value("center_agent", true);
  return options;
}

ActionInput decode_action(int action) {
  ActionInput input;
  if (action >= 9) {
    input.special = action - 8;
    return input;
  }
  input.ax = action / 3 - 1;
  input.ay = action % 3 - 1;
  return input;
}

const Theme& theme(int index) {
  static const std::array<Theme, kNumThemes> themes = {{
      {{18, 24, 58}, {40, 52, 110}, {110, 110, 120}, {70, 70, 80}, {80, 200, 255}, {240, 240, 255}},
      {{60, 110, 170}, {20, 50, 100}, {120, 80, 50}, {80, 50, 30}, {255, 220, 60}, {60, 40, 20}},
      {{30, 60, 30}, {70, 120, 60}, {90, 90, 60}, {60, 60, 40}, {255, 120, 200}, {255, 255, 255}},
      {{70, 30, 60}, {130, 60, 90}, {100, 100, 140}, {60, 60, 90}, {120, 255, 140}, {20, 60, 20}},
      {{10, 10, 10}, {50, 50, 50}, {150, 130, 100}, {100, 80, 60}, {255, 160, 40}, {80, 30, 0}},
      {{90, 70, 40}, {160, 130, 80}, {80, 110, 130}, {50, 70, 90}, {200, 240, 255}, {20, 30, 80}},
  }};
  return themes[static_cast<size_t>(index) % kNumThemes];
}

ProcgenGame::ProcgenGame(const GameInfo& info, const Options& options, float world_w, float world_h,
                         int timeout)
    : info_(info), options_(options), world_w_(world_w), world_h_(world_h), visibility_(world_w) {
  spec_.id = info.id;
  spec_.obs_shape = {64, 64, 3};
  spec_.obs_type = ObsType::kU8Image;
  spec_.num_actions = kNumActions;
  spec_.max_episode_steps = timeout;
  spec_.reports_success = true;
  entities_.reserve(256);
}

void ProcgenGame::reset(uint64_t level_seed, void* obs) {
  level_seed_ = level_seed;
  rng_.reseed(level_seed);
  steps_ = 0;
  reward_ = 0;
  episode_over_ = level_complete_ = false;
  entities_.clear();
  agent_ = Entity{};
  grid_.reset(0, 0);
  theme_index_ = options_.restrict_themes ? 0 : static_cast<int>(rng_.below(kNumThemes));
  background_style_ = static_cast<int>(rng_.below(4));
  generate();
  draw(Canvas(static_cast<uint8_t*>(obs), 64, 64));
}

StepResult ProcgenGame::step(int action, void* obs) {
  reward_ = 0;
  episode_over_ = level_complete_ = false;
  update(decode_action(action));
  ++steps_;
  ++agent_.age;
  StepResult result;
  result.reward = reward_;
  result.level_complete = level_complete_;
  if (level_complete_ && options_.use_sequential_levels) {
    const float carried = reward_;
    reset(level_seed_ + 997, obs);  // the next level continues the same episode
    result.reward = carried;
    result.level_complete = false;
    return result;
  }
  result.terminated = episode_over_;
  draw(Canvas(static_cast<uint8_t*>(obs), 64, 64));
  return result;
}

void ProcgenGame::render(Image& out) const {
  out.resize(512, 512);
  draw(out);
}

void ProcgenGame::end_episode(bool success) {
  episode_over_ = true;
  level_complete_ = level_complete_ || success;
}

void ProcgenGame::apply_default_motion(Entity& e, int ax, int ay, float max_speed,
                                       float mix) const {
  e.vx = 0.9f * ((1 - mix) * e.vx + mix * max_speed * static_cast<float>(ax));
  e.vy = 0.9f * ((1 - mix) * e.vy + mix * max_speed * static_cast<float>(ay));
}

bool ProcgenGame::move_with_collisions(Entity& e, bool clamp_to_world, int substeps) {
  bool blocked = false;
  const float dx = e.vx / substeps, dy = e.vy / substeps;
  auto hits_tile = [&](float x, float y) {
    if (grid_.width == 0) return false;
    const int x_lo = static_cast<int>(std::floor(x - e.rx + 1e-4f));
    const int x_hi = static_cast<int>(std::floor(x + e.rx - 1e-4f));
    const int y_lo = static_cast<int>(std::floor(y - e.ry + 1e-4f));
    const int y_hi = static_cast<int>(std::floor(y + e.ry - 1e-4f));
    for (int ty = y_lo; ty <= y_hi; ++ty) {
      for (int tx = x_lo; tx <= x_hi; ++tx) {
        if (solid(grid_.get(tx, ty))) return true;
      }
    }
    return false;
  };
  for (int i = 0; i < substeps; ++i) {
    float nx = e.x + dx;
    if (clamp_to_world && (nx - e.rx < 0 || nx + e.rx > world_w_)) {
      nx = std::clamp(nx, e.rx, world_w_ - e.rx);
      e.vx = 0;
      blocked = true;
    }
    if (hits_tile(nx, e.y)) {
      e.vx = 0;
      blocked = true;
    } else {
      e.x = nx;
    }
    float ny = e.y + dy;
    if (clamp_to_world && (ny - e.ry < 0 || ny + e.ry > world_h_)) {
      ny = std::clamp(ny, e.ry, world_h_ - e.ry);
      e.vy = 0;
      blocked = true;
    }
    if (hits_tile(e.x, ny)) {
      e.vy = 0;
      blocked = true;
    } else {
      e.y = ny;
    }
  }
  return blocked;
}

void ProcgenGame::prune_entities(float margin) {
  entities_.erase(std::remove_if(entities_.begin(), entities_.end(),
                                 [&](const Entity& e) {
                                   return !e.alive || e.x + e.rx < -margin ||
                                          e.x - e.rx > world_w_ + margin || e.y + e.ry < -margin ||
                                          e.y - e.ry > world_h_ + margin;
                                 }),
                  entities_.end());
}

Camera ProcgenGame::camera_for(const Canvas& canvas) const {
  Camera camera;
  if (options_.center_agent) {
    camera.view_w = camera.view_h = visibility_;
    camera.x0 = agent_.x - visibility_ / 2;
    camera.y0 = agent_.y - visibility_ / 2;
  } else {
    camera.view_w = world_w_;
    camera.view_h = world_h_;
  }
  camera.scale_x = canvas.width / camera.view_w;
  camera.scale_y = canvas.height / camera.view_h;
  return camera;
}

void ProcgenGame::draw(Canvas canvas) const {
  draw_background(canvas);
  draw_world(canvas, camera_for(canvas));
  if (options_.paint_vel_info) draw_velocity_info(canvas);
}

void ProcgenGame::draw_background(Canvas canvas) const {
  if (!options_.use_backgrounds) {
    canvas.fill({0, 0, 0});
    return;
  }
  const Theme& t = theme(theme_index_);
  // A vertical gradient in 8 bands: cheap at 64 x 64 and distinct per theme.
  for (int band = 0; band < 8; ++band) {
    const float f = band / 7.0f;
    const Color c{
        static_cast<uint8_t>(t.background_top.r + f * (t.background_bottom.r - t.background_top.r)),
        static_cast<uint8_t>(t.background_top.g + f * (t.background_bottom.g - t.background_top.g)),
        static_cast<uint8_t>(t.background_top.b +
                             f * (t.background_bottom.b - t.background_top.b))};
    fill_rect(canvas, 0, canvas.height * band / 8.0f, canvas.width,
              canvas.height * (band + 1) / 8.0f, c);
  }
  if (background_style_ == 1) {  // a fixed star field seeded by the level
    Rng stars(level_seed_ ^ 0x5DEECE66DULL);
    const float s = canvas.width / 64.0f;
    for (int i = 0; i < 24; ++i) {
      const float x = static_cast<float>(stars.uniform() * canvas.width);
      const float y = static_cast<float>(stars.uniform() * canvas.height);
      fill_rect(canvas, x, y, x + s, y + s, {200, 200, 210});
    }
  }
}

void ProcgenGame::draw_velocity_info(Canvas canvas) const {
  const float size = canvas.height * 0.2f;
  auto shade = [&](float v) {
    const float f = std::clamp(0.5f + 0.5f * v / std::max(max_speed_, 1e-6f), 0.0f, 1.0f);
    const auto g = static_cast<uint8_t>(255 * f);
    return Color{g, g, g};
  };
  fill_rect(canvas, 0, 0, size, size, shade(agent_.vx));
  fill_rect(canvas, size, 0, 2 * size, size, shade(agent_.vy));
}

void ProcgenGame::draw_entity(Canvas canvas, const Camera& cam, const Entity& e) const {
  const float cx = cam.px(e.x), cy = cam.py(e.y);
  const float hw = e.rx * cam.scale_x, hh = e.ry * cam.scale_y;
  // Keep tiny objects visible at 64 x 64: at least one pixel across.
  const float w = std::max(hw, 0.5f), h = std::max(hh, 0.5f);
  switch (e.shape) {
    case Shape::kRect:
      fill_rect(canvas, cx - w, cy - h, cx + w, cy + h, e.color);
      break;
    case Shape::kCircle:
      fill_circle(canvas, cx, cy, std::max(w, h), e.color);
      break;
    case Shape::kRing:
      fill_circle(canvas, cx, cy, std::max(w, h), e.color);
      fill_circle(canvas, cx, cy, std::max(w, h) * 0.55f, e.detail);
      break;
    case Shape::kDiamond: {
      const Point p[4] = {{cx, cy - h}, {cx + w, cy}, {cx, cy + h}, {cx - w, cy}};
      fill_convex_polygon(canvas, p, 4, e.color);
      break;
    }
    case Shape::kShipRight:
    case Shape::kShipLeft: {
      const float d = e.shape == Shape::kShipRight ? 1.0f : -1.0f;
      const Point p[3] = {{cx + d * w, cy}, {cx - d * w, cy - h}, {cx - d * w, cy + h}};
      fill_convex_polygon(canvas, p, 3, e.color);
      fill_rect(canvas, cx - d * w * 0.6f - w * 0.3f, cy - h * 0.25f, cx - d * w * 0.6f + w * 0.3f,
                cy + h * 0.25f, e.detail);
      break;
    }
    case Shape::kShipUp:
    case Shape::kShipDown: {
      const float d = e.shape == Shape::kShipUp ? -1.0f : 1.0f;
      const Point p[3] = {{cx, cy + d * h}, {cx - w, cy - d * h}, {cx + w, cy - d * h}};
      fill_convex_polygon(canvas, p, 3, e.color);
      break;
    }
    case Shape::kFish: {
      const float d = e.face_left ? -1.0f : 1.0f;
      fill_circle(canvas, cx, cy, std::min(w, h) * 1.0f, e.color);
      fill_rect(canvas, cx - w * 0.2f, cy - h * 0.7f, cx + w * 0.2f, cy + h * 0.7f, e.color);
      const Point tail[3] = {{cx - d * w * 0.6f, cy}, {cx - d * w, cy - h}, {cx - d * w, cy + h}};
      fill_convex_polygon(canvas, tail, 3, e.color);
      fill_rect(canvas, cx + d * w * 0.45f - 0.5f, cy - h * 0.35f - 0.5f, cx + d * w * 0.45f + 0.5f,
                cy - h * 0.35f + 0.5f, e.detail);
      break;
    }
  }
}

void ProcgenGame::draw_world(Canvas canvas, const Camera& cam) const {
  for (const Entity& e : entities_) {
    if (e.z < 0) draw_entity(canvas, cam, e);
  }
  if (grid_.width > 0) {
    const Theme& t = theme(theme_index_);
    const int x_lo = std::max(0, static_cast<int>(std::floor(cam.x0)));
    const int x_hi = std::min(grid_.width - 1, static_cast<int>(std::ceil(cam.x0 + cam.view_w)));
    const int y_lo = std::max(0, static_cast<int>(std::floor(cam.y0)));
    const int y_hi = std::min(grid_.height - 1, static_cast<int>(std::ceil(cam.y0 + cam.view_h)));
    for (int ty = y_lo; ty <= y_hi; ++ty) {
      for (int tx = x_lo; tx <= x_hi; ++tx) {
        if (!solid(grid_.get(tx, ty))) continue;
        fill_rect(canvas, cam.px(static_cast<float>(tx)), cam.py(static_cast<float>(ty + 1)),
                  cam.px(static_cast<float>(tx + 1)), cam.py(static_cast<float>(ty)), t.tile);
      }
    }
  }
  for (const Entity& e : entities_) {
    if (e.z == 0) draw_entity(canvas, cam, e);
  }
  draw_entity(canvas, cam, agent_);
  for (const Entity& e : entities_) {
    if (e.z > 0) draw_entity(canvas, cam, e);
  }
}

}  // namespace lever::procgen

#include "lever/env/memorygym/searing_spotlights.h"

#include <climits>
#include <cmath>
#include <functional>
#include <string>

#include "lever/core/errors.h"
#include "lever/env/env_options.h"

namespace lever::memorygym {
namespace {

using Options = SearingSpotlights::Options;
using Variant = SearingSpotlights::Variant;

constexpr Color kWhite{255, 255, 255};
constexpr Color kBlack{0, 0, 0};
constexpr Color kBlueTile{0, 0, 255};
constexpr Color kRed{255, 0, 0};  // hit floor tiles, the health lost, and the spotlight colour key
constexpr Color kCoinFill{255, 255, 0};
constexpr Color kCoinRim{255, 165, 0};
constexpr Color kExitOpen{48, 141, 70};
constexpr Color kExitClosed{55, 55, 55};
constexpr Color kHudBack{50, 50, 50};
constexpr Color kHealth{0, 255, 0};
constexpr Color kRewardCell{255, 255, 0};
constexpr Color kActionColors[3] = {{120, 120, 120}, {116, 1, 113}, {255, 94, 14}};

constexpr int kTile = 12;      // int(50 * SCALE)
constexpr int kHudHeight = 4;  // int(16 * SCALE)
constexpr int kQuarter = kScreenSize / 4;
constexpr int kItemMargin = 7;  // _process_spawn_pos: int(30 * SCALE)
constexpr int kAgentBlock = 28;
constexpr int kItemBlock = 21;
constexpr Bounds kWalkable{0, kHudHeight, kScreenSize, kScreenSize - kHudHeight};

const char* env_id(Variant variant) {
  return variant == Variant::kFinite ? "searing_spotlights" : "endless_searing_spotlights";
}

constexpr int kFiniteOnly = 1, kEndlessOnly = 2, kBoth = 3;

struct OptionDef {
  std::string name;
  std::string doc;
  int variants;
  std::function<nlohmann::json(const Options&)> get;
  std::function<void(const nlohmann::json&, Options&, const EnvOptionReader&)> set;
};

OptionDef int_option(const char* name, int Options::*field, int lo, int hi, int variants,
                     const char* doc) {
  return {name, doc, variants, [field](const Options& o) { return nlohmann::json(o.*field); },
          [=](const nlohmann::json& v, Options& o, const EnvOptionReader& read) {
            o.*field = read.integer_of(name, v, lo, hi);
          }};
}

// A number in [lo, hi] (lo excluded when lo_open).
OptionDef number_option(const char* name, double Options::*field, double lo, double hi,
                        bool lo_open, int variants, const char* doc) {
  return {name, doc, variants, [field](const Options& o) { return nlohmann::json(o.*field); },
          [=](const nlohmann::json& v, Options& o, const EnvOptionReader& read) {
            o.*field = read.number_of(name, v, lo, hi, lo_open);
          }};
}

OptionDef bool_option(const char* name, bool Options::*field, int variants, const char* doc) {
  return {name, doc, variants, [field](const Options& o) { return nlohmann::json(o.*field); },
          [=](const nlohmann::json& v, Options& o, const EnvOptionReader& read) {
            o.*field = read.flag_of(name, v);
          }};
}

constexpr double kInf = HUGE_VAL;
constexpr int kMaxCoins = 50;

const std::vector<OptionDef>& option_defs() {
  static const std::vector<OptionDef> defs = {
      int_option("max_steps", &Options::max_steps, -1, INT_MAX, kBoth,
                 "episode step limit, truncated by VecEnv (-1: none; endless default)"),
      int_option("steps_per_coin", &Options::steps_per_coin, 1, INT_MAX, kEndlessOnly,
                 "the episode ends when no coin was collected for this many steps"),
      int_option("initial_spawns", &Options::initial_spawns, 0, 1000, kBoth,
                 "spotlights at the start"),
      int_option("num_spawns", &Options::num_spawns, 0, 100000, kFiniteOnly,
                 "spotlights spawned during the episode, one per spawn interval"),
      number_option("initial_spawn_interval", &Options::initial_spawn_interval, 0, kInf, false,
                    kFiniteOnly,
                    "with spawn_interval_threshold: a spotlight every int(initial + threshold) "
                    "steps (the original's interval list is never advanced)"),
      number_option("spawn_interval_threshold", &Options::spawn_interval_threshold, 0, kInf, false,
                    kFiniteOnly, "added to initial_spawn_interval"),
      number_option("spawn_interval_decay", &Options::spawn_interval_decay, 0, 1, true, kFiniteOnly,
                    "decay of the original's interval list; no effect, as in the original"),
      int_option("spawn_interval", &Options::spawn_interval, 1, INT_MAX, kEndlessOnly,
                 "a new spotlight every this many steps"),
      number_option("spot_min_radius", &Options::spot_min_radius, 1, kScreenSize, false, kBoth,
                    "spotlight radius drawn from [int(min), int(max + 1)) screen pixels"),
      number_option("spot_max_radius", &Options::spot_max_radius, 1, kScreenSize, false, kBoth,
                    "see spot_min_radius"),
      number_option("spot_min_speed", &Options::spot_min_speed, 0, 1, true, kBoth,
                    "path fraction a spotlight moves per step, drawn from [min, max)"),
      number_option("spot_max_speed", &Options::spot_max_speed, 0, 1, true, kBoth,
                    "see spot_min_speed"),
      number_option("spot_damage", &Options::spot_damage, 0, kInf, false, kBoth,
                    "health lost per step inside any spotlight"),
      bool_option("visual_feedback", &Options::visual_feedback, kBoth,
                  "the floor turns red while the agent is hit"),
      bool_option("black_background", &Options::black_background, kBoth,
                  "black floor, spotlights outlined in white"),
      bool_option("hide_chessboard", &Options::hide_chessboard, kBoth, "plain white floor"),
      int_option("light_dim_off_duration", &Options::light_dim_off_duration, 0, INT_MAX, kBoth,
                 "steps until dark: the darkness grows by int(255 / this) per step (0: at once)"),
      int_option("light_threshold", &Options::light_threshold, 0, 255, kBoth,
                 "the darkness stops growing once above this opacity (255: black)"),
      {"num_coins", "number of coins, drawn per episode from this list", kFiniteOnly,
       [](const Options& o) { return nlohmann::json(o.num_coins); },
       [](const nlohmann::json& v, Options& o, const EnvOptionReader& read) {
         o.num_coins = read.integer_choices_of("num_coins", v, 0, kMaxCoins);
       }},
      number_option("coin_scale", &Options::coin_scale, 0.1, 4, false, kBoth,
                    "coin radius int(10 * scale), rim int(2 * scale)"),
      int_option("coin_show_duration", &Options::coin_show_duration, 0, INT_MAX, kEndlessOnly,
                 "steps a new coin shows in the dark"),
      bool_option("coins_visible", &Options::coins_visible, kBoth, "coins show in the dark"),
      bool_option("use_exit", &Options::use_exit, kFiniteOnly,
                  "an exit that opens once all coins are collected ends the episode"),
      number_option("exit_scale", &Options::exit_scale, 0.1, 4, false, kFiniteOnly,
                    "exit side int(20 * scale)"),
      bool_option("exit_visible", &Options::exit_visible, kFiniteOnly,
                  "the exit shows in the dark"),
      number_option("agent_speed", &Options::agent_speed, 0, kScreenSize, false, kBoth,
                    "screen pixels per step (diagonals truncated: 3 -> (2, 2))"),
      number_option("agent_health", &Options::agent_health, 0, kInf, true, kBoth,
                    "health at the start; the episode ends at 0"),
      number_option("agent_scale", &Options::agent_scale, 0.04, 1, false, kBoth,
                    "agent radius int(25 * scale)"),
      bool_option("agent_visible", &Options::agent_visible, kBoth, "the agent shows in the dark"),
      bool_option("sample_agent_position", &Options::sample_agent_position, kBoth,
                  "random start position (false: the centre)"),
      bool_option("show_last_action", &Options::show_last_action, kBoth,
                  "HUD cells with the previous action"),
      bool_option("show_last_positive_reward", &Options::show_last_positive_reward, kBoth,
                  "HUD cell that is yellow after a positive reward"),
      number_option("reward_inside_spotlight", &Options::reward_inside_spotlight, -kInf, kInf,
                    false, kBoth, "reward per step inside a spotlight"),
      number_option("reward_outside_spotlight", &Options::reward_outside_spotlight, -kInf, kInf,
                    false, kBoth, "reward per step outside all spotlights"),
      number_option("reward_death", &Options::reward_death, -kInf, kInf, false, kBoth,
                    "reward when health runs out"),
      number_option("reward_exit", &Options::reward_exit, -kInf, kInf, false, kFiniteOnly,
                    "reward for reaching the open exit"),
      number_option("reward_coin", &Options::reward_coin, -kInf, kInf, false, kBoth,
                    "reward per coin"),
  };
  return defs;
}

int variant_bit(Variant variant) {
  return variant == Variant::kFinite ? kFiniteOnly : kEndlessOnly;
}

// What no single option's range can say.
void check_options(const Options& o) {
  const Variant v = o.variant;
  const EnvOptionReader read(env_id(v), nlohmann::json::object());
  if (o.max_steps == 0 || (v == Variant::kFinite && o.max_steps < 1)) {
    read.fail("max_steps",
              v == Variant::kFinite ? "an integer >= 1" : "-1 (no limit) or an integer >= 1",
              o.max_steps);
  }
  if (o.spot_max_radius < o.spot_min_radius) {
    read.fail("spot_max_radius", ">= spot_min_radius (" + std::to_string(o.spot_min_radius) + ")",
              o.spot_max_radius);
  }
  if (o.spot_max_speed < o.spot_min_speed) {
    read.fail("spot_max_speed", ">= spot_min_speed (" + std::to_string(o.spot_min_speed) + ")",
              o.spot_max_speed);
  }
  if (v == Variant::kFinite && o.num_spawns > 0 &&
      static_cast<int>(o.initial_spawn_interval + o.spawn_interval_threshold) < 1) {
    read.fail("initial_spawn_interval",
              "such that int(initial_spawn_interval + spawn_interval_threshold) >= 1",
              o.initial_spawn_interval);
  }
}

// The darkness: the overlay (black, spotlight holes in the colour key red) blended over the scene
// with the layer's alpha, rounded (pygame's own rounding is not reproduced).
void composite(Canvas scene, Canvas overlay, int alpha) {
  const size_t n = static_cast<size_t>(scene.width) * scene.height;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* o = overlay.data + i * 3;
    if (o[0] == kRed.r && o[1] == kRed.g && o[2] == kRed.b) continue;
    uint8_t* d = scene.data + i * 3;
    for (int c = 0; c < 3; ++c)
      d[c] = static_cast<uint8_t>((o[c] * alpha + d[c] * (255 - alpha) + 127) / 255);
  }
}

}  // namespace

Options Options::endless() {
  Options o;
  o.variant = Variant::kEndless;
  o.max_steps = -1;
  o.initial_spawns = 3;
  o.agent_health = 20.0;
  o.use_exit = false;
  return o;
}

Options SearingSpotlights::parse_options(const nlohmann::json& json, Variant variant) {
  Options o = variant == Variant::kFinite ? Options::finite() : Options::endless();
  const EnvOptionReader read(env_id(variant), json);
  for (const auto& [key, value] : json.items()) {
    const OptionDef* def = nullptr;
    for (const auto& d : option_defs()) {
      if (d.name == key && (d.variants & variant_bit(variant))) def = &d;
    }
    if (def == nullptr) {
      throw UsageError(std::string("env '") + env_id(variant) + "' has no option '" + key + "'");
    }
    def->set(value, o, read);
  }
  check_options(o);
  return o;
}

SearingSpotlights::Spotlight SearingSpotlights::fixed_spotlight(float x, float y, int radius) {
  Spotlight s{x, y, x, y, x, y, radius, 0.0};
  s.x = x;
  s.y = y;
  return s;
}

SearingSpotlights::SearingSpotlights() : SearingSpotlights(Options()) {}

SearingSpotlights::SearingSpotlights(const Options& options)
    : options_(options),
      endless_(options.variant == Variant::kEndless),
      blocked_(static_cast<size_t>(kScreenSize) * kScreenSize, false),
      agent_(static_cast<float>(options.agent_speed), agent_shape(options.agent_scale).radius),
      agent_shape_(agent_shape(static_cast<float>(options.agent_scale))),
      overlay_(static_cast<size_t>(kScreenSize) * kScreenSize * 3, 0) {
  check_options(options_);
  spec_.id = env_id(options.variant);
  spec_.obs_shape = {kScreenSize, kScreenSize, 3};
  spec_.obs_type = ObsType::kU8Image;
  spec_.num_actions = kFreeActions;
  spec_.action_nvec = {3, 3};
  spec_.max_episode_steps = options.max_steps > 0 ? options.max_steps : 0;
  spec_.reports_success = !endless_;
  spec_.reports_progress = true;
  coin_radius_ = static_cast<int>(10 * options.coin_scale);
  spawn_every_ =
      static_cast<int>(options.initial_spawn_interval + options.spawn_interval_threshold);
  spotlights_.reserve(64);
  holes_.reserve(64);
  coins_.reserve(kMaxCoins);
}

void SearingSpotlights::block(int x, int y, int block_radius) {
  const int r2 = block_radius * block_radius;
  const int y0 = std::max(0, y - block_radius), y1 = std::min(kScreenSize - 1, y + block_radius);
  const int x0 = std::max(0, x - block_radius), x1 = std::min(kScreenSize - 1, x + block_radius);
  for (int cy = y0; cy <= y1; ++cy) {
    for (int cx = x0; cx <= x1; ++cx) {
      if ((cx - x) * (cx - x) + (cy - y) * (cy - y) < r2) blocked_[cy * kScreenSize + cx] = true;
    }
  }
}

// When every cell is blocked (many coins) the original's integers(0, 0) would raise; lever draws
// from the whole screen instead.
void SearingSpotlights::sample(int block_radius, int* x, int* y) {
  const int cells = kScreenSize * kScreenSize;
  const int free = static_cast<int>(std::count(blocked_.begin(), blocked_.end(), false));
  int index = 0;
  if (free == 0) {
    index = static_cast<int>(rng_.below(cells));
  } else {
    int k = static_cast<int>(rng_.below(free));
    for (index = 0; index < cells; ++index) {
      if (!blocked_[index] && k-- == 0) break;
    }
  }
  *x = index % kScreenSize;
  *y = index / kScreenSize;
  block(*x, *y, block_radius);
}

void SearingSpotlights::sample_item(int block_radius, int* x, int* y) {
  sample(block_radius, x, y);
  *x = std::clamp(*x + 2 + static_cast<int>(rng_.below(2)), kItemMargin, kScreenSize - kItemMargin);
  *y = std::clamp(*y + 2 + static_cast<int>(rng_.below(2)), kItemMargin, kScreenSize - kItemMargin);
}

SearingSpotlights::Spotlight SearingSpotlights::make_spotlight() {
  const int lo = static_cast<int>(options_.spot_min_radius);
  const int hi = static_cast<int>(options_.spot_max_radius + 1);
  const int radius = lo + static_cast<int>(rng_.below(hi - lo));
  const double speed = rng_.uniform(options_.spot_min_speed, options_.spot_max_speed);
  // Spawned just outside the circle around the screen, so a new spotlight is never visible.
  const double spawn_radius = std::sqrt(2.0) * kScreenSize / 2 + radius;
  const int start = static_cast<int>(rng_.below(360));
  const int target = start + 180 - 45 + static_cast<int>(rng_.below(90));
  const int offset = target - 135 + static_cast<int>(rng_.below(270));
  const double centre = kScreenSize / 2;
  auto at = [&](int degrees, float* x, float* y) {
    const double a = degrees * M_PI / 180.0;
    *x = static_cast<float>(centre + spawn_radius * std::cos(a));
    *y = static_cast<float>(centre + spawn_radius * std::sin(a));
  };
  Spotlight s{0, 0, 0, 0, 0, 0, radius, speed};
  at(start, &s.spawn_x, &s.spawn_y);
  at(target, &s.target_x, &s.target_y);
  at(offset, &s.offset_x, &s.offset_y);
  s.x = s.spawn_x;
  s.y = s.spawn_y;
  return s;
}

void SearingSpotlights::spawn_finite_items() {
  coins_.clear();
  const auto& counts = options_.num_coins;
  num_coins_ = counts.empty() ? 0 : counts[rng_.below(counts.size())];
  for (int i = 0; i < num_coins_; ++i) {
    Coin c{0, 0};
    sample_item(kItemBlock, &c.x, &c.y);
    coins_.push_back(c);
  }
  has_exit_ = options_.use_exit;
  exit_open_ = false;
  if (has_exit_) sample_item(kItemBlock, &exit_x_, &exit_y_);
}

void SearingSpotlights::spawn_endless_coin() {
  clear_sampler();
  if (!coins_.empty()) block(coins_[0].x, coins_[0].y, kAgentBlock);
  Coin c{0, 0};
  sample_item(kAgentBlock, &c.x, &c.y);
  coins_.assign(1, c);
}

void SearingSpotlights::reset(uint64_t level_seed, void* obs) {
  rng_.reseed(level_seed);
  clear_sampler();
  steps_ = 0;
  coin_timer_ = 0;
  coins_collected_ = 0;
  shown_action_ = last_action_ = {0, 0};
  reward_cell_drawn_ = shown_reward_positive_ = false;
  last_reward_ = 0.0f;
  hit_ = false;

  const int rotation = 45 * static_cast<int>(rng_.below(8));
  int x = kScreenSize / 2, y = kScreenSize / 2;
  if (options_.sample_agent_position) {
    sample(kAgentBlock, &x, &y);
    x += 2 + static_cast<int>(rng_.below(2));
    y += 2 + static_cast<int>(rng_.below(2));
  } else {
    block(x, y, kItemBlock);
  }
  agent_.place(x, y, rotation);
  health_ = options_.agent_health;

  light_alpha_ = options_.light_dim_off_duration > 0 ? 0 : options_.light_threshold;
  spotlights_.clear();
  holes_.clear();
  spawn_timer_ = 0;
  spawns_left_ = options_.num_spawns;
  for (int i = 0; i < options_.initial_spawns; ++i) spotlights_.push_back(make_spotlight());

  coins_.clear();
  if (endless_) {
    num_coins_ = 1;
    has_exit_ = exit_open_ = false;
    spawn_endless_coin();
  } else {
    spawn_finite_items();
  }
  draw(observation_painter(obs), Canvas(overlay_.data(), kScreenSize, kScreenSize));
}

bool SearingSpotlights::step_spotlights() {
  ++spawn_timer_;
  if (endless_) {
    if (spawn_timer_ >= options_.spawn_interval) {
      spotlights_.push_back(make_spotlight());
      spawn_timer_ = 0;
    }
  } else if (spawns_left_ > 0 && spawn_timer_ >= spawn_every_) {
    spotlights_.push_back(make_spotlight());
    --spawns_left_;
    spawn_timer_ = 0;
  }
  holes_.clear();
  bool hit = false;
  // As the original's removal inside its for loop: the spotlight after a removed one sits out.
  for (size_t i = 0; i < spotlights_.size(); ++i) {
    Spotlight& s = spotlights_[i];
    if (s.done) {
      spotlights_.erase(spotlights_.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    const double t = s.t;
    const double tx = s.target_x + (s.offset_x - s.target_x) * t;
    const double ty = s.target_y + (s.offset_y - s.target_y) * t;
    s.x = static_cast<float>(s.spawn_x + (tx - s.spawn_x) * t);
    s.y = static_cast<float>(s.spawn_y + (ty - s.spawn_y) * t);
    holes_.push_back({static_cast<int>(s.x), static_cast<int>(s.y), s.radius});
    s.t += s.speed;
    if (s.t >= 1.0) {
      s.t = 1.0;
      s.done = true;
    }
    const double dx = s.x - agent_.x(), dy = s.y - agent_.y();
    if (std::sqrt(dx * dx + dy * dy) <= s.radius + agent_.radius()) hit = true;
  }
  return hit;
}

StepResult SearingSpotlights::step(int action, void* obs) {
  const FreeAction move = decode_free_action(action, spec_.id.c_str());
  agent_.step(move, kWalkable);
  if (options_.show_last_action) {
    shown_action_ = last_action_;
    last_action_ = move;
  }
  if (light_alpha_ <= options_.light_threshold) {
    const int duration = options_.light_dim_off_duration;
    light_alpha_ =
        duration > 0 ? std::min(255, light_alpha_ + 255 / duration) : options_.light_threshold;
  }

  double reward = 0.0;
  hit_ = step_spotlights();
  if (hit_) {
    health_ -= options_.spot_damage;
    reward += options_.reward_inside_spotlight;
  } else {
    reward += options_.reward_outside_spotlight;
  }
  const bool dead = health_ <= 0;
  if (dead) reward += options_.reward_death;

  const double reach = coin_radius_ + agent_.radius();
  auto touches = [&](double x, double y, double distance) {
    const double dx = x - agent_.x(), dy = y - agent_.y();
    return std::sqrt(dx * dx + dy * dy) <= distance;
  };
  StepResult result;
  result.terminated = dead;
  if (endless_) {
    if (touches(coins_[0].x, coins_[0].y, reach)) {
      reward += options_.reward_coin;
      ++coins_collected_;
      coin_timer_ = 0;
      spawn_endless_coin();
    }
  } else {
    for (size_t i = 0; i < coins_.size(); ++i) {
      if (touches(coins_[i].x, coins_[i].y, reach)) {
        coins_.erase(coins_.begin() + static_cast<std::ptrdiff_t>(i));
        reward += options_.reward_coin;
        ++coins_collected_;
      }
    }
    const bool coins_done = coins_.empty();
    bool exit_reached = false;
    if (has_exit_ && coins_done) {
      exit_open_ = true;
      const double exit_reach = 10.0 * options_.exit_scale + agent_.radius();
      if (touches(exit_x_, exit_y_, exit_reach)) {
        exit_reached = true;
        reward += options_.reward_exit;
      }
    }
    const bool success = has_exit_ ? exit_reached : coins_done && num_coins_ > 0;
    if (!dead && coins_done && success) {
      result.terminated = true;
      result.level_complete = true;
    }
  }
  ++steps_;
  if (endless_ && ++coin_timer_ == options_.steps_per_coin) result.terminated = true;

  if (options_.show_last_positive_reward) {
    reward_cell_drawn_ = true;
    shown_reward_positive_ = last_reward_ > 0;
    last_reward_ = static_cast<float>(reward);
  }
  result.reward = static_cast<float>(reward);
  result.progress = coins_collected_;
  draw(observation_painter(obs), Canvas(overlay_.data(), kScreenSize, kScreenSize));
  return result;
}

// Exit: a square of side int(20 s) centred on its location, top corners rounded with radius
// int(10 s), a black border int(2 s) wide (0 wide fills it black, as pygame does).
void SearingSpotlights::draw_exit(const Painter& painter) const {
  const double s = options_.exit_scale;
  const int side = static_cast<int>(20 * s);
  const int corner = static_cast<int>(10 * s);
  const int border = static_cast<int>(2 * s);
  const float x0 = static_cast<float>(exit_x_ - side / 2),
              y0 = static_cast<float>(exit_y_ - side / 2);
  auto door = [&](float x, float y, float w, float c, Color color) {
    if (w <= 0) return;
    c = std::min(c, w / 2);
    painter.rect(x, y + c, w, w - c, color);
    painter.rect(x + c, y, w - 2 * c, c, color);
    const float k = painter.scale;
    fill_circle(painter.canvas, (x + c) * k, (y + c) * k, c * k, color);
    fill_circle(painter.canvas, (x + w - c) * k, (y + c) * k, c * k, color);
  };
  const float w = static_cast<float>(side);
  door(x0, y0, w, static_cast<float>(corner), kBlack);
  if (border > 0) {
    door(x0 + border, y0 + border, w - 2 * border, static_cast<float>(corner - border),
         exit_open_ ? kExitOpen : kExitClosed);
  }
}

void SearingSpotlights::draw_hud(const Painter& painter) const {
  painter.rect(0, 0, kScreenSize, kHudHeight, kHudBack);
  painter.rect(0, 0, 2 * kQuarter, kHudHeight, kHealth);
  const int lost = static_cast<int>(2 * kQuarter * (1.0 - health_ / options_.agent_health));
  if (lost > 0) painter.rect(0, 0, static_cast<float>(lost), kHudHeight, kRed);
  if (options_.show_last_action) {
    painter.rect(2 * kQuarter, 0, kQuarter, kHudHeight, kActionColors[shown_action_.horizontal]);
    painter.rect(3 * kQuarter, 0, kQuarter, kHudHeight, kActionColors[shown_action_.vertical]);
  }
  if (options_.show_last_positive_reward && reward_cell_drawn_) {
    const Color c = shown_reward_positive_ ? kRewardCell : kHudBack;
    if (options_.show_last_action) {
      painter.rect(static_cast<int>(kQuarter * 2.75), 0, static_cast<int>(kQuarter * 0.5),
                   kHudHeight, c);
    } else {
      painter.rect(2 * kQuarter, 0, 2 * kQuarter, kHudHeight, c);
    }
  }
}

// Draw order as the original's surface list: floor, the items hidden in the dark, the darkness
// with its spotlight holes, the items that always show, the HUD.
void SearingSpotlights::draw(const Painter& painter, Canvas overlay) const {
  if (options_.black_background) {
    painter.fill(kBlack);
  } else {
    const Color tile = options_.hide_chessboard           ? kWhite
                       : hit_ && options_.visual_feedback ? kRed
                                                          : kBlueTile;
    painter.fill(kWhite);
    for (int ty = 0; ty * kTile < kScreenSize; ++ty) {
      for (int tx = 0; tx * kTile < kScreenSize; ++tx) {
        if ((tx + ty) % 2 == 1) painter.rect(tx * kTile, ty * kTile, kTile, kTile, tile);
      }
    }
  }
  const bool coins_show =
      options_.coins_visible || (endless_ && coin_timer_ < options_.coin_show_duration);
  auto draw_coins = [&] {
    for (const Coin& c : coins_) {
      painter.circle(c.x, c.y, coin_radius_, kCoinFill);
      painter.ring(c.x, c.y, coin_radius_, static_cast<int>(2 * options_.coin_scale), kCoinRim);
    }
  };
  auto draw_agent_now = [&] {
    draw_agent(painter, agent_shape_, agent_.x(), agent_.y(), agent_.rotation());
  };
  if (!coins_show) draw_coins();
  if (has_exit_ && !options_.exit_visible) draw_exit(painter);
  if (!options_.agent_visible) draw_agent_now();

  if (light_alpha_ > 0) {
    overlay.fill(kBlack);
    const Painter holes{overlay, painter.scale};
    for (const Hole& h : holes_) {
      holes.circle(h.x, h.y, h.radius, kRed);
      if (options_.black_background) holes.ring(h.x, h.y, h.radius, 1, kWhite);
    }
    composite(painter.canvas, overlay, light_alpha_);
  }

  if (coins_show) draw_coins();
  if (has_exit_ && options_.exit_visible) draw_exit(painter);
  if (options_.agent_visible) draw_agent_now();
  draw_hud(painter);
}

void SearingSpotlights::render(Image& out) const {
  const Painter painter = render_painter(out);
  Image overlay;
  overlay.resize(kRenderSize, kRenderSize);
  draw(painter, Canvas(overlay));
}

namespace {

EnvInfo make_info(Variant variant, const char* description) {
  EnvInfo info;
  info.id = env_id(variant);
  info.description = description;
  const Options defaults = variant == Variant::kFinite ? Options::finite() : Options::endless();
  for (const auto& d : option_defs()) {
    if (d.variants & variant_bit(variant)) info.options.push_back({d.name, d.get(defaults), d.doc});
  }
  info.make = [variant](const nlohmann::json& options) {
    return std::make_unique<SearingSpotlights>(SearingSpotlights::parse_options(options, variant));
  };
  return info;
}

}  // namespace

EnvInfo searing_spotlights_info() {
  return make_info(Variant::kFinite,
                   "Memory Gym Searing Spotlights: in the dark, collect the coin (+0.25) and then "
                   "reach the exit (+1, success) while spotlights, which show the agent, cost one "
                   "of 5 health per step; 84x84 RGB, MultiDiscrete {3, 3} moves, 256 steps");
}

EnvInfo endless_searing_spotlights_info() {
  return make_info(Variant::kEndless,
                   "Memory Gym Endless Searing Spotlights: collect one coin after another (+0.25 "
                   "each, shown for 6 steps, 160 steps each) in the dark while ever more "
                   "spotlights cost health (20); 84x84 RGB, MultiDiscrete {3, 3}, no step limit");
}

}  // namespace lever::memorygym

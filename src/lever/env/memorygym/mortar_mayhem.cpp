#include "lever/env/memorygym/mortar_mayhem.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "lever/core/errors.h"
#include "lever/env/env_options.h"

namespace lever::memorygym {
namespace {

using Variant = MortarMayhem::Variant;

constexpr Color kTileBlue{21, 43, 77};
constexpr Color kTileBlueBorder{29, 60, 107};
constexpr Color kTileRed{81, 18, 26};
constexpr Color kTileRedBorder{112, 24, 36};
constexpr Color kArrow{255, 255, 255};
constexpr Color kTargetMarker{0, 255, 0};
constexpr Color kBlack{0, 0, 0};
constexpr int kCommandBox = 22;  // 88 * SCALE: the clue glyph's square

int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
int wrap(int a, int n) { return ((a % n) + n) % n; }

// The option names each variant has, as the original's default_reset_parameters.
std::vector<std::string> option_names(Variant variant) {
  std::vector<std::string> names = {"agent_scale"};
  if (variant != Variant::kGrid) names.push_back("agent_speed");
  if (variant != Variant::kEndless) names.push_back("arena_size");
  names.push_back("allowed_commands");
  names.push_back(variant == Variant::kEndless ? "initial_command_count" : "command_count");
  for (const char* n :
       {"command_show_duration", "command_show_delay", "explosion_duration", "explosion_delay",
        "visual_feedback", "reward_command_failure", "reward_command_success"}) {
    names.push_back(n);
  }
  if (variant == Variant::kEndless) {
    names.push_back("max_steps");
  } else {
    names.push_back("reward_episode_success");
  }
  return names;
}

nlohmann::json options_to_json(Variant variant, const MortarMayhem::Options& o) {
  nlohmann::json all = {{"agent_scale", o.agent_scale},
                        {"agent_speed", o.agent_speed},
                        {"arena_size", o.arena_size},
                        {"allowed_commands", o.allowed_commands},
                        {"command_count", o.command_count},
                        {"initial_command_count", o.initial_command_count},
                        {"command_show_duration", o.command_show_duration},
                        {"command_show_delay", o.command_show_delay},
                        {"explosion_duration", o.explosion_duration},
                        {"explosion_delay", o.explosion_delay},
                        {"visual_feedback", o.visual_feedback},
                        {"reward_command_failure", o.reward_command_failure},
                        {"reward_command_success", o.reward_command_success},
                        {"reward_episode_success", o.reward_episode_success},
                        {"max_steps", o.max_steps}};
  nlohmann::json out = nlohmann::json::object();
  for (const std::string& name : option_names(variant)) out[name] = all[name];
  return out;
}

int max_of(const std::vector<int>& v) { return *std::max_element(v.begin(), v.end()); }

}  // namespace

constexpr int MortarMayhem::kCommandOffset[kNumCommands][2];

const char* MortarMayhem::env_id(Variant variant) {
  switch (variant) {
    case Variant::kFree:
      return "mortar_mayhem";
    case Variant::kGrid:
      return "mortar_mayhem_grid";
    default:
      return "endless_mortar_mayhem";
  }
}

MortarMayhem::Options MortarMayhem::default_options(Variant variant) {
  Options o;
  if (variant == Variant::kGrid) {
    o.allowed_commands = 5;
    o.explosion_duration = {2};
    o.explosion_delay = {6};
  }
  return o;
}

MortarMayhem::Options MortarMayhem::parse_options(Variant variant, const nlohmann::json& given) {
  const EnvOptionReader read(env_id(variant), given);
  const std::vector<std::string> names = option_names(variant);
  for (const auto& item : given.items()) {
    if (std::find(names.begin(), names.end(), item.key()) == names.end()) {
      std::string known;
      for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
      throw UsageError(std::string("env '") + env_id(variant) + "': unknown option '" + item.key() +
                       "' (known: " + known + ")");
    }
  }
  Options o = default_options(variant);
  o.agent_scale = static_cast<float>(read.number("agent_scale", o.agent_scale, 0.1, 1.0));
  if (variant != Variant::kGrid) {
    o.agent_speed = static_cast<float>(read.number("agent_speed", o.agent_speed, 1.0, 14.0));
  }
  if (variant != Variant::kEndless) o.arena_size = read.integer("arena_size", o.arena_size, 2, 6);
  o.allowed_commands = read.integer("allowed_commands", o.allowed_commands, 4, 9);
  const double kInf = HUGE_VAL;
  if (variant == Variant::kEndless) {
    o.initial_command_count =
        read.integer("initial_command_count", o.initial_command_count, 1, 1000);
    o.max_steps = read.integer("max_steps", o.max_steps, -1, 1000000000);
  } else {
    o.command_count = read.integer_choices("command_count", o.command_count, 1, 1000);
    o.reward_episode_success = static_cast<float>(
        read.number("reward_episode_success", o.reward_episode_success, -kInf, kInf));
  }
  o.command_show_duration =
      read.integer_choices("command_show_duration", o.command_show_duration, 1, 1000);
  o.command_show_delay = read.integer_choices("command_show_delay", o.command_show_delay, 0, 1000);
  o.explosion_duration = read.integer_choices("explosion_duration", o.explosion_duration, 1, 1000);
  o.explosion_delay = read.integer_choices("explosion_delay", o.explosion_delay, 1, 1000);
  o.visual_feedback = read.flag("visual_feedback", o.visual_feedback);
  o.reward_command_failure = static_cast<float>(
      read.number("reward_command_failure", o.reward_command_failure, -kInf, kInf));
  o.reward_command_success = static_cast<float>(
      read.number("reward_command_success", o.reward_command_success, -kInf, kInf));
  return o;
}

int MortarMayhem::max_episode_steps(const Options& o) {
  const int count = max_of(o.command_count);
  const int clue = (max_of(o.command_show_duration) + max_of(o.command_show_delay)) * count;
  // The original passes explosion_delay as the execution duration and explosion_duration as the
  // delay, so the last command's explosion is what it subtracts.
  const int act = (max_of(o.explosion_delay) + max_of(o.explosion_duration)) * count -
                  max_of(o.explosion_duration) + 1;
  return clue + act;
}

MortarMayhem::MortarMayhem(Variant variant) : MortarMayhem(variant, default_options(variant)) {}

MortarMayhem::MortarMayhem(Variant variant, const Options& options)
    : variant_(variant),
      options_(options),
      shape_(agent_shape(options.agent_scale)),
      arena_size_(variant == Variant::kEndless ? kEndlessArenaSize : options.arena_size),
      free_(options.agent_speed, shape_.radius),
      wrap_(options.agent_speed, shape_.radius),
      grid_(arena_size_) {
  spec_.id = env_id(variant);
  spec_.obs_shape = {kScreenSize, kScreenSize, 3};
  spec_.obs_type = ObsType::kU8Image;
  if (variant == Variant::kGrid) {
    spec_.num_actions = kGridActions;
  } else {
    spec_.num_actions = kFreeActions;
    spec_.action_nvec = {3, 3};
  }
  if (variant == Variant::kEndless) {
    spec_.max_episode_steps = std::max(0, options.max_steps);
  } else {
    spec_.max_episode_steps = max_episode_steps(options);
  }
  spec_.reports_success = variant != Variant::kEndless;  // the endless task has no end to reach
  spec_.reports_progress = true;
  const int side = arena_size_ * kTileSize;
  const int left = kScreenSize / 2 - side / 2;
  arena_ = Bounds{left, left, side, side};
  commands_.reserve(64);
  clue_frames_.reserve(256);
}

int MortarMayhem::agent_tile_x() const { return floor_div(agent_x_ - arena_.left, kTileSize); }
int MortarMayhem::agent_tile_y() const { return floor_div(agent_y_ - arena_.top, kTileSize); }

void MortarMayhem::sample_commands(int count, int from_x, int from_y) {
  const int allowed = options_.allowed_commands;
  for (int i = 0; i < count; ++i) {
    if (variant_ == Variant::kEndless) {
      commands_.push_back(static_cast<int>(rng_.below(allowed)));
      continue;
    }
    // Only commands whose target stays inside the arena.
    int valid[kNumCommands];
    int num_valid = 0;
    for (int c = 0; c < allowed; ++c) {
      const int x = from_x + kCommandOffset[c][0], y = from_y + kCommandOffset[c][1];
      if (x >= 0 && x < arena_size_ && y >= 0 && y < arena_size_) valid[num_valid++] = c;
    }
    const int c = valid[rng_.below(num_valid)];
    commands_.push_back(c);
    from_x += kCommandOffset[c][0];
    from_y += kCommandOffset[c][1];
  }
}

void MortarMayhem::queue_clues(int first_command) {
  clue_frames_.clear();
  for (size_t i = first_command; i < commands_.size(); ++i) {
    for (int k = 0; k < show_duration_; ++k) clue_frames_.push_back(commands_[i]);
    for (int k = 0; k < show_delay_; ++k) clue_frames_.push_back(-1);
  }
  clue_next_ = 0;
}

void MortarMayhem::reset(uint64_t level_seed, void* obs) {
  rng_.reseed(level_seed);
  const auto pick = [this](const std::vector<int>& choices) {
    return choices[rng_.below(choices.size())];
  };
  const int tile = static_cast<int>(rng_.below(arena_size_ * arena_size_));
  const int tile_x = tile / arena_size_, tile_y = tile % arena_size_;
  agent_x_ = tile_center_x(tile_x);
  agent_y_ = tile_center_y(tile_y);
  if (variant_ == Variant::kEndless) {
    // The endless spawn is jittered by integers(-8 * SCALE, 8 * SCALE) per axis.
    agent_x_ += static_cast<int>(rng_.below(4)) - 2;
    agent_y_ += static_cast<int>(rng_.below(4)) - 2;
  }
  rotation_ = 0;
  free_.place(agent_x_, agent_y_);
  wrap_.place(agent_x_, agent_y_);
  grid_.place(tile_x, tile_y);

  commands_.clear();
  const int count =
      variant_ == Variant::kEndless ? options_.initial_command_count : pick(options_.command_count);
  sample_commands(count, tile_x, tile_y);
  show_duration_ = pick(options_.command_show_duration);
  show_delay_ = pick(options_.command_show_delay);
  queue_clues(0);
  shown_command_ = clue_frames_[clue_next_++];

  target_x_ = tile_x + kCommandOffset[commands_[0]][0];
  target_y_ = tile_y + kCommandOffset[commands_[0]][1];
  if (variant_ == Variant::kEndless) {
    target_x_ = wrap(target_x_, arena_size_);
    target_y_ = wrap(target_y_, arena_size_);
  }
  current_command_ = 0;
  command_steps_ = 0;
  verify_step_ = 0;
  tiles_on_ = false;
  commands_completed_ = 0;
  explosion_duration_ = pick(options_.explosion_duration);
  explosion_delay_ = pick(options_.explosion_delay);
  draw(observation_painter(obs), false);
}

void MortarMayhem::move_agent(int action) {
  switch (variant_) {
    case Variant::kFree:
      free_.step(decode_free_action(action, spec_.id.c_str()), arena_);
      agent_x_ = free_.x();
      agent_y_ = free_.y();
      rotation_ = free_.rotation();
      break;
    case Variant::kEndless:
      wrap_.step(decode_free_action(action, spec_.id.c_str()), arena_);
      agent_x_ = wrap_.x();
      agent_y_ = wrap_.y();
      rotation_ = wrap_.rotation();
      break;
    case Variant::kGrid:
      grid_.step(action, spec_.id.c_str());
      agent_x_ = tile_center_x(grid_.cell_x());
      agent_y_ = tile_center_y(grid_.cell_y());
      rotation_ = grid_.rotation();
      break;
  }
}

StepResult MortarMayhem::step(int action, void* obs) {
  if (action < 0 || action >= spec_.num_actions) {
    throw UsageError(spec_.id + ": action " + std::to_string(action) + " is outside [0, " +
                     std::to_string(spec_.num_actions) + ")" +
                     (variant_ == Variant::kGrid
                          ? " (noop, rotate left, rotate right, forward)"
                          : " (horizontal * 3 + vertical; none/left/right, none/up/down)"));
  }
  StepResult result;
  if (showing_clues()) {
    shown_command_ = clue_frames_[clue_next_++];
  } else {
    shown_command_ = -1;
    move_agent(action);
    const bool on_target = agent_tile_x() == target_x_ && agent_tile_y() == target_y_;
    const int num_commands = static_cast<int>(commands_.size());
    const bool verify = command_steps_ > 0 && command_steps_ % explosion_delay_ == 0;
    if (verify && !tiles_on_) {
      bool failed = false;
      if (current_command_ < num_commands) {
        ++current_command_;
        tiles_on_ = true;
        if (on_target) {
          result.reward += options_.reward_command_success;
          ++commands_completed_;
        } else {
          failed = true;
          result.terminated = true;
          result.reward += options_.reward_command_failure;
        }
      }
      if (current_command_ >= num_commands) {
        if (variant_ == Variant::kEndless) {
          // One more command, then the whole sequence again from the current target.
          sample_commands(1, 0, 0);
          current_command_ = 0;
          verify_step_ = 0;
          queue_clues(num_commands);
        } else {
          result.terminated = true;
          if (!failed) {
            result.level_complete = true;
            result.reward += options_.reward_episode_success;
          }
        }
      }
      command_steps_ = 1;
    }
    if (tiles_on_) {
      if (verify_step_ > 0 && verify_step_ % explosion_duration_ == 0) {
        tiles_on_ = false;
        verify_step_ = 0;
        if (current_command_ < static_cast<int>(commands_.size())) {
          target_x_ += kCommandOffset[commands_[current_command_]][0];
          target_y_ += kCommandOffset[commands_[current_command_]][1];
          if (variant_ == Variant::kEndless) {
            target_x_ = wrap(target_x_, arena_size_);
            target_y_ = wrap(target_y_, arena_size_);
          }
        }
      } else {
        if (!on_target) {
          result.terminated = true;
          result.reward = options_.reward_command_failure;
        }
        ++verify_step_;
      }
    } else {
      ++command_steps_;
    }
  }
  result.progress = commands_completed_;
  draw(observation_painter(obs), false);
  return result;
}

void MortarMayhem::render(Image& out) const { draw(render_painter(out), true); }

void MortarMayhem::draw(const Painter& painter, bool human) const {
  painter.fill(kBlack);
  for (int i = 0; i < arena_size_; ++i) {
    for (int j = 0; j < arena_size_; ++j) {
      const bool red = tiles_on_ && options_.visual_feedback && !(i == target_x_ && j == target_y_);
      const float x = static_cast<float>(arena_.left + i * kTileSize);
      const float y = static_cast<float>(arena_.top + j * kTileSize);
      painter.rect(x, y, kTileSize, kTileSize, red ? kTileRed : kTileBlue);
      painter.rect_outline(x, y, kTileSize, kTileSize, static_cast<float>(scaled(4)),
                           red ? kTileRedBorder : kTileBlueBorder);
    }
  }
  if (human) {
    painter.ring(static_cast<float>(tile_center_x(target_x_)),
                 static_cast<float>(tile_center_y(target_y_)), kTileSize / 2,
                 static_cast<float>(scaled(8)), kTargetMarker);
  }
  draw_agent(painter, shape_, static_cast<float>(agent_x_), static_cast<float>(agent_y_),
             rotation_);
  if (shown_command_ >= 0) draw_command(painter, shown_command_);
}

void MortarMayhem::draw_command(const Painter& painter, int command) const {
  const float origin = kScreenSize / 2 - kCommandBox / 2;  // the glyph box's top-left
  const float width = static_cast<float>(scaled(8));
  if (command == kStay) {
    // A ring with a bar across it.
    const float radius = kCommandBox / 2 - scaled(4);
    painter.ring(origin + radius, origin + radius, radius, width, kArrow);
    const float bar_y = origin + kCommandBox / 2 - 2;
    painter.line(origin, bar_y, origin + kCommandBox - 3, bar_y, width, kArrow);
    return;
  }
  // An arrow pointing right (shaft and two barbs), turned about the box's centre.
  static constexpr int kAngle[kNumCommands] = {0, 270, 180, 90, 0, 315, 45, 225, 135};
  const double a = kAngle[command] * M_PI / 180.0;
  const float c = static_cast<float>(std::cos(a)), s = static_cast<float>(std::sin(a));
  const float centre = origin + (kCommandBox - 1) / 2.0f;
  auto turn = [&](float x, float y) {
    const float dx = x - (kCommandBox - 1) / 2.0f, dy = y - (kCommandBox - 1) / 2.0f;
    return Point{centre + dx * c + dy * s, centre - dx * s + dy * c};
  };
  const float x1 = 0.5f, x2 = 20.0f, y1 = 10.0f, y2 = 0.0f;
  const Point tail = turn(x1, y1), head = turn(x2, y1);
  const Point barb_a = turn(y1, y2), barb_b = turn(y1, x2);
  painter.line(tail.x, tail.y, head.x, head.y, width, kArrow);
  painter.line(head.x, head.y, barb_a.x, barb_a.y, width, kArrow);
  painter.line(head.x, head.y, barb_b.x, barb_b.y, width, kArrow);
}

namespace {

EnvInfo make_info(Variant variant, const std::string& description) {
  EnvInfo info;
  info.id = MortarMayhem::env_id(variant);
  info.description = description;
  const nlohmann::json defaults = options_to_json(variant, MortarMayhem::default_options(variant));
  const auto doc = [](const std::string& name) -> std::string {
    if (name == "agent_scale") return "size of the agent sprite (0.25: radius 6 px)";
    if (name == "agent_speed") return "agent speed in pixels per step (diagonals truncate)";
    if (name == "arena_size") return "arena side in tiles, in [2, 6]";
    if (name == "allowed_commands")
      return "the first N of right, down, left, up, stay and the four diagonals, N in [4, 9]";
    if (name == "command_count") return "commands per episode (a list: sampled per episode)";
    if (name == "initial_command_count") return "commands in the first sequence";
    if (name == "command_show_duration") return "steps each command is shown (list: choices)";
    if (name == "command_show_delay") return "blank steps after each command (list: choices)";
    if (name == "explosion_duration") return "steps the death tiles stay on (list: choices)";
    if (name == "explosion_delay") return "steps to reach each target tile (list: choices)";
    if (name == "visual_feedback") return "draw the death tiles red";
    if (name == "reward_command_failure") return "reward when the agent is off target";
    if (name == "reward_command_success") return "reward per command reached";
    if (name == "reward_episode_success") return "bonus for completing the sequence";
    return "time limit in steps; -1: unlimited";
  };
  for (const auto& item : defaults.items()) {
    info.options.push_back({item.key(), item.value(), doc(item.key())});
  }
  info.make = [variant](const nlohmann::json& options) -> std::unique_ptr<Env> {
    return std::make_unique<MortarMayhem>(variant, MortarMayhem::parse_options(variant, options));
  };
  return info;
}

}  // namespace

EnvInfo mortar_mayhem_info() {
  return make_info(Variant::kFree,
                   "Memory Gym's Mortar Mayhem: memorise a shown sequence of moves on a 5x5 "
                   "arena, then step on each target tile before the others explode; free "
                   "movement, MultiDiscrete {3, 3}");
}

EnvInfo mortar_mayhem_grid_info() {
  return make_info(Variant::kGrid,
                   "Mortar Mayhem on the tile grid: noop, rotate left, rotate right, forward "
                   "one tile; 6 steps per target");
}

EnvInfo endless_mortar_mayhem_info() {
  return make_info(Variant::kEndless,
                   "Endless Mortar Mayhem: a 6x6 torus; after each completed sequence one "
                   "command is added and the whole sequence must be repeated");
}

}  // namespace lever::memorygym

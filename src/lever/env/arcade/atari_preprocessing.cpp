#include "lever/env/arcade/atari_preprocessing.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "lever/core/errors.h"

namespace lever::arcade {

void max_pool_frames(const uint8_t* a, const uint8_t* b, uint8_t* out, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i) out[i] = std::max(a[i], b[i]);
}

void rgb_to_grey(const uint8_t* rgb, int width, int height, uint8_t* out) {
  // ALE's weights in ten-thousandths; they sum to 9999, so white stays 255.
  const size_t pixels = static_cast<size_t>(width) * height;
  for (size_t i = 0; i < pixels; ++i) {
    const uint32_t y = 2989u * rgb[3 * i] + 5870u * rgb[3 * i + 1] + 1140u * rgb[3 * i + 2];
    out[i] = static_cast<uint8_t>((y + 5000u) / 10000u);
  }
}

AreaResizer::Axis AreaResizer::build_axis(int src, int dst) {
  // In units of 1/dst of a source pixel, source pixel s spans [s dst, (s + 1) dst) and output
  // pixel d's footprint spans [d src, (d + 1) src): integer bounds, so the weights are exact.
  Axis axis;
  axis.first.push_back(0);
  for (int d = 0; d < dst; ++d) {
    const int64_t lo = static_cast<int64_t>(d) * src, hi = lo + src;
    for (int s = static_cast<int>(lo / dst); s < src && static_cast<int64_t>(s) * dst < hi; ++s) {
      const int64_t overlap = std::min<int64_t>(hi, static_cast<int64_t>(s + 1) * dst) -
                              std::max<int64_t>(lo, static_cast<int64_t>(s) * dst);
      if (overlap > 0) {
        axis.taps.push_back({s, static_cast<float>(static_cast<double>(overlap) / src)});
      }
    }
    axis.first.push_back(static_cast<int>(axis.taps.size()));
  }
  return axis;
}

AreaResizer::AreaResizer(int src_width, int src_height, int dst_width, int dst_height)
    : src_width_(src_width),
      src_height_(src_height),
      dst_width_(dst_width),
      dst_height_(dst_height),
      x_(build_axis(src_width, dst_width)),
      y_(build_axis(src_height, dst_height)),
      row_(static_cast<size_t>(std::max(src_width, 0))) {
  if (src_width < 1 || src_height < 1 || dst_width < 1 || dst_height < 1) {
    throw UsageError("AreaResizer: sizes must be positive");
  }
}

void AreaResizer::resize(const uint8_t* in, uint8_t* out) {
  // Vertical pass first: whole source rows at a time, which vectorises; the horizontal pass
  // then runs on dst_height rows only.
  float* row = row_.data();
  for (int dy = 0; dy < dst_height_; ++dy) {
    std::fill(row_.begin(), row_.end(), 0.0f);
    for (int t = y_.first[dy]; t < y_.first[dy + 1]; ++t) {
      const uint8_t* src_row = in + static_cast<size_t>(y_.taps[t].src) * src_width_;
      const float weight = y_.taps[t].weight;
      for (int sx = 0; sx < src_width_; ++sx) row[sx] += weight * src_row[sx];
    }
    uint8_t* out_row = out + static_cast<size_t>(dy) * dst_width_;
    for (int dx = 0; dx < dst_width_; ++dx) {
      float sum = 0.0f;
      for (int t = x_.first[dx]; t < x_.first[dx + 1]; ++t) {
        sum += x_.taps[t].weight * row[x_.taps[t].src];
      }
      out_row[dx] = static_cast<uint8_t>(std::min(sum + 0.5f, 255.0f));
    }
  }
}

std::vector<AreaResizer::Tap> AreaResizer::column_taps(int x) const {
  return {x_.taps.begin() + x_.first[x], x_.taps.begin() + x_.first[x + 1]};
}

std::vector<AreaResizer::Tap> AreaResizer::row_taps(int y) const {
  return {y_.taps.begin() + y_.first[y], y_.taps.begin() + y_.first[y + 1]};
}

void push_frame(uint8_t* stack, const uint8_t* frame, int pixels, int frame_stack) {
  for (int i = 0; i < pixels; ++i) {
    uint8_t* p = stack + static_cast<size_t>(i) * frame_stack;
    for (int k = 1; k < frame_stack; ++k) p[k - 1] = p[k];
    p[frame_stack - 1] = frame[i];
  }
}

namespace {

[[noreturn]] void option_error(const std::string& option, const std::string& requirement,
                               const nlohmann::json& got) {
  throw UsageError("atari preprocessing: " + option + " must be " + requirement + ", got " +
                   got.dump());
}

int int_option(const nlohmann::json& o, const char* name, int fallback, int min, int max) {
  if (!o.contains(name)) return fallback;
  const nlohmann::json& v = o.at(name);
  const std::string requirement =
      "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (!v.is_number_integer()) option_error(name, requirement, v);
  const int64_t value = v.get<int64_t>();
  if (value < min || value > max) option_error(name, requirement, v);
  return static_cast<int>(value);
}

// ALE's minimal action sets name every action; -1 when the game lacks this one.
int find_action(const ArcadeGame& game, const std::string& name) {
  const auto& meanings = game.action_meanings();
  const auto it = std::find(meanings.begin(), meanings.end(), name);
  return it == meanings.end() ? -1 : static_cast<int>(it - meanings.begin());
}

// A game that ends during every start sequence is broken; give up instead of spinning.
constexpr int kMaxStartAttempts = 100;

}  // namespace

AtariPreprocessing::Options AtariPreprocessing::parse_options(const nlohmann::json& o) {
  Options options;
  // The upper bounds only keep a typo from allocating gigabytes.
  options.frame_skip = int_option(o, "frame_skip", options.frame_skip, 1, kMaxEpisodeFrames);
  options.noop_max = int_option(o, "noop_max", options.noop_max, 0, kMaxEpisodeFrames);
  options.frame_stack = int_option(o, "frame_stack", options.frame_stack, 1, 64);
  options.screen_size = int_option(o, "screen_size", options.screen_size, 8, 1024);
  if (o.contains("sticky_action_prob")) {
    const nlohmann::json& v = o.at("sticky_action_prob");
    const char* requirement = "a number in [0, 1)";
    if (!v.is_number()) option_error("sticky_action_prob", requirement, v);
    const double p = v.get<double>();
    if (!(p >= 0.0 && p < 1.0)) option_error("sticky_action_prob", requirement, v);
    options.sticky_action_prob = static_cast<float>(p);
  }
  if (o.contains("fire_reset")) {
    const nlohmann::json& v = o.at("fire_reset");
    if (!v.is_boolean()) option_error("fire_reset", "true or false", v);
    options.fire_reset = v.get<bool>();
  }
  return options;
}

namespace {

const EnvSpec& checked_game_spec(const std::unique_ptr<ArcadeGame>& game) {
  if (!game) throw UsageError("AtariPreprocessing: no game");
  const EnvSpec& spec = game->spec();
  if (spec.obs_type != ObsType::kU8Image || spec.obs_shape.size() != 3 || spec.obs_shape[2] != 3) {
    throw UsageError("AtariPreprocessing: game '" + spec.id + "' must observe an RGB image");
  }
  return spec;
}

// Options built in code pass the same checks as those parsed from JSON.
const AtariPreprocessing::Options& validated(const AtariPreprocessing::Options& options) {
  AtariPreprocessing::parse_options({{"frame_skip", options.frame_skip},
                                     {"noop_max", options.noop_max},
                                     {"sticky_action_prob", options.sticky_action_prob},
                                     {"frame_stack", options.frame_stack},
                                     {"screen_size", options.screen_size}});
  return options;
}

}  // namespace

AtariPreprocessing::AtariPreprocessing(std::unique_ptr<ArcadeGame> game, std::string id,
                                       const Options& options)
    : game_(std::move(game)),
      options_(validated(options)),
      src_width_(static_cast<int>(checked_game_spec(game_).obs_shape[1])),
      src_height_(static_cast<int>(game_->spec().obs_shape[0])),
      resizer_(src_width_, src_height_, options.screen_size, options.screen_size) {
  noop_action_ = find_action(*game_, "NOOP");
  if (noop_action_ < 0) throw UsageError("AtariPreprocessing: game '" + id + "' has no NOOP");
  fire_action_ = find_action(*game_, "FIRE");

  spec_.id = std::move(id);
  spec_.obs_shape = {options.screen_size, options.screen_size, options.frame_stack};
  spec_.obs_type = ObsType::kU8Image;
  spec_.frame_stack = options.frame_stack;
  spec_.num_actions = game_->spec().num_actions;
  spec_.max_episode_steps = kMaxEpisodeFrames / options.frame_skip;
  spec_.reports_success = game_->spec().reports_success;

  const size_t screen_bytes = game_->spec().obs_bytes();
  const size_t src_pixels = static_cast<size_t>(src_width_) * src_height_;
  const size_t dst_pixels = static_cast<size_t>(options.screen_size) * options.screen_size;
  for (auto& screen : screens_) screen.assign(screen_bytes, 0);
  pooled_.assign(screen_bytes, 0);
  grey_.assign(src_pixels, 0);
  resized_.assign(dst_pixels, 0);
  stack_.assign(dst_pixels * options.frame_stack, 0);
}

StepResult AtariPreprocessing::emulate_frame(int action) {
  if (options_.sticky_action_prob > 0.0f && rng_.uniform() < options_.sticky_action_prob) {
    action = previous_action_;
  }
  previous_action_ = action;
  newest_ ^= 1;
  return game_->step(action, screens_[newest_].data());
}

void AtariPreprocessing::reset_game() {
  newest_ ^= 1;
  game_->reset(rng_.next_u64(), screens_[newest_].data());
}

int AtariPreprocessing::repeat_action(int action, StepResult& result) {
  int frames = 0;
  while (frames < options_.frame_skip) {
    const StepResult frame = emulate_frame(action);
    ++frames;
    result.reward += frame.reward;
    result.life_lost = result.life_lost || frame.life_lost;
    result.level_complete = result.level_complete || frame.level_complete;
    if (frame.terminated) {
      result.terminated = true;
      break;
    }
  }
  return frames;
}

void AtariPreprocessing::observe(bool pool, void* obs) {
  const uint8_t* screen = screens_[newest_].data();
  if (pool) {
    max_pool_frames(screens_[0].data(), screens_[1].data(), pooled_.data(), pooled_.size());
    screen = pooled_.data();
  }
  rgb_to_grey(screen, src_width_, src_height_, grey_.data());
  resizer_.resize(grey_.data(), resized_.data());
  push_frame(stack_.data(), resized_.data(), static_cast<int>(resized_.size()),
             options_.frame_stack);
  std::memcpy(obs, stack_.data(), stack_.size());
}

void AtariPreprocessing::reset(uint64_t level_seed, void* obs) {
  rng_.reseed(level_seed);
  previous_action_ = noop_action_;
  const bool fire = options_.fire_reset && fire_action_ >= 0;
  bool pool = false;
  for (int attempt = 0;; ++attempt) {
    if (attempt == kMaxStartAttempts) {
      throw RuntimeFailure("game '" + spec_.id + "' ended during every start sequence");
    }
    reset_game();
    const int noops =
        options_.noop_max > 0 ? 1 + static_cast<int>(rng_.below(options_.noop_max)) : 0;
    for (int i = 0; i < noops; ++i) {
      if (emulate_frame(noop_action_).terminated) reset_game();
    }
    if (!fire) break;
    StepResult fire_result;
    pool = repeat_action(fire_action_, fire_result) >= 2;
    if (!fire_result.terminated) break;
  }
  std::fill(stack_.begin(), stack_.end(), 0);
  observe(pool, obs);
}

StepResult AtariPreprocessing::step(int action, void* obs) {
  if (action < 0 || action >= spec_.num_actions) {
    throw UsageError("env '" + spec_.id + "': action " + std::to_string(action) + " outside [0, " +
                     std::to_string(spec_.num_actions) + ")");
  }
  StepResult result;
  const int frames = repeat_action(action, result);
  observe(frames >= 2, obs);
  return result;
}

EnvInfo atari_env_info(std::string id, std::string description,
                       std::function<std::unique_ptr<ArcadeGame>()> make_game) {
  const AtariPreprocessing::Options defaults;
  EnvInfo info;
  info.id = id;
  info.description = std::move(description);
  info.options = {
      {"frame_skip", defaults.frame_skip,
       "emulated frames per agent step; the action repeats, rewards are summed and the "
       "observation is the max of the last two frames (1..108000)"},
      {"noop_max", defaults.noop_max,
       "at reset, a uniform number in [1, noop_max] of NOOP frames (single emulated frames, as "
       "Gymnasium/SB3); 0: none (0..108000)"},
      {"sticky_action_prob", defaults.sticky_action_prob,
       "per emulated frame, the probability that the previous action runs instead (ALE's sticky "
       "actions; Machado et al. and ALE v5 use 0.25), in [0, 1)"},
      {"frame_stack", defaults.frame_stack,
       "frames stacked on the observation's last axis, oldest first; zero-filled at reset "
       "(1..64)"},
      {"screen_size", defaults.screen_size,
       "side of the square grey observation, area-averaged from 210x160 (8..1024)"},
      {"fire_reset", defaults.fire_reset,
       "after the no-ops press FIRE for one agent step when the game has FIRE (SB3's "
       "FireResetEnv; Breakout waits for FIRE to serve)"},
  };
  info.make = [id, make_game = std::move(make_game)](const nlohmann::json& options) {
    return std::make_unique<AtariPreprocessing>(make_game(), id,
                                                AtariPreprocessing::parse_options(options));
  };
  return info;
}

}  // namespace lever::arcade

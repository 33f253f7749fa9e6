// DQN's preprocessing of an arcade game, as Gymnasium's AtariPreprocessing and SB3's Atari
// wrappers do it (Machado et al. 2018 conventions):
// - reset: the inner game is reset with a seed drawn from level_seed, then 1..noop_max NOOP
//   frames (uniform; none when noop_max = 0). Each no-op is ONE emulated frame, as in Gymnasium
//   and SB3, whose no-op wrappers sit below the frame skip. A game that ends during the no-ops is
//   reset again and the remaining no-ops go on. Then, with fire_reset and a game that has a
//   "FIRE" action, one agent step of FIRE (frame_skip frames), as SB3's FireResetEnv does through
//   its MaxAndSkip wrapper: Breakout waits for FIRE before it serves, and an agent that has not
//   learnt to press it would otherwise stall until the time limit.
// - step: the action is repeated for frame_skip emulated frames; per emulated frame, with
//   probability sticky_action_prob, the previously executed action runs instead (ALE's sticky
//   actions; the no-op and FIRE frames of reset are sticky too, and the previous action is NOOP
//   at reset). Rewards are summed, life_lost and level_complete OR-ed, and the repeat stops at the
//   frame the game terminates.
// - observation frame: pixel-wise max of the RGB screens of the step's last two emulated frames
//   (only one frame ran: that frame; after reset without FIRE: the current screen, as Gymnasium),
//   then ALE's grey Y = round(0.2989 R + 0.5870 G + 0.1140 B), then area-averaged to
//   screen_size x screen_size (OpenCV INTER_AREA for downscaling) and rounded half up.
// - the observation is screen_size x screen_size x frame_stack, frames on the last axis, oldest
//   first. At reset the stack is zero-filled: frame_stack - 1 all-zero frames, then the first
//   frame (as a replay buffer that zero-fills stacks at episode starts).
// Everything random (inner seeds, no-op count, sticky draws) comes from one Rng seeded by
// level_seed, so an episode depends only on its level seed and the actions.
// Not here: life loss as episode end and reward clipping (the algorithm decides those, from
// StepResult.life_lost and the reward).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lever/core/rng.h"
#include "lever/env/arcade/arcade_game.h"
#include "lever/env/registry.h"

namespace lever::arcade {

// out[i] = max(a[i], b[i]) for i < bytes (ALE flicker removal over two consecutive screens).
void max_pool_frames(const uint8_t* a, const uint8_t* b, uint8_t* out, size_t bytes);

// RGB (3 bytes per pixel) to ALE's luminance, one byte per pixel. Exact integer arithmetic,
// ties rounded up.
void rgb_to_grey(const uint8_t* rgb, int width, int height, uint8_t* out);

// Area-averaging resize of a one-channel image. Output pixel d along an axis covers the source
// interval [d * src / dst, (d + 1) * src / dst); its value is the mean of the source pixels over
// that footprint, each weighted by the length it covers (fractional at the edges), computed per
// axis (the 2-D weights are products). For downscaling this is OpenCV's INTER_AREA; upscaling
// uses the same rule (OpenCV would switch to bilinear). The tables are built once.
class AreaResizer {
 public:
  AreaResizer(int src_width, int src_height, int dst_width, int dst_height);
  // in: src_height rows of src_width bytes; out: dst_height rows of dst_width bytes.
  void resize(const uint8_t* in, uint8_t* out);

  struct Tap {
    int src;
    float weight;
  };
  // The source pixels and weights of output column x / row y (for tests).
  std::vector<Tap> column_taps(int x) const;
  std::vector<Tap> row_taps(int y) const;

 private:
  // Taps of output pixel d are taps[first[d] .. first[d + 1]).
  struct Axis {
    std::vector<Tap> taps;
    std::vector<int> first;
  };
  static Axis build_axis(int src, int dst);

  int src_width_, src_height_, dst_width_, dst_height_;
  Axis x_, y_;
  std::vector<float> row_;  // one output row after the vertical pass, src_width wide
};

// Pushes a one-channel frame of `pixels` bytes onto an interleaved stack (pixels x frame_stack,
// the layout of an HWC observation): each pixel's frames shift one place towards the front, the
// oldest is dropped and the new one goes last.
void push_frame(uint8_t* stack, const uint8_t* frame, int pixels, int frame_stack);

class AtariPreprocessing : public Env {
 public:
  struct Options {
    int frame_skip = 4;               // 1..108000: emulated frames per agent step
    int noop_max = 30;                // 0..108000: no-op frames at reset drawn from [1, noop_max]
    float sticky_action_prob = 0.0f;  // [0, 1): per emulated frame
    int frame_stack = 4;              // 1..64
    int screen_size = 84;             // 8..1024: the observation is screen_size x screen_size
    bool fire_reset = true;           // one FIRE step after the no-ops, if the game has FIRE
  };
  // Missing options take their defaults; a mistyped or out-of-range one throws UsageError naming
  // it.
  static Options parse_options(const nlohmann::json& options);

  // spec: id, obs_shape {screen_size, screen_size, frame_stack}, kU8Image, frame_stack,
  // the game's num_actions, max_episode_steps = kMaxEpisodeFrames / frame_skip (ALE's cap).
  AtariPreprocessing(std::unique_ptr<ArcadeGame> game, std::string id, const Options& options);

  const EnvSpec& spec() const override { return spec_; }
  void reset(uint64_t level_seed, void* obs) override;
  StepResult step(int action, void* obs) override;
  // The inner game's raw RGB screen (210 x 160 for ALE games).
  void render(Image& out) const override { game_->render(out); }

  int lives() const { return game_->lives(); }
  const ArcadeGame& game() const { return *game_; }
  const Options& options() const { return options_; }

 private:
  // One emulated frame, sticky; the screen goes to the next slot of screens_.
  StepResult emulate_frame(int action);
  void reset_game();
  // Runs `action` for up to frame_skip frames; returns how many ran.
  int repeat_action(int action, StepResult& result);
  // Processes the newest screen (max-pooled with the one before when pool) onto the stack and
  // copies the stack to obs.
  void observe(bool pool, void* obs);

  std::unique_ptr<ArcadeGame> game_;
  Options options_;
  EnvSpec spec_;
  int noop_action_ = 0;
  int fire_action_ = -1;  // -1: the game has no FIRE
  int src_width_, src_height_;
  Rng rng_;
  int previous_action_ = 0;  // the last executed action, for sticky actions
  std::vector<uint8_t> screens_[2];
  int newest_ = 0;  // index of the newest screen in screens_
  std::vector<uint8_t> pooled_, grey_, resized_, stack_;
  AreaResizer resizer_;
};

// The registry entry of a preprocessed game; its options are frame_skip, noop_max,
// sticky_action_prob, frame_stack, screen_size and fire_reset.
EnvInfo atari_env_info(std::string id, std::string description,
                       std::function<std::unique_ptr<ArcadeGame>()> make_game);

}  // namespace lever::arcade

// What `lever train --debug` writes into a run's debug/ folder, so a user can see what the network
// is fed: PNGs of the stacked states (zero-filled frames at episode starts drawn with a red
// border), PNGs of replay minibatches (state | next state per row), and a video of env 0's raw
// game frames.
#pragma once
#include <torch/torch.h>

#include <filesystem>
#include <memory>

#include "lever/core/image.h"
#include "lever/env/vec_env.h"
#include "lever/viz/video.h"

namespace lever {

class DebugViews {
 public:
  // Observations of uint8 images only; for vector observations the views are left out.
  DebugViews(const std::filesystem::path& dir, const EnvSpec& spec);
  ~DebugViews();

  // After a step of the training envs (before it, at step 0): env 0's observation and raw frame.
  void acting_step(int64_t step, VecEnv& envs);
  // A sampled minibatch: uint8 [B, obs...] states and next states (CPU), real frames per state.
  void replay_batch(int64_t update, const torch::Tensor& obs, const torch::Tensor& next_obs,
                    const uint8_t* real_frames);
  void close();

  static constexpr int64_t kActingSteps = 64;   // PNGs of env 0's first states
  static constexpr int64_t kVideoSteps = 2000;  // raw frames of env 0
  static constexpr int64_t kReplayBatches = 3;  // minibatch PNGs
  static constexpr int64_t kRowsPerBatch = 8;

 private:
  // Draws one observation's channels side by side at (x, y); returns the width used.
  int draw_observation(Image& image, int x, int y, const uint8_t* obs, int real_frames) const;
  int observation_width() const;

  std::filesystem::path dir_;
  EnvSpec spec_;
  bool images_;
  int scale_;
  int64_t batches_written_ = 0;
  std::unique_ptr<VideoWriter> video_;
  Image raw_, picture_;
};

}  // namespace lever

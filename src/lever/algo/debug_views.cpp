#include "lever/algo/debug_views.h"

#include <cstdio>
#include <string>

#include "lever/viz/png.h"

namespace lever {
namespace {

constexpr int kGap = 6, kBorder = 2, kMargin = 8, kLabelHeight = 12;
constexpr Color kBackground{32, 32, 32}, kRealBorder{128, 128, 128}, kZeroBorder{220, 40, 40},
    kText{230, 230, 230};

std::string numbered(const char* prefix, int64_t number) {
  char name[64];
  std::snprintf(name, sizeof(name), "%s_%06lld.png", prefix, static_cast<long long>(number));
  return name;
}

}  // namespace

DebugViews::DebugViews(const std::filesystem::path& dir, const EnvSpec& spec)
    : dir_(dir),
      spec_(spec),
      images_(spec.obs_type == ObsType::kU8Image && spec.obs_shape.size() == 3),
      // Small grids (MinAtar's 10x10) are blown up to at least 80 px a side.
      scale_(images_ ? static_cast<int>(std::max<int64_t>(1, 80 / spec.obs_shape[0])) : 1) {
  std::filesystem::create_directories(dir_);
}

DebugViews::~DebugViews() {
  try {
    close();
  } catch (...) {  // a debug video that cannot be finished must not end the run
  }
}

void DebugViews::close() {
  if (video_) video_->close();
  video_.reset();
}

int DebugViews::observation_width() const {
  const int w = static_cast<int>(spec_.obs_shape[1]) * scale_ + 2 * kBorder;
  return static_cast<int>(spec_.obs_shape[2]) * (w + kGap) - kGap;
}

int DebugViews::draw_observation(Image& image, int x, int y, const uint8_t* obs,
                                 int real_frames) const {
  const int h = static_cast<int>(spec_.obs_shape[0]), w = static_cast<int>(spec_.obs_shape[1]);
  const int channels = static_cast<int>(spec_.obs_shape[2]);
  const bool stacked = spec_.frame_stack > 1;
  for (int c = 0; c < channels; ++c) {
    const int left = x + c * (w * scale_ + 2 * kBorder + kGap);
    bool zero = stacked && c < channels - real_frames;
    if (stacked && real_frames < 0) {  // not told: a frame of zeros is zero-fill
      zero = true;
      for (int p = 0; p < h * w && zero; ++p) zero = obs[p * channels + c] == 0;
    }
    fill_rect(image, left, y, left + w * scale_ + 2 * kBorder, y + h * scale_ + 2 * kBorder,
              zero ? kZeroBorder : kRealBorder);
    for (int row = 0; row < h * scale_; ++row) {
      for (int col = 0; col < w * scale_; ++col) {
        const uint8_t v = obs[((row / scale_) * w + col / scale_) * channels + c];
        uint8_t* pixel = image.at(left + kBorder + col, y + kBorder + row);
        pixel[0] = pixel[1] = pixel[2] = v;
      }
    }
  }
  return observation_width();
}

void DebugViews::acting_step(int64_t step, VecEnv& envs) {
  if (step < kVideoSteps) {
    envs.env(0).render(raw_);
    if (!video_) {
      video_ = std::make_unique<VideoWriter>(dir_ / "raw_frames.mp4", raw_.width + raw_.width % 2,
                                             raw_.height + raw_.height % 2, 30);
    }
    if (raw_.width % 2 || raw_.height % 2) {
      picture_.resize(raw_.width + raw_.width % 2, raw_.height + raw_.height % 2);
      picture_.fill({0, 0, 0});
      picture_.paste(raw_, 0, 0);
      video_->write_frame(picture_);
    } else {
      video_->write_frame(raw_);
    }
  } else if (video_) {
    close();
  }
  if (!images_ || step >= kActingSteps) return;
  const int height = static_cast<int>(spec_.obs_shape[0]) * scale_ + 2 * kBorder;
  Image image;
  image.resize(observation_width() + 2 * kMargin, height + 2 * kMargin + kLabelHeight);
  image.fill(kBackground);
  draw_text(image, kMargin, 2, "env 0 step " + std::to_string(step) + ", oldest frame first",
            kText);
  const auto obs = envs.observations()[0].contiguous();
  draw_observation(image, kMargin, kMargin + kLabelHeight, obs.data_ptr<uint8_t>(), -1);
  write_png(dir_ / numbered("state_env0_step", step), image);
}

void DebugViews::replay_batch(int64_t update, const torch::Tensor& obs,
                              const torch::Tensor& next_obs, const uint8_t* real_frames) {
  if (!images_ || batches_written_ >= kReplayBatches) return;
  ++batches_written_;
  const int64_t rows = std::min<int64_t>(kRowsPerBatch, obs.size(0));
  const int row_height = static_cast<int>(spec_.obs_shape[0]) * scale_ + 2 * kBorder + kGap;
  const int half = observation_width();
  Image image;
  image.resize(2 * half + 4 * kGap + 2 * kMargin,
               static_cast<int>(rows) * row_height + 2 * kMargin + kLabelHeight);
  image.fill(kBackground);
  draw_text(image, kMargin, 2, "replay sample: state | next state (red = zero-filled)", kText);
  const auto states = obs.contiguous(), next_states = next_obs.contiguous();
  const int64_t bytes = static_cast<int64_t>(spec_.obs_bytes());
  for (int64_t r = 0; r < rows; ++r) {
    const int y = kMargin + kLabelHeight + static_cast<int>(r) * row_height;
    const int real = real_frames ? real_frames[r] : -1;
    draw_observation(image, kMargin, y, states.data_ptr<uint8_t>() + r * bytes, real);
    draw_observation(image, kMargin + half + 4 * kGap, y,
                     next_states.data_ptr<uint8_t>() + r * bytes, -1);
  }
  write_png(dir_ / numbered("replay_batch_update", update), image);
}

}  // namespace lever

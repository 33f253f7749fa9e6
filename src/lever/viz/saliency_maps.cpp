#include "lever/viz/saliency_maps.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "lever/core/errors.h"

namespace lever {
namespace {

// scipy's truncate=4.0: the kernel reaches int(4 sigma + 0.5) pixels each side.
int kernel_radius(double sigma) { return static_cast<int>(4.0 * sigma + 0.5); }

// scipy's mode='reflect' at any distance: the axis repeats with period 2n, mirrored every other
// copy (d c b a | a b c d | d c b a).
int reflect_index(int i, int n) {
  const int period = 2 * n;
  int m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - 1 - m;
}

// Correlates `count` values read from `in` every `in_stride` floats with the kernel, writing to
// `out` every `out_stride` floats. `line` (count + 2 * radius floats) holds the mirrored copy,
// so the inner loop has no edge cases.
void blur_line(const float* in, std::ptrdiff_t in_stride, float* out, std::ptrdiff_t out_stride,
               int count, const float* kernel, int radius, float* line) {
  for (int i = -radius; i < count + radius; ++i) {
    line[i + radius] = in[reflect_index(i, count) * in_stride];
  }
  const int taps = 2 * radius + 1;
  for (int i = 0; i < count; ++i) {
    const float* window = line + i;
    float sum = 0.0f;
    for (int k = 0; k < taps; ++k) sum += kernel[k] * window[k];
    out[i * out_stride] = sum;
  }
}

void fill_kernel(double sigma, int radius, float* kernel) {
  double total = 0.0;
  for (int x = -radius; x <= radius; ++x) total += std::exp(-0.5 * x * x / (sigma * sigma));
  for (int x = -radius; x <= radius; ++x) {
    kernel[x + radius] = static_cast<float>(std::exp(-0.5 * x * x / (sigma * sigma)) / total);
  }
}

}  // namespace

std::vector<float> gaussian_kernel(double sigma) {
  if (!(sigma > 0.0)) {
    throw UsageError("a Gaussian kernel needs sigma > 0, got " + std::to_string(sigma));
  }
  const int radius = kernel_radius(sigma);
  std::vector<float> kernel(2 * radius + 1);
  fill_kernel(sigma, radius, kernel.data());
  return kernel;
}

void gaussian_blur(const float* in, float* out, int height, int width, int channels, double sigma,
                   std::vector<float>& scratch) {
  const size_t values = static_cast<size_t>(height) * width * channels;
  if (!(sigma > 0.0) || values == 0) {
    std::copy(in, in + values, out);
    return;
  }
  const int radius = kernel_radius(sigma);
  const int taps = 2 * radius + 1;
  const size_t line_length = static_cast<size_t>(std::max(height, width)) + 2 * radius;
  // One buffer for the horizontal pass's result, the kernel and the mirrored line.
  scratch.resize(values + taps + line_length);
  float* rows_done = scratch.data();
  float* kernel = rows_done + values;
  float* line = kernel + taps;
  fill_kernel(sigma, radius, kernel);

  const std::ptrdiff_t pixel = channels;
  const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(width) * channels;
  for (int y = 0; y < height; ++y) {
    for (int c = 0; c < channels; ++c) {
      blur_line(in + y * row + c, pixel, rows_done + y * row + c, pixel, width, kernel, radius,
                line);
    }
  }
  for (int x = 0; x < width; ++x) {
    for (int c = 0; c < channels; ++c) {
      blur_line(rows_done + x * pixel + c, row, out + x * pixel + c, row, height, kernel, radius,
                line);
    }
  }
}

void perturbation_mask(int row, int col, int height, int width, double sigma, float* out) {
  const size_t pixels = static_cast<size_t>(height) * width;
  std::vector<float> cross(pixels, 0.0f);
  for (int y = std::max(row - 1, 0); y <= std::min(row + 1, height - 1); ++y) {
    for (int x = std::max(col - 1, 0); x <= std::min(col + 1, width - 1); ++x) {
      if (std::abs(y - row) + std::abs(x - col) <= 1) cross[static_cast<size_t>(y) * width + x] = 1;
    }
  }
  std::vector<float> scratch;
  gaussian_blur(cross.data(), out, height, width, 1, sigma, scratch);
  const float peak = pixels == 0 ? 0.0f : *std::max_element(out, out + pixels);
  // A centre outside the image leaves nothing to normalise; the mask stays all zero.
  if (peak > 0.0f) {
    for (size_t i = 0; i < pixels; ++i) out[i] /= peak;
  }
}

void upsample_grid(const float* grid, const SaliencyGrid& g, float* out) {
  const int rows = g.rows();
  const int cols = g.cols();
  const float stride = static_cast<float>(g.stride);
  for (int y = 0; y < g.height; ++y) {
    const int i0 = std::min(y / g.stride, rows - 1);
    const int i1 = std::min(i0 + 1, rows - 1);
    // Past the last grid row the weight is 0, so the edge value holds.
    const float ty = i0 == i1 ? 0.0f : static_cast<float>(y - i0 * g.stride) / stride;
    const float* top = grid + static_cast<size_t>(i0) * cols;
    const float* bottom = grid + static_cast<size_t>(i1) * cols;
    for (int x = 0; x < g.width; ++x) {
      const int j0 = std::min(x / g.stride, cols - 1);
      const int j1 = std::min(j0 + 1, cols - 1);
      const float tx = j0 == j1 ? 0.0f : static_cast<float>(x - j0 * g.stride) / stride;
      // a + t (b - a) returns a exactly at t = 0, so grid points keep their values.
      const float upper = top[j0] + tx * (top[j1] - top[j0]);
      const float lower = bottom[j0] + tx * (bottom[j1] - bottom[j0]);
      out[static_cast<size_t>(y) * g.width + x] = upper + ty * (lower - upper);
    }
  }
}

namespace {

// OpenCV's INTER_LINEAR source position for output index `o`: the lower neighbour and the
// weight of the upper one, clamped so the edges repeat.
void source_position(int o, int in_size, int out_size, int& lower, float& weight) {
  const double s = (o + 0.5) * in_size / out_size - 0.5;
  lower = static_cast<int>(std::floor(s));
  weight = static_cast<float>(s - lower);
  if (lower < 0) {
    lower = 0;
    weight = 0.0f;
  }
  if (lower >= in_size - 1) {
    lower = in_size - 1;
    weight = 0.0f;
  }
}

}  // namespace

void resize_bilinear(const float* in, int in_height, int in_width, float* out, int out_height,
                     int out_width) {
  if (out_height <= 0 || out_width <= 0) return;
  if (in_height <= 0 || in_width <= 0) {
    throw UsageError("cannot resize an empty " + std::to_string(in_height) + "x" +
                     std::to_string(in_width) + " map");
  }
  for (int y = 0; y < out_height; ++y) {
    int y0;
    float wy;
    source_position(y, in_height, out_height, y0, wy);
    const int y1 = std::min(y0 + 1, in_height - 1);
    const float* top = in + static_cast<size_t>(y0) * in_width;
    const float* bottom = in + static_cast<size_t>(y1) * in_width;
    for (int x = 0; x < out_width; ++x) {
      int x0;
      float wx;
      source_position(x, in_width, out_width, x0, wx);
      const int x1 = std::min(x0 + 1, in_width - 1);
      const float upper = (1.0f - wx) * top[x0] + wx * top[x1];
      const float lower = (1.0f - wx) * bottom[x0] + wx * bottom[x1];
      out[static_cast<size_t>(y) * out_width + x] = (1.0f - wy) * upper + wy * lower;
    }
  }
}

ColorChannel parse_color_channel(std::string_view name) {
  if (name == "red") return ColorChannel::kRed;
  if (name == "green") return ColorChannel::kGreen;
  if (name == "blue") return ColorChannel::kBlue;
  throw UsageError("unknown colour channel '" + std::string(name) +
                   "': expected red, green or blue");
}

std::string_view color_channel_name(ColorChannel channel) {
  switch (channel) {
    case ColorChannel::kRed:
      return "red";
    case ColorChannel::kGreen:
      return "green";
    case ColorChannel::kBlue:
      return "blue";
  }
  throw UsageError("unknown colour channel " + std::to_string(static_cast<int>(channel)));
}

// Greydanus's saliency_on_atari_frame clips all three channels to [1, 255]; here only the channel
// the map is added to is clamped, and the other two keep their values, so a black frame stays
// black where the map is zero in every channel but this one. The sum is truncated towards zero,
// as the study's astype('uint16') did.
void overlay_saliency(Image& frame, const float* map, int map_height, int map_width,
                      ColorChannel channel, float scale, std::vector<float>& scratch) {
  const int count = map_height * map_width;
  if (frame.width == 0 || frame.height == 0) return;
  const float lowest = count > 0 ? *std::min_element(map, map + count) : 0.0f;
  scratch.resize(static_cast<size_t>(frame.width) * frame.height);
  resize_bilinear(map, map_height, map_width, scratch.data(), frame.height, frame.width);
  const int c = static_cast<int>(channel);
  uint8_t* pixel = frame.pixels.data();
  for (size_t i = 0; i < scratch.size(); ++i, pixel += 3) {
    const float value = static_cast<float>(pixel[c]) + scale * (scratch[i] - lowest);
    // Written so NaN lands on 1 rather than in an undefined conversion.
    pixel[c] = static_cast<uint8_t>(value >= 1.0f ? std::min(value, 255.0f) : 1.0f);
  }
}

float map_range(const float* map, int count) {
  if (count <= 0) return 0.0f;
  const auto [lowest, highest] = std::minmax_element(map, map + count);
  return *highest - *lowest;
}

}  // namespace lever

// The image arithmetic behind saliency maps (Greydanus et al. 2018, "Visualizing and Understanding
// Atari Agents"): the blur and the masks that perturb an observation, the grid of perturbation
// centres and its upsampling, and drawing a map onto a frame. Torch-free: the networks that score
// perturbed images live in algo/saliency.h. Maps are float, row-major, one value per pixel.
#pragma once
#include <string_view>
#include <vector>

#include "lever/core/image.h"

namespace lever {

// scipy.ndimage.gaussian_filter's 1-D kernel: exp(-x^2 / (2 sigma^2)) for integer |x| <=
// int(4 sigma + 0.5), normalised to sum 1. Length 2 * radius + 1. Throws UsageError if sigma <= 0.
std::vector<float> gaussian_kernel(double sigma);

// Blurs an interleaved height x width x channels float image, each channel on its own, with the
// separable Gaussian above; edges mirror as scipy's mode='reflect' (the edge pixel repeats:
// d c b a | a b c d | d c b a), at any kernel radius. sigma <= 0 copies. `scratch` is resized
// as needed and keeps its capacity, so a caller blurring every frame allocates once. in and out
// must not alias.
void gaussian_blur(const float* in, float* out, int height, int width, int channels, double sigma,
                   std::vector<float>& scratch);

// Greydanus's perturbation mask centred on pixel (row, col) of a height x width image: 1 at the
// pixels within distance 1 of the centre (a 5-pixel cross, clipped at the edges), blurred with
// `sigma` as gaussian_blur does, then divided by its largest value so the centre weighs 1.
// Writes height * width values to out.
void perturbation_mask(int row, int col, int height, int width, double sigma, float* out);

// The perturbation centres: pixels (i * stride, j * stride) inside the image, i < rows(),
// j < cols(). A 64x64 frame at stride 4 has a 16 x 16 grid of 256 points.
struct SaliencyGrid {
  int height = 0, width = 0, stride = 1;
  int rows() const { return (height + stride - 1) / stride; }
  int cols() const { return (width + stride - 1) / stride; }
  int points() const { return rows() * cols(); }
};

// Bilinear upsampling of rows() x cols() grid scores to height x width pixels, such that pixel
// (i * stride, j * stride) gets exactly grid value (i, j); past the last grid point of a row or
// column the edge value holds. Writes height * width values.
void upsample_grid(const float* grid, const SaliencyGrid& g, float* out);

// Bilinear resize of a single-channel map with pixel centres aligned (OpenCV's INTER_LINEAR:
// source coordinate (x + 0.5) * in / out - 0.5, clamped to the edges).
void resize_bilinear(const float* in, int in_height, int in_width, float* out, int out_height,
                     int out_width);

enum class ColorChannel { kRed = 0, kGreen = 1, kBlue = 2 };
// "red", "green" or "blue"; UsageError naming the accepted values otherwise.
ColorChannel parse_color_channel(std::string_view name);
std::string_view color_channel_name(ColorChannel channel);

// Draws a saliency map onto a frame as the study did: the map (map_height x map_width, any
// values) minus its own minimum, times `scale`, resized bilinearly to the frame's size and added
// to one colour channel, the result clamped to [1, 255]. `scratch` as in gaussian_blur.
void overlay_saliency(Image& frame, const float* map, int map_height, int map_width,
                      ColorChannel channel, float scale, std::vector<float>& scratch);

// Largest minus smallest value of a map: what overlay_saliency scales.
float map_range(const float* map, int count);

}  // namespace lever

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "lever/core/errors.h"
#include "lever/viz/saliency_maps.h"
#include "support/error_message.h"

namespace lever {
namespace {

// The references below are written independently of saliency_maps.cpp: a direct 2-D sum in double
// with reflections walked one at a time, where the library uses separable float passes over a
// padded line.

// scipy's mode='reflect': step back across whichever edge was crossed until inside.
int mirror(int i, int n) {
  while (i < 0 || i >= n) i = i < 0 ? -i - 1 : 2 * n - 1 - i;
  return i;
}

// Unnormalised Gaussian weight: the normalisation cancels wherever a test takes a ratio.
double gauss(double x, double sigma) { return std::exp(-x * x / (2 * sigma * sigma)); }

std::vector<double> normalised_weights(double sigma) {
  const int radius = static_cast<int>(4 * sigma + 0.5);
  std::vector<double> w;
  double total = 0;
  for (int x = -radius; x <= radius; ++x) {
    w.push_back(gauss(x, sigma));
    total += w.back();
  }
  for (double& v : w) v /= total;
  return w;
}

std::vector<double> naive_blur(const std::vector<float>& in, int h, int w, int ch, double sigma) {
  const std::vector<double> k = normalised_weights(sigma);
  const int r = static_cast<int>(k.size() / 2);
  std::vector<double> out(in.size(), 0.0);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < ch; ++c) {
        double sum = 0;
        for (int dy = -r; dy <= r; ++dy) {
          for (int dx = -r; dx <= r; ++dx) {
            const int sy = mirror(y + dy, h);
            const int sx = mirror(x + dx, w);
            sum += k[dy + r] * k[dx + r] * in[(sy * w + sx) * ch + c];
          }
        }
        out[(y * w + x) * ch + c] = sum;
      }
    }
  }
  return out;
}

std::vector<float> blurred(const std::vector<float>& in, int h, int w, int ch, double sigma) {
  std::vector<float> out(in.size(), -99.0f);
  std::vector<float> scratch;
  gaussian_blur(in.data(), out.data(), h, w, ch, sigma, scratch);
  return out;
}

// Values with no symmetry a wrong reflection could hide behind.
std::vector<float> irregular_image(int h, int w, int ch) {
  std::vector<float> image(static_cast<size_t>(h) * w * ch);
  for (size_t i = 0; i < image.size(); ++i) {
    image[i] = static_cast<float>(std::sin(1.7 * i + 0.3) * 3.0 + 0.01 * i * i);
  }
  return image;
}

void expect_near_all(const std::vector<float>& actual, const std::vector<double>& expected,
                     double tolerance) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    EXPECT_NEAR(actual[i], expected[i], tolerance) << "index " << i;
  }
}

// A 5-pixel cross at (row, col), clipped to the image: the mask before blurring.
std::vector<float> cross_image(int row, int col, int h, int w) {
  std::vector<float> image(static_cast<size_t>(h) * w, 0.0f);
  const int offsets[5][2] = {{0, 0}, {-1, 0}, {1, 0}, {0, -1}, {0, 1}};
  for (const auto& o : offsets) {
    const int y = row + o[0];
    const int x = col + o[1];
    if (y >= 0 && y < h && x >= 0 && x < w) image[y * w + x] = 1.0f;
  }
  return image;
}

std::vector<double> divided_by_max(std::vector<double> values) {
  const double peak = *std::max_element(values.begin(), values.end());
  for (double& v : values) v /= peak;
  return values;
}

TEST(GaussianKernel, LengthFollowsScipysTruncation) {
  EXPECT_EQ(gaussian_kernel(3.0).size(), 25u);
  EXPECT_EQ(gaussian_kernel(5.0).size(), 41u);
  EXPECT_EQ(gaussian_kernel(1.0).size(), 9u);
  EXPECT_EQ(gaussian_kernel(0.6).size(), 5u);  // int(2.9) = 2
  const std::vector<float> tiny = gaussian_kernel(0.1);
  ASSERT_EQ(tiny.size(), 1u);  // int(0.9) = 0: only the centre
  EXPECT_FLOAT_EQ(tiny[0], 1.0f);
}

TEST(GaussianKernel, SumsToOneAndIsSymmetric) {
  for (double sigma : {0.5, 1.0, 3.0, 5.0}) {
    const std::vector<float> k = gaussian_kernel(sigma);
    double total = 0;
    for (float v : k) total += v;
    EXPECT_NEAR(total, 1.0, 1e-6) << "sigma " << sigma;
    for (size_t i = 0; i < k.size(); ++i) {
      EXPECT_EQ(k[i], k[k.size() - 1 - i]) << "sigma " << sigma << " index " << i;
    }
  }
}

TEST(GaussianKernel, CentreOverNeighbourIsExpOfOneOverTwoSigmaSquared) {
  for (double sigma : {1.0, 3.0, 5.0}) {
    const std::vector<float> k = gaussian_kernel(sigma);
    const size_t centre = k.size() / 2;
    EXPECT_NEAR(k[centre] / k[centre + 1], std::exp(1.0 / (2 * sigma * sigma)), 1e-5)
        << "sigma " << sigma;
  }
}

TEST(GaussianKernel, SigmaOneByHand) {
  // exp(-x^2 / 2) for x = 0..4 sums (both sides) to 2.5066208; each weight over that sum.
  const std::vector<float> k = gaussian_kernel(1.0);
  ASSERT_EQ(k.size(), 9u);
  const double expected[9] = {0.00013383062, 0.0044318616, 0.053991127,  0.24197145,   0.39894347,
                              0.24197145,    0.053991127,  0.0044318616, 0.00013383062};
  for (int i = 0; i < 9; ++i) EXPECT_NEAR(k[i], expected[i], 1e-7) << "index " << i;
}

TEST(GaussianKernel, NonPositiveSigmaIsAUsageError) {
  EXPECT_THROW(gaussian_kernel(0.0), UsageError);
  EXPECT_THROW(gaussian_kernel(-1.0), UsageError);
  EXPECT_THROW(gaussian_kernel(std::nan("")), UsageError);
}

TEST(GaussianBlur, ReferenceReflectionRepeatsWithPeriodTwoN) {
  // Indices -8..3 of a size-4 axis read a b c d | d c b a | a b c d: index -1 is a, -4 and -5
  // are both d, -8 is a again.
  const int expected[12] = {0, 1, 2, 3, 3, 2, 1, 0, 0, 1, 2, 3};
  for (int i = -8; i < 4; ++i) EXPECT_EQ(mirror(i, 4), expected[(i + 8) % 12]) << i;
  EXPECT_EQ(mirror(4, 4), 3);
  EXPECT_EQ(mirror(8, 4), 0);
  EXPECT_EQ(mirror(-5, 4), 3);
  EXPECT_EQ(mirror(-7, 1), 0);
}

TEST(GaussianBlur, MatchesANaiveReflectingSumOnTwoChannels) {
  const int h = 5, w = 7, ch = 2;
  const std::vector<float> image = irregular_image(h, w, ch);
  for (double sigma : {0.7, 1.0, 1.5}) {
    SCOPED_TRACE("sigma " + std::to_string(sigma));
    expect_near_all(blurred(image, h, w, ch, sigma), naive_blur(image, h, w, ch, sigma), 1e-5);
  }
}

TEST(GaussianBlur, KernelWiderThanTheImageStillReflects) {
  // sigma 3 reaches 12 pixels each side of a 4-pixel axis: the mirror repeats three times.
  const std::vector<float> image = irregular_image(4, 4, 1);
  expect_near_all(blurred(image, 4, 4, 1, 3.0), naive_blur(image, 4, 4, 1, 3.0), 1e-5);
  const std::vector<float> row = irregular_image(1, 3, 3);
  expect_near_all(blurred(row, 1, 3, 3, 5.0), naive_blur(row, 1, 3, 3, 5.0), 1e-5);
}

TEST(GaussianBlur, ImpulseBecomesTheOuterProductOfTheKernels) {
  // scipy: gaussian_filter of a lone 1 far from the edges is outer(k, k).
  const int n = 41, centre = 20;
  const double sigma = 3.0;
  std::vector<float> image(n * n, 0.0f);
  image[centre * n + centre] = 1.0f;
  const std::vector<float> out = blurred(image, n, n, 1, sigma);
  const std::vector<double> k = normalised_weights(sigma);
  const int r = static_cast<int>(k.size() / 2);
  ASSERT_EQ(r, 12);
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      const int dy = y - centre, dx = x - centre;
      const bool inside = std::abs(dy) <= r && std::abs(dx) <= r;
      const double expected = inside ? k[dy + r] * k[dx + r] : 0.0;
      EXPECT_NEAR(out[y * n + x], expected, 1e-8) << y << "," << x;
    }
  }
  // The centre weight of the truncated sigma-3 kernel is 1 / 7.5197 = 0.13298454.
  EXPECT_NEAR(out[centre * n + centre], 0.13298454 * 0.13298454, 1e-7);
}

TEST(GaussianBlur, ConstantImageStaysConstant) {
  const int h = 6, w = 5;
  const float values[3] = {0.25f, 7.0f, -3.0f};
  std::vector<float> image(h * w * 3);
  for (size_t i = 0; i < image.size(); ++i) image[i] = values[i % 3];
  const std::vector<float> out = blurred(image, h, w, 3, 2.0);
  for (size_t i = 0; i < out.size(); ++i) EXPECT_NEAR(out[i], values[i % 3], 1e-5) << i;
}

TEST(GaussianBlur, ChannelsDoNotMix) {
  const int h = 6, w = 6;
  std::vector<float> image(h * w * 3, 0.0f);
  for (int p = 0; p < h * w; ++p) image[p * 3 + 1] = static_cast<float>(p % 7);
  const std::vector<float> out = blurred(image, h, w, 3, 1.0);
  for (int p = 0; p < h * w; ++p) {
    EXPECT_EQ(out[p * 3 + 0], 0.0f) << p;
    EXPECT_EQ(out[p * 3 + 2], 0.0f) << p;
  }
  EXPECT_GT(out[(2 * w + 3) * 3 + 1], 0.5f);
}

TEST(GaussianBlur, NonPositiveSigmaCopies) {
  const std::vector<float> image = irregular_image(3, 4, 2);
  EXPECT_EQ(blurred(image, 3, 4, 2, 0.0), image);
  EXPECT_EQ(blurred(image, 3, 4, 2, -1.0), image);
}

TEST(GaussianBlur, ReusedScratchGivesTheSameResult) {
  const std::vector<float> big = irregular_image(9, 8, 3);
  const std::vector<float> small = irregular_image(5, 7, 2);
  std::vector<float> scratch;
  std::vector<float> out_big(big.size()), out_small(small.size());
  gaussian_blur(big.data(), out_big.data(), 9, 8, 3, 1.5, scratch);
  const size_t capacity = scratch.capacity();
  // A second call on a smaller image finds the first call's values in the scratch.
  gaussian_blur(small.data(), out_small.data(), 5, 7, 2, 1.0, scratch);
  EXPECT_EQ(out_small, blurred(small, 5, 7, 2, 1.0));
  EXPECT_EQ(scratch.capacity(), capacity);
  std::vector<float> again(big.size());
  gaussian_blur(big.data(), again.data(), 9, 8, 3, 1.5, scratch);
  EXPECT_EQ(again, out_big);
  EXPECT_EQ(scratch.capacity(), capacity);
}

TEST(PerturbationMask, CentreIsExactlyOneAndTheMaximum) {
  const int n = 64;
  std::vector<float> mask(n * n, -1.0f);
  perturbation_mask(32, 30, n, n, 5.0, mask.data());
  EXPECT_EQ(mask[32 * n + 30], 1.0f);
  for (float v : mask) {
    EXPECT_LE(v, 1.0f);
    EXPECT_GE(v, 0.0f);
  }
}

TEST(PerturbationMask, SymmetricAboutTheCentreAwayFromEdges) {
  const int n = 64, row = 32, col = 30;
  std::vector<float> mask(n * n);
  perturbation_mask(row, col, n, n, 5.0, mask.data());
  auto at = [&](int dy, int dx) { return mask[(row + dy) * n + col + dx]; };
  for (int dy = 0; dy <= 25; ++dy) {
    for (int dx = 0; dx <= 25; ++dx) {
      EXPECT_FLOAT_EQ(at(dy, dx), at(-dy, dx)) << dy << "," << dx;
      EXPECT_FLOAT_EQ(at(dy, dx), at(dy, -dx)) << dy << "," << dx;
      EXPECT_FLOAT_EQ(at(dy, dx), at(dx, dy)) << dy << "," << dx;
    }
  }
}

TEST(PerturbationMask, InteriorValuesAreTheBlurredCrossByHand) {
  // Away from the edges the blurred cross at offset (d, 0) is the sum of g(dy) g(dx) over its five
  // pixels; the centre's sum, g(0)^2 + 4 g(0) g(1), normalises it.
  const double s = 5.0;
  const int h = 48, w = 44, row = 24, col = 20;
  std::vector<float> mask(h * w);
  perturbation_mask(row, col, h, w, s, mask.data());
  const double centre = gauss(0, s) * gauss(0, s) + 4 * gauss(0, s) * gauss(1, s);
  for (int d : {1, 2, 3, 7, 12}) {
    const double along = gauss(0, s) * (gauss(d, s) + gauss(d - 1, s) + gauss(d + 1, s)) +
                         2 * gauss(d, s) * gauss(1, s);
    EXPECT_NEAR(mask[(row + d) * w + col], along / centre, 1e-5) << "distance " << d;
    EXPECT_NEAR(mask[row * w + col - d], along / centre, 1e-5) << "distance " << d;
  }
  EXPECT_NEAR(mask[(row + 1) * w + col], 0.98051, 1e-4);  // just below the centre at sigma 5
  expect_near_all(mask, divided_by_max(naive_blur(cross_image(row, col, h, w), h, w, 1, s)), 1e-5);
}

TEST(PerturbationMask, CornerAndEdgeAreClippedAndReflected) {
  const int h = 20, w = 24;
  const std::vector<float> corner = cross_image(0, 0, h, w);
  ASSERT_EQ(std::count(corner.begin(), corner.end(), 1.0f), 3);
  std::vector<float> mask(h * w);
  perturbation_mask(0, 0, h, w, 5.0, mask.data());
  EXPECT_EQ(mask[0], 1.0f);
  expect_near_all(mask, divided_by_max(naive_blur(corner, h, w, 1, 5.0)), 1e-5);

  perturbation_mask(h - 1, 9, h, w, 3.0, mask.data());
  EXPECT_EQ(mask[(h - 1) * w + 9], 1.0f);
  expect_near_all(mask, divided_by_max(naive_blur(cross_image(h - 1, 9, h, w), h, w, 1, 3.0)),
                  1e-5);
}

TEST(SaliencyGridPoints, RowsAndColumnsCoverTheImage) {
  EXPECT_EQ((SaliencyGrid{64, 64, 4}.rows()), 16);
  EXPECT_EQ((SaliencyGrid{64, 64, 4}.points()), 256);
  EXPECT_EQ((SaliencyGrid{80, 80, 5}.cols()), 16);
  EXPECT_EQ((SaliencyGrid{10, 10, 4}.rows()), 3);  // points at 0, 4, 8
  EXPECT_EQ((SaliencyGrid{10, 7, 4}.points()), 6);
  EXPECT_EQ((SaliencyGrid{5, 5, 1}.points()), 25);
}

// A 10 x 14 image at stride 4: grid rows at 0, 4, 8 and columns at 0, 4, 8, 12.
const SaliencyGrid kSmallGrid{10, 14, 4};
const std::vector<float> kSmallGridValues = {0.3f,  -1.7f, 2.9f,  0.1f,   // row 0
                                             5.5f,  0.7f,  1e-3f, 3.3f,   // row 4
                                             -2.2f, 8.8f,  0.0f,  4.1f};  // row 8

std::vector<float> upsampled(const std::vector<float>& grid, const SaliencyGrid& g) {
  std::vector<float> out(g.height * g.width, -99.0f);
  upsample_grid(grid.data(), g, out.data());
  return out;
}

TEST(UpsampleGrid, GridPointsKeepTheirValuesExactly) {
  const std::vector<float>& grid = kSmallGridValues;
  const std::vector<float> out = upsampled(grid, kSmallGrid);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 4; ++j) {
      EXPECT_EQ(out[(4 * i) * 14 + 4 * j], grid[i * 4 + j]) << i << "," << j;
    }
  }
}

TEST(UpsampleGrid, MidpointsAverageTheirNeighbours) {
  const std::vector<float>& grid = kSmallGridValues;
  const std::vector<float> out = upsampled(grid, kSmallGrid);
  auto g = [&](int i, int j) { return grid[i * 4 + j]; };
  auto o = [&](int y, int x) { return out[y * 14 + x]; };
  EXPECT_NEAR(o(0, 2), (g(0, 0) + g(0, 1)) / 2, 1e-6);
  EXPECT_NEAR(o(6, 8), (g(1, 2) + g(2, 2)) / 2, 1e-6);
  EXPECT_NEAR(o(2, 6), (g(0, 1) + g(0, 2) + g(1, 1) + g(1, 2)) / 4, 1e-6);
  EXPECT_NEAR(o(1, 4), 0.75f * g(0, 1) + 0.25f * g(1, 1), 1e-6);
}

TEST(UpsampleGrid, PastTheLastGridPointTheEdgeHolds) {
  const std::vector<float>& grid = kSmallGridValues;
  const std::vector<float> out = upsampled(grid, kSmallGrid);
  for (int x = 0; x < 14; ++x) EXPECT_EQ(out[9 * 14 + x], out[8 * 14 + x]) << x;
  for (int y = 0; y < 10; ++y) EXPECT_EQ(out[y * 14 + 13], out[y * 14 + 12]) << y;
  EXPECT_EQ(out[9 * 14 + 13], grid[11]);
}

TEST(UpsampleGrid, LinearRampStaysALinearRamp) {
  const SaliencyGrid g{64, 64, 4};
  std::vector<float> grid(g.points());
  for (int i = 0; i < g.rows(); ++i) {
    for (int j = 0; j < g.cols(); ++j) grid[i * g.cols() + j] = 0.5f * i - 0.25f * j + 1.0f;
  }
  const std::vector<float> out = upsampled(grid, g);
  for (int y = 0; y <= 60; ++y) {
    for (int x = 0; x <= 60; ++x) {
      const double expected = 0.5 * y / 4.0 - 0.25 * x / 4.0 + 1.0;
      EXPECT_NEAR(out[y * 64 + x], expected, 1e-6) << y << "," << x;
    }
  }
}

std::vector<float> resized(const std::vector<float>& in, int ih, int iw, int oh, int ow) {
  std::vector<float> out(oh * ow, -99.0f);
  resize_bilinear(in.data(), ih, iw, out.data(), oh, ow);
  return out;
}

TEST(ResizeBilinear, OnePixelBecomesAConstant) {
  EXPECT_EQ(resized({2.5f}, 1, 1, 3, 5), std::vector<float>(15, 2.5f));
}

TEST(ResizeBilinear, TwoByTwoToFourByFourByHand) {
  // OpenCV's half-pixel rule: source x = (x + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25; the
  // ends clamp, so each axis weighs the two inputs (1, 0), (.75, .25), (.25, .75), (0, 1).
  const float a = 1.0f, b = 5.0f, c = -3.0f, d = 2.0f;  // in = [[a, b], [c, d]]
  const std::vector<float> out = resized({a, b, c, d}, 2, 2, 4, 4);
  const float w[4][2] = {{1, 0}, {0.75f, 0.25f}, {0.25f, 0.75f}, {0, 1}};
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) {
      const float expected =
          w[y][0] * (w[x][0] * a + w[x][1] * b) + w[y][1] * (w[x][0] * c + w[x][1] * d);
      EXPECT_FLOAT_EQ(out[y * 4 + x], expected) << y << "," << x;
    }
  }
  EXPECT_FLOAT_EQ(out[0], a);
  EXPECT_FLOAT_EQ(out[1], 0.75f * a + 0.25f * b);  // out(x = 1, y = 0)
  EXPECT_FLOAT_EQ(out[4], 0.75f * a + 0.25f * c);  // out(x = 0, y = 1)
  EXPECT_FLOAT_EQ(out[5], 0.5625f * a + 0.1875f * b + 0.1875f * c + 0.0625f * d);
}

TEST(ResizeBilinear, HalvingAveragesPairs) {
  // Source x = (x + 0.5) * 2 - 0.5 = 0.5, 2.5: halfway between neighbours.
  EXPECT_EQ(resized({1, 3, 10, 20}, 1, 4, 1, 2), (std::vector<float>{2, 15}));
}

TEST(ResizeBilinear, ConstantStaysConstantAndSameSizeIsTheIdentity) {
  for (float v : resized(std::vector<float>(15, 0.3f), 3, 5, 7, 2)) EXPECT_NEAR(v, 0.3f, 1e-6);
  const std::vector<float> map = irregular_image(3, 5, 1);
  EXPECT_EQ(resized(map, 3, 5, 3, 5), map);
}

TEST(ResizeBilinear, EmptyInputIsAUsageError) {
  std::vector<float> out(4);
  EXPECT_THROW(resize_bilinear(nullptr, 0, 3, out.data(), 2, 2), UsageError);
}

TEST(ColorChannels, NamesRoundTrip) {
  for (ColorChannel channel : {ColorChannel::kRed, ColorChannel::kGreen, ColorChannel::kBlue}) {
    EXPECT_EQ(parse_color_channel(color_channel_name(channel)), channel);
  }
  EXPECT_EQ(color_channel_name(ColorChannel::kGreen), "green");
  EXPECT_EQ(static_cast<int>(parse_color_channel("blue")), 2);
}

TEST(ColorChannels, UnknownNameListsTheAcceptedOnes) {
  const std::string message =
      testing::thrown_message<UsageError>([] { parse_color_channel("purple"); });
  for (const char* word : {"purple", "red", "green", "blue"}) {
    EXPECT_NE(message.find(word), std::string::npos) << message;
  }
  EXPECT_THROW(parse_color_channel("Red"), UsageError);
  EXPECT_THROW(parse_color_channel(""), UsageError);
}

Image filled(int w, int h, Color color) {
  Image image;
  image.resize(w, h);
  image.fill(color);
  return image;
}

// overlay of map {0, 1, 2, 3} (2 x 2) at scale 10 onto a 4 x 4 frame: resized(map)(y, x) =
// 2 vy + vx with v = 0, .25, .75, 1 per axis, times 10, truncated, and 0 lifted to 1.
const int kOverlayTenTimes[16] = {1, 2, 7, 10, 5, 7, 12, 15, 15, 17, 22, 25, 20, 22, 27, 30};

TEST(OverlaySaliency, AddsToOneChannelOfABlackFrame) {
  Image frame = filled(4, 4, {0, 0, 0});
  const float map[4] = {0, 1, 2, 3};
  std::vector<float> scratch;
  overlay_saliency(frame, map, 2, 2, ColorChannel::kBlue, 10.0f, scratch);
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 4; ++x) {
      EXPECT_EQ(frame.at(x, y)[2], kOverlayTenTimes[y * 4 + x]) << x << "," << y;
      // Only the channel the map is added to is clamped to [1, 255].
      EXPECT_EQ(frame.at(x, y)[0], 0) << x << "," << y;
      EXPECT_EQ(frame.at(x, y)[1], 0) << x << "," << y;
    }
  }
}

TEST(OverlaySaliency, TheMapsMinimumAddsNothing) {
  std::vector<float> scratch;
  for (float offset : {5.0f, -3.0f}) {
    Image frame = filled(4, 4, {0, 0, 0});
    const float map[4] = {offset, offset + 1, offset + 2, offset + 3};
    overlay_saliency(frame, map, 2, 2, ColorChannel::kRed, 10.0f, scratch);
    for (int p = 0; p < 16; ++p) {
      EXPECT_EQ(frame.pixels[p * 3], kOverlayTenTimes[p]) << "offset " << offset << " pixel " << p;
      EXPECT_EQ(frame.pixels[p * 3 + 2], 0);
    }
  }
}

TEST(OverlaySaliency, SumsClampAt255AndOtherChannelsKeepTheirValues) {
  Image frame = filled(2, 2, {100, 200, 250});
  const float map[4] = {0.0f, 0.4f, 1.0f, 0.05f};  // same size: no resizing
  std::vector<float> scratch;
  overlay_saliency(frame, map, 2, 2, ColorChannel::kGreen, 100.0f, scratch);
  const int green[4] = {200, 240, 255, 205};
  for (int p = 0; p < 4; ++p) {
    EXPECT_EQ(frame.pixels[p * 3 + 1], green[p]) << p;
    EXPECT_EQ(frame.pixels[p * 3 + 0], 100) << p;
    EXPECT_EQ(frame.pixels[p * 3 + 2], 250) << p;
  }
  EXPECT_EQ(scratch.size(), 4u);
}

TEST(OverlaySaliency, FractionsAreTruncated) {
  Image frame = filled(2, 2, {10, 0, 0});
  const float map[4] = {0.0f, 1.0f, 2.0f, 3.0f};
  std::vector<float> scratch;
  overlay_saliency(frame, map, 2, 2, ColorChannel::kRed, 1.5f, scratch);
  const int red[4] = {10, 11, 13, 14};  // 10 + 0, 1.5, 3, 4.5
  for (int p = 0; p < 4; ++p) EXPECT_EQ(frame.pixels[p * 3], red[p]) << p;
}

TEST(MapRange, LargestMinusSmallest) {
  const float map[4] = {3.0f, -2.0f, 7.0f, 0.0f};
  EXPECT_EQ(map_range(map, 4), 9.0f);
  EXPECT_EQ(map_range(map, 2), 5.0f);
  EXPECT_EQ(map_range(map, 1), 0.0f);
  EXPECT_EQ(map_range(map, 0), 0.0f);
}

}  // namespace
}  // namespace lever

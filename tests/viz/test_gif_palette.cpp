#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <vector>

#include "lever/viz/gif_palette.h"

namespace lever {
namespace {

uint32_t rgb_of(const Image& image, int x, int y) {
  const Color c = image.color_at(x, y);
  return 0xFF000000u | (uint32_t{c.r} << 16) | (uint32_t{c.g} << 8) | c.b;
}

Image three_colours() {
  Image image;
  image.resize(9, 7);
  image.fill({10, 20, 30});
  fill_rect(image, 0, 0, 4, 7, {250, 0, 0});
  fill_rect(image, 6, 2, 9, 5, {0, 128, 255});
  return image;
}

TEST(GifPalette, FewColoursAreMappedExactly) {
  const Image image = three_colours();
  GifPalette palette;
  const int stride = 16;  // wider than the image, as FFmpeg frames are
  std::vector<uint8_t> indices(stride * image.height, 0xEE);
  const auto& entries = palette.map_frame(image, indices.data(), stride);
  std::set<int> used;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      const uint8_t index = indices[y * stride + x];
      used.insert(index);
      EXPECT_EQ(entries[index], rgb_of(image, x, y)) << x << "," << y;
    }
    EXPECT_EQ(indices[y * stride + image.width], 0xEE);  // padding untouched
  }
  EXPECT_EQ(used.size(), 3u);
}

TEST(GifPalette, PaletteStaysWhileColoursRepeat) {
  GifPalette palette;
  Image frame = three_colours();
  std::vector<uint8_t> indices(frame.width * frame.height);
  const std::array<uint32_t, 256> first = palette.map_frame(frame, indices.data(), frame.width);
  fill_rect(frame, 0, 0, 9, 1, {0, 128, 255});  // moved shapes, same colours
  EXPECT_EQ(palette.map_frame(frame, indices.data(), frame.width), first);
  fill_rect(frame, 0, 0, 1, 1, {1, 2, 3});  // a new colour is added, old entries keep their slot
  const auto& grown = palette.map_frame(frame, indices.data(), frame.width);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(grown[i], first[i]);
  EXPECT_EQ(grown[indices[0]], 0xFF010203u);
}

TEST(GifPalette, ManyColoursReduceToNearbyCells) {
  // 4096 distinct colours that fall into exactly 256 cells of 8x8x8 values.
  Image gradient;
  gradient.resize(64, 64);
  for (int y = 0; y < 64; ++y) {
    for (int x = 0; x < 64; ++x) {
      uint8_t* p = gradient.at(x, y);
      p[0] = static_cast<uint8_t>(2 * x);
      p[1] = static_cast<uint8_t>(2 * y);
      p[2] = 50;
    }
  }
  GifPalette palette;
  std::vector<uint8_t> indices(64 * 64);
  const auto& entries = palette.map_frame(gradient, indices.data(), 64);
  std::set<int> used;
  for (int y = 0; y < 64; ++y) {
    for (int x = 0; x < 64; ++x) {
      const uint8_t index = indices[y * 64 + x];
      used.insert(index);
      const uint32_t want = rgb_of(gradient, x, y), got = entries[index];
      for (int shift : {16, 8, 0}) {
        const int error = std::abs(static_cast<int>((want >> shift) & 0xFF) -
                                   static_cast<int>((got >> shift) & 0xFF));
        EXPECT_LE(error, 7) << x << "," << y;
      }
    }
  }
  EXPECT_EQ(used.size(), 256u);

  // The next small frame is exact again.
  const Image image = three_colours();
  std::vector<uint8_t> small(image.width * image.height);
  const auto& exact = palette.map_frame(image, small.data(), image.width);
  EXPECT_EQ(exact[small[0]], rgb_of(image, 0, 0));
  EXPECT_EQ(exact[small[image.width - 1]], rgb_of(image, image.width - 1, 0));
}

}  // namespace
}  // namespace lever

#include <gtest/gtest.h>
#include <stb_image.h>

#include <cstring>
#include <memory>

#include "lever/core/errors.h"
#include "lever/viz/png.h"
#include "support/scratch_dir.h"

namespace lever {
namespace {

// Odd sizes and every byte value, so row strides and channel order are both exercised.
Image test_pattern(int w, int h) {
  Image image;
  image.resize(w, h);
  for (size_t i = 0; i < image.pixels.size(); ++i) {
    image.pixels[i] = static_cast<uint8_t>((i * 37 + i / 7) & 0xFF);
  }
  return image;
}

TEST(PngFiles, WriteThenLoadGivesTheSamePixels) {
  testing::ScratchDir dir;
  const Image image = test_pattern(37, 23);
  const auto path = dir / "pattern.png";
  write_png(path, image);

  int w = 0, h = 0, channels = 0;
  std::unique_ptr<uint8_t, void (*)(void*)> loaded(stbi_load(path.c_str(), &w, &h, &channels, 3),
                                                   stbi_image_free);
  ASSERT_NE(loaded, nullptr) << stbi_failure_reason();
  EXPECT_EQ(w, 37);
  EXPECT_EQ(h, 23);
  EXPECT_EQ(channels, 3);
  EXPECT_EQ(std::memcmp(loaded.get(), image.pixels.data(), image.pixels.size()), 0);
  EXPECT_EQ(dir.entry_count(), 1);  // the temp file was renamed, not left beside it
}

TEST(PngFiles, EncodingIsAPngAndDeterministic) {
  const Image image = test_pattern(8, 5);
  const std::string bytes = encode_png(image);
  ASSERT_GT(bytes.size(), 8u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(encode_png(image), bytes);
}

TEST(PngFiles, OverwritesAnExistingFile) {
  testing::ScratchDir dir;
  const auto path = dir / "plot.png";
  write_png(path, test_pattern(4, 4));
  write_png(path, test_pattern(6, 2));
  int w = 0, h = 0, channels = 0;
  ASSERT_EQ(stbi_info(path.c_str(), &w, &h, &channels), 1);
  EXPECT_EQ(w, 6);
  EXPECT_EQ(h, 2);
}

TEST(PngFiles, BadInputsThrowTypedErrors) {
  testing::ScratchDir dir;
  EXPECT_THROW(encode_png(Image{}), UsageError);
  Image inconsistent;
  inconsistent.width = 4;
  inconsistent.height = 4;  // set by hand, buffer left empty
  EXPECT_THROW(encode_png(inconsistent), UsageError);
  EXPECT_THROW(write_png(dir / "missing_dir" / "x.png", test_pattern(4, 4)), RuntimeFailure);
}

}  // namespace
}  // namespace lever

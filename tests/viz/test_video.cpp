#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "lever/core/errors.h"
#include "lever/viz/video.h"
#include "support/decode_video.h"
#include "support/scratch_dir.h"

namespace lever {
namespace {

constexpr Color kBackground{20, 30, 40};
constexpr Color kSquare{250, 200, 10};

Image moving_square(int w, int h, int frame) {
  Image image;
  image.resize(w, h);
  image.fill(kBackground);
  const float x = 4.0f * frame;
  fill_rect(image, x, 10, x + 12, 22, kSquare);
  return image;
}

void write_video(const std::filesystem::path& path, int w, int h, int frames) {
  VideoWriter writer(path, w, h, 10);
  for (int i = 0; i < frames; ++i) writer.write_frame(moving_square(w, h, i));
  EXPECT_EQ(writer.frames_written(), frames);
  writer.close();
}

using testing::decode_all;

double mean_abs_difference(const Image& a, const Image& b) {
  double total = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) total += std::abs(a.pixels[i] - b.pixels[i]);
  return total / static_cast<double>(a.pixels.size());
}

TEST(VideoFiles, Mp4DecodesToTheFramesWritten) {
  testing::ScratchDir dir;
  const auto path = dir / "episode.mp4";
  write_video(path, 64, 48, 10);
  EXPECT_EQ(dir.entry_count(), 1);  // no temp file left behind
  const std::vector<Image> frames = decode_all(path);
  ASSERT_EQ(frames.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(frames[i].width, 64);
    ASSERT_EQ(frames[i].height, 48);
    // Lossy, but the square must be where it was drawn.
    EXPECT_LT(mean_abs_difference(frames[i], moving_square(64, 48, i)), 6.0) << "frame " << i;
    const Color centre = frames[i].color_at(4 * i + 6, 16);
    EXPECT_GT(centre.r, 200) << "frame " << i;
    EXPECT_LT(centre.b, 60) << "frame " << i;
  }
}

TEST(VideoFiles, GifDecodesToExactlyTheFramesWritten) {
  testing::ScratchDir dir;
  const auto path = dir / "episode.gif";
  write_video(path, 63, 47, 10);  // GIF has no even-size rule
  const std::vector<Image> frames = decode_all(path);
  ASSERT_EQ(frames.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(frames[i].width, 63);
    ASSERT_EQ(frames[i].height, 47);
    EXPECT_EQ(frames[i].pixels, moving_square(63, 47, i).pixels) << "frame " << i;
  }
}

TEST(VideoFiles, SameFramesGiveIdenticalBytes) {
  testing::ScratchDir dir;
  for (const std::string ext : {".mp4", ".gif"}) {
    write_video(dir / ("a" + ext), 64, 48, 10);
    write_video(dir / ("b" + ext), 64, 48, 10);
    const std::string a = testing::read_file(dir / ("a" + ext));
    EXPECT_GT(a.size(), 100u) << ext;
    EXPECT_EQ(a, testing::read_file(dir / ("b" + ext))) << ext;
  }
}

TEST(VideoFiles, DestructorFinishesAnUnclosedFile) {
  testing::ScratchDir dir;
  {
    VideoWriter writer(dir / "unclosed.gif", 32, 32, 5);
    writer.write_frame(moving_square(32, 32, 0));
    writer.write_frame(moving_square(32, 32, 1));
  }
  EXPECT_EQ(decode_all(dir / "unclosed.gif").size(), 2u);
  EXPECT_EQ(dir.entry_count(), 1);
}

TEST(VideoArguments, OddSizeForMp4IsAUsageError) {
  testing::ScratchDir dir;
  EXPECT_THROW(VideoWriter(dir / "odd.mp4", 63, 48, 30), UsageError);
  EXPECT_THROW(VideoWriter(dir / "odd.mp4", 64, 47, 30), UsageError);
  EXPECT_EQ(dir.entry_count(), 0);
}

TEST(VideoArguments, UnknownExtensionNamesTheSupportedOnes) {
  testing::ScratchDir dir;
  try {
    VideoWriter writer(dir / "clip.avi", 64, 48, 30);
    FAIL() << "expected UsageError";
  } catch (const UsageError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(".avi"), std::string::npos) << message;
    EXPECT_NE(message.find(".mp4"), std::string::npos) << message;
    EXPECT_NE(message.find(".gif"), std::string::npos) << message;
  }
  EXPECT_THROW(VideoWriter(dir / "no_extension", 64, 48, 30), UsageError);
  EXPECT_THROW(VideoWriter(dir / "zero_fps.mp4", 64, 48, 0), UsageError);
}

TEST(VideoArguments, WrongFrameSizeAndUseAfterClose) {
  testing::ScratchDir dir;
  VideoWriter writer(dir / "clip.mp4", 64, 48, 30);
  EXPECT_THROW(writer.write_frame(moving_square(32, 48, 0)), UsageError);
  writer.write_frame(moving_square(64, 48, 0));
  writer.close();
  writer.close();  // a second close does nothing
  EXPECT_THROW(writer.write_frame(moving_square(64, 48, 1)), UsageError);
  EXPECT_EQ(writer.frames_written(), 1);
  EXPECT_EQ(decode_all(dir / "clip.mp4").size(), 1u);
}

TEST(VideoArguments, UnwritableDirectoryIsARuntimeFailure) {
  testing::ScratchDir dir;
  EXPECT_THROW(VideoWriter(dir / "missing" / "clip.mp4", 64, 48, 30), RuntimeFailure);
}

}  // namespace
}  // namespace lever

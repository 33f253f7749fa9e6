// Video files of rendered frames (agent roll-outs, saliency maps) through FFmpeg's libraries.
#pragma once
#include <filesystem>
#include <memory>

#include "lever/core/image.h"

namespace lever {

// The container follows the extension:
//   .mp4  H.264 (libx264; the "mpeg4" encoder where libx264 is missing), yuv420p, so width and
//         height must be even.
//   .gif  an animated GIF looping forever, exact colours for frames with <= 256 of them. GIF
//         stores delays in 1/100 s, so rates above 50 fps play slower in most viewers.
// The same frames always give the same bytes: bit-exact encoding on one thread, no timestamps
// or version strings in the container. Frames go to a temp file beside `path`, renamed into
// place by close(), so a reader never sees half a video.
class VideoWriter {
 public:
  // Throws UsageError for an unsupported extension, an odd size for .mp4 or a non-positive
  // size or rate, and RuntimeFailure when FFmpeg cannot open an encoder or the file.
  VideoWriter(const std::filesystem::path& path, int width, int height, int fps);
  VideoWriter(const VideoWriter&) = delete;
  VideoWriter& operator=(const VideoWriter&) = delete;
  // Closes the file if close() was not called; errors there are dropped (call close() to see
  // them) and leave no file behind.
  ~VideoWriter();

  // The frame must have the size given to the constructor (UsageError otherwise).
  void write_frame(const Image& frame);
  // Flushes the encoder, finishes the container and renames the file into place. Further calls
  // do nothing. Throws RuntimeFailure if encoding or writing fails.
  void close();
  int frames_written() const;

 private:
  struct Encoder;
  std::unique_ptr<Encoder> encoder_;
  int frames_written_ = 0;
};

}  // namespace lever

#include "lever/viz/png.h"

#include <stb_image_write.h>

#include <string>

#include "lever/core/atomic_file.h"
#include "lever/core/errors.h"

namespace lever {
namespace {

void append_bytes(void* context, void* data, int size) {
  static_cast<std::string*>(context)->append(static_cast<const char*>(data),
                                             static_cast<size_t>(size));
}

}  // namespace

std::string encode_png(const Image& image) {
  if (image.width <= 0 || image.height <= 0) {
    throw UsageError("cannot encode an empty image as PNG (" + std::to_string(image.width) + "x" +
                     std::to_string(image.height) + ")");
  }
  if (image.pixels.size() != static_cast<size_t>(image.width) * image.height * 3) {
    throw UsageError("image buffer holds " + std::to_string(image.pixels.size()) +
                     " bytes, not width * height * 3; use Image::resize");
  }
  std::string bytes;
  if (stbi_write_png_to_func(append_bytes, &bytes, image.width, image.height, 3,
                             image.pixels.data(), image.width * 3) == 0) {
    throw RuntimeFailure("PNG encoding failed for a " + std::to_string(image.width) + "x" +
                         std::to_string(image.height) + " image");
  }
  return bytes;
}

void write_png(const std::filesystem::path& path, const Image& image) {
  write_file_atomic(path, encode_png(image));
}

}  // namespace lever

// PNG files of images and plots.
#pragma once
#include <filesystem>
#include <string>

#include "lever/core/image.h"

namespace lever {

// The PNG file's bytes (8-bit RGB); TensorBoard image summaries embed these. Throws UsageError
// for an empty image and RuntimeFailure if stb_image_write fails.
std::string encode_png(const Image& image);

// Writes the PNG beside `path` first and renames it into place, so a reader never sees half a
// file. Throws RuntimeFailure naming `path` when the file cannot be written.
void write_png(const std::filesystem::path& path, const Image& image);

}  // namespace lever

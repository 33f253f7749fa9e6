// Palette indices for GIF frames, which may hold at most 256 colours each.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "lever/core/image.h"

namespace lever {

// Reuse one GifPalette for all frames of a video: it keeps its buffers, and it keeps the palette
// unchanged while the frames' colours fit in it, which lets the GIF encoder store only what
// changed between frames instead of a new colour table and a full image.
class GifPalette {
 public:
  // Writes one palette index per pixel into `indices` (rows `stride` bytes apart) and returns
  // 256 palette entries as 0xFFRRGGBB. A frame with at most 256 distinct colours (flat-shaded
  // game frames, plots) is mapped exactly; a frame with more is reduced to the 256 most common
  // 5-5-5 colour cells, each pixel taking the nearest of them.
  const std::array<uint32_t, 256>& map_frame(const Image& frame, uint8_t* indices, int stride);

 private:
  static constexpr int kTableSize = 1024;  // open addressing, at most a quarter full
  static constexpr uint32_t kEmpty = 0xFFFFFFFFu;

  bool map_exactly(const Image& frame, uint8_t* indices, int stride);
  void map_reduced(const Image& frame, uint8_t* indices, int stride);
  void clear_palette();

  std::array<uint32_t, 256> palette_{};
  int used_ = 0;
  std::array<uint32_t, kTableSize> keys_{};
  std::array<uint8_t, kTableSize> slots_{};
  bool table_ready_ = false;
  // For reduced frames, per 5-5-5 cell: pixel count, channel sums, chosen palette index.
  std::vector<uint32_t> cell_count_;
  std::vector<std::array<uint64_t, 3>> cell_sum_;
  std::vector<uint8_t> cell_index_;
  std::vector<int> present_cells_;
};

}  // namespace lever

#include "lever/viz/gif_palette.h"

#include <algorithm>

namespace lever {
namespace {

constexpr int kCells = 1 << 15;  // 5 bits per channel

uint32_t pack(const uint8_t* p) {
  return (uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | uint32_t{p[2]};
}

int cell_of(const uint8_t* p) { return ((p[0] >> 3) << 10) | ((p[1] >> 3) << 5) | (p[2] >> 3); }

uint32_t table_hash(uint32_t rgb) { return (rgb * 2654435761u) >> 22; }  // top 10 bits

}  // namespace

void GifPalette::clear_palette() {
  used_ = 0;
  palette_.fill(0xFF000000u);
  keys_.fill(kEmpty);
  table_ready_ = true;
}

const std::array<uint32_t, 256>& GifPalette::map_frame(const Image& frame, uint8_t* indices,
                                                       int stride) {
  if (!table_ready_) clear_palette();
  if (map_exactly(frame, indices, stride)) return palette_;
  // The old colours filled the palette: start over from this frame's colours alone.
  clear_palette();
  if (map_exactly(frame, indices, stride)) return palette_;
  map_reduced(frame, indices, stride);
  // A reduced palette rarely matches the next frame's exact colours; the next frame starts over.
  table_ready_ = false;
  return palette_;
}

bool GifPalette::map_exactly(const Image& frame, uint8_t* indices, int stride) {
  uint32_t last_rgb = kEmpty;
  uint8_t last_index = 0;
  for (int y = 0; y < frame.height; ++y) {
    const uint8_t* p = frame.at(0, y);
    uint8_t* out = indices + static_cast<size_t>(y) * stride;
    for (int x = 0; x < frame.width; ++x, p += 3) {
      const uint32_t rgb = pack(p);
      if (rgb != last_rgb) {
        uint32_t slot = table_hash(rgb);
        while (keys_[slot] != kEmpty && keys_[slot] != rgb) slot = (slot + 1) % kTableSize;
        if (keys_[slot] == kEmpty) {
          if (used_ == 256) return false;
          keys_[slot] = rgb;
          slots_[slot] = static_cast<uint8_t>(used_);
          palette_[used_++] = 0xFF000000u | rgb;
        }
        last_rgb = rgb;
        last_index = slots_[slot];
      }
      out[x] = last_index;
    }
  }
  return true;
}

void GifPalette::map_reduced(const Image& frame, uint8_t* indices, int stride) {
  if (cell_count_.empty()) {
    cell_count_.assign(kCells, 0);
    cell_sum_.assign(kCells, {0, 0, 0});
    cell_index_.assign(kCells, 0);
  }
  present_cells_.clear();
  for (int y = 0; y < frame.height; ++y) {
    const uint8_t* p = frame.at(0, y);
    for (int x = 0; x < frame.width; ++x, p += 3) {
      const int cell = cell_of(p);
      if (cell_count_[cell]++ == 0) present_cells_.push_back(cell);
      for (int c = 0; c < 3; ++c) cell_sum_[cell][c] += p[c];
    }
  }
  // Most common cells first; the cell number breaks ties so the result is deterministic.
  std::sort(present_cells_.begin(), present_cells_.end(), [&](int a, int b) {
    return cell_count_[a] != cell_count_[b] ? cell_count_[a] > cell_count_[b] : a < b;
  });
  const int chosen = std::min<int>(256, static_cast<int>(present_cells_.size()));
  std::array<std::array<int, 3>, 256> means{};
  palette_.fill(0xFF000000u);
  for (int i = 0; i < chosen; ++i) {
    const int cell = present_cells_[i];
    uint32_t rgb = 0;
    for (int c = 0; c < 3; ++c) {
      means[i][c] =
          static_cast<int>((cell_sum_[cell][c] + cell_count_[cell] / 2) / cell_count_[cell]);
      rgb = (rgb << 8) | static_cast<uint32_t>(means[i][c]);
    }
    palette_[i] = 0xFF000000u | rgb;
    cell_index_[cell] = static_cast<uint8_t>(i);
  }
  for (size_t k = chosen; k < present_cells_.size(); ++k) {
    const int cell = present_cells_[k];
    int mean[3];
    for (int c = 0; c < 3; ++c) {
      mean[c] = static_cast<int>((cell_sum_[cell][c] + cell_count_[cell] / 2) / cell_count_[cell]);
    }
    int best = 0;
    int best_distance = 1 << 30;
    for (int i = 0; i < chosen; ++i) {
      int distance = 0;
      for (int c = 0; c < 3; ++c) distance += (mean[c] - means[i][c]) * (mean[c] - means[i][c]);
      if (distance < best_distance) {
        best = i;
        best_distance = distance;
      }
    }
    cell_index_[cell] = static_cast<uint8_t>(best);
  }
  for (int y = 0; y < frame.height; ++y) {
    const uint8_t* p = frame.at(0, y);
    uint8_t* out = indices + static_cast<size_t>(y) * stride;
    for (int x = 0; x < frame.width; ++x, p += 3) out[x] = cell_index_[cell_of(p)];
  }
  for (int cell : present_cells_) {
    cell_count_[cell] = 0;
    cell_sum_[cell] = {0, 0, 0};
  }
  used_ = chosen;
}

}  // namespace lever

// NumPy's .npy files (format version 1.0), so per-frame saliency maps can be analysed elsewhere
// with numpy.load.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace lever {

// The bytes of a version 1.0 .npy file holding a C-ordered little-endian float32 array of the
// given shape: magic, header dict padded with spaces to a 64-byte boundary and ending in '\n',
// then the data. Throws UsageError if the shape's product is not values.size() or a dimension is
// negative. A zero-dimensional shape holds one value.
std::string encode_npy(const std::vector<float>& values, const std::vector<int64_t>& shape);

// encode_npy's bytes written atomically (write_file_atomic).
void write_npy(const std::filesystem::path& path, const std::vector<float>& values,
               const std::vector<int64_t>& shape);

}  // namespace lever

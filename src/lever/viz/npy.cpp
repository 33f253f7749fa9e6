#include "lever/viz/npy.h"

#include <algorithm>
#include <cstring>

#include "lever/core/atomic_file.h"
#include "lever/core/errors.h"

namespace lever {
namespace {

// Magic string, format version 1.0, then the header length as a little-endian uint16.
constexpr char kMagic[] = "\x93NUMPY\x01\x00";
constexpr size_t kMagicLength = 8;
constexpr size_t kPreambleLength = kMagicLength + 2;
constexpr size_t kAlignment = 64;
constexpr size_t kMaxHeaderLength = 65535;

std::string shape_text(const std::vector<int64_t>& shape) {
  // Python's tuple repr: a one-element tuple keeps its trailing comma.
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(shape[i]);
  }
  if (shape.size() == 1) text += ",";
  return text + ")";
}

void check_shape(const std::vector<float>& values, const std::vector<int64_t>& shape) {
  // The product saturates just above values.size(), so huge dimensions cannot overflow it; a zero
  // dimension still makes the whole array empty.
  const uint64_t limit = static_cast<uint64_t>(values.size()) + 1;
  uint64_t product = 1;
  bool empty = false;
  for (int64_t dim : shape) {
    if (dim < 0) {
      throw UsageError("an .npy shape must not have a negative dimension, got " +
                       shape_text(shape));
    }
    const auto size = static_cast<uint64_t>(dim);
    if (size == 0) {
      empty = true;
    } else {
      product = product > limit / size ? limit : std::min(limit, product * size);
    }
  }
  if ((empty ? 0 : product) != values.size()) {
    throw UsageError("an .npy shape " + shape_text(shape) + " does not hold " +
                     std::to_string(values.size()) + " values");
  }
}

}  // namespace

std::string encode_npy(const std::vector<float>& values, const std::vector<int64_t>& shape) {
  check_shape(values, shape);
  std::string header =
      "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape_text(shape) + ", }";
  // Spaces, then '\n', so the data starts on a 64-byte boundary.
  const size_t used = kPreambleLength + header.size() + 1;
  header.append((kAlignment - used % kAlignment) % kAlignment, ' ');
  header += '\n';
  if (header.size() > kMaxHeaderLength) {
    throw UsageError("an .npy shape " + shape_text(shape) + " is too long for format 1.0");
  }

  std::string bytes(kMagic, kMagicLength);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  bytes.reserve(bytes.size() + 4 * values.size());
  for (float value : values) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof(bits));
    for (int shift = 0; shift < 32; shift += 8) bytes += static_cast<char>((bits >> shift) & 0xff);
  }
  return bytes;
}

void write_npy(const std::filesystem::path& path, const std::vector<float>& values,
               const std::vector<int64_t>& shape) {
  write_file_atomic(path, encode_npy(values, shape));
}

}  // namespace lever

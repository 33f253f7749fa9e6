#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "lever/core/errors.h"
#include "lever/viz/npy.h"
#include "support/scratch_dir.h"

namespace lever {
namespace {

std::string header_of(const std::string& bytes) {
  const size_t length = static_cast<unsigned char>(bytes[8]) |
                        (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
  return bytes.substr(10, length);
}

TEST(NpyFormat, HeaderBytesForShapeTwoByThree) {
  const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  ASSERT_EQ(dict.size(), 59u);
  // 10 bytes of magic, version and length, then 59 + 58 spaces + '\n' = 118: 128 in all.
  const std::string expected = std::string("\x93NUMPY\x01\x00", 8) + std::string("\x76\x00", 2) +
                               dict + std::string(58, ' ') + "\n";
  const std::string bytes = encode_npy(std::vector<float>(6, 0.0f), {2, 3});
  ASSERT_EQ(bytes.size(), 128u + 6 * 4);
  EXPECT_EQ(bytes.substr(0, 128), expected);
}

TEST(NpyFormat, OneAndZeroDimensionalShapes) {
  const std::string one = header_of(encode_npy({1, 2, 3, 4, 5}, {5}));
  EXPECT_NE(one.find("'shape': (5,), }"), std::string::npos) << one;
  const std::string none = header_of(encode_npy({7}, {}));
  EXPECT_NE(none.find("'shape': (), }"), std::string::npos) << none;
  const std::string three = header_of(encode_npy(std::vector<float>(24), {2, 3, 4}));
  EXPECT_NE(three.find("'shape': (2, 3, 4), }"), std::string::npos) << three;
  for (const std::string& header : {one, none, three}) {
    EXPECT_EQ((10 + header.size()) % 64, 0u) << header;
    EXPECT_EQ(header.back(), '\n');
    EXPECT_EQ(header.find_first_not_of(' ', header.find('}') + 1), header.size() - 1) << header;
  }
}

TEST(NpyFormat, DataIsLittleEndianFloat32AfterTheHeader) {
  const std::string bytes = encode_npy({1.0f, -2.5f}, {2});
  ASSERT_EQ(bytes.size(), 128u + 8);
  EXPECT_EQ(bytes.substr(128), std::string("\x00\x00\x80\x3f\x00\x00\x20\xc0", 8));
}

TEST(NpyFormat, ShapeThatDoesNotFitTheValuesIsAUsageError) {
  EXPECT_THROW(encode_npy({1, 2, 3}, {2, 2}), UsageError);
  EXPECT_THROW(encode_npy({1, 2, 3}, {-1, -3}), UsageError);
  EXPECT_THROW(encode_npy({}, {}), UsageError);
  EXPECT_THROW(encode_npy({1, 2}, {}), UsageError);
  EXPECT_THROW(encode_npy({1}, {int64_t{1} << 40, int64_t{1} << 40}), UsageError);
  EXPECT_NO_THROW(encode_npy({}, {0, 5}));
  EXPECT_NO_THROW(encode_npy({}, {int64_t{1} << 40, 0}));
}

// What numpy itself reads from the file: dtype, shape, then every value in C order.
std::string numpy_load(const std::filesystem::path& path) {
  const std::string command =
      "/usr/bin/python3 -c \"import numpy, sys; a = numpy.load(sys.argv[1]); "
      "print(a.dtype, a.shape, a.flags.c_contiguous); "
      "print(' '.join(repr(float(v)) for v in a.ravel()))\" '" +
      path.string() + "' 2>&1";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "<popen failed>";
  std::string output;
  char buffer[4096];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, got);
  const int status = ::pclose(pipe);
  if (status != 0) output += "<exit status " + std::to_string(status) + ">";
  return output;
}

TEST(NpyFiles, NumpyLoadsWhatWasWritten) {
  testing::ScratchDir dir;
  const std::vector<std::pair<std::vector<int64_t>, std::string>> shapes = {
      {{3}, "(3,)"}, {{2, 3, 4}, "(2, 3, 4)"}, {{4, 1, 8, 8}, "(4, 1, 8, 8)"}};
  for (const auto& [shape, shape_repr] : shapes) {
    int64_t count = 1;
    for (int64_t d : shape) count *= d;
    std::vector<float> values(count);
    for (int64_t i = 0; i < count; ++i) values[i] = 0.37f * i - 5.0f + (i % 3 == 0 ? 1e-7f : 0);
    const auto path = dir / ("maps_" + std::to_string(shape.size()) + ".npy");
    write_npy(path, values, shape);

    const std::string output = numpy_load(path);
    std::istringstream lines(output);
    std::string first;
    std::getline(lines, first);
    EXPECT_EQ(first, "float32 " + shape_repr + " True") << output;
    std::vector<double> loaded;
    double v;
    while (lines >> v) loaded.push_back(v);
    ASSERT_EQ(loaded.size(), values.size()) << output;
    for (size_t i = 0; i < values.size(); ++i) {
      EXPECT_EQ(loaded[i], static_cast<double>(values[i])) << shape_repr << " index " << i;
    }
  }
}

TEST(NpyFiles, WriteIsAtomicAndMatchesTheEncoding) {
  testing::ScratchDir dir;
  const std::vector<float> values = {0.5f, 1.5f, -7.25f, 3.0f};
  write_npy(dir / "a.npy", values, {2, 2});
  EXPECT_EQ(testing::read_file(dir / "a.npy"), encode_npy(values, {2, 2}));
  EXPECT_EQ(dir.entry_count(), 1);
  EXPECT_THROW(write_npy(dir / "b.npy", values, {3}), UsageError);
  EXPECT_EQ(dir.entry_count(), 1);
}

}  // namespace
}  // namespace lever

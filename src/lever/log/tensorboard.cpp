#include "lever/log/tensorboard.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstring>
#include <system_error>

#include "lever/core/errors.h"
#include "lever/log/crc32c.h"

namespace lever {
namespace {

// Tag bytes, (field number << 3) | wire type, from tensorboard/compat/proto/{event,summary}.proto.
constexpr char kEventWallTime = 0x09;     // 1: double
constexpr char kEventStep = 0x10;         // 2: int64
constexpr char kEventFileVersion = 0x1A;  // 3: string
constexpr char kEventSummary = 0x2A;      // 5: Summary
constexpr char kEventSessionLog = 0x3A;   // 7: SessionLog
constexpr char kSummaryValue = 0x0A;      // Summary 1: repeated Value
constexpr char kValueTag = 0x0A;          // Value 1: string
constexpr char kValueSimpleValue = 0x15;  // Value 2: float, fixed32
constexpr char kSessionLogStatus = 0x08;  // SessionLog 1: enum
constexpr uint64_t kSessionLogStart = 1;
constexpr std::string_view kFileVersion = "brain.Event:2";
constexpr int kMaxNameAttempts = 1000;

void append_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

size_t varint_size(uint64_t value) {
  size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

void append_little_endian(std::string& out, uint64_t value, int num_bytes) {
  for (int i = 0; i < num_bytes; ++i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  }
}

void append_wall_time(std::string& out, double wall_time) {
  uint64_t bits;
  std::memcpy(&bits, &wall_time, sizeof(bits));
  out.push_back(kEventWallTime);
  append_little_endian(out, bits, 8);
}

// proto3 leaves a zero scalar out; negative int64 is a 10-byte two's-complement varint.
void append_step(std::string& out, int64_t step) {
  if (step == 0) return;
  out.push_back(kEventStep);
  append_varint(out, static_cast<uint64_t>(step));
}

void append_length_delimited(std::string& out, char tag, std::string_view bytes) {
  out.push_back(tag);
  append_varint(out, bytes.size());
  out.append(bytes.data(), bytes.size());
}

double wall_time_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace

namespace tensorboard_internal {

void append_framed_record(std::string& out, std::string_view payload) {
  const size_t start = out.size();
  append_little_endian(out, payload.size(), 8);
  const uint32_t length_crc = masked_crc32c(out.data() + start, 8);
  append_little_endian(out, length_crc, 4);
  out.append(payload.data(), payload.size());
  append_little_endian(out, masked_crc32c(payload.data(), payload.size()), 4);
}

std::string encode_file_version_event(double wall_time) {
  std::string payload;
  append_wall_time(payload, wall_time);
  append_length_delimited(payload, kEventFileVersion, kFileVersion);
  std::string record;
  append_framed_record(record, payload);
  return record;
}

}  // namespace tensorboard_internal

TensorBoardWriter::TensorBoardWriter(const std::filesystem::path& log_dir, int64_t resume_step) {
  std::error_code error;
  std::filesystem::create_directories(log_dir, error);
  if (error) {
    throw RuntimeFailure("cannot create TensorBoard log directory " + log_dir.string() + ": " +
                         error.message());
  }
  const std::string suffix = "." + host_name() + "." + std::to_string(::getpid()) + ".lever";
  const auto now = std::chrono::system_clock::now();
  const int64_t seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  for (int attempt = 0; attempt < kMaxNameAttempts && !file_; ++attempt) {
    char stamp[32];
    std::snprintf(stamp, sizeof(stamp), "%010" PRId64, seconds + attempt);
    path_ = log_dir / ("events.out.tfevents." + std::string(stamp) + suffix);
    // "x": never append to or truncate another writer's file.
    file_.reset(std::fopen(path_.c_str(), "wbx"));
    if (!file_ && errno != EEXIST) {
      throw RuntimeFailure("cannot create TensorBoard event file " + path_.string() + ": " +
                           std::strerror(errno));
    }
  }
  if (!file_) {
    throw RuntimeFailure("cannot find a free TensorBoard event file name in " + log_dir.string());
  }

  record_ = tensorboard_internal::encode_file_version_event(wall_time_now());
  if (std::fwrite(record_.data(), 1, record_.size(), file_.get()) != record_.size()) {
    throw RuntimeFailure("cannot write " + path_.string() + ": " + std::strerror(errno));
  }
  if (resume_step >= 0) {
    payload_.clear();
    append_wall_time(payload_, wall_time_now());
    append_step(payload_, resume_step);
    payload_.push_back(kEventSessionLog);
    append_varint(payload_, 2);
    payload_.push_back(kSessionLogStatus);
    append_varint(payload_, kSessionLogStart);
    write_record();
  }
  flush();
}

TensorBoardWriter::~TensorBoardWriter() = default;

void TensorBoardWriter::add_scalar(std::string_view tag, double value, int64_t step) {
  begin_summary();
  append_value(tag, value);
  finish_summary_event(step);
}

void TensorBoardWriter::write(int64_t step, const std::vector<Scalar>& scalars) {
  if (scalars.empty()) return;
  begin_summary();
  for (const Scalar& scalar : scalars) append_value(scalar.tag, scalar.value);
  finish_summary_event(step);
}

void TensorBoardWriter::flush() {
  if (std::fflush(file_.get()) != 0) {
    throw RuntimeFailure("cannot flush " + path_.string() + ": " + std::strerror(errno));
  }
}

void TensorBoardWriter::begin_summary() { summary_.clear(); }

void TensorBoardWriter::append_value(std::string_view tag, double value) {
  // TensorBoard's scalar dashboard reads Value.simple_value, which is a float.
  const float narrowed = static_cast<float>(value);
  uint32_t bits;
  std::memcpy(&bits, &narrowed, sizeof(bits));
  const size_t value_size = 1 + varint_size(tag.size()) + tag.size() + 1 + 4;
  summary_.push_back(kSummaryValue);
  append_varint(summary_, value_size);
  append_length_delimited(summary_, kValueTag, tag);
  summary_.push_back(kValueSimpleValue);
  append_little_endian(summary_, bits, 4);
}

void TensorBoardWriter::finish_summary_event(int64_t step) {
  payload_.clear();
  append_wall_time(payload_, wall_time_now());
  append_step(payload_, step);
  append_length_delimited(payload_, kEventSummary, summary_);
  write_record();
}

void TensorBoardWriter::write_record() {
  record_.clear();
  tensorboard_internal::append_framed_record(record_, payload_);
  if (std::fwrite(record_.data(), 1, record_.size(), file_.get()) != record_.size()) {
    throw RuntimeFailure("cannot write " + path_.string() + ": " + std::strerror(errno));
  }
}

}  // namespace lever

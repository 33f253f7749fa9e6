// Checks the event writer against a decoder written here from the format description alone
// (bitwise CRC, generic protobuf field walker), so a shared mistake cannot hide in both.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "lever/log/crc32c.h"
#include "lever/log/tensorboard.h"
#include "support/scratch_dir.h"

namespace lever {
namespace {

using testing::ScratchDir;

// ---- Independent decoder ----

uint32_t bitwise_crc32c(const std::string& bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char byte : bytes) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

uint32_t mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xA282EAD8u; }

uint64_t read_le(const std::string& bytes, size_t at, int width) {
  if (at + width > bytes.size()) throw std::runtime_error("truncated fixed-width field");
  uint64_t value = 0;
  for (int i = 0; i < width; ++i) {
    value |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  }
  return value;
}

struct Field {
  uint32_t number = 0;
  int wire_type = -1;
  uint64_t scalar = 0;  // varint, fixed64 or fixed32 payload
  std::string bytes;    // length-delimited payload
};

uint64_t read_varint(const std::string& bytes, size_t& at) {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (at >= bytes.size()) throw std::runtime_error("truncated varint");
    const auto byte = static_cast<unsigned char>(bytes[at++]);
    value |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  throw std::runtime_error("varint longer than 10 bytes");
}

std::vector<Field> parse_fields(const std::string& message) {
  std::vector<Field> fields;
  size_t at = 0;
  while (at < message.size()) {
    const uint64_t key = read_varint(message, at);
    Field field;
    field.number = static_cast<uint32_t>(key >> 3);
    field.wire_type = static_cast<int>(key & 7);
    switch (field.wire_type) {
      case 0:
        field.scalar = read_varint(message, at);
        break;
      case 1:
        field.scalar = read_le(message, at, 8);
        at += 8;
        break;
      case 2: {
        const uint64_t length = read_varint(message, at);
        if (at + length > message.size()) throw std::runtime_error("truncated bytes field");
        field.bytes = message.substr(at, length);
        at += length;
        break;
      }
      case 5:
        field.scalar = read_le(message, at, 4);
        at += 4;
        break;
      default:
        throw std::runtime_error("unexpected wire type " + std::to_string(field.wire_type));
    }
    fields.push_back(field);
  }
  return fields;
}

struct DecodedEvent {
  double wall_time = 0;
  int64_t step = 0;
  std::string file_version;
  bool has_summary = false;
  std::vector<std::pair<std::string, float>> values;
  int session_status = -1;  // -1: no session_log
};

void expect_wire(const Field& field, int wire_type) {
  if (field.wire_type != wire_type) {
    throw std::runtime_error("field " + std::to_string(field.number) + " has wire type " +
                             std::to_string(field.wire_type));
  }
}

DecodedEvent decode_event(const std::string& payload) {
  DecodedEvent event;
  for (const Field& field : parse_fields(payload)) {
    switch (field.number) {
      case 1:
        expect_wire(field, 1);
        std::memcpy(&event.wall_time, &field.scalar, 8);
        break;
      case 2:
        expect_wire(field, 0);
        event.step = static_cast<int64_t>(field.scalar);
        break;
      case 3:
        expect_wire(field, 2);
        event.file_version = field.bytes;
        break;
      case 5:
        expect_wire(field, 2);
        event.has_summary = true;
        for (const Field& value : parse_fields(field.bytes)) {
          if (value.number != 1) throw std::runtime_error("Summary holds a non-Value field");
          expect_wire(value, 2);
          std::string tag;
          float simple_value = 0;
          bool has_simple_value = false;
          for (const Field& part : parse_fields(value.bytes)) {
            if (part.number == 1) {
              expect_wire(part, 2);
              tag = part.bytes;
            } else if (part.number == 2) {
              expect_wire(part, 5);
              const auto bits = static_cast<uint32_t>(part.scalar);
              std::memcpy(&simple_value, &bits, 4);
              has_simple_value = true;
            } else {
              throw std::runtime_error("Value holds unexpected field " +
                                       std::to_string(part.number));
            }
          }
          if (!has_simple_value) throw std::runtime_error("Value without simple_value");
          event.values.emplace_back(tag, simple_value);
        }
        break;
      case 7:
        expect_wire(field, 2);
        event.session_status = 0;
        for (const Field& part : parse_fields(field.bytes)) {
          if (part.number == 1) event.session_status = static_cast<int>(part.scalar);
        }
        break;
      default:
        throw std::runtime_error("Event holds unexpected field " + std::to_string(field.number));
    }
  }
  return event;
}

// Splits TFRecord framing, checking both CRCs of every record.
std::vector<std::string> read_records(const std::string& file) {
  std::vector<std::string> payloads;
  size_t at = 0;
  while (at < file.size()) {
    const std::string length_bytes = file.substr(at, 8);
    const uint64_t length = read_le(file, at, 8);
    const std::string where = "record " + std::to_string(payloads.size());
    if (read_le(file, at + 8, 4) != mask(bitwise_crc32c(length_bytes))) {
      throw std::runtime_error(where + ": bad length CRC");
    }
    at += 12;
    if (at + length + 4 > file.size()) throw std::runtime_error(where + ": truncated");
    std::string payload = file.substr(at, length);
    if (read_le(file, at + length, 4) != mask(bitwise_crc32c(payload))) {
      throw std::runtime_error(where + ": bad data CRC");
    }
    at += length + 4;
    payloads.push_back(std::move(payload));
  }
  return payloads;
}

std::vector<DecodedEvent> read_events(const std::filesystem::path& path) {
  std::vector<DecodedEvent> events;
  for (const std::string& payload : read_records(testing::read_file(path))) {
    events.push_back(decode_event(payload));
  }
  return events;
}

std::string hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char byte : bytes) {
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 15]);
  }
  return out;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// ---- CRC ----

TEST(Crc32c, MatchesStandardCheckValues) {
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  // RFC 3720 appendix B.4 vectors.
  const std::string zeros(32, '\0');
  const std::string ones(32, '\xFF');
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending.push_back(static_cast<char>(i));
  EXPECT_EQ(crc32c(zeros.data(), zeros.size()), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones.data(), ones.size()), 0x62A8AB43u);
  EXPECT_EQ(crc32c(ascending.data(), ascending.size()), 0x46DD794Eu);
  EXPECT_EQ(crc32c("", 0), 0u);
}

TEST(Crc32c, TableAgreesWithBitwiseAndChains) {
  std::string bytes;
  uint32_t state = 12345;
  for (int i = 0; i < 1000; ++i) {
    state = state * 1664525u + 1013904223u;
    bytes.push_back(static_cast<char>(state >> 24));
  }
  const uint32_t whole = crc32c(bytes.data(), bytes.size());
  EXPECT_EQ(whole, bitwise_crc32c(bytes));
  EXPECT_EQ(crc32c(bytes.data() + 333, bytes.size() - 333, crc32c(bytes.data(), 333)), whole);
}

TEST(Crc32c, MaskRotatesAndAddsDelta) { EXPECT_EQ(masked_crc32c("123456789", 9), 0xC78AB0E5u); }

// ---- Encoding ----

TEST(TensorBoardEncoding, FirstRecordMatchesHandComputedBytes) {
  // The research note prints the double as "0000004040fc54d941", nine bytes with "40"
  // doubled; its length (0x18 = 24) and both CRCs are those of the eight-byte double below.
  const std::string expected =
      "1800000000000000"
      "a37f4b22"
      "09"
      "00000040fc54d941"
      "1a0d"
      "627261696e2e4576656e743a32"
      "eced8f9d";
  EXPECT_EQ(hex(tensorboard_internal::encode_file_version_event(1700000000.0)), expected);
}

TEST(TensorBoardEncoding, FirstRecordDecodesIndependently) {
  const auto records = read_records(tensorboard_internal::encode_file_version_event(1.5e9 + 0.25));
  ASSERT_EQ(records.size(), 1u);
  const DecodedEvent event = decode_event(records[0]);
  EXPECT_EQ(event.wall_time, 1.5e9 + 0.25);
  EXPECT_EQ(event.file_version, "brain.Event:2");
  EXPECT_EQ(event.step, 0);
  EXPECT_FALSE(event.has_summary);
}

TEST(TensorBoardEncoding, ScalarEventMatchesReferenceLayout) {
  ScratchDir dir;
  std::filesystem::path path;
  {
    TensorBoardWriter writer(dir.path());
    writer.add_scalar("loss", 0.5, 10);
    path = writer.path();
  }
  const auto records = read_records(testing::read_file(path));
  ASSERT_EQ(records.size(), 2u);
  ASSERT_EQ(records[1].size(), 9u + 17u);
  EXPECT_EQ(records[1][0], '\x09');
  // After the 9-byte wall time: step 10, Summary{Value{tag "loss", simple_value 0.5f}}.
  EXPECT_EQ(hex(records[1].substr(9)), "100a2a0d0a0b0a046c6f7373150000003f");
}

// ---- Written files ----

TEST(TensorBoardEventFile, EveryScalarReadsBack) {
  ScratchDir dir;
  const double before = now_seconds();
  std::filesystem::path path;
  {
    TensorBoardWriter writer(dir.path());
    writer.add_scalar("charts/SPS", 25310.0, 0);
    writer.write(2048, {{"charts/episodic_return", 212.4},
                        {"losses/value_loss", 1e-3},
                        {"losses/approx_kl", -0.0078125}});
    writer.write(5'000'000'000LL, {{"charts/episodic_return", 1e30}});
    writer.write(4096, {});  // nothing to log: no record
    writer.flush();
    path = writer.path();
    // flush() makes the data visible while the writer is still open.
    const auto events = read_events(path);
    EXPECT_EQ(events.size(), 4u);
  }
  const double after = now_seconds();

  const auto events = read_events(path);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].file_version, "brain.Event:2");
  for (const DecodedEvent& event : events) {
    EXPECT_GE(event.wall_time, before - 1e-3);
    EXPECT_LE(event.wall_time, after + 1e-3);
    EXPECT_EQ(event.session_status, -1);
  }
  EXPECT_EQ(events[1].step, 0);
  ASSERT_EQ(events[1].values.size(), 1u);
  EXPECT_EQ(events[1].values[0].first, "charts/SPS");
  EXPECT_EQ(events[1].values[0].second, 25310.0f);

  EXPECT_EQ(events[2].step, 2048);
  ASSERT_EQ(events[2].values.size(), 3u);
  EXPECT_EQ(events[2].values[0].first, "charts/episodic_return");
  EXPECT_EQ(events[2].values[0].second, 212.4f);
  EXPECT_EQ(events[2].values[1].first, "losses/value_loss");
  EXPECT_EQ(events[2].values[1].second, 1e-3f);
  EXPECT_EQ(events[2].values[2].first, "losses/approx_kl");
  EXPECT_EQ(events[2].values[2].second, -0.0078125f);

  EXPECT_EQ(events[3].step, 5'000'000'000LL);
  ASSERT_EQ(events[3].values.size(), 1u);
  EXPECT_EQ(events[3].values[0].second, 1e30f);
}

TEST(TensorBoardEventFile, ResumeStartsWithSessionStartAtResumeStep) {
  ScratchDir dir;
  std::filesystem::path path;
  {
    TensorBoardWriter writer(dir.path(), 500);
    writer.add_scalar("charts/episodic_return", 3.0, 501);
    path = writer.path();
  }
  const auto events = read_events(path);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].file_version, "brain.Event:2");
  EXPECT_EQ(events[1].session_status, 1);  // SessionLog.START
  EXPECT_EQ(events[1].step, 500);
  EXPECT_FALSE(events[1].has_summary);
  EXPECT_EQ(events[2].step, 501);
  EXPECT_EQ(events[2].session_status, -1);
  ASSERT_EQ(events[2].values.size(), 1u);
  EXPECT_EQ(events[2].values[0].second, 3.0f);
}

TEST(TensorBoardEventFile, NoSessionLogWithoutResume) {
  ScratchDir dir;
  std::filesystem::path path;
  {
    TensorBoardWriter writer(dir.path(), -1);
    path = writer.path();
  }
  const auto events = read_events(path);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].session_status, -1);
}

TEST(TensorBoardEventFile, NameFollowsTensorBoardPattern) {
  ScratchDir dir;
  const auto log_dir = dir / "nested/run";
  const auto before = static_cast<long long>(now_seconds());
  TensorBoardWriter writer(log_dir);
  const auto after = static_cast<long long>(now_seconds());
  EXPECT_EQ(writer.path().parent_path(), log_dir);
  EXPECT_TRUE(std::filesystem::is_regular_file(writer.path()));

  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof(host) - 1), 0);
  const std::string name = writer.path().filename().string();
  std::smatch match;
  ASSERT_TRUE(std::regex_match(
      name, match, std::regex(R"(events\.out\.tfevents\.(\d{10})\.(.+)\.(\d+)\.lever)")))
      << name;
  const long long stamp = std::stoll(match[1].str());
  EXPECT_GE(stamp, before);
  EXPECT_LE(stamp, after + 1);
  EXPECT_EQ(match[2].str(), host);
  EXPECT_EQ(std::stol(match[3].str()), static_cast<long>(getpid()));
  EXPECT_NE(name.find("tfevents"), std::string::npos);  // what TensorBoard looks for
}

TEST(TensorBoardEventFile, WritersOpenedInOneSecondGetOrderedDistinctFiles) {
  ScratchDir dir;
  TensorBoardWriter first(dir.path());
  first.add_scalar("a", 1.0, 1);
  TensorBoardWriter second(dir.path(), 1);
  first.flush();
  EXPECT_NE(first.path(), second.path());
  EXPECT_LT(first.path().filename().string(), second.path().filename().string());
  EXPECT_EQ(read_events(first.path()).size(), 2u);
  EXPECT_EQ(read_events(second.path()).size(), 2u);
}

TEST(TensorBoardEventFile, NeverOverwritesAnExistingFile) {
  ScratchDir dir;
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof(host) - 1), 0);
  const auto now = static_cast<long long>(now_seconds());
  auto name_at = [&](long long second) {
    return "events.out.tfevents." + std::to_string(second) + "." + host + "." +
           std::to_string(getpid()) + ".lever";
  };
  // Occupy every name the writer could pick from its own clock reading.
  for (long long second = now - 1; second <= now + 2; ++second) {
    testing::write_file(dir / name_at(second), "not ours");
  }
  TensorBoardWriter writer(dir.path());
  EXPECT_EQ(writer.path().filename().string(), name_at(now + 3));
  for (long long second = now - 1; second <= now + 2; ++second) {
    EXPECT_EQ(testing::read_file(dir / name_at(second)), "not ours");
  }
}

}  // namespace
}  // namespace lever

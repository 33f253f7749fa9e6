// Writes TensorBoard event files directly (TFRecord framing + a hand-encoded subset of the
// Event protobuf), so runs can be watched in TensorBoard without TensorFlow or libprotobuf.
#pragma once
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lever/log/metrics_sink.h"

namespace lever {

// One event file per writer. Not thread-safe: use from one thread.
class TensorBoardWriter : public MetricsSink {
 public:
  // Creates `log_dir` if needed and a new file
  // events.out.tfevents.<10-digit unix time>.<hostname>.<pid>.lever in it; if a file of that
  // name exists (two writers in one second) the time is bumped so names stay unique and
  // keep sorting in creation order, which TensorBoard relies on when it reads a directory.
  // resume_step >= 0 writes a SessionLog START at that step: TensorBoard then drops points at
  // steps >= resume_step from the earlier files of the run, so a resumed run shows no
  // duplicates. Throws RuntimeFailure on I/O errors.
  explicit TensorBoardWriter(const std::filesystem::path& log_dir, int64_t resume_step = -1);
  ~TensorBoardWriter() override;
  TensorBoardWriter(const TensorBoardWriter&) = delete;
  TensorBoardWriter& operator=(const TensorBoardWriter&) = delete;

  void add_scalar(std::string_view tag, double value, int64_t step);
  // One Event holding one Summary.Value per scalar: one record and one wall time per step
  // instead of one per tag, and all values of a step purge together on resume.
  void write(int64_t step, const std::vector<Scalar>& scalars) override;
  void flush() override;
  const std::filesystem::path& path() const { return path_; }

 private:
  void begin_summary();
  void append_value(std::string_view tag, double value);
  void finish_summary_event(int64_t step);
  void write_record();

  struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
  };
  std::filesystem::path path_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  // Reused across calls so logging a step does not allocate once the buffers have grown.
  std::string summary_;
  std::string payload_;
  std::string record_;
};

// Exposed for tests: the encoders the writer uses.
namespace tensorboard_internal {
// Appends TFRecord framing: uint64 length, masked CRC of it, payload, masked CRC of payload.
void append_framed_record(std::string& out, std::string_view payload);
// The framed first record of every event file: Event{wall_time, file_version="brain.Event:2"}.
std::string encode_file_version_event(double wall_time);
}  // namespace tensorboard_internal

}  // namespace lever

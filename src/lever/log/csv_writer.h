// metrics.csv: one row per logged step, one column per tag, readable by pandas or a
// spreadsheet without any lever code.
#pragma once
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "lever/log/metrics_sink.h"

namespace lever {

class CsvMetricsWriter : public MetricsSink {
 public:
  // resume_step < 0: start a new file (an existing one is truncated).
  // resume_step >= 0: keep the existing file's header and its rows with step <= resume_step
  // (rewritten atomically), then append, so a resumed run has no duplicate rows and no gap.
  // Throws RuntimeFailure on I/O errors or an unreadable existing file.
  // step_column names the first column (PBT's pbt.csv counts generations).
  explicit CsvMetricsWriter(const std::filesystem::path& path, int64_t resume_step = -1,
                            std::string step_column = "step");
  ~CsvMetricsWriter() override;
  CsvMetricsWriter(const CsvMetricsWriter&) = delete;
  CsvMetricsWriter& operator=(const CsvMetricsWriter&) = delete;

  // Columns are `step` then the tags of the first write (or of the kept header on resume);
  // every write must carry exactly those tags in that order, else RuntimeFailure names the
  // offending tag. Values are printed with %.9g, which round-trips any float32 value.
  void write(int64_t step, const std::vector<Scalar>& scalars) override;
  void flush() override;
  const std::filesystem::path& path() const { return path_; }
  // The tag columns (without `step`); empty until the first write of a new file.
  const std::vector<std::string>& tags() const { return tags_; }

 private:
  void load_for_resume(int64_t resume_step);
  void open(const char* mode);
  void check_tags(const std::vector<Scalar>& scalars) const;

  struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
  };
  std::filesystem::path path_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  std::string step_column_;
  std::vector<std::string> tags_;
  bool has_header_ = false;
  std::string line_;  // reused so a write does not allocate
};

}  // namespace lever

#include "lever/log/csv_writer.h"

#include <cerrno>
#include <cinttypes>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "lever/core/atomic_file.h"
#include "lever/core/errors.h"
#include "lever/core/text.h"
#include "lever/log/file_io.h"

namespace lever {
namespace {


// Tags are written unquoted, so characters that would need CSV quoting are refused.
void check_tag_is_plain(const std::string& tag) {
  if (tag.empty() || tag.find_first_of(",\"\r\n") != std::string::npos) {
    throw RuntimeFailure("metric tag '" + tag +
                         "' cannot be a CSV column: it is empty or holds a comma, quote or "
                         "line break");
  }
}

}  // namespace

CsvMetricsWriter::CsvMetricsWriter(const std::filesystem::path& path, int64_t resume_step,
                                   std::string step_column)
    : path_(path), step_column_(std::move(step_column)) {
  std::error_code error;
  if (resume_step >= 0 && std::filesystem::exists(path_, error)) {
    load_for_resume(resume_step);
    open("ab");
  } else {
    open("wb");
  }
}

CsvMetricsWriter::~CsvMetricsWriter() = default;

void CsvMetricsWriter::load_for_resume(int64_t resume_step) {
  const std::string contents = log_internal::read_file(path_);
  const size_t header_end = contents.find('\n');
  if (header_end == std::string::npos) {
    // Empty, or cut off inside the header: nothing worth keeping.
    write_file_atomic(path_, "");
    return;
  }
  const std::string_view header(contents.data(), header_end);
  std::vector<std::string> columns = split_at_commas(header);
  if (columns.front() != step_column_) {
    throw RuntimeFailure(path_.string() + " is not a lever metrics file: its first column is '" +
                         columns.front() + "', not '" + step_column_ + "'");
  }
  tags_.assign(columns.begin() + 1, columns.end());
  has_header_ = true;

  std::string kept(contents, 0, header_end + 1);
  size_t line_start = header_end + 1;
  int line_number = 2;
  while (line_start < contents.size()) {
    const size_t line_end = contents.find('\n', line_start);
    // A last line without its newline is a row cut off by a crash: drop it.
    if (line_end == std::string::npos) break;
    const std::string_view row(contents.data() + line_start, line_end - line_start);
    const std::string step_text(row.substr(0, row.find(',')));
    char* parsed_end = nullptr;
    errno = 0;
    const long long step = std::strtoll(step_text.c_str(), &parsed_end, 10);
    if (step_text.empty() || *parsed_end != '\0' || errno != 0) {
      throw RuntimeFailure(path_.string() + ":" + std::to_string(line_number) +
                           ": cannot read step '" + step_text + "'");
    }
    if (step <= resume_step) kept.append(row.data(), row.size()).push_back('\n');
    line_start = line_end + 1;
    ++line_number;
  }
  write_file_atomic(path_, kept);
}

void CsvMetricsWriter::open(const char* mode) {
  file_.reset(std::fopen(path_.c_str(), mode));
  if (!file_) {
    throw RuntimeFailure("cannot open " + path_.string() + ": " + std::strerror(errno));
  }
}

void CsvMetricsWriter::check_tags(const std::vector<Scalar>& scalars) const {
  for (size_t i = 0; i < scalars.size(); ++i) {
    if (i >= tags_.size() || scalars[i].tag != tags_[i]) {
      const std::string expected = i < tags_.size() ? "'" + tags_[i] + "'" : "no further column";
      throw RuntimeFailure("metric '" + scalars[i].tag + "' does not match column " +
                           std::to_string(i + 2) + " of " + path_.string() + " (expected " +
                           expected + ")");
    }
  }
  if (scalars.size() < tags_.size()) {
    throw RuntimeFailure("metric '" + tags_[scalars.size()] + "' is missing from a write to " +
                         path_.string());
  }
}

void CsvMetricsWriter::write(int64_t step, const std::vector<Scalar>& scalars) {
  line_.clear();
  if (!has_header_) {
    for (const Scalar& scalar : scalars) check_tag_is_plain(scalar.tag);
    line_.append(step_column_);
    for (const Scalar& scalar : scalars) line_.append(",").append(scalar.tag);
    line_.push_back('\n');
    for (const Scalar& scalar : scalars) tags_.push_back(scalar.tag);
    has_header_ = true;
  } else {
    check_tags(scalars);
  }
  char number[40];
  std::snprintf(number, sizeof(number), "%" PRId64, step);
  line_.append(number);
  for (const Scalar& scalar : scalars) {
    std::snprintf(number, sizeof(number), ",%.9g", scalar.value);
    line_.append(number);
  }
  line_.push_back('\n');
  if (std::fwrite(line_.data(), 1, line_.size(), file_.get()) != line_.size()) {
    throw RuntimeFailure("cannot write " + path_.string() + ": " + std::strerror(errno));
  }
  flush();
}

void CsvMetricsWriter::flush() {
  if (std::fflush(file_.get()) != 0) {
    throw RuntimeFailure("cannot flush " + path_.string() + ": " + std::strerror(errno));
  }
}

}  // namespace lever

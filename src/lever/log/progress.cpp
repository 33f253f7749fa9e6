#include "lever/log/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>

namespace lever {
namespace {

constexpr auto kTerminalInterval = std::chrono::milliseconds(250);
constexpr auto kFileInterval = std::chrono::seconds(10);

void append_return(std::string& out, const char* label, double value) {
  char text[48];
  if (std::isnan(value)) {
    std::snprintf(text, sizeof(text), "  %s -", label);
  } else {
    std::snprintf(text, sizeof(text), "  %s %.1f", label, value);
  }
  out += text;
}

}  // namespace

std::string format_duration(double seconds) {
  const int64_t total = std::llround(std::max(0.0, seconds));
  const int64_t hours = total / 3600;
  const int64_t minutes = total / 60 % 60;
  const int64_t secs = total % 60;
  char text[48];
  if (hours > 0) {
    std::snprintf(text, sizeof(text), "%" PRId64 ":%02" PRId64 ":%02" PRId64, hours, minutes, secs);
  } else {
    std::snprintf(text, sizeof(text), "%" PRId64 ":%02" PRId64, minutes, secs);
  }
  return text;
}

std::string format_progress(int64_t steps, int64_t total_steps, double steps_per_second,
                            double latest_train_return, double latest_eval_return) {
  char text[96];
  std::string out;
  const bool speed_known = std::isfinite(steps_per_second) && steps_per_second > 0;
  if (total_steps > 0) {
    int64_t percent = std::llround(100.0 * static_cast<double>(steps) / total_steps);
    // Rounding alone would claim 100% while the last steps are still running.
    if (steps < total_steps) percent = std::min<int64_t>(percent, 99);
    if (steps >= total_steps) percent = 100;
    std::snprintf(text, sizeof(text), "steps %" PRId64 "/%" PRId64 " (%" PRId64 "%%)", steps,
                  total_steps, percent);
  } else {
    std::snprintf(text, sizeof(text), "steps %" PRId64, steps);
  }
  out += text;
  if (speed_known) {
    std::snprintf(text, sizeof(text), "  sps %.0f", steps_per_second);
    out += text;
  } else {
    out += "  sps -";
  }
  if (total_steps > 0) {
    out += "  eta ";
    if (steps >= total_steps) {
      out += format_duration(0);
    } else if (speed_known) {
      out += format_duration(static_cast<double>(total_steps - steps) / steps_per_second);
    } else {
      out += "-";
    }
  }
  append_return(out, "train", latest_train_return);
  append_return(out, "eval", latest_eval_return);
  return out;
}

ProgressLine::ProgressLine(int64_t total_steps, bool quiet, std::FILE* out)
    : total_steps_(total_steps),
      quiet_(quiet || out == nullptr),
      out_(out),
      is_tty_(out != nullptr && ::isatty(::fileno(out)) == 1),
      interval_(is_tty_ ? std::chrono::steady_clock::duration(kTerminalInterval)
                        : std::chrono::steady_clock::duration(kFileInterval)) {}

ProgressLine::~ProgressLine() { finish(); }

void ProgressLine::update(int64_t steps, double steps_per_second, double latest_train_return,
                          double latest_eval_return) {
  if (quiet_) return;
  line_ = format_progress(steps, total_steps_, steps_per_second, latest_train_return,
                          latest_eval_return);
  pending_ = true;
  const auto now = std::chrono::steady_clock::now();
  if (has_printed_ && now - last_print_ < interval_) return;
  last_print_ = now;
  print();
}

void ProgressLine::finish() {
  if (quiet_) return;
  if (pending_) print();
  if (is_tty_ && has_printed_) std::fputc('\n', out_);
  std::fflush(out_);
  has_printed_ = false;
  shown_width_ = 0;
}

void ProgressLine::print() {
  if (is_tty_) {
    // Pad over the tail of a longer previous line instead of relying on terminal escapes.
    const size_t pad = shown_width_ > line_.size() ? shown_width_ - line_.size() : 0;
    std::fprintf(out_, "\r%s%*s", line_.c_str(), static_cast<int>(pad), "");
    shown_width_ = line_.size();
  } else {
    std::fprintf(out_, "%s\n", line_.c_str());
  }
  std::fflush(out_);
  has_printed_ = true;
  pending_ = false;
}

}  // namespace lever

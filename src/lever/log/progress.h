// The console progress line: where training is, how fast it goes, and the latest returns.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace lever {

// e.g. "steps 40960/100000 (41%)  sps 25310  eta 0:02  train 212.4  eval -".
// total_steps <= 0 means unknown: no total, percentage or eta. NaN returns and an unknown
// speed print as "-". The percentage reads 100% only once steps >= total_steps.
std::string format_progress(int64_t steps, int64_t total_steps, double steps_per_second,
                            double latest_train_return, double latest_eval_return);

// "m:ss" below an hour, "h:mm:ss" from an hour on; seconds are rounded to the nearest.
std::string format_duration(double seconds);

class ProgressLine {
 public:
  // On a terminal the line is rewritten in place at most 4 times a second; into a file or pipe
  // a full line is printed at most every 10 s, so logs stay short. quiet prints nothing.
  ProgressLine(int64_t total_steps, bool quiet, std::FILE* out = stderr);
  // Ends an open line, so an error printed after an exception starts on its own line.
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // Pass NaN for a return that is not known yet.
  void update(int64_t steps, double steps_per_second, double latest_train_return,
              double latest_eval_return);
  // Prints the latest state if throttling held it back, and ends the line.
  void finish();

 private:
  void print();

  int64_t total_steps_;
  bool quiet_;
  std::FILE* out_;
  bool is_tty_;
  std::chrono::steady_clock::duration interval_;
  std::chrono::steady_clock::time_point last_print_;
  bool has_printed_ = false;  // since the last finish()
  bool pending_ = false;      // an update not yet shown
  size_t shown_width_ = 0;    // of the text now on the terminal line
  std::string line_;
};

}  // namespace lever

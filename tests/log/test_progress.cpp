#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "lever/log/progress.h"

namespace lever {
namespace {

const double kUnknown = std::nan("");

std::string contents_of(std::FILE* file) {
  std::fflush(file);
  std::rewind(file);
  std::string text;
  int c;
  while ((c = std::fgetc(file)) != EOF) text.push_back(static_cast<char>(c));
  return text;
}

TEST(ProgressFormat, MatchesDocumentedExample) {
  EXPECT_EQ(format_progress(40960, 100000, 25310, 212.4, kUnknown),
            "steps 40960/100000 (41%)  sps 25310  eta 0:02  train 212.4  eval -");
}

TEST(ProgressFormat, EtaUsesMinutesThenHours) {
  EXPECT_EQ(format_duration(0), "0:00");
  EXPECT_EQ(format_duration(59.4), "0:59");
  EXPECT_EQ(format_duration(59.6), "1:00");
  EXPECT_EQ(format_duration(3599), "59:59");
  EXPECT_EQ(format_duration(3600), "1:00:00");
  EXPECT_EQ(format_duration(3725), "1:02:05");
  EXPECT_EQ(format_duration(100 * 3600 + 61), "100:01:01");
  EXPECT_EQ(format_duration(-5), "0:00");
  // 10M steps left at 1000 sps is 2:46:40.
  EXPECT_EQ(format_progress(0, 10'000'000, 1000, -21, -20.5),
            "steps 0/10000000 (0%)  sps 1000  eta 2:46:40  train -21.0  eval -20.5");
}

TEST(ProgressFormat, PercentReachesHundredOnlyWhenDone) {
  EXPECT_NE(format_progress(99999, 100000, 1, 0, 0).find("(99%)"), std::string::npos);
  EXPECT_NE(format_progress(50, 200, 1, 0, 0).find("(25%)"), std::string::npos);
  EXPECT_NE(format_progress(100000, 100000, 1, 0, 0).find("(100%)  sps 1  eta 0:00"),
            std::string::npos);
  EXPECT_NE(format_progress(100500, 100000, 1, 0, 0).find("(100%)  sps 1  eta 0:00"),
            std::string::npos);
}

TEST(ProgressFormat, UnknownQuantitiesPrintDash) {
  EXPECT_EQ(format_progress(0, 1000, 0, kUnknown, kUnknown),
            "steps 0/1000 (0%)  sps -  eta -  train -  eval -");
  EXPECT_EQ(format_progress(10, 1000, kUnknown, 1.25, kUnknown),
            "steps 10/1000 (1%)  sps -  eta -  train 1.2  eval -");
  // No total: no percentage and no eta.
  EXPECT_EQ(format_progress(5, 0, 10, kUnknown, 3), "steps 5  sps 10  train -  eval 3.0");
}

TEST(ProgressLine, QuietPrintsNothing) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  {
    ProgressLine progress(100, /*quiet=*/true, out);
    progress.update(10, 5, 1, 2);
    progress.finish();
  }
  EXPECT_EQ(contents_of(out), "");
  std::fclose(out);
}

TEST(ProgressLine, FileGetsFullLinesThrottledToTenSeconds) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  {
    ProgressLine progress(100, false, out);
    progress.update(10, 5, kUnknown, kUnknown);
    progress.update(20, 5, 1, kUnknown);  // within 10 s of the first: held back
    progress.update(30, 5, 2, kUnknown);
    EXPECT_EQ(contents_of(out), format_progress(10, 100, 5, kUnknown, kUnknown) + "\n");
    progress.finish();  // shows the latest state
    progress.finish();  // and only once
  }
  EXPECT_EQ(contents_of(out), format_progress(10, 100, 5, kUnknown, kUnknown) + "\n" +
                                  format_progress(30, 100, 5, 2, kUnknown) + "\n");
  std::fclose(out);
}

// A pseudo-terminal, so the writer sees isatty() and rewrites in place.
class PseudoTerminal {
 public:
  PseudoTerminal() {
    master_ = posix_openpt(O_RDWR | O_NOCTTY);
    if (master_ < 0 || grantpt(master_) != 0 || unlockpt(master_) != 0) return;
    const int slave = open(ptsname(master_), O_RDWR | O_NOCTTY);
    if (slave >= 0) slave_ = fdopen(slave, "w");
  }
  ~PseudoTerminal() {
    if (slave_ != nullptr) std::fclose(slave_);
    if (master_ >= 0) close(master_);
  }
  std::FILE* slave() const { return slave_; }
  // The next `count` bytes written to the terminal (fewer if they do not come within 2 s);
  // the terminal turns "\n" into "\r\n".
  std::string read(size_t count) const {
    std::string text;
    char chunk[512];
    pollfd ready{master_, POLLIN, 0};
    while (text.size() < count && poll(&ready, 1, 2000) > 0 && (ready.revents & POLLIN)) {
      const ssize_t got = ::read(master_, chunk, std::min(sizeof(chunk), count - text.size()));
      if (got <= 0) break;
      text.append(chunk, static_cast<size_t>(got));
    }
    return text;
  }

 private:
  int master_ = -1;
  std::FILE* slave_ = nullptr;
};

void expect_shown(const PseudoTerminal& terminal, const std::string& expected) {
  EXPECT_EQ(terminal.read(expected.size()), expected);
}

TEST(ProgressLine, TerminalLineIsRewrittenInPlace) {
  PseudoTerminal terminal;
  if (terminal.slave() == nullptr) GTEST_SKIP() << "no pseudo-terminal available";
  ProgressLine progress(1000, false, terminal.slave());
  const std::string first = format_progress(10, 1000, 12345, 100.5, kUnknown);
  progress.update(10, 12345, 100.5, kUnknown);
  expect_shown(terminal, "\r" + first);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const std::string last = format_progress(1000, 1000, 9, kUnknown, kUnknown);
  ASSERT_LT(last.size(), first.size());
  progress.update(1000, 9, kUnknown, kUnknown);
  // The shorter text is padded over the old tail instead of using terminal escapes.
  expect_shown(terminal, "\r" + last + std::string(first.size() - last.size(), ' '));
  progress.finish();
  expect_shown(terminal, "\r\n");

  progress.update(10, 12345, 100.5, kUnknown);
  progress.update(20, 12345, 100.5, kUnknown);  // within 250 ms: held back until finish
  expect_shown(terminal, "\r" + first);
  progress.finish();
  expect_shown(terminal, "\r" + format_progress(20, 1000, 12345, 100.5, kUnknown) + "\r\n");
}

}  // namespace
}  // namespace lever

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "lever/core/errors.h"
#include "lever/log/csv_writer.h"
#include "support/scratch_dir.h"

namespace lever {
namespace {

using testing::read_file;
using testing::ScratchDir;
using testing::write_file;

std::vector<Scalar> row(double reward, double loss) {
  return {{"charts/episodic_return", reward}, {"losses/value_loss", loss}};
}

// Runs `fn`, which must throw RuntimeFailure, and returns its message.
template <typename Fn>
std::string failure_message(Fn fn) {
  try {
    fn();
  } catch (const RuntimeFailure& e) {
    return e.what();
  }
  ADD_FAILURE() << "no RuntimeFailure thrown";
  return "";
}

TEST(CsvMetrics, WritesHeaderThenOneRowPerStep) {
  ScratchDir dir;
  const auto path = dir / "metrics.csv";
  CsvMetricsWriter writer(path);
  writer.write(0, row(-1.5, 2.0));
  // Each write is flushed, so the file is complete while the writer is still open.
  EXPECT_EQ(read_file(path), "step,charts/episodic_return,losses/value_loss\n0,-1.5,2\n");
  writer.write(8192, row(212.25, 1e-3));
  EXPECT_EQ(read_file(path),
            "step,charts/episodic_return,losses/value_loss\n0,-1.5,2\n8192,212.25,0.001\n");
  EXPECT_EQ(writer.tags(),
            (std::vector<std::string>{"charts/episodic_return", "losses/value_loss"}));
}

TEST(CsvMetrics, ValuesRoundTripAtFloatPrecision) {
  ScratchDir dir;
  const auto path = dir / "metrics.csv";
  const float value = 0.1f;
  const float tiny = 1.17549435e-38f;
  {
    CsvMetricsWriter writer(path);
    writer.write(5'000'000'000LL, {{"a", value}, {"b", tiny}});
  }
  const std::string text = read_file(path);
  const std::string data = text.substr(text.find('\n') + 1);
  EXPECT_EQ(data, "5000000000,0.100000001,1.17549435e-38\n");
  const size_t first = data.find(',') + 1;
  const size_t second = data.find(',', first) + 1;
  EXPECT_EQ(std::strtof(data.c_str() + first, nullptr), value);
  EXPECT_EQ(std::strtof(data.c_str() + second, nullptr), tiny);
}

TEST(CsvMetrics, RejectsWritesWhoseTagsDifferFromTheColumns) {
  ScratchDir dir;
  CsvMetricsWriter writer(dir / "metrics.csv");
  writer.write(1, row(1, 2));
  const std::string renamed = failure_message([&] {
    writer.write(2, {{"charts/episodic_return", 1}, {"losses/policy_loss", 2}});
  });
  EXPECT_NE(renamed.find("losses/policy_loss"), std::string::npos) << renamed;
  const std::string missing = failure_message([&] {
    writer.write(2, {{"charts/episodic_return", 1}});
  });
  EXPECT_NE(missing.find("losses/value_loss"), std::string::npos) << missing;
  const std::string extra = failure_message([&] {
    writer.write(2, {{"charts/episodic_return", 1}, {"losses/value_loss", 2}, {"charts/SPS", 3}});
  });
  EXPECT_NE(extra.find("charts/SPS"), std::string::npos) << extra;
  // A rejected write leaves the file as it was.
  EXPECT_EQ(read_file(dir / "metrics.csv"),
            "step,charts/episodic_return,losses/value_loss\n1,1,2\n");
}

TEST(CsvMetrics, RejectsTagsThatNeedQuoting) {
  ScratchDir dir;
  CsvMetricsWriter writer(dir / "metrics.csv");
  const std::string message = failure_message([&] { writer.write(1, {{"a,b", 1}}); });
  EXPECT_NE(message.find("a,b"), std::string::npos) << message;
}

TEST(CsvMetrics, NewRunTruncatesAnOldFile) {
  ScratchDir dir;
  const auto path = dir / "metrics.csv";
  write_file(path, "step,x\n1,1\n2,2\n");
  CsvMetricsWriter writer(path);
  EXPECT_EQ(read_file(path), "");
  writer.write(1, {{"y", 3}});
  EXPECT_EQ(read_file(path), "step,y\n1,3\n");
}

TEST(CsvMetrics, ResumeDropsLaterRowsThenAppends) {
  ScratchDir dir;
  const auto path = dir / "metrics.csv";
  {
    CsvMetricsWriter writer(path);
    for (int step = 100; step <= 500; step += 100) writer.write(step, row(step / 100, 0.5));
  }
  struct stat before {};
  ASSERT_EQ(stat(path.c_str(), &before), 0);
  {
    CsvMetricsWriter writer(path, 300);
    const std::string header = "step,charts/episodic_return,losses/value_loss\n";
    EXPECT_EQ(read_file(path), header + "100,1,0.5\n200,2,0.5\n300,3,0.5\n");
    EXPECT_EQ(writer.tags(),
              (std::vector<std::string>{"charts/episodic_return", "losses/value_loss"}));
    writer.write(400, row(40, 0.25));
    EXPECT_EQ(read_file(path), header + "100,1,0.5\n200,2,0.5\n300,3,0.5\n400,40,0.25\n");
  }
  // Rewritten through a new file renamed into place (a new inode), leaving no temp file.
  struct stat after {};
  ASSERT_EQ(stat(path.c_str(), &after), 0);
  EXPECT_NE(before.st_ino, after.st_ino);
  EXPECT_EQ(testing::ScratchDir::count_entries(dir.path()), 1);
}

TEST(CsvMetrics, ResumeKeepsHeaderAndRejectsOtherTags) {
  ScratchDir dir;
  const auto path = dir / "metrics.csv";
  write_file(path, "step,a,b\n10,1,2\n20,3,4\n");
  CsvMetricsWriter writer(path, 15);
  const std::string message = failure_message([&] { writer.write(20, {{"a", 5}, {"c", 6}}); });
  EXPECT_NE(message.find("'c'"), std::string::npos) << message;
  writer.write(20, {{"a", 5}, {"b", 6}});
  EXPECT_EQ(read_file(path), "step,a,b\n10,1,2\n20,5,6\n");
}

TEST(CsvMetrics, ResumeDropsRowCutOffByCrash) {
  ScratchDir dir;
  const auto path = dir / "metrics.csv";
  write_file(path, "step,a\n10,1\n20,2\n30,3");
  CsvMetricsWriter writer(path, 1000);
  writer.write(30, {{"a", 4}});
  EXPECT_EQ(read_file(path), "step,a\n10,1\n20,2\n30,4\n");
}

TEST(CsvMetrics, ResumeWithoutFileStartsFresh) {
  ScratchDir dir;
  const auto path = dir / "metrics.csv";
  CsvMetricsWriter writer(path, 300);
  writer.write(400, {{"a", 1}});
  EXPECT_EQ(read_file(path), "step,a\n400,1\n");
}

TEST(CsvMetrics, ResumeRejectsFileThatIsNotMetrics) {
  ScratchDir dir;
  const auto path = dir / "metrics.csv";
  write_file(path, "time,a\n1,2\n");
  const std::string header = failure_message([&] { CsvMetricsWriter writer(path, 10); });
  EXPECT_NE(header.find("'time'"), std::string::npos) << header;
  write_file(path, "step,a\n1,2\nx,3\n");
  const std::string step = failure_message([&] { CsvMetricsWriter writer(path, 10); });
  EXPECT_NE(step.find(":3:"), std::string::npos) << step;
  // The unreadable file is left for the user to inspect.
  EXPECT_EQ(read_file(path), "step,a\n1,2\nx,3\n");
}

}  // namespace
}  // namespace lever

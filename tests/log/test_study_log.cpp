#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "lever/core/errors.h"
#include "lever/log/study_log.h"
#include "support/scratch_dir.h"

namespace lever {
namespace {

using nlohmann::json;
using testing::read_file;
using testing::ScratchDir;
using testing::write_file;

const std::vector<std::string> kExpectedKeys = {"step",
                                                "train_mean_reward",
                                                "train_min_reward",
                                                "train_max_reward",
                                                "test_mean_reward",
                                                "test_min_reward",
                                                "test_max_reward",
                                                "pi_loss",
                                                "value_loss",
                                                "entropy_loss",
                                                "test_var",
                                                "train_var"};

json read_json(const std::filesystem::path& path) { return json::parse(read_file(path)); }

TEST(StudyLog, WritesEveryKeyInOrderWithNullForMissingOrNaN) {
  ScratchDir dir;
  const auto path = dir / "log.json";
  StudyLog log(path);
  log.append(1000, {{"train_mean_reward", 1.5},
                    {"test_mean_reward", -2.25},
                    {"pi_loss", std::nan("")},
                    {"value_loss", std::numeric_limits<double>::infinity()}});
  const json stored = read_json(path);
  const auto in_file_order = nlohmann::ordered_json::parse(read_file(path));
  std::vector<std::string> keys;
  for (const auto& item : in_file_order.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, kExpectedKeys);
  for (const std::string& key : kExpectedKeys) {
    ASSERT_TRUE(stored[key].is_array()) << key;
    EXPECT_EQ(stored[key].size(), 1u) << key;
  }
  EXPECT_EQ(stored["step"][0], 1000);
  EXPECT_EQ(stored["train_mean_reward"][0], 1.5);
  EXPECT_EQ(stored["test_mean_reward"][0], -2.25);
  EXPECT_TRUE(stored["pi_loss"][0].is_null());
  EXPECT_TRUE(stored["value_loss"][0].is_null());
  EXPECT_TRUE(stored["train_var"][0].is_null());
  EXPECT_EQ(log.size(), 1u);
}

TEST(StudyLog, AppendsOneElementPerEvaluation) {
  ScratchDir dir;
  const auto path = dir / "log.json";
  StudyLog log(path);
  log.append(10, {{"entropy_loss", 0.5}});
  log.append(20, {{"entropy_loss", 0.25}, {"train_var", 4.0}});
  const json stored = read_json(path);
  EXPECT_EQ(stored["step"], json({10, 20}));
  EXPECT_EQ(stored["entropy_loss"], json({0.5, 0.25}));
  EXPECT_EQ(stored["train_var"], json({nullptr, 4.0}));
  EXPECT_EQ(testing::ScratchDir::count_entries(dir.path()), 1);  // no temp file left behind
}

TEST(StudyLog, UnknownKeyThrowsAndAppendsNothing) {
  ScratchDir dir;
  const auto path = dir / "log.json";
  StudyLog log(path);
  log.append(10, {{"pi_loss", 1.0}});
  const std::string before = read_file(path);
  try {
    log.append(20, {{"pi_loss", 1.0}, {"policy_loss", 2.0}});
    ADD_FAILURE() << "no RuntimeFailure thrown";
  } catch (const RuntimeFailure& e) {
    EXPECT_NE(std::string(e.what()).find("policy_loss"), std::string::npos) << e.what();
  }
  EXPECT_THROW(log.append(20, {{"step", 20.0}}), RuntimeFailure);
  EXPECT_EQ(log.size(), 1u);
  EXPECT_EQ(read_file(path), before);
}

TEST(StudyLog, NewRunReplacesAnOldFile) {
  ScratchDir dir;
  const auto path = dir / "log.json";
  {
    StudyLog old_run(path);
    old_run.append(10, {{"pi_loss", 1.0}});
  }
  StudyLog log(path);
  EXPECT_EQ(log.size(), 0u);
  EXPECT_EQ(read_json(path)["step"], json::array());
}

TEST(StudyLog, ResumeDropsEvaluationsAfterResumeStep) {
  ScratchDir dir;
  const auto path = dir / "log.json";
  {
    StudyLog log(path);
    log.append(1000, {{"test_mean_reward", 1.0}});
    log.append(2000, {{"test_mean_reward", 2.0}});
    log.append(3000, {{"test_mean_reward", 3.0}});
  }
  StudyLog log(path, 2000);
  EXPECT_EQ(log.size(), 2u);
  json stored = read_json(path);
  EXPECT_EQ(stored["step"], json({1000, 2000}));
  EXPECT_EQ(stored["test_mean_reward"], json({1.0, 2.0}));
  EXPECT_EQ(stored["pi_loss"], json({nullptr, nullptr}));
  log.append(3000, {{"test_mean_reward", 30.0}});
  stored = read_json(path);
  EXPECT_EQ(stored["step"], json({1000, 2000, 3000}));
  EXPECT_EQ(stored["test_mean_reward"], json({1.0, 2.0, 30.0}));
}

TEST(StudyLog, ResumeFillsKeysAnOlderFileLacks) {
  ScratchDir dir;
  const auto path = dir / "log.json";
  write_file(path, R"({"step": [5, 15], "train_mean_reward": [1.5, 2.5]})");
  StudyLog log(path, 10);
  const json stored = read_json(path);
  EXPECT_EQ(stored.size(), kExpectedKeys.size());
  EXPECT_EQ(stored["step"], json({5}));
  EXPECT_EQ(stored["train_mean_reward"], json({1.5}));
  EXPECT_EQ(stored["test_var"], json({nullptr}));
}

TEST(StudyLog, ResumeRejectsFileThatIsNotAStudyLog) {
  ScratchDir dir;
  const auto path = dir / "log.json";
  write_file(path, R"({"step": [1], "reward": [2]})");
  EXPECT_THROW(StudyLog(path, 10), RuntimeFailure);
  write_file(path, R"({"step": [1, 2], "pi_loss": [2]})");
  EXPECT_THROW(StudyLog(path, 10), RuntimeFailure);
  write_file(path, "{not json");
  EXPECT_THROW(StudyLog(path, 10), RuntimeFailure);
  EXPECT_EQ(read_file(path), "{not json");
}

}  // namespace
}  // namespace lever

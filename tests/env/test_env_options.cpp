// EnvOptionReader: each option read with its fallback, every mistake worded alike.
#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <functional>

#include "lever/core/errors.h"
#include "lever/env/env_options.h"
#include "support/error_message.h"

namespace lever {
namespace {

using nlohmann::json;

TEST(EnvOptionReader, ReadsGivenOptionsAndFallsBackForMissingOnes) {
  const json given = {{"size", 5}, {"speed", 2.5}, {"show", true}, {"counts", {3, 4}}, {"one", 7}};
  const EnvOptionReader read("toy", given);
  EXPECT_EQ(read.integer("size", 9, 2, 6), 5);
  EXPECT_EQ(read.integer("absent", 9, 2, 6), 9);  // the fallback need not be in range
  EXPECT_DOUBLE_EQ(read.number("speed", 1.0, 1.0, 14.0), 2.5);
  EXPECT_TRUE(read.flag("show", false));
  EXPECT_FALSE(read.flag("hide", false));
  EXPECT_EQ(read.integer_choices("counts", {1}, 1, 10), (std::vector<int>{3, 4}));
  EXPECT_EQ(read.integer_choices("one", {1}, 1, 10), (std::vector<int>{7}));
  EXPECT_EQ(read.integer_choices("absent", {1}, 1, 10), (std::vector<int>{1}));
}

TEST(EnvOptionReader, MistakesNameEnvOptionRequirementAndValue) {
  const auto message = [](const json& given, const std::function<void(const EnvOptionReader&)>& f) {
    return testing::thrown_message<UsageError>([&] { f(EnvOptionReader("toy", given)); });
  };
  EXPECT_EQ(message({{"size", 7}}, [](const auto& r) { r.integer("size", 5, 2, 6); }),
            "env 'toy': size must be an integer in [2, 6], got 7");
  EXPECT_EQ(message({{"size", 2.5}}, [](const auto& r) { r.integer("size", 5, 2, 6); }),
            "env 'toy': size must be an integer in [2, 6], got 2.5");
  EXPECT_EQ(message({{"steps", 0}}, [](const auto& r) { r.integer("steps", 5, 1, INT_MAX); }),
            "env 'toy': steps must be an integer >= 1, got 0");
  EXPECT_EQ(
      message({{"health", 0}}, [](const auto& r) { r.number("health", 5, 0, HUGE_VAL, true); }),
      "env 'toy': health must be a number in (0.0, inf), got 0");
  EXPECT_EQ(message({{"speed", 15}}, [](const auto& r) { r.number("speed", 3, 1, 14); }),
            "env 'toy': speed must be a number in [1.0, 14.0], got 15");
  EXPECT_EQ(
      message({{"reward", "x"}}, [](const auto& r) { r.number("reward", 0, -HUGE_VAL, HUGE_VAL); }),
      "env 'toy': reward must be a finite number, got \"x\"");
  EXPECT_EQ(message({{"show", 1}}, [](const auto& r) { r.flag("show", false); }),
            "env 'toy': show must be true or false, got 1");
  const std::string choices =
      "env 'toy': counts must be an integer in [1, 10] or a non-empty list "
      "of them, got ";
  EXPECT_EQ(message({{"counts", json::array()}},
                    [](const auto& r) { r.integer_choices("counts", {1}, 1, 10); }),
            choices + "[]");
  EXPECT_EQ(message({{"counts", {3, 11}}},
                    [](const auto& r) { r.integer_choices("counts", {1}, 1, 10); }),
            choices + "[3,11]");
  EXPECT_EQ(testing::thrown_message<UsageError>([] { EnvOptionReader("toy", json::array()); }),
            "env 'toy': options must be an object, got []");
}

}  // namespace
}  // namespace lever

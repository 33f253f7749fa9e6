// log.json in the format of the "levers" study: one list per quantity, one element per
// evaluation, so its plotting scripts can read lever runs unchanged.
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace lever {

class StudyLog {
 public:
  // The file's keys, in the order they are written.
  static constexpr std::array<std::string_view, 12> kKeys = {"step",
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

  // resume_step < 0: start empty. resume_step >= 0: load the existing file (if any) and drop
  // the evaluations whose step > resume_step. Either way the file is rewritten at once, so it
  // never shows data from a run that is being replaced. Throws RuntimeFailure on I/O errors
  // or an existing file that is not a study log.
  explicit StudyLog(const std::filesystem::path& path, int64_t resume_step = -1);

  // Appends one evaluation and rewrites the file atomically. `values` holds any of kKeys
  // except "step"; a missing or non-finite value is stored as null. Unknown key (or "step")
  // → RuntimeFailure, and nothing is appended.
  void append(int64_t step, const std::map<std::string, double>& values);

  size_t size() const { return log_.at("step").size(); }
  const nlohmann::ordered_json& json() const { return log_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  void load(int64_t resume_step);
  void save() const;

  std::filesystem::path path_;
  nlohmann::ordered_json log_;
};

}  // namespace lever

#include "lever/log/study_log.h"

#include <cmath>
#include <system_error>

#include "lever/core/atomic_file.h"
#include "lever/core/errors.h"
#include "lever/log/file_io.h"

namespace lever {
namespace {

bool is_known_key(std::string_view key) {
  for (std::string_view known : StudyLog::kKeys) {
    if (key == known) return true;
  }
  return false;
}

}  // namespace

StudyLog::StudyLog(const std::filesystem::path& path, int64_t resume_step) : path_(path) {
  for (std::string_view key : kKeys) log_[std::string(key)] = nlohmann::ordered_json::array();
  std::error_code error;
  if (resume_step >= 0 && std::filesystem::exists(path_, error)) load(resume_step);
  save();
}

void StudyLog::load(int64_t resume_step) {
  const std::string where = path_.string();
  nlohmann::ordered_json stored;
  try {
    stored = nlohmann::ordered_json::parse(log_internal::read_file(path_));
  } catch (const nlohmann::json::exception& e) {
    throw RuntimeFailure(where + " is not valid JSON: " + e.what());
  }
  if (!stored.is_object() || !stored.contains("step") || !stored["step"].is_array()) {
    throw RuntimeFailure(where + " is not a study log: it has no 'step' list");
  }
  const nlohmann::ordered_json& steps = stored["step"];
  for (const auto& [key, series] : stored.items()) {
    if (!is_known_key(key)) {
      throw RuntimeFailure(where + " has unknown key '" + key + "'");
    }
    if (!series.is_array() || series.size() != steps.size()) {
      throw RuntimeFailure(where + ": '" + key + "' is not a list as long as 'step'");
    }
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    if (!steps[i].is_number_integer()) {
      throw RuntimeFailure(where + ": step " + std::to_string(i) + " is not an integer");
    }
    if (steps[i].get<int64_t>() > resume_step) continue;
    for (std::string_view key : kKeys) {
      const std::string name(key);
      // A key the earlier run never wrote reads as null, like a missing value.
      log_[name].push_back(stored.contains(name) ? stored[name][i] : nlohmann::ordered_json());
    }
  }
}

void StudyLog::append(int64_t step, const std::map<std::string, double>& values) {
  for (const auto& [key, value] : values) {
    if (key == "step") {
      throw RuntimeFailure("study log: pass the step as append()'s first argument, not as a value");
    }
    if (!is_known_key(key)) {
      throw RuntimeFailure("study log has no key '" + key + "'");
    }
  }
  log_["step"].push_back(step);
  for (size_t k = 1; k < kKeys.size(); ++k) {
    const std::string name(kKeys[k]);
    const auto found = values.find(name);
    // JSON has no NaN or infinity; null is what the study's readers treat as "no value".
    if (found == values.end() || !std::isfinite(found->second)) {
      log_[name].push_back(nullptr);
    } else {
      log_[name].push_back(found->second);
    }
  }
  save();
}

void StudyLog::save() const { write_file_atomic(path_, log_.dump() + "\n"); }

}  // namespace lever

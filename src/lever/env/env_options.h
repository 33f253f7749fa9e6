// Typed reads of an env's options with one wording for every mistake:
// "env 'ID': NAME must be REQUIREMENT, got VALUE" (a UsageError). make_env has already refused
// unknown names; what is left to check is each value's type and range.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lever {

class EnvOptionReader {
 public:
  EnvOptionReader(std::string env_id, const nlohmann::json& given);

  [[noreturn]] void fail(const std::string& name, const std::string& requirement,
                         const nlohmann::json& got) const;

  // The option when given, else `fallback`.
  bool flag(const std::string& name, bool fallback) const;
  // In [lo, hi]; hi = INT_MAX reads "an integer >= lo".
  int integer(const std::string& name, int fallback, int lo, int hi) const;
  // Finite and in [lo, hi] ((lo, hi] when lo_open); infinite bounds leave that side open.
  double number(const std::string& name, double fallback, double lo, double hi,
                bool lo_open = false) const;
  // One integer or a non-empty list of them, each in [lo, hi]: the choices an episode draws from.
  std::vector<int> integer_choices(const std::string& name, const std::vector<int>& fallback,
                                   int lo, int hi) const;

  // The same checks on one value, for envs that walk the given options themselves.
  bool flag_of(const std::string& name, const nlohmann::json& value) const;
  int integer_of(const std::string& name, const nlohmann::json& value, int lo, int hi) const;
  double number_of(const std::string& name, const nlohmann::json& value, double lo, double hi,
                   bool lo_open = false) const;
  std::vector<int> integer_choices_of(const std::string& name, const nlohmann::json& value, int lo,
                                      int hi) const;

 private:
  std::string env_id_;
  const nlohmann::json& given_;
};

}  // namespace lever

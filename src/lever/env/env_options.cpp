#include "lever/env/env_options.h"

#include <climits>
#include <cmath>
#include <cstdint>

#include "lever/core/errors.h"

namespace lever {
namespace {

std::string integer_requirement(int lo, int hi) {
  if (hi == INT_MAX) return "an integer >= " + std::to_string(lo);
  return "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
}

std::string number_requirement(double lo, double hi, bool lo_open) {
  if (std::isinf(lo) && std::isinf(hi)) return "a finite number";
  const auto text = [](double d) { return nlohmann::json(d).dump(); };
  if (std::isinf(lo)) return "a number <= " + text(hi);
  return std::string("a number in ") + (lo_open ? "(" : "[") + text(lo) + ", " +
         (std::isinf(hi) ? "inf)" : text(hi) + "]");
}

}  // namespace

EnvOptionReader::EnvOptionReader(std::string env_id, const nlohmann::json& given)
    : env_id_(std::move(env_id)), given_(given) {
  if (!given_.is_object()) {
    throw UsageError("env '" + env_id_ + "': options must be an object, got " + given_.dump());
  }
}

void EnvOptionReader::fail(const std::string& name, const std::string& requirement,
                           const nlohmann::json& got) const {
  throw UsageError("env '" + env_id_ + "': " + name + " must be " + requirement + ", got " +
                   got.dump());
}

bool EnvOptionReader::flag(const std::string& name, bool fallback) const {
  return given_.contains(name) ? flag_of(name, given_.at(name)) : fallback;
}

int EnvOptionReader::integer(const std::string& name, int fallback, int lo, int hi) const {
  return given_.contains(name) ? integer_of(name, given_.at(name), lo, hi) : fallback;
}

double EnvOptionReader::number(const std::string& name, double fallback, double lo, double hi,
                               bool lo_open) const {
  return given_.contains(name) ? number_of(name, given_.at(name), lo, hi, lo_open) : fallback;
}

std::vector<int> EnvOptionReader::integer_choices(const std::string& name,
                                                  const std::vector<int>& fallback, int lo,
                                                  int hi) const {
  return given_.contains(name) ? integer_choices_of(name, given_.at(name), lo, hi) : fallback;
}

bool EnvOptionReader::flag_of(const std::string& name, const nlohmann::json& value) const {
  if (!value.is_boolean()) fail(name, "true or false", value);
  return value.get<bool>();
}

int EnvOptionReader::integer_of(const std::string& name, const nlohmann::json& value, int lo,
                                int hi) const {
  if (!value.is_number_integer()) fail(name, integer_requirement(lo, hi), value);
  const int64_t x = value.get<int64_t>();
  if (x < lo || x > hi) fail(name, integer_requirement(lo, hi), value);
  return static_cast<int>(x);
}

double EnvOptionReader::number_of(const std::string& name, const nlohmann::json& value, double lo,
                                  double hi, bool lo_open) const {
  const std::string requirement = number_requirement(lo, hi, lo_open);
  if (!value.is_number()) fail(name, requirement, value);
  const double x = value.get<double>();
  if (!std::isfinite(x) || x < lo || (lo_open && x == lo) || x > hi) fail(name, requirement, value);
  return x;
}

std::vector<int> EnvOptionReader::integer_choices_of(const std::string& name,
                                                     const nlohmann::json& value, int lo,
                                                     int hi) const {
  const std::string requirement = integer_requirement(lo, hi) + " or a non-empty list of them";
  std::vector<int> choices;
  const auto take = [&](const nlohmann::json& x) {
    if (!x.is_number_integer() || x.get<int64_t>() < lo || x.get<int64_t>() > hi) {
      fail(name, requirement, value);
    }
    choices.push_back(x.get<int>());
  };
  if (value.is_array()) {
    if (value.empty()) fail(name, requirement, value);
    for (const auto& x : value) take(x);
  } else {
    take(value);
  }
  return choices;
}

}  // namespace lever

#include "lever/pbt/settings.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "lever/core/config.h"
#include "lever/core/errors.h"
#include "lever/core/text.h"

namespace lever {
namespace {

using nlohmann::json;


const std::vector<std::pair<std::string, ExploitStrategy>> kExploitNames = {
    {"truncation", ExploitStrategy::kTruncation},
    {"winner_takes_all", ExploitStrategy::kWinnerTakesAll},
    {"tournament", ExploitStrategy::kTournament}};
const std::vector<std::pair<std::string, ExploreStrategy>> kExploreNames = {
    {"perturb", ExploreStrategy::kPerturb},
    {"resample", ExploreStrategy::kResample},
    {"perturb_or_resample", ExploreStrategy::kPerturbOrResample}};
const std::vector<std::pair<std::string, Prior>> kPriorNames = {{"uniform", Prior::kUniform},
                                                                 {"log_uniform", Prior::kLogUniform}};

template <typename Enum>
std::string names_of(const std::vector<std::pair<std::string, Enum>>& table) {
  std::string out;
  for (const auto& [name, value] : table) out += (out.empty() ? "" : ", ") + name;
  return out;
}

template <typename Enum>
Enum parse_choice(const json& value, const std::vector<std::pair<std::string, Enum>>& table,
                  const std::string& where) {
  if (value.is_string()) {
    for (const auto& [name, e] : table) {
      if (name == value.get<std::string>()) return e;
    }
  }
  throw ConfigError(where + " must be one of " + names_of(table) + "; got " + value.dump());
}

double number(const json& value, const std::string& where) {
  if (!value.is_number()) throw ConfigError(where + " must be a number, got " + value.dump());
  return value.get<double>();
}

double number_in(const json& value, const std::string& where, double lo, double hi,
                 bool lo_exclusive) {
  const double x = number(value, where);
  if (!(lo_exclusive ? x > lo : x >= lo) || !(x <= hi)) {
    throw ConfigError(where + " must be in " + (lo_exclusive ? "(" : "[") + format_number(lo) +
                      ", " + format_number(hi) + "], got " + value.dump());
  }
  return x;
}

int64_t positive_integer(const json& value, const std::string& where, int64_t min) {
  if (!value.is_number_integer() || value.get<int64_t>() < min) {
    throw ConfigError(where + " must be an integer >= " + std::to_string(min) + ", got " +
                      value.dump());
  }
  return value.get<int64_t>();
}

const ConfigKey& schema_key(const std::string& name) {
  for (const ConfigKey& key : config_schema()) {
    if (key.name == name) return key;
  }
  throw std::logic_error("pbt: no config key " + name);
}

// where_prefix: "<file>: key 'pbt.hyperparameters.<key>", without the closing quote, so fields
// extend it ("...<key>.min'").
MutableHyperparameter parse_hyperparameter(const std::string& key, const json& spec,
                                           const std::string& where_prefix) {
  const std::string where = where_prefix + "'";
  const auto field = [&](const std::string& name) { return where_prefix + "." + name + "'"; };
  const auto& allowed = mutable_hyperparameter_keys();
  if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
    throw ConfigError(where + ": PBT cannot mutate '" + key + "'; mutable keys: " +
                      join(allowed, ", "));
  }
  if (!spec.is_object()) {
    throw ConfigError(where + " must be an object {prior, min, max}, got " + spec.dump());
  }
  for (const auto& [name, value] : spec.items()) {
    if (name != "prior" && name != "min" && name != "max") {
      throw ConfigError(where + ": unknown field '" + name + "' (fields: prior, min, max)");
    }
  }
  for (const char* required : {"min", "max"}) {
    if (!spec.contains(required)) throw ConfigError(where + ": missing '" + required + "'");
  }
  MutableHyperparameter h;
  h.key = key;
  h.prior = spec.contains("prior") ? parse_choice(spec["prior"], kPriorNames, field("prior"))
                                   : Prior::kUniform;
  const ConfigKey& schema = schema_key(key);
  h.integer = schema.type == ConfigType::kInt;
  h.min = number_in(spec["min"], field("min"), schema.min, schema.max, schema.min_exclusive);
  h.max = number_in(spec["max"], field("max"), schema.min, schema.max, schema.min_exclusive);
  if (!(h.min < h.max)) {
    throw ConfigError(where + ": min (" + format_number(h.min) + ") must be below max (" +
                      format_number(h.max) + ")");
  }
  if (h.prior == Prior::kLogUniform && h.min <= 0.0) {
    throw ConfigError(where + ": a log_uniform prior needs min > 0, got " + format_number(h.min));
  }
  if (h.integer && (h.min != std::round(h.min) || h.max != std::round(h.max))) {
    throw ConfigError(where + ": '" + key + "' is an integer key; min and max must be integers");
  }
  return h;
}

// Applies one scalar key of the section.
void apply_scalar(PbtSettings& s, const std::string& key, const json& value,
                  const std::string& where) {
  if (key == "population_size") {
    s.population_size = positive_integer(value, where, 2);
  } else if (key == "steps_per_generation") {
    s.steps_per_generation = positive_integer(value, where, 1);
  } else if (key == "exploit") {
    s.exploit = parse_choice(value, kExploitNames, where);
  } else if (key == "truncation_fraction") {
    s.truncation_fraction = number_in(value, where, 0.0, 0.5, true);
  } else if (key == "explore") {
    s.explore = parse_choice(value, kExploreNames, where);
  } else if (key == "resample_probability") {
    s.resample_probability = number_in(value, where, 0.0, 1.0, false);
  } else if (key == "perturb_factors") {
    if (!value.is_array() || value.empty()) {
      throw ConfigError(where + " must be a non-empty list of positive numbers, got " +
                        value.dump());
    }
    s.perturb_factors.clear();
    for (const json& factor : value) {
      s.perturb_factors.push_back(
          number_in(factor, where, 0.0, std::numeric_limits<double>::max(), true));
    }
  } else if (key == "initial_from_prior") {
    if (!value.is_boolean()) throw ConfigError(where + " must be true or false, got " + value.dump());
    s.initial_from_prior = value.get<bool>();
  } else {
    throw ConfigError(where + ": unknown key (keys: " + join(pbt_section_keys(), ", ") +
                      ", hyperparameters)");
  }
}

}  // namespace

const std::vector<std::string>& mutable_hyperparameter_keys() {
  // PPO reads these afresh at every update (ppo.cpp), so a change lands in the next one.
  static const std::vector<std::string> keys = {"learning_rate", "ent_coef",  "clip_coef",
                                                "vf_coef",       "gamma",     "gae_lambda",
                                                "max_grad_norm", "num_epochs"};
  return keys;
}

const std::vector<std::string>& pbt_section_keys() {
  static const std::vector<std::string> keys = {
      "population_size", "steps_per_generation", "exploit",         "truncation_fraction",
      "explore",         "resample_probability", "perturb_factors", "initial_from_prior"};
  return keys;
}

std::string to_string(ExploitStrategy strategy) {
  for (const auto& [name, e] : kExploitNames) {
    if (e == strategy) return name;
  }
  return "?";
}

std::string to_string(ExploreStrategy strategy) {
  for (const auto& [name, e] : kExploreNames) {
    if (e == strategy) return name;
  }
  return "?";
}

PbtSettings PbtSettings::from_json(const json& section, const std::string& source) {
  if (!section.is_object()) {
    throw ConfigError(source + ": key 'pbt' must be an object, got " + section.dump());
  }
  PbtSettings s;
  for (const auto& [key, value] : section.items()) {
    const std::string where = source + ": key 'pbt." + key + "'";
    if (key != "hyperparameters") {
      apply_scalar(s, key, value, where);
      continue;
    }
    if (!value.is_object() || value.empty()) {
      throw ConfigError(where + " must map each mutable key to {prior, min, max}, got " +
                        value.dump());
    }
    for (const auto& [name, spec] : value.items()) {
      s.hyperparameters.push_back(
          parse_hyperparameter(name, spec, source + ": key 'pbt.hyperparameters." + name));
    }
  }
  if (s.hyperparameters.empty()) {
    throw ConfigError(source + ": key 'pbt.hyperparameters' is missing: name at least one of " +
                      join(mutable_hyperparameter_keys(), ", "));
  }
  return s;
}

void PbtSettings::set(const std::string& key_equals_value, const std::string& source) {
  const size_t equals = key_equals_value.find('=');
  const std::string name = key_equals_value.substr(0, equals);
  if (equals == std::string::npos || name.rfind("pbt.", 0) != 0) {
    throw ConfigError(source + ": expected pbt.key=value, got '" + key_equals_value + "'");
  }
  const std::string text = key_equals_value.substr(equals + 1);
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) value = text;
  apply_scalar(*this, name.substr(4), value, source + ": key '" + name + "'");
}

json PbtSettings::to_json() const {
  json hyper = json::object();
  for (const MutableHyperparameter& h : hyperparameters) {
    hyper[h.key] = {{"prior", h.prior == Prior::kLogUniform ? "log_uniform" : "uniform"},
                    {"min", h.min},
                    {"max", h.max}};
  }
  return {{"population_size", population_size},
          {"steps_per_generation", steps_per_generation},
          {"exploit", to_string(exploit)},
          {"truncation_fraction", truncation_fraction},
          {"explore", to_string(explore)},
          {"resample_probability", resample_probability},
          {"perturb_factors", perturb_factors},
          {"initial_from_prior", initial_from_prior},
          {"hyperparameters", hyper}};
}

}  // namespace lever

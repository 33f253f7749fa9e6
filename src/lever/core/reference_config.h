// The config format of the recurrent PPO reference (MarcoMeter/recurrent-ppo-truncated-bptt),
// read as written: its nested keys (environment, recurrence, the three schedules) and
// value_loss_coefficient become lever's flat keys. docs/CONFIG.md has the table.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lever {

// One lever key that a reference key sets.
struct ReferenceSetting {
  std::string key;       // lever's canonical key
  nlohmann::json value;  // as the file gives it; the config multiplies it by `scale`
  std::string given_as;  // the reference's name for it, for errors: "recurrence.layer_type"
  double scale = 1.0;    // value_loss_coefficient: vf_coef = 2 × c
};

struct ReferenceTranslation {
  nlohmann::json rest = nlohmann::json::object();  // every other key, unchanged
  std::vector<ReferenceSetting> settings;
};

// Splits a config's top level into its reference keys, translated, and the rest. A `recurrence`
// section marks a reference config: it also sets what the reference does without a key for it
// (policy recurrent_ppo, AdamW with PyTorch's defaults, no lr annealing, ...) unless the file
// gives those keys. Throws ConfigError naming `source` and the key: a section that is not a
// mapping, an unknown or missing field ('beta_schedule.final'), an unknown environment, or a
// setting given both nested and flat ("give one"). Values are checked when the config applies
// them, and its errors name them as `given_as`.
ReferenceTranslation translate_reference_keys(const nlohmann::json& top, const std::string& source);

// True for the reference's keys that hold a mapping: environment, recurrence, the schedules.
bool is_reference_section(const std::string& name);

// A file of named sections, as train-procgen's hyperparameter files (easy: {...}, hard: {...}):
// at least one key, every value a mapping, and no key that a config's top level holds as a
// mapping (the reference's sections, lever's reserved key).
bool is_section_file(const nlohmann::json& top);

// The section of docs/CONFIG.md on the reference's keys.
std::string reference_keys_markdown();

}  // namespace lever

// An experiment's settings: a JSON object of flat keys, checked against one schema that is also
// the source of docs/CONFIG.md. Every mistake becomes a ConfigError that names its source.
#pragma once
#include <cstdint>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lever {

enum class ConfigType { kInt, kFloat, kBool, kString, kIntList, kObject };

// One setting's documented home. For kIntList, min/max bound every element.
struct ConfigKey {
  std::string name, section, doc;
  ConfigType type = ConfigType::kString;
  nlohmann::json default_value;
  std::vector<std::string> aliases;
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;
  std::vector<std::string> choices;
};

// Every key, grouped by section in the order docs/CONFIG.md lists them.
const std::vector<ConfigKey>& config_schema();

struct ReferenceSetting;

// Key names the config reserves: run metadata that runs write into their config.json.
inline constexpr const char* kReservedMetadataKey = "lever";
// The section of a Population Based Training experiment (pbt/settings.h): `lever pbt` reads it,
// every other reader of a config skips it, so `lever train` runs the same file as one agent.
inline constexpr const char* kPbtSectionKey = "pbt";

class Config {
 public:
  static Config defaults();
  // A JSON file, or a YAML one (.yml/.yaml) read as the JSON it stands for (see yaml_json.h).
  // Overrides are "key=value" texts applied after the file, as from `--set`.
  static Config load_file(const std::filesystem::path& path,
                          const std::vector<std::string>& overrides = {});
  // A config file's top-level object as load_file reads it (YAML turned into JSON), unchecked.
  static nlohmann::json read_file(const std::filesystem::path& path);
  // `source` names `j` in error messages (a file path, or e.g. "population member 3"). The
  // recurrent PPO reference's nested keys are translated first (see reference_config.h).
  static Config from_json(const nlohmann::json& j, const std::string& source,
                          const std::vector<std::string>& overrides = {});

  // Applies one "key=value" override: the value is JSON when it parses as JSON, else a string.
  // Validates as a file would, including the cross-key checks, so a Config is always valid.
  void set(const std::string& key_equals_value, const std::string& source = "--set");

  // Getters take canonical names; an unknown key or the wrong type throws std::logic_error,
  // because that is a bug in lever, not in the user's config.
  int64_t i64(const std::string& key) const;
  double f64(const std::string& key) const;
  bool flag(const std::string& key) const;
  const std::string& str(const std::string& key) const;
  std::vector<int64_t> int_list(const std::string& key) const;

  // The file, --set or "defaults" that last gave a canonical key its value, for errors found
  // once the config is loaded (an env refusing its options).
  const std::string& source_of(const std::string& key) const;

  // Every canonical key with its value, defaults filled in: what a run writes to config.json.
  const nlohmann::json& resolved() const;

 private:
  Config();
  // Without the cross-key checks: overrides may pass through invalid states on the way.
  void apply_override(const std::string& key_equals_value, const std::string& source);
  void apply(const std::string& name, const nlohmann::json& value, const std::string& source);
  void apply_reference(const ReferenceSetting& setting, const std::string& source);
  // Policy dqn's own defaults for the keys no source set (see the dqn section of CONFIG.md).
  void apply_policy_defaults();
  void check_cross_key() const;
  const nlohmann::json& typed(const std::string& key, ConfigType type) const;

  nlohmann::json values_;
  // Which source last set each key, so a cross-key error blames the right file or --set.
  std::vector<std::string> sources_;
  std::vector<int> set_order_;
  int next_order_ = 0;
};

// The whole text of docs/CONFIG.md, generated from config_schema().
std::string config_reference_markdown();

}  // namespace lever

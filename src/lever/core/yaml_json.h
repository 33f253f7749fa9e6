// YAML config files read as the JSON they stand for, so one validator (Config::from_json) serves
// both formats.
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace lever {

// True for .yml and .yaml files (any case).
bool is_yaml_path(const std::filesystem::path& path);

// The first document of `text` as JSON: mappings become objects, sequences arrays. Plain scalars
// are typed as PyYAML reads the recurrent PPO reference's files (YAML 1.1): true/True/yes/on and
// their negatives are booleans; 16 an integer; 3.0e-4, 1e-3 and .5 floats; ~, null and nothing
// null; anything else, and every quoted scalar, a string. Throws ConfigError naming `source`:
// "<source>: invalid YAML at line N: ...", a key given twice in one mapping (named with its
// path, e.g. 'recurrence.layer_type'), or a key that is not plain text.
nlohmann::json yaml_to_json(const std::string& text, const std::string& source);

}  // namespace lever

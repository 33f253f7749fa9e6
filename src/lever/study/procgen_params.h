// train-procgen-pytorch compatibility: its hyperparameter YAML files (one section per
// `--param_name`) and its command line, read into a lever Config. docs/TRAIN_PROCGEN.md has the
// key mapping and the reasons behind it.
#pragma once
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "lever/core/config.h"

namespace lever {

// Where train-procgen keeps its file, and where `lever train --param_name X` looks for it (relative
// to the current directory) when no config file is given.
inline constexpr const char* kProcgenParamsFile = "hyperparams/procgen/config.yml";

// True for .yml and .yaml files: the config files `lever train` reads as train-procgen YAML.
bool is_yaml_path(const std::filesystem::path& path);

// The section names of a train-procgen hyperparameter file, in file order.
std::vector<std::string> procgen_param_sections(const std::filesystem::path& file);

// Section `section` of a train-procgen hyperparameter file as lever keys (canonical name -> value).
// Keys the section leaves out take train-procgen's defaults, so a section means what it means
// there. Throws ConfigError naming the file, the section and the key: missing file or section,
// unknown key (with a did-you-mean), wrong type, recurrent: True, batch sizes that do not divide.
nlohmann::json load_procgen_params(const std::filesystem::path& file, const std::string& section);

// The same section as `--set`-style "key=value" texts.
std::vector<std::string> procgen_param_overrides(const std::filesystem::path& file,
                                                 const std::string& section);

// Everything `lever train` reads, each later source overriding the earlier ones.
struct TrainConfigSources {
  // A JSON experiment file, or a train-procgen YAML file (.yml/.yaml); may be empty when
  // param_name is given (then kProcgenParamsFile is read).
  std::filesystem::path config_file;
  // The section of the YAML file; with a JSON config_file, a section of kProcgenParamsFile
  // applied on top of it.
  std::string param_name;
  // Command-line flags that stand for one key each, as {flag as typed, "key=value"}, e.g.
  // {"--num_levels", "num_levels=200"}; errors name the flag.
  std::vector<std::pair<std::string, std::string>> flags;
  std::vector<std::string> overrides;  // --set key=value
};

// Precedence, lowest first: lever's defaults (a YAML config without a JSON file starts from
// train-procgen's train.py defaults: env starpilot, 25M steps) < the JSON config file < the YAML
// section < flags < --set.
Config resolve_train_config(const TrainConfigSources& sources);

}  // namespace lever

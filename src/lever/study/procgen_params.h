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
#include "lever/core/yaml_json.h"

namespace lever {

// Where train-procgen keeps its file, and where `lever train --param_name X` looks for it (relative
// to the current directory) when no config file is given.
inline constexpr const char* kProcgenParamsFile = "hyperparams/procgen/config.yml";

// True for a train-procgen hyperparameter file: a YAML file (is_yaml_path) of named sections,
// every top-level value a mapping and none of them a config's own (see is_section_file). Any other
// YAML file is an experiment config. Throws ConfigError when the file cannot be read or parsed.
bool is_procgen_params_file(const std::filesystem::path& path);

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
  // An experiment config (JSON, or YAML such as the recurrent PPO reference's), or a
  // train-procgen hyperparameter file (is_procgen_params_file); may be empty when param_name is
  // given (then kProcgenParamsFile is read).
  std::filesystem::path config_file;
  // The section of the train-procgen file; with an experiment config_file, a section of
  // kProcgenParamsFile applied on top of it.
  std::string param_name;
  // Command-line flags that stand for one key each, as {flag as typed, "key=value"}, e.g.
  // {"--num_levels", "num_levels=200"}; errors name the flag.
  std::vector<std::pair<std::string, std::string>> flags;
  std::vector<std::string> overrides;  // --set key=value
};

// Precedence, lowest first: lever's defaults (a train-procgen section without an experiment
// config starts from train-procgen's train.py defaults: env starpilot, 25M steps) < the
// experiment config < the train-procgen section < flags < --set.
Config resolve_train_config(const TrainConfigSources& sources);

}  // namespace lever

#include "lever/study/procgen_params.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <set>

#include "lever/core/errors.h"
#include "lever/core/reference_config.h"
#include "lever/core/text.h"

namespace lever {
namespace {

using nlohmann::json;

enum class Kind { kInt, kFloat, kBool, kString };

// Every key train-procgen-pytorch's PPO reads from a section, with the default it uses when the
// section leaves the key out (agents/ppo.py; n_envs, n_steps and architecture from train.py).
struct ProcgenKey {
  const char* name;
  Kind kind;
  json default_value;
  std::vector<std::string> choices;
};

const std::vector<ProcgenKey>& procgen_keys() {
  static const std::vector<ProcgenKey> keys = {
      {"algo", Kind::kString, "ppo", {"ppo", "trpo"}},
      {"n_envs", Kind::kInt, 64, {}},
      {"n_steps", Kind::kInt, 256, {}},
      {"epoch", Kind::kInt, 3, {}},
      {"mini_batch_per_epoch", Kind::kInt, 8, {}},
      {"mini_batch_size", Kind::kInt, 256, {}},
      {"gamma", Kind::kFloat, 0.99, {}},
      {"lmbda", Kind::kFloat, 0.95, {}},
      {"learning_rate", Kind::kFloat, 2.5e-4, {}},
      {"grad_clip_norm", Kind::kFloat, 0.5, {}},
      {"eps_clip", Kind::kFloat, 0.2, {}},
      {"value_coef", Kind::kFloat, 0.5, {}},
      {"entropy_coef", Kind::kFloat, 0.01, {}},
      {"normalize_adv", Kind::kBool, true, {}},
      {"normalize_rew", Kind::kBool, true, {}},
      {"use_gae", Kind::kBool, true, {}},
      {"architecture", Kind::kString, "impala", {"impala", "nature"}},
      {"recurrent", Kind::kBool, false, {}},
  };
  return keys;
}

// train-procgen's Adam epsilon (agents/ppo.py).
constexpr double kProcgenAdamEps = 1e-5;

YAML::Node load_yaml(const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) {
    throw ConfigError(file.string() + ": cannot read hyperparameter file (no such file)");
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::ParserException& e) {
    throw ConfigError(file.string() + ": invalid YAML at line " + std::to_string(e.mark.line + 1) +
                      ": " + e.msg);
  } catch (const YAML::Exception& e) {
    throw ConfigError(file.string() + ": cannot read hyperparameter file: " + e.what());
  }
  if (!root.IsMap()) {
    throw ConfigError(file.string() +
                      ": top level must be a mapping of sections (name: {key: value, ...})");
  }
  return root;
}

std::vector<std::string> section_names(const YAML::Node& root) {
  std::vector<std::string> names;
  for (const auto& entry : root) names.push_back(entry.first.as<std::string>());
  return names;
}

json convert(const ProcgenKey& key, const YAML::Node& node, const std::string& where) {
  const std::string text = node.IsScalar() ? node.Scalar() : "";
  const auto wrong = [&](const char* expected) {
    return ConfigError(where + "key '" + key.name + "' must be " + expected + ", got " +
                       (node.IsScalar() ? "'" + text + "'"
                        : node.IsNull() ? std::string("nothing")
                                        : std::string("a list or mapping")));
  };
  try {
    switch (key.kind) {
      case Kind::kInt:
        if (!node.IsScalar()) throw wrong("an integer");
        return node.as<int64_t>();
      case Kind::kFloat:
        if (!node.IsScalar()) throw wrong("a number");
        return node.as<double>();
      case Kind::kBool:
        if (!node.IsScalar()) throw wrong("True or False");
        return node.as<bool>();
      case Kind::kString: {
        if (!node.IsScalar()) throw wrong("a string");
        if (std::find(key.choices.begin(), key.choices.end(), text) == key.choices.end()) {
          throw ConfigError(where + "key '" + key.name + "' must be one of " +
                            join(key.choices, ", ") + "; got '" + text + "'");
        }
        return text;
      }
    }
  } catch (const YAML::BadConversion&) {
    switch (key.kind) {
      case Kind::kInt:
        throw wrong("an integer");
      case Kind::kFloat:
        throw wrong("a number");
      default:
        throw wrong("True or False");
    }
  }
  throw std::logic_error("procgen params: unhandled key kind");
}

// The section's values by train-procgen key, defaults filled in.
std::map<std::string, json> read_section(const std::filesystem::path& file,
                                         const std::string& section) {
  const YAML::Node root = load_yaml(file);
  YAML::Node body;
  bool found = false;
  for (const auto& entry : root) {
    if (entry.first.as<std::string>() == section) {
      body = entry.second;
      found = true;
    }
  }
  if (!found) {
    const std::vector<std::string> names = section_names(root);
    const std::string suggestion = did_you_mean(section, names);
    throw ConfigError(file.string() + ": no section '" + section + "'" +
                      (suggestion.empty() ? "" : " (did you mean '" + suggestion + "'?)") +
                      "; sections: " + (names.empty() ? "none" : join(names, ", ")));
  }
  const std::string where = file.string() + ", section '" + section + "': ";
  if (!body.IsMap()) throw ConfigError(where + "must be a mapping of key: value");

  std::map<std::string, json> values;
  std::vector<std::string> names;
  for (const ProcgenKey& key : procgen_keys()) {
    values[key.name] = key.default_value;
    names.push_back(key.name);
  }
  std::set<std::string> seen;
  for (const auto& entry : body) {
    const std::string name = entry.first.as<std::string>();
    const auto known = std::find_if(procgen_keys().begin(), procgen_keys().end(),
                                    [&](const ProcgenKey& key) { return name == key.name; });
    if (known == procgen_keys().end()) {
      const std::string suggestion = did_you_mean(name, names);
      throw ConfigError(where + "unknown key '" + name + "' " +
                        (suggestion.empty() ? "(train-procgen keys: see docs/TRAIN_PROCGEN.md)"
                                            : "(did you mean '" + suggestion + "'?)"));
    }
    if (!seen.insert(name).second) throw ConfigError(where + "key '" + name + "' appears twice");
    values[name] = convert(*known, entry.second, where);
  }

  for (const char* name :
       {"n_envs", "n_steps", "epoch", "mini_batch_per_epoch", "mini_batch_size"}) {
    if (values[name].get<int64_t>() < 1) {
      throw ConfigError(where + "key '" + name + "' must be ≥ 1, got " + values[name].dump());
    }
  }
  if (values["recurrent"].get<bool>() && values["algo"].get<std::string>() != "ppo") {
    throw ConfigError(where + "key 'recurrent' is True with algo " + values["algo"].dump() +
                      ": lever's recurrent policy trains with PPO only");
  }
  return values;
}

}  // namespace

bool is_procgen_params_file(const std::filesystem::path& path) {
  std::error_code error;
  if (!is_yaml_path(path) || !std::filesystem::is_regular_file(path, error)) return false;
  YAML::Node root;
  try {
    root = YAML::LoadFile(path.string());
  } catch (const YAML::Exception&) {
    return false;  // loading it as a config says what is wrong, with the line
  }
  if (!root.IsMap()) return false;
  // The shape is all that tells the two kinds of YAML apart; the sections' contents are checked
  // when one is read.
  json shape = json::object();
  for (const auto& entry : root) {
    if (!entry.first.IsScalar()) return false;
    shape[entry.first.Scalar()] = entry.second.IsMap() ? json::object() : json();
  }
  return is_section_file(shape);
}

std::vector<std::string> procgen_param_sections(const std::filesystem::path& file) {
  return section_names(load_yaml(file));
}

json load_procgen_params(const std::filesystem::path& file, const std::string& section) {
  std::map<std::string, json> v = read_section(file, section);
  const std::string where = file.string() + ", section '" + section + "': ";
  const int64_t n_envs = v["n_envs"].get<int64_t>();
  const int64_t n_steps = v["n_steps"].get<int64_t>();
  const int64_t per_epoch = v["mini_batch_per_epoch"].get<int64_t>();
  const int64_t chunk = v["mini_batch_size"].get<int64_t>();
  const int64_t batch = n_envs * n_steps;
  if (batch % per_epoch != 0) {
    throw ConfigError(where + "key 'mini_batch_per_epoch' (" + std::to_string(per_epoch) +
                      ") must divide n_envs × n_steps (= " + std::to_string(batch) + ")");
  }
  const int64_t minibatch = batch / per_epoch;
  // train-procgen pushes a minibatch through the GPU in chunks of mini_batch_size and sums the
  // chunks' mean-loss gradients before one optimiser step, so that step sees k times the
  // minibatch's mean gradient. Clipping that at c and Adam with eps e equal clipping the mean
  // gradient at c/k and Adam with eps e/k: the same update, which lever takes in one piece.
  int64_t chunks = 1;
  if (chunk < minibatch) {
    if (minibatch % chunk != 0) {
      throw ConfigError(where + "key 'mini_batch_size' (" + std::to_string(chunk) +
                        ") must divide the minibatch n_envs × n_steps / mini_batch_per_epoch (= " +
                        std::to_string(minibatch) +
                        "): train-procgen accumulates gradients over chunks of that size");
    }
    chunks = minibatch / chunk;
  }
  const bool impala = v["architecture"].get<std::string>() == "impala";
  json out = {
      {"policy", v["algo"]},
      {"num_envs", n_envs},
      {"num_steps", n_steps},
      {"num_epochs", v["epoch"]},
      {"minibatch_size", minibatch},
      {"gamma", v["gamma"]},
      // train-procgen's use_gae: False means returns without GAE: λ = 1.
      {"gae_lambda", v["use_gae"].get<bool>() ? v["lmbda"].get<double>() : 1.0},
      {"learning_rate", v["learning_rate"]},
      {"max_grad_norm", v["grad_clip_norm"].get<double>() / static_cast<double>(chunks)},
      {"adam_eps", kProcgenAdamEps / static_cast<double>(chunks)},
      {"clip_coef", v["eps_clip"]},
      {"vf_coef", v["value_coef"]},
      {"ent_coef", v["entropy_coef"]},
      {"norm_adv", v["normalize_adv"]},
      {"normalize_reward", v["normalize_rew"]},
      // What train-procgen does without a key for it: linear learning-rate decay to 0
      // (adjust_lr), the value loss clipped with eps_clip, no early stop, no KL penalty.
      {"anneal_lr", true},
      {"clip_vloss", true},
      {"target_kl", 0.0},
      {"beta", 0.0},
      {"encoder", impala ? "impala" : "nature"},
      // Its ImpalaModel ends in 256 units, its NatureModel in 512.
      {"feature_dim", impala ? 256 : 512},
  };
  if (impala) out["impala_channels"] = json::array({16, 32, 32});
  if (v["recurrent"].get<bool>()) {
    // train-procgen's recurrent PPO: a GRU as wide as the encoder's output, trained on each env's
    // whole rollout with the state reset at episode starts, mini_batch_per_epoch groups of envs.
    // lever splits at episode ends instead (the same gradients) and groups whole episodes.
    out["policy"] = "recurrent_ppo";
    out["layer_type"] = "gru";
    out["hidden_state_size"] = out["feature_dim"];
    out["sequence_length"] = 0;
    out["reset_hidden_state"] = true;
    out["num_minibatches"] = per_epoch;
  }
  return out;
}

std::vector<std::string> procgen_param_overrides(const std::filesystem::path& file,
                                                 const std::string& section) {
  std::vector<std::string> overrides;
  const json params = load_procgen_params(file, section);
  for (const auto& [key, value] : params.items()) {
    overrides.push_back(key + "=" + value.dump());
  }
  return overrides;
}

Config resolve_train_config(const TrainConfigSources& sources) {
  const bool has_file = !sources.config_file.empty();
  const bool procgen_file = has_file && is_procgen_params_file(sources.config_file);
  if (!has_file && sources.param_name.empty()) {
    throw UsageError(
        "train: give a config file (JSON or YAML, or a train-procgen hyperparameter file with "
        "--param_name), or --param_name alone to read " +
        std::string(kProcgenParamsFile));
  }
  if (procgen_file && sources.param_name.empty()) {
    throw UsageError(sources.config_file.string() +
                     " is a train-procgen hyperparameter file: pick a section with --param_name "
                     "(sections: " +
                     join(procgen_param_sections(sources.config_file), ", ") + ")");
  }

  Config config = Config::defaults();
  if (sources.param_name.empty()) {
    config = Config::load_file(sources.config_file);
  } else {
    // Without a JSON file, start where train-procgen's train.py starts.
    json base = {{"env", "starpilot"}, {"total_steps", 25000000}};
    if (has_file && !procgen_file) base = Config::load_file(sources.config_file).resolved();
    const std::filesystem::path params =
        procgen_file ? sources.config_file : std::filesystem::path(kProcgenParamsFile);
    if (!procgen_file && !std::filesystem::exists(params)) {
      throw ConfigError(params.string() +
                        ": no such file; --param_name without a train-procgen hyperparameter "
                        "file as the config reads one from the current directory (or give the "
                        ".yml file as the config)");
    }
    base.update(load_procgen_params(params, sources.param_name));
    config = Config::from_json(base, params.string() + ", section '" + sources.param_name + "'");
  }
  for (const auto& [flag, key_equals_value] : sources.flags) config.set(key_equals_value, flag);
  // All --set at once, checked together, as a config file would be.
  if (!sources.overrides.empty()) {
    config = Config::from_json(config.resolved(), "the resolved config", sources.overrides);
  }
  return config;
}

}  // namespace lever

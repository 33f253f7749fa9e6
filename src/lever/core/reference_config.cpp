#include "lever/core/reference_config.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>
#include <utility>

#include "lever/core/config.h"
#include "lever/core/errors.h"
#include "lever/core/text.h"

namespace lever {
namespace {

using nlohmann::json;
using Implied = std::vector<std::pair<std::string, json>>;

struct Schedule {
  const char* section;
  const char* key;  // lever's key for the initial value; the others add a suffix
};

const Schedule kSchedules[] = {
    {"learning_rate_schedule", "learning_rate"},
    {"beta_schedule", "ent_coef"},  // β weighs the entropy bonus
    {"clip_range_schedule", "clip_coef"},
};

// A schedule's fields, each with the suffix of the lever key it sets.
const std::pair<const char*, const char*> kScheduleFields[] = {
    {"initial", ""},
    {"final", "_final"},
    {"power", "_power"},
    {"max_decay_steps", "_decay_updates"},
};

// The recurrence section's fields keep their names in lever.
const std::vector<std::string> kRecurrenceFields = {"sequence_length", "hidden_state_size",
                                                    "layer_type", "reset_hidden_state"};

// What the reference's trainer does without a key for it; a config with `recurrence` gets these
// unless it gives the key itself.
const Implied& implied_by_recurrence() {
  static const Implied implied = {
      {"policy", "recurrent_ppo"},
      // optim.AdamW(params, lr=...): PyTorch's defaults, eps 1e-8 and weight decay 0.01.
      {"optimizer", "adamw"},
      {"adam_eps", 1e-8},
      {"weight_decay", 0.01},
      // The learning rate follows learning_rate_schedule alone.
      {"anneal_lr", false},
      {"normalize_reward", false},
      {"clip_vloss", true},
      {"norm_adv", true},
  };
  return implied;
}

struct EnvType {
  const char* type;
  const char* env;
  Implied implied;  // set unless the file gives the key
  const char* note;
};

const std::vector<EnvType>& env_types() {
  // The reference's CartPole wraps CartPole-v0 (200 steps) and divides rewards by 100; its
  // Minigrid feeds the Nature CNN's flattened conv output straight to the recurrent layer.
  static const std::vector<EnvType> types = {
      {"PocMemoryEnv", "poc_memory", {}, ""},
      {"CartPoleMasked",
       "cartpole_masked",
       {{"reward_scale", 0.01}, {"max_episode_steps", 200}},
       "velocities masked; rewards / 100 as the reference; CartPole-v0's 200-step limit"},
      {"CartPole",
       "cartpole",
       {{"reward_scale", 0.01}, {"max_episode_steps", 200}},
       "velocities visible; rewards / 100 as the reference; CartPole-v0's 200-step limit"},
      {"Minigrid",
       "minigrid_memory",
       // Its wrapper resets MiniGrid with a seed from 0-98: 99 training layouts.
       {{"encoder", "nature"}, {"feature_dim", 0}, {"num_levels", 99}},
       "environment.name sets minigrid_size and minigrid_random_length; the flattened conv "
       "output feeds the recurrent layer and training uses 99 layouts (reset seeds 0-98), as the "
       "reference"},
  };
  return types;
}

struct MinigridName {
  const char* name;
  int size;
  bool random_length;
};

// The Memory envs MiniGrid registers; the reference passes the name to gym.make.
const MinigridName kMinigridNames[] = {
    {"MiniGrid-MemoryS7-v0", 7, false},        {"MiniGrid-MemoryS9-v0", 9, false},
    {"MiniGrid-MemoryS11-v0", 11, false},      {"MiniGrid-MemoryS13-v0", 13, false},
    {"MiniGrid-MemoryS13Random-v0", 13, true}, {"MiniGrid-MemoryS17Random-v0", 17, true},
};
const char* const kDefaultMinigridName = "MiniGrid-MemoryS9-v0";

struct MemoryGymName {
  const char* name;  // as memory_gym registers it with gymnasium
  const char* env;
  // Mystery Path has no agent_scale option in lever: its agent is drawn at the original's 0.25.
  bool fixed_agent_scale;
};

const MemoryGymName kMemoryGymNames[] = {
    {"MortarMayhem-v0", "mortar_mayhem", false},
    {"MortarMayhem-Grid-v0", "mortar_mayhem_grid", false},
    {"Endless-MortarMayhem-v0", "endless_mortar_mayhem", false},
    {"MysteryPath-v0", "mystery_path", true},
    {"MysteryPath-Grid-v0", "mystery_path_grid", true},
    {"Endless-MysteryPath-v0", "endless_mystery_path", true},
    {"SearingSpotlights-v0", "searing_spotlights", false},
    {"Endless-SearingSpotlights-v0", "endless_searing_spotlights", false},
};
const double kMemoryGymAgentScale = 0.25;

// As for Minigrid, the reference's model feeds the flattened conv output to the recurrent layer.
const Implied& memory_gym_implied() {
  static const Implied implied = {{"encoder", "nature"}, {"feature_dim", 0}};
  return implied;
}

const char* const kValueLossCoefficient = "value_loss_coefficient";

std::string compact(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Canonical name of a lever key or alias; "" for names the schema does not know.
std::string canonical_name(const std::string& name) {
  for (const ConfigKey& key : config_schema()) {
    if (key.name == name ||
        std::find(key.aliases.begin(), key.aliases.end(), name) != key.aliases.end()) {
      return key.name;
    }
  }
  return "";
}

std::vector<std::string> env_type_names() {
  std::vector<std::string> names;
  for (const EnvType& type : env_types()) names.push_back(type.type);
  return names;
}

class Translator {
 public:
  Translator(const json& top, const std::string& source) : source_(source) {
    for (const auto& [name, value] : top.items()) {
      if (is_reference_section(name) || name == kValueLossCoefficient) continue;
      out_.rest[name] = value;
      const std::string canonical = canonical_name(name);
      if (!canonical.empty()) flat_.emplace(canonical, name);
    }
  }

  ReferenceTranslation run(const json& top) {
    if (top.contains("environment")) environment(top.at("environment"));
    if (top.contains("recurrence")) recurrence(top.at("recurrence"));
    for (const Schedule& schedule : kSchedules) {
      if (!top.contains(schedule.section)) continue;
      std::vector<std::string> fields;
      for (const auto& [field, suffix] : kScheduleFields) fields.push_back(field);
      const json& body = section(top.at(schedule.section), schedule.section, fields, {});
      for (const auto& [field, suffix] : kScheduleFields) {
        set(std::string(schedule.key) + suffix, body.at(field),
            std::string(schedule.section) + "." + field);
      }
    }
    if (top.contains(kValueLossCoefficient)) {
      // lever's value loss is ½ (V − R)², as CleanRL's; the reference's has no ½.
      set("vf_coef", top.at(kValueLossCoefficient), kValueLossCoefficient, 2.0);
    }
    return std::move(out_);
  }

 private:
  ConfigError error(const std::string& text) const { return ConfigError(source_ + ": " + text); }

  // A reference key sets lever's `key`; the file may not give that key too.
  void set(const std::string& key, const json& value, const std::string& given_as,
           double scale = 1.0) {
    const auto flat = flat_.find(key);
    if (flat != flat_.end()) {
      throw error("keys '" + given_as + "' and '" + flat->second +
                  "' name the same setting; give one");
    }
    out_.settings.push_back({key, value, given_as, scale});
  }

  // What a reference key implies, unless the file says otherwise.
  void imply(const std::string& key, const json& value, const std::string& given_as) {
    if (flat_.count(key) == 0) out_.settings.push_back({key, value, given_as, 1.0});
  }

  // The mapping `value`, checked to hold every required field and nothing unknown.
  const json& section(const json& value, const std::string& name,
                      const std::vector<std::string>& required,
                      const std::vector<std::string>& optional) const {
    std::vector<std::string> known = required;
    known.insert(known.end(), optional.begin(), optional.end());
    if (!value.is_object()) {
      throw error("key '" + name + "' must be a mapping of " + join(known, ", ") + "; got " +
                  compact(value));
    }
    for (const auto& [field, field_value] : value.items()) {
      if (std::find(known.begin(), known.end(), field) != known.end()) continue;
      const std::string suggestion = did_you_mean(field, known);
      throw error("unknown key '" + name + "." + field + "' (" +
                  (suggestion.empty() ? name + " holds " + join(known, ", ")
                                      : "did you mean '" + name + "." + suggestion + "'?") +
                  ")");
    }
    for (const std::string& field : required) {
      if (!value.contains(field)) {
        throw error("key '" + name + "." + field + "' is missing (" + name + " needs " +
                    join(required, ", ") + ")");
      }
    }
    return value;
  }

  void environment(const json& value) {
    // Throws for a non-mapping or a missing type; the other fields are checked once the type is
    // known, since Memory Gym's sections hold fields of their own.
    if (!value.is_object() || !value.contains("type")) {
      section(value, "environment", {"type"}, {"name"});
    }
    const json& type = value.at("type");
    if (type == "MemoryGym") {
      memory_gym(value);
      return;
    }
    const auto found =
        std::find_if(env_types().begin(), env_types().end(),
                     [&](const EnvType& known) { return type.is_string() && type == known.type; });
    if (found == env_types().end()) {
      throw error("key 'environment.type' must be one of " + join(env_type_names(), ", ") +
                  ", MemoryGym; got " + compact(type));
    }
    const bool minigrid = std::string(found->type) == "Minigrid";
    section(value, "environment", {"type"}, {"name"});
    set("env", found->env, "environment.type");
    for (const auto& [key, implied] : found->implied) imply(key, implied, "environment.type");
    if (!minigrid) {
      if (value.contains("name")) {
        throw error("key 'environment.name' applies only to type Minigrid, not " + compact(type));
      }
      return;
    }
    const json& name = value.contains("name") ? value.at("name") : json(kDefaultMinigridName);
    const MinigridName* chosen = nullptr;
    std::vector<std::string> names;
    for (const MinigridName& known : kMinigridNames) {
      names.push_back(known.name);
      if (name.is_string() && name == known.name) chosen = &known;
    }
    if (chosen == nullptr) {
      throw error("key 'environment.name' must be one of " + join(names, ", ") + "; got " +
                  compact(name));
    }
    // Without a name the reference plays S9; a flat minigrid_size then wins as over any default.
    if (value.contains("name")) {
      set("minigrid_size", chosen->size, "environment.name");
      set("minigrid_random_length", chosen->random_length, "environment.name");
    } else {
      imply("minigrid_size", chosen->size, "environment.name");
      imply("minigrid_random_length", chosen->random_length, "environment.name");
    }
  }

  // The reference's Memory Gym wrapper: gymnasium's id in `name` and the env's reset options in
  // `reset_params`, where start-seed and num-seeds pick the range of level seeds drawn.
  void memory_gym(const json& value) {
    section(value, "environment", {"type", "name"}, {"reset_params"});
    const json& name = value.at("name");
    const MemoryGymName* chosen = nullptr;
    std::vector<std::string> names;
    for (const MemoryGymName& known : kMemoryGymNames) {
      names.push_back(known.name);
      if (name.is_string() && name == known.name) chosen = &known;
    }
    if (chosen == nullptr) {
      throw error("key 'environment.name' must be one of " + join(names, ", ") + "; got " +
                  compact(name));
    }
    set("env", chosen->env, "environment.name");
    for (const auto& [key, implied] : memory_gym_implied()) imply(key, implied, "environment.type");
    if (!value.contains("reset_params")) return;
    const json& params = value.at("reset_params");
    if (!params.is_object()) {
      throw error("key 'environment.reset_params' must be a mapping of the env's options; got " +
                  compact(params));
    }
    json options = json::object();
    for (const auto& [key, param] : params.items()) {
      const std::string given_as = "environment.reset_params." + key;
      if (key == "start-seed") {
        set("start_level", param, given_as);
      } else if (key == "num-seeds") {
        set("num_levels", param, given_as);
      } else if (key == "agent_scale" && chosen->fixed_agent_scale) {
        if (!param.is_number() || param.get<double>() != kMemoryGymAgentScale) {
          throw error("key '" + given_as + "' must be 0.25 for " + chosen->name +
                      " (lever draws its agent at the original's scale); got " + compact(param));
        }
      } else {
        options[key] = param;
      }
    }
    if (!options.empty()) set("env_options", options, "environment.reset_params");
  }

  void recurrence(const json& value) {
    const json& body = section(value, "recurrence", kRecurrenceFields, {});
    for (const std::string& field : kRecurrenceFields) {
      json field_value = body.at(field);
      if (field == "layer_type" && field_value.is_string()) {
        // The reference compares lower case; keep an unknown spelling as written for the error.
        std::string lower = field_value.get<std::string>();
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower == "gru" || lower == "lstm") field_value = lower;
      }
      set(field, field_value, "recurrence." + field);
    }
    for (const auto& [key, implied] : implied_by_recurrence()) imply(key, implied, "recurrence");
  }

  const std::string& source_;
  std::map<std::string, std::string> flat_;  // canonical key -> the name the file gives it
  ReferenceTranslation out_;
};

std::string code(const std::string& text) { return "`" + text + "`"; }

std::string implied_list(const Implied& implied) {
  std::vector<std::string> parts;
  for (const auto& [key, value] : implied) {
    parts.push_back(code(key + ": " +
                         (value.is_number_float() ? format_number(value.get<double>())
                          : value.is_string()     ? value.get<std::string>()
                                                  : compact(value))));
  }
  return join(parts, ", ");
}

}  // namespace

bool is_reference_section(const std::string& name) {
  if (name == "environment" || name == "recurrence") return true;
  return std::any_of(std::begin(kSchedules), std::end(kSchedules),
                     [&](const Schedule& schedule) { return name == schedule.section; });
}

bool is_section_file(const json& top) {
  if (!top.is_object() || top.empty()) return false;
  for (const auto& [name, value] : top.items()) {
    if (!value.is_object() || is_reference_section(name) || name == kReservedMetadataKey) {
      return false;
    }
  }
  return true;
}

ReferenceTranslation translate_reference_keys(const json& top, const std::string& source) {
  Translator translator(top, source);
  return translator.run(top);
}

std::string reference_keys_markdown() {
  std::ostringstream out;
  out << "\n## The recurrent PPO reference's keys\n\n"
      << "lever reads the configs of the recurrent PPO reference\n"
      << "(MarcoMeter/recurrent-ppo-truncated-bptt) as written, from YAML or JSON;\n"
      << "`configs/recurrent/` holds its three in that format. Its flat keys are lever keys or\n"
      << "aliases (`updates`, `n_workers`, `worker_steps`, `epochs`, `n_mini_batch`, `lamda`,\n"
      << "`gamma`, `max_grad_norm`, `hidden_layer_size`); its nested keys become these. A file\n"
      << "may give a setting nested or flat, not both. Errors name the nested key\n"
      << "(`poc.yaml: key 'recurrence.layer_type' must be one of gru, lstm; got \"rnn\"`).\n\n"
      << "| reference key | lever key | notes |\n|---|---|---|\n";
  for (const std::string& field : kRecurrenceFields) {
    out << "| " << code("recurrence." + field) << " | " << code(field) << " | "
        << (field == "layer_type" ? "`gru` or `lstm`, in any case" : "") << " |\n";
  }
  out << "| `recurrence` (present) | " << implied_list(implied_by_recurrence())
      << " | what the reference's trainer does; each only unless the file gives the key |\n";
  for (const Schedule& schedule : kSchedules) {
    for (const auto& [field, suffix] : kScheduleFields) {
      out << "| " << code(std::string(schedule.section) + "." + field) << " | "
          << code(std::string(schedule.key) + suffix) << " | "
          << (std::string(field) == "initial" && std::string(schedule.key) == "ent_coef"
                  ? "β, the entropy bonus's weight"
                  : "")
          << " |\n";
    }
  }
  out << "| `value_loss_coefficient` | `vf_coef` = 2 × value | lever's value loss is ½ × the "
         "squared error, as CleanRL's; the reference's has no ½ |\n";
  for (const EnvType& type : env_types()) {
    out << "| " << code(std::string("environment.type: ") + type.type) << " | "
        << code(std::string("env: ") + type.env);
    if (!type.implied.empty()) out << "; unless given " << implied_list(type.implied);
    out << " | " << type.note << " |\n";
  }
  std::vector<std::string> names;
  for (const MinigridName& known : kMinigridNames) {
    names.push_back(code(known.name) + " (" + std::to_string(known.size) +
                    (known.random_length ? ", random length" : "") + ")");
  }
  out << "| `environment.name` | `minigrid_size`, `minigrid_random_length` | Minigrid only: "
      << join(names, ", ") << "; default " << code(kDefaultMinigridName) << " |\n";
  std::vector<std::string> memory_gym;
  for (const MemoryGymName& known : kMemoryGymNames) {
    memory_gym.push_back(code(known.name) + " → " + code(known.env));
  }
  out << "| `environment.type: MemoryGym` with `environment.name` | `env`; unless given "
      << implied_list(memory_gym_implied()) << " | " << join(memory_gym, ", ") << " |\n"
      << "| `environment.reset_params` | `env_options` | the env's options by their own names "
         "(`lever envs`); `start-seed` → `start_level`, `num-seeds` → `num_levels`; Mystery "
         "Path's `agent_scale` must be 0.25 |\n";
  return out.str();
}

}  // namespace lever

#include "lever/env/registry.h"

#include "lever/core/errors.h"
#include "lever/core/text.h"
#include "lever/env/arcade/atari_preprocessing.h"
#include "lever/env/arcade/breakout.h"
#include "lever/env/arcade/minatar_breakout.h"
#include "lever/env/arcade/pong.h"
#include "lever/env/classic/cartpole.h"
#include "lever/env/classic/cartpole_masked.h"
#include "lever/env/classic/poc_memory.h"
#include "lever/env/grid/minigrid_memory.h"
#include "lever/env/memorygym/mortar_mayhem.h"
#include "lever/env/memorygym/mystery_path.h"
#include "lever/env/memorygym/searing_spotlights.h"
#include "lever/env/procgen/games.h"

namespace lever {

const std::vector<EnvInfo>& env_registry() {
  static const std::vector<EnvInfo> registry = {
      cartpole_info(),
      cartpole_masked_info(),
      poc_memory_info(),
      minigrid_memory_info(),
      memorygym::mortar_mayhem_info(),
      memorygym::mortar_mayhem_grid_info(),
      memorygym::endless_mortar_mayhem_info(),
      memorygym::mystery_path_info(),
      memorygym::mystery_path_grid_info(),
      memorygym::endless_mystery_path_info(),
      memorygym::searing_spotlights_info(),
      memorygym::endless_searing_spotlights_info(),
      procgen::bigfish_info(),
      procgen::coinrun_info(),
      procgen::bossfight_info(),
      procgen::chaser_info(),
      procgen::fruitbot_info(),
      procgen::starpilot_info(),
      arcade::atari_env_info("breakout",
                             "Atari 2600 Breakout, native port (not the ROM): 6 rows of 18 bricks "
                             "scoring 1/4/7, 5 lives, a second wall at 432; DQN preprocessing "
                             "(frame skip 4 with max-pool, grey 84x84, 4-frame stack, no-op starts)",
                             arcade::make_breakout),
      arcade::atari_env_info("pong",
                             "Atari 2600 Pong (Video Olympics), native port (not the ROM): the "
                             "agent's green paddle against a scripted CPU, first to 21; DQN "
                             "preprocessing as breakout",
                             arcade::make_pong),
      arcade::minatar_breakout_info(),
  };
  return registry;
}

const EnvInfo& find_env(const std::string& id) {
  std::vector<std::string> ids;
  for (const auto& info : env_registry()) {
    if (info.id == id) return info;
    ids.push_back(info.id);
  }
  std::string message = "unknown env '" + id + "'";
  const std::string suggestion = did_you_mean(id, ids);
  if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
  throw UsageError(message + "; `lever envs` lists them");
}

std::unique_ptr<Env> make_env(const std::string& id, const nlohmann::json& options) {
  const EnvInfo& info = find_env(id);
  nlohmann::json resolved = nlohmann::json::object();
  std::vector<std::string> names;
  for (const auto& option : info.options) {
    resolved[option.name] = option.default_value;
    names.push_back(option.name);
  }
  for (const auto& [key, value] : options.items()) {
    if (!resolved.contains(key)) {
      std::string message = "env '" + id + "' has no option '" + key + "'";
      const std::string suggestion = did_you_mean(key, names);
      if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
      throw UsageError(message);
    }
    if (value.type() != resolved[key].type() && !(value.is_number() && resolved[key].is_number())) {
      throw UsageError("env '" + id + "' option '" + key + "' must be like " +
                       resolved[key].dump() + ", got " + value.dump());
    }
    resolved[key] = value;
  }
  return info.make(resolved);
}

}  // namespace lever

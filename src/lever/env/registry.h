// Every environment id lever knows, with its options. Adding an env adds one line to registry.cpp.
#pragma once
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lever/env/env.h"

namespace lever {

struct EnvOptionInfo {
  std::string name;
  nlohmann::json default_value;
  std::string doc;
};

struct EnvInfo {
  std::string id;
  std::string description;
  std::vector<EnvOptionInfo> options;
  // Options arrive validated and completed with defaults.
  std::function<std::unique_ptr<Env>(const nlohmann::json& options)> make;
};

const std::vector<EnvInfo>& env_registry();
// Throws UsageError naming the id (with a did-you-mean) when it is unknown.
const EnvInfo& find_env(const std::string& id);
// Options not named by the env → UsageError; missing ones take their defaults.
std::unique_ptr<Env> make_env(const std::string& id,
                              const nlohmann::json& options = nlohmann::json::object());

}  // namespace lever

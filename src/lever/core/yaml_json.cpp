#include "lever/core/yaml_json.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <map>
#include <regex>

#include "lever/core/errors.h"

namespace lever {
namespace {

using nlohmann::json;

// YAML 1.1's booleans, as PyYAML resolves them.
bool yaml_bool(const std::string& text, bool* out) {
  static const std::map<std::string, bool> kWords = {
      {"true", true},   {"True", true},   {"TRUE", true}, {"yes", true}, {"Yes", true},
      {"YES", true},    {"on", true},     {"On", true},   {"ON", true},  {"false", false},
      {"False", false}, {"FALSE", false}, {"no", false},  {"No", false}, {"NO", false},
      {"off", false},   {"Off", false},   {"OFF", false},
  };
  const auto found = kWords.find(text);
  if (found == kWords.end()) return false;
  *out = found->second;
  return true;
}

std::string without_underscores(std::string text) {
  text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
  return text;
}

// A plain (unquoted, untagged) scalar, typed. Floats accept an exponent without a sign or a dot
// (1e-3, 1e3), which PyYAML reads as text: nobody writes 1e-3 in a config meaning the string.
json plain_scalar(const std::string& text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  bool flag = false;
  if (yaml_bool(text, &flag)) return flag;

  static const std::regex kDecimal("[-+]?[0-9][0-9_]*");
  static const std::regex kHex("[-+]?0x[0-9a-fA-F_]+");
  static const std::regex kFloat(
      "[-+]?(\\.[0-9][0-9_]*|[0-9][0-9_]*(\\.[0-9_]*)?)([eE][-+]?[0-9]+)?");
  static const std::regex kInfinity("[-+]?\\.(inf|Inf|INF)");
  static const std::regex kNan("\\.(nan|NaN|NAN)");
  const bool decimal = std::regex_match(text, kDecimal);
  if (decimal || std::regex_match(text, kHex)) {
    const std::string digits = without_underscores(text);
    errno = 0;
    char* end = nullptr;
    const long long value = std::strtoll(digits.c_str(), &end, decimal ? 10 : 16);
    if (errno == 0 && end != nullptr && *end == '\0') return static_cast<int64_t>(value);
    // Too large for an integer: keep its magnitude as a float, as a JSON parser would.
    if (decimal) return std::strtod(digits.c_str(), nullptr);
    return text;
  }
  if (std::regex_match(text, kFloat)) {
    return std::strtod(without_underscores(text).c_str(), nullptr);
  }
  if (std::regex_match(text, kInfinity)) {
    return text[0] == '-' ? -std::numeric_limits<double>::infinity()
                          : std::numeric_limits<double>::infinity();
  }
  if (std::regex_match(text, kNan)) return std::numeric_limits<double>::quiet_NaN();
  return text;
}

std::string line_of(const YAML::Node& node) { return std::to_string(node.Mark().line + 1); }

json convert(const YAML::Node& node, const std::string& path, const std::string& source) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar:
      // yaml-cpp tags plain scalars "?"; quoted and block scalars "!"; !!str spells its tag out.
      if (node.Tag() == "?") return plain_scalar(node.Scalar());
      if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") return node.Scalar();
      return plain_scalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      json list = json::array();
      for (size_t i = 0; i < node.size(); ++i) {
        list.push_back(convert(node[i], path + "[" + std::to_string(i) + "]", source));
      }
      return list;
    }
    case YAML::NodeType::Map: {
      json object = json::object();
      std::map<std::string, std::string> first_line;
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
          throw ConfigError(source + ": line " + line_of(entry.first) + ": a key" +
                            (path.empty() ? "" : " in '" + path + "'") +
                            " must be plain text, not a list, mapping or nothing");
        }
        const std::string& name = entry.first.Scalar();
        const std::string full = path.empty() ? name : path + "." + name;
        const auto [earlier, inserted] = first_line.emplace(name, line_of(entry.first));
        if (!inserted) {
          throw ConfigError(source + ": key '" + full + "' appears twice (lines " +
                            earlier->second + " and " + line_of(entry.first) + ")");
        }
        object[name] = convert(entry.second, full, source);
      }
      return object;
    }
  }
  return nullptr;
}

}  // namespace

bool is_yaml_path(const std::filesystem::path& path) {
  std::string extension = path.extension().string();
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return extension == ".yml" || extension == ".yaml";
}

json yaml_to_json(const std::string& text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    const std::string where =
        e.mark.is_null() ? std::string() : " at line " + std::to_string(e.mark.line + 1);
    throw ConfigError(source + ": invalid YAML" + where + ": " + e.msg);
  }
  return convert(root, "", source);
}

}  // namespace lever

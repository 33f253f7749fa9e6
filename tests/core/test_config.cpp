#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>

#include "support/error_message.h"
#include "lever/core/config.h"
#include "lever/core/errors.h"
#include "lever/core/text.h"

namespace lever {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string from_json_error(const json& j, const std::vector<std::string>& overrides = {}) {
  return testing::thrown_message<ConfigError>([&] { Config::from_json(j, "exp.json", overrides); });
}

// A scratch directory per test, removed afterwards.
class ConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("lever_config_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path) << text;
    return path;
  }

  fs::path dir_;
};

TEST(EditDistance, CountsInsertionsDeletionsSubstitutionsAndSwaps) {
  EXPECT_EQ(edit_distance("", ""), 0);
  EXPECT_EQ(edit_distance("gamma", "gamma"), 0);
  EXPECT_EQ(edit_distance("num_env", "num_envs"), 1);
  EXPECT_EQ(edit_distance("num_envs", "num_env"), 1);
  EXPECT_EQ(edit_distance("gamma", "gamna"), 1);
  EXPECT_EQ(edit_distance("lr", "rl"), 1);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3);
  EXPECT_EQ(edit_distance("", "abc"), 3);
}

TEST(DidYouMean, SuggestsTheClosestCandidate) {
  const std::vector<std::string> candidates = {"num_envs", "num_steps", "num_levels"};
  EXPECT_EQ(did_you_mean("num_env", candidates), "num_envs");
  EXPECT_EQ(did_you_mean("num_stpes", candidates), "num_steps");
  EXPECT_EQ(did_you_mean("NUM_LEVELS", candidates), "num_levels");
}

TEST(DidYouMean, StaysSilentWhenNothingIsClose) {
  EXPECT_EQ(did_you_mean("zzz", {"env", "seed", "lr"}), "");
  EXPECT_EQ(did_you_mean("learning", {"gamma", "beta"}), "");
  EXPECT_EQ(did_you_mean("anything", {}), "");
  // Two edits are within the limit, but rewriting every character is no suggestion.
  EXPECT_EQ(did_you_mean("ab", {"lr"}), "");
}

TEST(DidYouMean, AllowsMoreEditsForLongerWords) {
  // 12 characters allow max(2, 12 / 3) = 4 edits; 3 edits on a 6-character word do not pass.
  EXPECT_EQ(did_you_mean("max_grad_nrm", {"max_grad_norm"}), "max_grad_norm");
  EXPECT_EQ(did_you_mean("mxgrdnorm_xx", {"max_grad_norm"}), "");
  EXPECT_EQ(did_you_mean("gaxxxa", {"gamma"}), "");
}

TEST(DidYouMean, PrefersTheEarlierCandidateOnTies) {
  EXPECT_EQ(did_you_mean("cat", {"bat", "hat"}), "bat");
  EXPECT_EQ(did_you_mean("cat", {"hat", "bat"}), "hat");
}

TEST(TextHelpers, JoinTrimAndFormatNumber) {
  EXPECT_EQ(join({"tanh", "relu"}, ", "), "tanh, relu");
  EXPECT_EQ(join({}, ", "), "");
  EXPECT_EQ(trim("  num_envs \t"), "num_envs");
  EXPECT_EQ(trim("   "), "");
  EXPECT_EQ(format_number(1), "1");
  EXPECT_EQ(format_number(65536), "65536");
  EXPECT_EQ(format_number(-0.0), "0");
  EXPECT_EQ(format_number(0.99), "0.99");
  EXPECT_EQ(format_number(2.5e-4), "0.00025");
  EXPECT_EQ(format_number(1e-5), "1e-5");
  EXPECT_EQ(format_number(0.1 + 0.2), "0.30000000000000004");
}

TEST(ConfigDefaults, MatchTheDocumentedValues) {
  const Config config = Config::defaults();
  EXPECT_EQ(config.str("env"), "cartpole");
  EXPECT_EQ(config.i64("seed"), 1);
  EXPECT_EQ(config.str("device"), "auto");
  EXPECT_EQ(config.i64("total_steps"), 1000000);
  EXPECT_EQ(config.i64("num_envs"), 8);
  EXPECT_EQ(config.i64("num_steps"), 128);
  EXPECT_EQ(config.i64("minibatch_size"), 128);
  EXPECT_DOUBLE_EQ(config.f64("learning_rate"), 2.5e-4);
  EXPECT_DOUBLE_EQ(config.f64("gamma"), 0.99);
  EXPECT_DOUBLE_EQ(config.f64("target_kl"), 0.0);
  EXPECT_TRUE(config.flag("anneal_lr"));
  EXPECT_FALSE(config.flag("shared_network"));
  EXPECT_EQ(config.int_list("hidden_sizes"), (std::vector<int64_t>{64, 64}));
  EXPECT_EQ(config.str("activation"), "tanh");
  EXPECT_EQ(config.i64("eval_num_envs"), 8);
}

TEST(ConfigDefaults, AnEmptyObjectGivesTheDefaults) {
  EXPECT_EQ(Config::from_json(json::object(), "exp.json").resolved(),
            Config::defaults().resolved());
}

TEST(ConfigSchema, EveryKeyIsDocumentedUniqueAndValidByDefault) {
  std::set<std::string> names;
  json defaults = json::object();
  const std::set<std::string> sections = {"run",     "env",        "ppo", "trpo",
                                           "network", "recurrence", "dqn", "eval"};
  for (const ConfigKey& key : config_schema()) {
    EXPECT_TRUE(names.insert(key.name).second) << key.name;
    for (const std::string& alias : key.aliases) EXPECT_TRUE(names.insert(alias).second) << alias;
    EXPECT_FALSE(key.doc.empty()) << key.name;
    EXPECT_EQ(sections.count(key.section), 1u) << key.name << " in " << key.section;
    defaults[key.name] = key.default_value;
  }
  EXPECT_EQ(names.count("lever"), 0u);
  // Each default passes the same validation as a user's value.
  EXPECT_NO_THROW(Config::from_json(defaults, "schema"));
  EXPECT_EQ(Config::defaults().resolved().size(), config_schema().size());
}

TEST(ConfigUnknownKey, SuggestsACloseName) {
  EXPECT_EQ(from_json_error({{"num_env", 8}}),
            "exp.json: unknown key 'num_env' (did you mean 'num_envs'?)");
  EXPECT_EQ(from_json_error({{"learning_rat", 0.1}}),
            "exp.json: unknown key 'learning_rat' (did you mean 'learning_rate'?)");
  // Aliases are candidates too.
  EXPECT_EQ(from_json_error({{"update_epoch", 3}}),
            "exp.json: unknown key 'update_epoch' (did you mean 'update_epochs'?)");
}

TEST(ConfigUnknownKey, PointsToTheDocsWhenNothingIsClose) {
  EXPECT_EQ(from_json_error({{"zzz", 1}}), "exp.json: unknown key 'zzz' (see docs/CONFIG.md)");
  EXPECT_EQ(from_json_error({{"flux_capacitor_setting", 1}}),
            "exp.json: unknown key 'flux_capacitor_setting' (see docs/CONFIG.md)");
}

TEST(ConfigTypes, RejectTheWrongType) {
  EXPECT_EQ(from_json_error({{"num_envs", "eight"}}),
            "exp.json: key 'num_envs' must be an integer, got \"eight\"");
  EXPECT_EQ(from_json_error({{"gamma", "high"}}),
            "exp.json: key 'gamma' must be a number, got \"high\"");
  EXPECT_EQ(from_json_error({{"anneal_lr", 1}}),
            "exp.json: key 'anneal_lr' must be a boolean, got 1");
  EXPECT_EQ(from_json_error({{"anneal_lr", "true"}}),
            "exp.json: key 'anneal_lr' must be a boolean, got \"true\"");
  EXPECT_EQ(from_json_error({{"env", 3}}), "exp.json: key 'env' must be a string, got 3");
  EXPECT_EQ(from_json_error({{"hidden_sizes", 64}}),
            "exp.json: key 'hidden_sizes' must be a list of integers, got 64");
  EXPECT_EQ(from_json_error({{"hidden_sizes", {64, "wide"}}}),
            "exp.json: key 'hidden_sizes' must be a list of integers, got [64,\"wide\"]");
  EXPECT_EQ(from_json_error({{"seed", nullptr}}),
            "exp.json: key 'seed' must be an integer, got null");
  EXPECT_EQ(from_json_error({{"seed", true}}), "exp.json: key 'seed' must be an integer, got true");
}

TEST(ConfigTypes, IntegersAcceptIntegralFloatsOnly) {
  const Config config = Config::from_json({{"total_steps", 2e6}, {"num_envs", 16.0}}, "exp.json");
  EXPECT_EQ(config.i64("total_steps"), 2000000);
  EXPECT_EQ(config.i64("num_envs"), 16);
  // Stored as integers, so the resolved config writes 2000000, not 2000000.0.
  EXPECT_TRUE(config.resolved().at("total_steps").is_number_integer());
  EXPECT_EQ(from_json_error({{"total_steps", 2.5}}),
            "exp.json: key 'total_steps' must be an integer, got 2.5");
  EXPECT_EQ(from_json_error({{"total_steps", 1e30}}),
            "exp.json: key 'total_steps' must be an integer, got 1e+30");
  EXPECT_EQ(from_json_error({{"hidden_sizes", {32, 16.5}}}),
            "exp.json: key 'hidden_sizes' must be a list of integers, got [32,16.5]");
  EXPECT_EQ(Config::from_json({{"hidden_sizes", {32.0, 16}}}, "exp.json").int_list("hidden_sizes"),
            (std::vector<int64_t>{32, 16}));
}

TEST(ConfigTypes, NumbersAcceptIntegersAsFloats) {
  const Config config = Config::from_json({{"gamma", 1}, {"ent_coef", 0}}, "exp.json");
  EXPECT_DOUBLE_EQ(config.f64("gamma"), 1.0);
  EXPECT_TRUE(config.resolved().at("gamma").is_number_float());
  EXPECT_DOUBLE_EQ(config.f64("ent_coef"), 0.0);
}

TEST(ConfigRanges, ClosedIntervals) {
  EXPECT_EQ(from_json_error({{"gamma", 1.5}}), "exp.json: key 'gamma' must be in [0, 1], got 1.5");
  EXPECT_EQ(from_json_error({{"gamma", -0.1}}),
            "exp.json: key 'gamma' must be in [0, 1], got -0.1");
  EXPECT_EQ(from_json_error({{"num_envs", 0}}),
            "exp.json: key 'num_envs' must be in [1, 65536], got 0");
  EXPECT_EQ(from_json_error({{"seed", 2147483648}}),
            "exp.json: key 'seed' must be in [0, 2147483647], got 2147483648");
  const Config edges = Config::from_json({{"gamma", 0}, {"gae_lambda", 1}}, "exp.json");
  EXPECT_DOUBLE_EQ(edges.f64("gamma"), 0.0);
  EXPECT_DOUBLE_EQ(edges.f64("gae_lambda"), 1.0);
}

TEST(ConfigRanges, ExclusiveAndOpenEndedBounds) {
  EXPECT_EQ(from_json_error({{"learning_rate", 0}}),
            "exp.json: key 'learning_rate' must be in (0, 1], got 0");
  EXPECT_EQ(from_json_error({{"clip_coef", -1}}), "exp.json: key 'clip_coef' must be > 0, got -1");
  EXPECT_EQ(from_json_error({{"clip_coef", 0.0}}),
            "exp.json: key 'clip_coef' must be > 0, got 0.0");
  EXPECT_EQ(from_json_error({{"ent_coef", -0.5}}),
            "exp.json: key 'ent_coef' must be ≥ 0, got -0.5");
  EXPECT_EQ(from_json_error({{"total_steps", 0}}),
            "exp.json: key 'total_steps' must be ≥ 1, got 0");
  EXPECT_DOUBLE_EQ(Config::from_json({{"learning_rate", 1}}, "exp.json").f64("learning_rate"), 1.0);
}

TEST(ConfigRanges, ListElementsAndEmptyLists) {
  EXPECT_EQ(from_json_error({{"hidden_sizes", {64, 0}}}),
            "exp.json: key 'hidden_sizes' must be a list of integers each in [1, 65536], got "
            "[64,0]");
  EXPECT_EQ(from_json_error({{"hidden_sizes", json::array()}}),
            "exp.json: key 'hidden_sizes' must be a non-empty list of integers, got []");
}

TEST(ConfigChoices, RejectValuesOutsideTheChoices) {
  EXPECT_EQ(from_json_error({{"activation", "sigmoid"}}),
            "exp.json: key 'activation' must be one of tanh, relu; got \"sigmoid\"");
  EXPECT_EQ(from_json_error({{"device", "tpu"}}),
            "exp.json: key 'device' must be one of cpu, cuda, auto; got \"tpu\"");
  EXPECT_EQ(Config::from_json({{"activation", "relu"}}, "exp.json").str("activation"), "relu");
}

TEST(ConfigAliases, ResolveToCanonicalNames) {
  const Config config = Config::from_json({{"lr", 3e-4},
                                           {"batch_size", 256},
                                           {"update_epochs", 10},
                                           {"eps", 0.1},
                                           {"grad_eps", 1.0},
                                           {"value_coef", 0.25},
                                           {"entropy_coef", 0.0}},
                                          "exp.json");
  EXPECT_DOUBLE_EQ(config.f64("learning_rate"), 3e-4);
  EXPECT_EQ(config.i64("minibatch_size"), 256);
  EXPECT_EQ(config.i64("num_epochs"), 10);
  EXPECT_DOUBLE_EQ(config.f64("clip_coef"), 0.1);
  EXPECT_DOUBLE_EQ(config.f64("max_grad_norm"), 1.0);
  EXPECT_DOUBLE_EQ(config.f64("vf_coef"), 0.25);
  EXPECT_DOUBLE_EQ(config.f64("ent_coef"), 0.0);
  EXPECT_EQ(config.resolved().count("lr"), 0u);
  EXPECT_EQ(config.resolved().count("batch_size"), 0u);
}

TEST(ConfigAliases, AliasAndCanonicalNameTogetherAreAnError) {
  EXPECT_EQ(from_json_error({{"lr", 0.1}, {"learning_rate", 0.1}}),
            "exp.json: keys 'lr' and 'learning_rate' name the same setting; give one");
  EXPECT_EQ(from_json_error({{"minibatch_size", 64}, {"batch_size", 64}}),
            "exp.json: keys 'batch_size' and 'minibatch_size' name the same setting; give one");
}

TEST(ConfigAliases, ErrorsNameTheCanonicalKey) {
  EXPECT_EQ(from_json_error({{"lr", 2}}), "exp.json: key 'learning_rate' must be in (0, 1], got 2");
}

TEST(ConfigAliases, GettersTakeCanonicalNamesOnly) {
  const Config config = Config::defaults();
  EXPECT_THROW(config.f64("lr"), std::logic_error);
  EXPECT_THROW(config.i64("no_such_key"), std::logic_error);
}

TEST(ConfigGetters, WrongTypeIsAProgrammingError) {
  const Config config = Config::defaults();
  EXPECT_THROW(config.f64("num_envs"), std::logic_error);
  EXPECT_THROW(config.i64("gamma"), std::logic_error);
  EXPECT_THROW(config.flag("env"), std::logic_error);
  EXPECT_THROW(config.str("anneal_lr"), std::logic_error);
  EXPECT_THROW(config.int_list("num_envs"), std::logic_error);
  // Not a ConfigError: the CLI must not report it as the user's mistake.
  try {
    config.i64("gamma");
  } catch (const ConfigError&) {
    ADD_FAILURE() << "a getter misuse must not be a ConfigError";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("gamma"), std::string::npos);
  }
}

TEST(ConfigOverrides, ParseNumbersBoolsListsAndStrings) {
  Config config = Config::defaults();
  config.set("num_envs=16");
  config.set("learning_rate=3e-4");
  config.set("anneal_lr=false");
  config.set("hidden_sizes=[128,128,32]");
  config.set("env=cartpole_swingup");
  config.set("description=2024 rerun, seed 3");
  config.set("activation=\"relu\"");
  config.set("total_steps=2e6");
  EXPECT_EQ(config.i64("num_envs"), 16);
  EXPECT_DOUBLE_EQ(config.f64("learning_rate"), 3e-4);
  EXPECT_FALSE(config.flag("anneal_lr"));
  EXPECT_EQ(config.int_list("hidden_sizes"), (std::vector<int64_t>{128, 128, 32}));
  EXPECT_EQ(config.str("env"), "cartpole_swingup");
  EXPECT_EQ(config.str("description"), "2024 rerun, seed 3");
  EXPECT_EQ(config.str("activation"), "relu");
  EXPECT_EQ(config.i64("total_steps"), 2000000);
}

TEST(ConfigOverrides, StringKeysTakeTheTextAsWritten) {
  Config config = Config::defaults();
  config.set("description=2024");
  EXPECT_EQ(config.str("description"), "2024");
  config.set("description=");
  EXPECT_EQ(config.str("description"), "");
  config.set("description=a=b");
  EXPECT_EQ(config.str("description"), "a=b");
}

TEST(ConfigOverrides, AliasesWork) {
  Config config = Config::defaults();
  config.set("lr=0.001");
  EXPECT_DOUBLE_EQ(config.f64("learning_rate"), 0.001);
}

TEST(ConfigOverrides, ValidateLikeTheFile) {
  Config config = Config::defaults();
  EXPECT_EQ(testing::thrown_message<ConfigError>([&] { config.set("num_env=8"); }),
            "--set: unknown key 'num_env' (did you mean 'num_envs'?)");
  EXPECT_EQ(testing::thrown_message<ConfigError>([&] { config.set("num_envs=eight"); }),
            "--set: key 'num_envs' must be an integer, got \"eight\"");
  EXPECT_EQ(testing::thrown_message<ConfigError>([&] { config.set("gamma=1.5"); }),
            "--set: key 'gamma' must be in [0, 1], got 1.5");
  EXPECT_EQ(testing::thrown_message<ConfigError>([&] { config.set("activation=sigmoid"); }),
            "--set: key 'activation' must be one of tanh, relu; got \"sigmoid\"");
  EXPECT_EQ(testing::thrown_message<ConfigError>([&] { config.set("foo"); }), "--set: expected key=value, got 'foo'");
  EXPECT_EQ(testing::thrown_message<ConfigError>([&] { config.set("=3"); }), "--set: expected key=value, got '=3'");
  EXPECT_EQ(testing::thrown_message<ConfigError>([&] { config.set("seed=3", "population member 2"); }), "<nothing thrown>");
  EXPECT_EQ(testing::thrown_message<ConfigError>([&] { config.set("seed=-3", "population member 2"); }),
            "population member 2: key 'seed' must be in [0, 2147483647], got -3");
  // A failed set leaves the config as it was.
  EXPECT_EQ(config.i64("num_envs"), 8);
  EXPECT_DOUBLE_EQ(config.f64("gamma"), 0.99);
  EXPECT_EQ(config.i64("seed"), 3);
}

TEST(ConfigOverrides, ApplyAfterTheFileInOrder) {
  const Config config = Config::from_json({{"num_envs", 4}, {"gamma", 0.9}}, "exp.json",
                                          {"num_envs=32", "gamma=0.5", "gamma=0.8"});
  EXPECT_EQ(config.i64("num_envs"), 32);
  EXPECT_DOUBLE_EQ(config.f64("gamma"), 0.8);
  EXPECT_EQ(from_json_error({{"seed", 1}}, {"bogus"}), "--set: expected key=value, got 'bogus'");
  // An override may name a key by its alias even when the file used the canonical name.
  EXPECT_DOUBLE_EQ(
      Config::from_json({{"learning_rate", 0.1}}, "exp.json", {"lr=0.2"}).f64("learning_rate"),
      0.2);
}

TEST(ConfigCrossKey, MinibatchSizeMustDivideTheRollout) {
  EXPECT_EQ(from_json_error({{"num_envs", 4}, {"num_steps", 128}, {"minibatch_size", 100}}),
            "exp.json: key 'minibatch_size' (100) must divide num_envs × num_steps (= 512)");
  EXPECT_EQ(from_json_error({{"num_envs", 4}, {"num_steps", 128}}, {"minibatch_size=100"}),
            "--set: key 'minibatch_size' (100) must divide num_envs × num_steps (= 512)");
}

TEST(ConfigCrossKey, IsCheckedAfterAllOverrides) {
  // num_steps=100 alone breaks the default minibatch of 128; the next override repairs it.
  const Config config =
      Config::from_json(json::object(), "exp.json", {"num_steps=100", "minibatch_size=200"});
  EXPECT_EQ(config.i64("num_steps"), 100);
  EXPECT_EQ(config.i64("minibatch_size"), 200);
  // Likewise a file may be repaired by an override.
  EXPECT_NO_THROW(Config::from_json({{"minibatch_size", 100}}, "exp.json", {"num_steps=100"}));
  Config single = Config::defaults();
  EXPECT_EQ(testing::thrown_message<ConfigError>([&] { single.set("num_steps=100"); }),
            "--set: key 'minibatch_size' (128) must divide num_envs × num_steps (= 800)");
  EXPECT_EQ(single.i64("num_steps"), 128);
}

TEST(ConfigResolved, RoundTripsThroughJson) {
  const Config config = Config::from_json(
      {{"lr", 1e-3}, {"total_steps", 2e6}, {"hidden_sizes", {32, 32}}, {"env", "cartpole"}},
      "exp.json", {"anneal_lr=false", "description=round trip"});
  const json& resolved = config.resolved();
  EXPECT_EQ(resolved.size(), config_schema().size());
  for (const ConfigKey& key : config_schema()) EXPECT_EQ(resolved.count(key.name), 1u) << key.name;
  const Config again = Config::from_json(resolved, "config.json");
  EXPECT_EQ(again.resolved(), resolved);
  // And through text, as a run writes and reloads config.json.
  EXPECT_EQ(Config::from_json(json::parse(resolved.dump(2)), "config.json").resolved(), resolved);
  EXPECT_EQ(resolved.at("total_steps"), 2000000);
  EXPECT_EQ(resolved.at("learning_rate"), 1e-3);
}

TEST(ConfigReservedKey, RunMetadataIsIgnored) {
  json run_config = Config::defaults().resolved();
  run_config["num_envs"] = 16;
  run_config["lever"] = {{"version", "0.1.0"}, {"git_commit", "abc123"}, {"machine", "node7"}};
  const Config config = Config::from_json(run_config, "runs/a/config.json");
  EXPECT_EQ(config.i64("num_envs"), 16);
  EXPECT_EQ(config.resolved().count("lever"), 0u);
  EXPECT_EQ(from_json_error({{"lever", 3}}),
            "exp.json: key 'lever' is reserved for run metadata and must be an object, got 3");
}

TEST_F(ConfigFile, LoadsAFileAndAppliesOverrides) {
  const fs::path path =
      write("exp.json", R"({"env": "cartpole", "num_envs": 4, "total_steps": 2e6, "lr": 1e-3})");
  const Config config = Config::load_file(path, {"num_envs=2"});
  EXPECT_EQ(config.i64("num_envs"), 2);
  EXPECT_EQ(config.i64("total_steps"), 2000000);
  EXPECT_DOUBLE_EQ(config.f64("learning_rate"), 1e-3);
}

TEST_F(ConfigFile, ErrorsNameTheFile) {
  const fs::path path = write("bad.json", R"({"num_env": 8})");
  EXPECT_EQ(testing::thrown_message<ConfigError>([&] { Config::load_file(path); }),
            path.string() + ": unknown key 'num_env' (did you mean 'num_envs'?)");
}

TEST_F(ConfigFile, MissingOrUnreadableFile) {
  const fs::path missing = dir_ / "missing.json";
  EXPECT_EQ(testing::thrown_message<ConfigError>([&] { Config::load_file(missing); }),
            missing.string() + ": cannot read config file");
  EXPECT_EQ(testing::thrown_message<ConfigError>([&] { Config::load_file(dir_); }),
            dir_.string() + ": cannot read config file");
}

TEST_F(ConfigFile, InvalidJson) {
  const fs::path path = write("broken.json", "{\"num_envs\": 8,}");
  std::string nlohmann_message;
  try {
    const json parsed = json::parse("{\"num_envs\": 8,}");
    ADD_FAILURE() << "nlohmann accepted " << parsed;
  } catch (const json::parse_error& e) {
    nlohmann_message = e.what();
  }
  ASSERT_FALSE(nlohmann_message.empty());
  EXPECT_EQ(testing::thrown_message<ConfigError>([&] { Config::load_file(path); }),
            path.string() + ": invalid JSON: " + nlohmann_message);
  const fs::path empty = write("empty.json", "");
  EXPECT_EQ(
      testing::thrown_message<ConfigError>([&] { Config::load_file(empty); }).rfind(empty.string() + ": invalid JSON: ", 0),
      0u);
}

TEST_F(ConfigFile, TopLevelMustBeAnObject) {
  const fs::path path = write("list.json", "[1, 2]");
  EXPECT_EQ(testing::thrown_message<ConfigError>([&] { Config::load_file(path); }),
            path.string() + ": top level must be a JSON object");
  EXPECT_EQ(from_json_error(json(42)), "exp.json: top level must be a JSON object");
}

TEST_F(ConfigFile, DuplicateKeysAreAnError) {
  const fs::path path = write("twice.json", R"({"num_envs": 8, "gamma": 0.9, "num_envs": 16})");
  EXPECT_EQ(testing::thrown_message<ConfigError>([&] { Config::load_file(path); }),
            path.string() + ": key 'num_envs' appears twice");
  // The same name inside the reserved object is not a top-level duplicate.
  const fs::path nested =
      write("nested.json", R"({"lever": {"version": "0.1.0"}, "version_note": 1})");
  EXPECT_EQ(testing::thrown_message<ConfigError>([&] { Config::load_file(nested); }),
            nested.string() + ": unknown key 'version_note' (see docs/CONFIG.md)");
  const fs::path ok = write("ok.json", R"({"lever": {"seed": 1}, "seed": 2})");
  EXPECT_EQ(Config::load_file(ok).i64("seed"), 2);
}

TEST(ConfigDocs, CommittedReferenceMatchesTheSchema) {
  const fs::path path = fs::path(LEVER_SOURCE_DIR) / "docs" / "CONFIG.md";
  const std::string generated = config_reference_markdown();
  const char* update = std::getenv("LEVER_UPDATE_DOCS");
  if (update != nullptr && std::string(update) == "1") std::ofstream(path) << generated;
  std::ifstream in(path);
  ASSERT_TRUE(in) << path << " is missing";
  std::stringstream committed;
  committed << in.rdbuf();
  EXPECT_EQ(committed.str(), generated)
      << "docs/CONFIG.md is out of date; rewrite it with LEVER_UPDATE_DOCS=1 and this test";
}

TEST(ConfigDocs, ReferenceCoversEveryKeyAndTheLeversStudy) {
  const std::string docs = config_reference_markdown();
  for (const ConfigKey& key : config_schema()) {
    EXPECT_NE(docs.find("| `" + key.name + "` |"), std::string::npos) << key.name;
  }
  EXPECT_NE(docs.find("| `batch_size` | `minibatch_size` (alias) |"), std::string::npos);
  EXPECT_NE(docs.find("| `grad_eps` | `max_grad_norm` (alias) |"), std::string::npos);
  EXPECT_NE(docs.find("| `total_steps` | `total_steps` (same name) |"), std::string::npos);
  EXPECT_NE(docs.find("| `gamma` |  | float | `0.99` | [0, 1] |"), std::string::npos);
  EXPECT_NE(docs.find("| `learning_rate` | `lr` | float | `0.00025` | (0, 1] |"),
            std::string::npos);
  EXPECT_NE(docs.find("## The reserved key `lever`"), std::string::npos);
}

}  // namespace
}  // namespace lever

namespace lever {
namespace {

TEST(ConfigEnvOptions, AnObjectIsKeptAsGivenAndAnythingElseIsRefusedWithTheKey) {
  const Config config = Config::from_json(
      {{"env", "mortar_mayhem"}, {"env_options", {{"arena_size", 4}}}}, "exp.json");
  EXPECT_EQ(config.resolved().at("env_options"), nlohmann::json({{"arena_size", 4}}));
  EXPECT_EQ(Config::defaults().resolved().at("env_options"), nlohmann::json::object());
  try {
    Config::from_json({{"env_options", 4}}, "exp.json");
    FAIL() << "accepted a number";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "exp.json: key 'env_options' must be an object of names and values, got 4");
  }
  Config set = Config::defaults();
  set.set("env_options={\"arena_size\": 3, \"command_count\": [4]}");
  EXPECT_EQ(set.resolved().at("env_options").at("command_count"), nlohmann::json::array({4}));
}

}  // namespace
}  // namespace lever

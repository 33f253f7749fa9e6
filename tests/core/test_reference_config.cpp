// The recurrent PPO reference's configs (YAML or JSON) load as written; YAML is typed as PyYAML
// reads it; train-procgen's section files still need --param_name.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "lever/core/config.h"
#include "lever/core/errors.h"
#include "lever/core/reference_config.h"
#include "lever/core/yaml_json.h"
#include "lever/env/registry.h"
#include "lever/study/procgen_params.h"
#include "support/error_message.h"
#include "support/scratch_dir.h"

namespace lever {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::ScratchDir;

const fs::path kRecurrentConfigs = fs::path(LEVER_SOURCE_DIR) / "configs" / "recurrent";

// What every reference config sets without a key for it.
void expect_reference_trainer(const Config& config) {
  EXPECT_EQ(config.str("policy"), "recurrent_ppo");
  EXPECT_EQ(config.str("optimizer"), "adamw");
  EXPECT_DOUBLE_EQ(config.f64("adam_eps"), 1e-8);
  EXPECT_DOUBLE_EQ(config.f64("weight_decay"), 0.01);
  EXPECT_FALSE(config.flag("anneal_lr"));
  EXPECT_FALSE(config.flag("normalize_reward"));
  EXPECT_TRUE(config.flag("clip_vloss"));
  EXPECT_TRUE(config.flag("norm_adv"));
  EXPECT_DOUBLE_EQ(config.f64("gamma"), 0.99);
  EXPECT_DOUBLE_EQ(config.f64("gae_lambda"), 0.95);
  EXPECT_DOUBLE_EQ(config.f64("max_grad_norm"), 0.5);
  EXPECT_EQ(config.i64("num_envs"), 16);
  EXPECT_EQ(config.i64("num_epochs"), 4);
  EXPECT_EQ(config.i64("sequence_length"), 8);
  EXPECT_DOUBLE_EQ(config.f64("clip_coef"), 0.2);
  EXPECT_DOUBLE_EQ(config.f64("clip_coef_final"), 0.2);
  EXPECT_DOUBLE_EQ(config.f64("clip_coef_power"), 1.0);
  EXPECT_DOUBLE_EQ(config.f64("learning_rate_power"), 1.0);
  EXPECT_DOUBLE_EQ(config.f64("ent_coef_power"), 1.0);
}

TEST(ReferenceConfigFiles, PocMemory) {
  const Config config = Config::load_file(kRecurrentConfigs / "poc_memory.yaml");
  expect_reference_trainer(config);
  EXPECT_EQ(config.str("env"), "poc_memory");
  EXPECT_DOUBLE_EQ(config.f64("reward_scale"), 1.0);
  EXPECT_EQ(config.str("encoder"), "mlp");
  EXPECT_EQ(config.i64("num_updates"), 30);
  EXPECT_EQ(config.i64("num_steps"), 128);
  EXPECT_EQ(config.i64("num_minibatches"), 8);
  EXPECT_DOUBLE_EQ(config.f64("vf_coef"), 0.2);  // 2 × 0.1
  EXPECT_EQ(config.i64("hidden_layer_size"), 64);
  EXPECT_EQ(config.str("layer_type"), "gru");
  EXPECT_EQ(config.i64("hidden_state_size"), 32);
  EXPECT_TRUE(config.flag("reset_hidden_state"));
  EXPECT_DOUBLE_EQ(config.f64("learning_rate"), 3e-4);
  EXPECT_DOUBLE_EQ(config.f64("learning_rate_final"), 3e-4);
  EXPECT_EQ(config.i64("learning_rate_decay_updates"), 30);
  EXPECT_DOUBLE_EQ(config.f64("ent_coef"), 1e-3);
  EXPECT_DOUBLE_EQ(config.f64("ent_coef_final"), 1e-4);
  EXPECT_EQ(config.i64("ent_coef_decay_updates"), 30);
  EXPECT_EQ(config.i64("clip_coef_decay_updates"), 30);
}

TEST(ReferenceConfigFiles, CartPoleMasked) {
  const Config config = Config::load_file(kRecurrentConfigs / "cartpole_masked.yaml");
  expect_reference_trainer(config);
  EXPECT_EQ(config.str("env"), "cartpole_masked");
  EXPECT_DOUBLE_EQ(config.f64("reward_scale"), 0.01);  // the reference divides rewards by 100
  EXPECT_EQ(config.i64("max_episode_steps"), 200);     // CartPole-v0
  EXPECT_EQ(config.i64("num_updates"), 100);
  EXPECT_EQ(config.i64("num_steps"), 256);
  EXPECT_EQ(config.i64("num_minibatches"), 4);
  EXPECT_DOUBLE_EQ(config.f64("vf_coef"), 0.4);  // 2 × 0.2
  EXPECT_EQ(config.i64("hidden_layer_size"), 128);
  EXPECT_EQ(config.str("layer_type"), "lstm");
  EXPECT_EQ(config.i64("hidden_state_size"), 64);
  EXPECT_TRUE(config.flag("reset_hidden_state"));
  EXPECT_DOUBLE_EQ(config.f64("learning_rate"), 3e-4);
  EXPECT_DOUBLE_EQ(config.f64("learning_rate_final"), 3e-6);
  EXPECT_EQ(config.i64("learning_rate_decay_updates"), 100);
  EXPECT_DOUBLE_EQ(config.f64("ent_coef"), 1e-3);
  EXPECT_DOUBLE_EQ(config.f64("ent_coef_final"), 1e-4);
  EXPECT_EQ(config.i64("ent_coef_decay_updates"), 100);
  EXPECT_EQ(config.i64("clip_coef_decay_updates"), 100);
}

TEST(ReferenceConfigFiles, MinigridMemoryS9) {
  const Config config = Config::load_file(kRecurrentConfigs / "minigrid_memory_s9.yaml");
  expect_reference_trainer(config);
  EXPECT_EQ(config.str("env"), "minigrid_memory");
  EXPECT_EQ(config.i64("minigrid_size"), 9);
  EXPECT_FALSE(config.flag("minigrid_random_length"));
  EXPECT_EQ(config.str("encoder"), "nature");
  EXPECT_EQ(config.i64("feature_dim"), 0);  // conv output straight into the LSTM
  EXPECT_EQ(config.i64("num_levels"), 99);  // the reference resets with seeds 0-98
  EXPECT_DOUBLE_EQ(config.f64("reward_scale"), 1.0);
  EXPECT_EQ(config.i64("num_updates"), 500);
  EXPECT_EQ(config.i64("num_steps"), 256);
  EXPECT_EQ(config.i64("num_minibatches"), 8);
  EXPECT_DOUBLE_EQ(config.f64("vf_coef"), 0.5);  // 2 × 0.25
  EXPECT_EQ(config.i64("hidden_layer_size"), 512);
  EXPECT_EQ(config.str("layer_type"), "lstm");
  EXPECT_EQ(config.i64("hidden_state_size"), 256);
  EXPECT_FALSE(config.flag("reset_hidden_state"));
  EXPECT_DOUBLE_EQ(config.f64("learning_rate"), 2e-4);
  EXPECT_DOUBLE_EQ(config.f64("learning_rate_final"), 2e-4);
  EXPECT_DOUBLE_EQ(config.f64("ent_coef"), 1e-3);
  EXPECT_DOUBLE_EQ(config.f64("ent_coef_final"), 1e-3);
  EXPECT_EQ(config.i64("ent_coef_decay_updates"), 500);
}

class ReferenceConfig : public ::testing::Test {
 protected:
  fs::path write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    testing::write_file(path, text);
    return path;
  }
  std::string error_for(const std::string& name, const std::string& text) {
    const fs::path path = write(name, text);
    return testing::thrown_message<ConfigError>([&] { Config::load_file(path); });
  }
  std::string path_of(const std::string& name) const { return (dir_ / name).string(); }

  ScratchDir dir_;
};

// The brief form of the reference's Minigrid config: flow mappings, the name left out.
const char* const kMinigridYaml = R"(environment:
    type: "Minigrid"
gamma: 0.99
lamda: 0.95
updates: 500
epochs: 4
n_workers: 16
worker_steps: 256
n_mini_batch: 8
value_loss_coefficient: 0.25
hidden_layer_size: 512
max_grad_norm: 0.5
recurrence:
    sequence_length: 8
    hidden_state_size: 256
    layer_type: LSTM
    reset_hidden_state: False
learning_rate_schedule: {initial: 2.0e-4, final: 2.0e-4, power: 1.0, max_decay_steps: 300}
beta_schedule: {initial: 0.001, final: 0.001, power: 1.0, max_decay_steps: 300}
clip_range_schedule: {initial: 0.2, final: 0.2, power: 1.0, max_decay_steps: 300}
)";

const char* const kMinigridJson = R"({
  "environment": {"type": "Minigrid"},
  "gamma": 0.99, "lamda": 0.95, "updates": 500, "epochs": 4, "n_workers": 16,
  "worker_steps": 256, "n_mini_batch": 8, "value_loss_coefficient": 0.25,
  "hidden_layer_size": 512, "max_grad_norm": 0.5,
  "recurrence": {"sequence_length": 8, "hidden_state_size": 256, "layer_type": "lstm",
                 "reset_hidden_state": false},
  "learning_rate_schedule": {"initial": 2.0e-4, "final": 2.0e-4, "power": 1.0,
                             "max_decay_steps": 300},
  "beta_schedule": {"initial": 0.001, "final": 0.001, "power": 1.0, "max_decay_steps": 300},
  "clip_range_schedule": {"initial": 0.2, "final": 0.2, "power": 1.0, "max_decay_steps": 300}
})";

TEST_F(ReferenceConfig, JsonResolvesAsYamlDoes) {
  const Config from_yaml = Config::load_file(write("minigrid.yaml", kMinigridYaml));
  const Config from_json = Config::load_file(write("minigrid.json", kMinigridJson));
  EXPECT_EQ(from_yaml.resolved(), from_json.resolved());
  EXPECT_EQ(from_json.i64("minigrid_size"), 9);  // the reference's default name, S9
  EXPECT_EQ(from_json.i64("learning_rate_decay_updates"), 300);
  EXPECT_EQ(from_yaml.str("layer_type"), "lstm");  // any case

  // The shipped PoC file written out as JSON.
  const json poc = yaml_to_json(testing::read_file(kRecurrentConfigs / "poc_memory.yaml"), "poc");
  const Config poc_json = Config::load_file(write("poc.json", poc.dump(2)));
  EXPECT_EQ(poc_json.resolved(),
            Config::load_file(kRecurrentConfigs / "poc_memory.yaml").resolved());
}

TEST_F(ReferenceConfig, FlatKeysWinOverWhatTheReferenceImplies) {
  std::string text = kMinigridYaml;
  text += "optimizer: adam\nencoder: impala\nfeature_dim: 256\nminigrid_size: 17\n";
  const Config config = Config::load_file(write("mine.yaml", text));
  EXPECT_EQ(config.str("optimizer"), "adam");
  EXPECT_EQ(config.str("encoder"), "impala");
  EXPECT_EQ(config.i64("feature_dim"), 256);
  EXPECT_EQ(config.i64("minigrid_size"), 17);  // no environment.name: S9 is only a default
  EXPECT_EQ(config.str("policy"), "recurrent_ppo");
}

TEST_F(ReferenceConfig, MinigridNamesSetSizeAndRandomLength) {
  const Config config = Config::load_file(
      write("s17.yaml", "environment:\n  type: Minigrid\n  name: MiniGrid-MemoryS17Random-v0\n"));
  EXPECT_EQ(config.i64("minigrid_size"), 17);
  EXPECT_TRUE(config.flag("minigrid_random_length"));
  // Without `recurrence` nothing marks a reference trainer.
  EXPECT_EQ(config.str("policy"), "ppo");
}

TEST_F(ReferenceConfig, CartPoleIsUnmaskedAndScaled) {
  const Config config =
      Config::load_file(write("cp.yaml", "environment: {type: CartPole}\nreward_scale: 0.1\n"));
  EXPECT_EQ(config.str("env"), "cartpole");
  EXPECT_DOUBLE_EQ(config.f64("reward_scale"), 0.1);  // given, so kept
  EXPECT_EQ(config.i64("max_episode_steps"), 200);
}

TEST(YamlScalars, TypedAsPyYamlReadsTheReferencesFiles) {
  const json j = yaml_to_json(R"(a: True
b: false
c: yes
d: 3.0e-4
e: 16
f: "x"
g: "16"
h: .5
i: 1e-3
j: ~
k:
l: plain text
m: 'True'
n: -7
o: [1, 2.5, "3"]
p: 1_000
q: Off
)",
                              "t.yaml");
  EXPECT_EQ(j.at("a"), json(true));
  EXPECT_EQ(j.at("b"), json(false));
  EXPECT_EQ(j.at("c"), json(true));
  ASSERT_TRUE(j.at("d").is_number_float());
  EXPECT_DOUBLE_EQ(j.at("d").get<double>(), 3e-4);
  ASSERT_TRUE(j.at("e").is_number_integer());
  EXPECT_EQ(j.at("e").get<int64_t>(), 16);
  EXPECT_EQ(j.at("f"), json("x"));
  EXPECT_EQ(j.at("g"), json("16"));
  EXPECT_DOUBLE_EQ(j.at("h").get<double>(), 0.5);
  ASSERT_TRUE(j.at("i").is_number_float());
  EXPECT_DOUBLE_EQ(j.at("i").get<double>(), 1e-3);
  EXPECT_TRUE(j.at("j").is_null());
  EXPECT_TRUE(j.at("k").is_null());
  EXPECT_EQ(j.at("l"), json("plain text"));
  EXPECT_EQ(j.at("m"), json("True"));
  EXPECT_EQ(j.at("n"), json(-7));
  EXPECT_EQ(j.at("o"), json::parse(R"([1, 2.5, "3"])"));
  EXPECT_EQ(j.at("p"), json(1000));
  EXPECT_EQ(j.at("q"), json(false));
  EXPECT_TRUE(is_yaml_path("a/B.YML"));
  EXPECT_FALSE(is_yaml_path("a/b.json"));
}

TEST_F(ReferenceConfig, InvalidYamlNamesFileAndLine) {
  EXPECT_EQ(error_for("bad.yaml", "gamma: 0.9\n  updates: 3\n"),
            path_of("bad.yaml") + ": invalid YAML at line 2: illegal map value");
  // An unclosed list is reported where the parser gives up on it.
  EXPECT_EQ(error_for("open.yaml", "recurrence: [8\ngamma: 0.9\n"),
            path_of("open.yaml") + ": invalid YAML at line 2: end of sequence flow not found");
  EXPECT_EQ(error_for("list.yaml", "- 1\n- 2\n"),
            path_of("list.yaml") + ": top level must be a YAML mapping (key: value lines)");
}

TEST_F(ReferenceConfig, DuplicateYamlKeysNameThePath) {
  EXPECT_EQ(error_for("twice.yaml", "recurrence:\n  layer_type: gru\n  layer_type: lstm\n"),
            path_of("twice.yaml") + ": key 'recurrence.layer_type' appears twice (lines 2 and 3)");
  EXPECT_EQ(error_for("top.yaml", "gamma: 0.9\nupdates: 3\ngamma: 0.8\n"),
            path_of("top.yaml") + ": key 'gamma' appears twice (lines 1 and 3)");
}

TEST_F(ReferenceConfig, NestedKeyErrorsNameFileAndKey) {
  EXPECT_EQ(error_for("poc.yaml",
                      "recurrence: {sequence_length: 8, hidden_state_size: 32, "
                      "layer_type: rnn, reset_hidden_state: True}\n"),
            path_of("poc.yaml") +
                ": key 'recurrence.layer_type' must be one of gru, lstm; got "
                "\"rnn\"");
  EXPECT_EQ(error_for("typo.yaml", "recurrence: {layer_typ: gru}\n"),
            path_of("typo.yaml") +
                ": unknown key 'recurrence.layer_typ' (did you mean 'recurrence.layer_type'?)");
  EXPECT_EQ(error_for("other.yaml", "recurrence: {cell: gru}\n"),
            path_of("other.yaml") +
                ": unknown key 'recurrence.cell' (recurrence holds sequence_length, "
                "hidden_state_size, layer_type, reset_hidden_state)");
  EXPECT_EQ(error_for("missing.yaml",
                      "beta_schedule: {initial: 0.001, power: 1.0, "
                      "max_decay_steps: 30}\n"),
            path_of("missing.yaml") +
                ": key 'beta_schedule.final' is missing (beta_schedule needs initial, final, "
                "power, max_decay_steps)");
  EXPECT_EQ(error_for("flat.yaml", "recurrence: 8\n"),
            path_of("flat.yaml") +
                ": key 'recurrence' must be a mapping of sequence_length, hidden_state_size, "
                "layer_type, reset_hidden_state; got 8");
  EXPECT_EQ(error_for("range.yaml",
                      "clip_range_schedule: {initial: 0.2, final: -1, power: 1.0, "
                      "max_decay_steps: 30}\n"),
            path_of("range.yaml") + ": key 'clip_range_schedule.final' must be > 0, got -1");
  EXPECT_EQ(error_for("vf.yaml", "value_loss_coefficient: big\n"),
            path_of("vf.yaml") + ": key 'value_loss_coefficient' must be a number, got \"big\"");
}

TEST_F(ReferenceConfig, UnknownEnvironmentsListTheKnownOnes) {
  EXPECT_EQ(error_for("atari.yaml", "environment: {type: Atari}\n"),
            path_of("atari.yaml") +
                ": key 'environment.type' must be one of PocMemoryEnv, CartPoleMasked, CartPole, "
                "Minigrid, MemoryGym; got \"Atari\"");
  const std::string name =
      error_for("s8.yaml", "environment: {type: Minigrid, name: MiniGrid-MemoryS8-v0}\n");
  EXPECT_EQ(name.rfind(path_of("s8.yaml") +
                           ": key 'environment.name' must be one of MiniGrid-MemoryS7-v0, "
                           "MiniGrid-MemoryS9-v0, ",
                       0),
            0u)
      << name;
  EXPECT_NE(name.find("MiniGrid-MemoryS17Random-v0; got \"MiniGrid-MemoryS8-v0\""),
            std::string::npos)
      << name;
  EXPECT_EQ(error_for("named.yaml", "environment: {type: PocMemoryEnv, name: x}\n"),
            path_of("named.yaml") +
                ": key 'environment.name' applies only to type Minigrid, not \"PocMemoryEnv\"");
}

TEST_F(ReferenceConfig, MemoryGymNamesAndResetParamsBecomeEnvAndEnvOptions) {
  const Config config = Config::load_file(
      write("mm.yaml",
            "environment:\n  type: MemoryGym\n  name: Endless-MortarMayhem-v0\n"
            "  reset_params: {start-seed: 7, num-seeds: 30, agent_scale: 0.3, "
            "initial_command_count: 2}\n"));
  EXPECT_EQ(config.str("env"), "endless_mortar_mayhem");
  EXPECT_EQ(config.i64("start_level"), 7);
  EXPECT_EQ(config.i64("num_levels"), 30);
  EXPECT_EQ(config.resolved().at("env_options"),
            json({{"agent_scale", 0.3}, {"initial_command_count", 2}}));
  EXPECT_EQ(config.str("encoder"), "nature");
  EXPECT_EQ(config.i64("feature_dim"), 0);
  // Mystery Path draws its agent at 0.25 and has no option for it: 0.25 is accepted and dropped.
  const Config path = Config::load_file(write(
      "mp.yaml", "environment: {type: MemoryGym, name: MysteryPath-v0, "
                 "reset_params: {agent_scale: 0.25, show_goal: True}}\n"));
  EXPECT_EQ(path.str("env"), "mystery_path");
  EXPECT_EQ(path.resolved().at("env_options"), json({{"show_goal", true}}));

  EXPECT_EQ(error_for("scale.yaml", "environment: {type: MemoryGym, name: MysteryPath-Grid-v0, "
                                    "reset_params: {agent_scale: 0.5}}\n"),
            path_of("scale.yaml") +
                ": key 'environment.reset_params.agent_scale' must be 0.25 for "
                "MysteryPath-Grid-v0 (lever draws its agent at the original's scale); got 0.5");
  const std::string name =
      error_for("name.yaml", "environment: {type: MemoryGym, name: MortarMayhemB-v0}\n");
  EXPECT_EQ(name.rfind(path_of("name.yaml") +
                           ": key 'environment.name' must be one of MortarMayhem-v0, ",
                       0),
            0u)
      << name;
  EXPECT_NE(name.find("Endless-SearingSpotlights-v0; got \"MortarMayhemB-v0\""),
            std::string::npos)
      << name;
  EXPECT_EQ(error_for("params.yaml",
                      "environment: {type: MemoryGym, name: MortarMayhem-v0, reset_params: 3}\n"),
            path_of("params.yaml") +
                ": key 'environment.reset_params' must be a mapping of the env's options; got 3");
  EXPECT_EQ(error_for("seed.yaml", "environment: {type: MemoryGym, name: MortarMayhem-v0, "
                                   "reset_params: {num-seeds: -2}}\n"),
            path_of("seed.yaml") +
                ": key 'environment.reset_params.num-seeds' must be ≥ 0, got -2");
  EXPECT_EQ(error_for("both.yaml", "environment: {type: MemoryGym, name: MortarMayhem-v0, "
                                   "reset_params: {arena_size: 4}}\nenv_options: {}\n"),
            path_of("both.yaml") +
                ": keys 'environment.reset_params' and 'env_options' name the same setting; "
                "give one");
}

TEST_F(ReferenceConfig, KeyGivenNestedAndFlatIsAnError) {
  EXPECT_EQ(error_for("lr.yaml",
                      "lr: 0.001\nlearning_rate_schedule: {initial: 2.0e-4, final: 2.0e-4, "
                      "power: 1.0, max_decay_steps: 300}\n"),
            path_of("lr.yaml") +
                ": keys 'learning_rate_schedule.initial' and 'lr' name the same setting; give one");
  EXPECT_EQ(error_for("vf.yaml", "vf_coef: 0.5\nvalue_loss_coefficient: 0.25\n"),
            path_of("vf.yaml") +
                ": keys 'value_loss_coefficient' and 'vf_coef' name the same setting; give one");
  EXPECT_EQ(
      error_for("env.yaml", "env: cartpole\nenvironment: {type: CartPoleMasked}\n"),
      path_of("env.yaml") + ": keys 'environment.type' and 'env' name the same setting; give one");
  EXPECT_EQ(error_for("seq.yaml",
                      "sequence_length: 4\nrecurrence: {sequence_length: 8, "
                      "hidden_state_size: 32, layer_type: gru, "
                      "reset_hidden_state: True}\n"),
            path_of("seq.yaml") +
                ": keys 'recurrence.sequence_length' and 'sequence_length' name the same "
                "setting; give one");
  // JSON goes through the same translation.
  EXPECT_EQ(testing::thrown_message<ConfigError>([] {
              Config::from_json(json::parse(R"({"minigrid_size": 11, "environment":
                  {"type": "Minigrid", "name": "MiniGrid-MemoryS9-v0"}})"),
                                "exp.json");
            }),
            "exp.json: keys 'environment.name' and 'minigrid_size' name the same setting; give "
            "one");
}

TEST_F(ReferenceConfig, TrainProcgenYamlStillNeedsParamName) {
  const fs::path params = write("params.yml", "easy:\n  n_envs: 8\nhard:\n  n_envs: 16\n");
  EXPECT_TRUE(is_procgen_params_file(params));
  EXPECT_NE(testing::thrown_message<UsageError>([&] {
              resolve_train_config({params, "", {}, {}});
            })
                .find(" is a train-procgen hyperparameter file: pick a section with --param_name "
                      "(sections: easy, hard)"),
            std::string::npos);
  EXPECT_EQ(resolve_train_config({params, "hard", {}, {}}).i64("num_envs"), 16);
  // Loaded as a config (as `lever sweep` does), it says how to read it instead.
  EXPECT_EQ(testing::thrown_message<ConfigError>([&] { Config::load_file(params); }),
            params.string() +
                ": a file of sections (easy, hard) is a train-procgen hyperparameter file; "
                "`lever train " +
                params.string() + " --param_name SECTION` reads one");
}

TEST_F(ReferenceConfig, ReferenceYamlNeedsNoParamName) {
  const fs::path poc = kRecurrentConfigs / "poc_memory.yaml";
  EXPECT_FALSE(is_procgen_params_file(poc));
  const Config config = resolve_train_config({poc, "", {{"--seed", "seed=3"}}, {"num_envs=8"}});
  EXPECT_EQ(config.str("env"), "poc_memory");
  EXPECT_EQ(config.str("policy"), "recurrent_ppo");
  EXPECT_EQ(config.i64("seed"), 3);
  EXPECT_EQ(config.i64("num_envs"), 8);  // --set beats the file
  // Only sections, but the reference's: a config, not a train-procgen file.
  const fs::path nested =
      write("nested.yaml",
            "recurrence: {sequence_length: 4, hidden_state_size: 16, layer_type: gru, "
            "reset_hidden_state: False}\nenvironment: {type: PocMemoryEnv}\n");
  EXPECT_FALSE(is_procgen_params_file(nested));
  EXPECT_EQ(resolve_train_config({nested, "", {}, {}}).i64("sequence_length"), 4);
}

TEST(ReferenceConfigFiles, MemoryGymGridTasks) {
  for (const char* file : {"mortar_mayhem_grid.yaml", "mystery_path_grid.yaml"}) {
    SCOPED_TRACE(file);
    const Config config = Config::load_file(kRecurrentConfigs / file);
    EXPECT_EQ(config.str("policy"), "recurrent_ppo");
    EXPECT_EQ(config.str("optimizer"), "adamw");
    EXPECT_DOUBLE_EQ(config.f64("gamma"), 0.995);
    EXPECT_EQ(config.i64("num_envs"), 32);
    EXPECT_EQ(config.i64("num_steps"), 512);
    EXPECT_EQ(config.i64("num_epochs"), 3);
    EXPECT_EQ(config.i64("num_minibatches"), 8);
    EXPECT_DOUBLE_EQ(config.f64("vf_coef"), 1.0);  // 2 × 0.5
    EXPECT_DOUBLE_EQ(config.f64("max_grad_norm"), 0.25);
    EXPECT_EQ(config.str("layer_type"), "gru");
    EXPECT_EQ(config.i64("hidden_state_size"), 512);
    EXPECT_EQ(config.i64("sequence_length"), -1);
    EXPECT_TRUE(config.flag("reset_hidden_state"));
    EXPECT_EQ(config.i64("start_level"), 0);
    EXPECT_EQ(config.i64("num_levels"), 100000);
    EXPECT_EQ(config.str("encoder"), "nature");
    EXPECT_EQ(config.i64("feature_dim"), 0);
    EXPECT_EQ(config.i64("learning_rate_decay_updates"), 10000);
  }
  const Config mortar = Config::load_file(kRecurrentConfigs / "mortar_mayhem_grid.yaml");
  EXPECT_EQ(mortar.str("env"), "mortar_mayhem_grid");
  EXPECT_EQ(mortar.i64("num_updates"), 5000);
  EXPECT_DOUBLE_EQ(mortar.f64("learning_rate"), 2.5e-4);
  EXPECT_DOUBLE_EQ(mortar.f64("clip_coef"), 0.1);
  EXPECT_DOUBLE_EQ(mortar.f64("ent_coef"), 1e-4);
  const json& mortar_options = mortar.resolved().at("env_options");
  EXPECT_EQ(mortar_options.at("command_count"), json::array({10}));
  EXPECT_EQ(mortar_options.at("explosion_delay"), json::array({6}));
  EXPECT_DOUBLE_EQ(mortar_options.at("reward_command_success").get<double>(), 0.1);
  const Config path = Config::load_file(kRecurrentConfigs / "mystery_path_grid.yaml");
  EXPECT_EQ(path.str("env"), "mystery_path_grid");
  EXPECT_EQ(path.i64("num_updates"), 10000);
  EXPECT_DOUBLE_EQ(path.f64("learning_rate"), 2.75e-4);
  EXPECT_DOUBLE_EQ(path.f64("ent_coef"), 1e-3);
  EXPECT_FALSE(path.resolved().at("env_options").contains("agent_scale"));
  EXPECT_EQ(path.resolved().at("env_options").at("reward_path_progress"), 0.0);
  // Both option sets are ones the envs accept.
  for (const Config* config : {&mortar, &path}) {
    EXPECT_NO_THROW(make_env(config->str("env"), config->resolved().at("env_options")));
  }
}

TEST(ReferenceConfigDocs, TheReferenceSectionMapsEveryNestedKey) {
  const std::string docs = config_reference_markdown();
  EXPECT_NE(docs.find("## The recurrent PPO reference's keys"), std::string::npos);
  EXPECT_NE(docs.find("| `value_loss_coefficient` | `vf_coef` = 2 × value |"), std::string::npos);
  EXPECT_NE(docs.find("| `beta_schedule.max_decay_steps` | `ent_coef_decay_updates` |"),
            std::string::npos);
  EXPECT_NE(docs.find("| `recurrence.layer_type` | `layer_type` |"), std::string::npos);
  EXPECT_NE(docs.find("| `environment.type: Minigrid` | `env: minigrid_memory`"),
            std::string::npos);
  EXPECT_NE(docs.find("`MortarMayhem-Grid-v0` → `mortar_mayhem_grid`"), std::string::npos);
  EXPECT_NE(docs.find("| `environment.reset_params` | `env_options` |"), std::string::npos);
  EXPECT_TRUE(is_reference_section("clip_range_schedule"));
  EXPECT_FALSE(is_reference_section("gamma"));
}

}  // namespace
}  // namespace lever

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "support/error_message.h"
#include "lever/core/config.h"
#include "lever/core/errors.h"
#include "lever/study/procgen_params.h"
#include "support/scratch_dir.h"

namespace lever {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::ScratchDir;

const fs::path kShippedFile = fs::path(LEVER_SOURCE_DIR) / "hyperparams/procgen/config.yml";

// Every key train-procgen knows, none at its default, so each mapping shows.
const char* const kFullSection = R"(m:
  algo: trpo
  n_envs: 8
  n_steps: 32
  epoch: 5
  mini_batch_per_epoch: 4
  mini_batch_size: 64
  gamma: 0.9
  lmbda: 0.8
  learning_rate: 0.001
  grad_clip_norm: 1.5
  eps_clip: 0.1
  value_coef: 0.25
  entropy_coef: 0.02
  normalize_adv: False
  normalize_rew: False
  use_gae: True
  architecture: nature
  recurrent: False
)";

TEST(ProcgenParamsShippedFile, HasTheDocumentedSections) {
  EXPECT_EQ(
      procgen_param_sections(kShippedFile),
      (std::vector<std::string>{"easy", "easy-200", "hard", "hard-500", "baseline", "cpu-small"}));
}

TEST(ProcgenParamsShippedFile, EverySectionLoadsIntoAValidConfig) {
  for (const std::string& section : procgen_param_sections(kShippedFile)) {
    SCOPED_TRACE(section);
    const Config config = resolve_train_config({kShippedFile, section, {}, {}});
    const int64_t batch = config.i64("num_envs") * config.i64("num_steps");
    EXPECT_EQ(batch % config.i64("minibatch_size"), 0);
    EXPECT_EQ(config.str("env"), "starpilot");  // train.py's default game
    EXPECT_EQ(config.i64("total_steps"), 25000000);
    EXPECT_EQ(config.str("policy"), "ppo");
    EXPECT_EQ(config.i64("num_epochs"), 3);
    EXPECT_DOUBLE_EQ(config.f64("learning_rate"), 5e-4);
    EXPECT_DOUBLE_EQ(config.f64("clip_coef"), 0.2);
    EXPECT_DOUBLE_EQ(config.f64("ent_coef"), 0.01);
    EXPECT_DOUBLE_EQ(config.f64("vf_coef"), 0.5);
    EXPECT_TRUE(config.flag("normalize_reward"));
    EXPECT_TRUE(config.flag("norm_adv"));
  }
}

TEST(ProcgenParamsShippedFile, EasyIsTheProcgenPaperSetting) {
  const Config easy = resolve_train_config({kShippedFile, "easy", {}, {}});
  EXPECT_EQ(easy.i64("num_envs"), 64);
  EXPECT_EQ(easy.i64("num_steps"), 256);
  EXPECT_EQ(easy.i64("minibatch_size"), 2048);
  EXPECT_DOUBLE_EQ(easy.f64("gamma"), 0.999);
  EXPECT_DOUBLE_EQ(easy.f64("gae_lambda"), 0.95);
  EXPECT_DOUBLE_EQ(easy.f64("max_grad_norm"), 0.5);
  EXPECT_DOUBLE_EQ(easy.f64("adam_eps"), 1e-5);
  EXPECT_EQ(easy.str("encoder"), "impala");
  EXPECT_EQ(easy.int_list("impala_channels"), (std::vector<int64_t>{16, 32, 32}));
  EXPECT_EQ(easy.i64("feature_dim"), 256);
  EXPECT_EQ(resolve_train_config({kShippedFile, "baseline", {}, {}}).resolved(), easy.resolved());
}

TEST(ProcgenParamsShippedFile, HardSectionsMatchTrainProcgenIncludingGradientChunks) {
  // 256 envs: minibatches of 8192 that train-procgen feeds in 4 chunks of 2048.
  const Config hard = resolve_train_config({kShippedFile, "hard", {}, {}});
  EXPECT_EQ(hard.i64("num_envs"), 256);
  EXPECT_EQ(hard.i64("minibatch_size"), 8192);
  EXPECT_DOUBLE_EQ(hard.f64("max_grad_norm"), 0.5 / 4);
  EXPECT_DOUBLE_EQ(hard.f64("adam_eps"), 1e-5 / 4);
  const Config hard500 = resolve_train_config({kShippedFile, "hard-500", {}, {}});
  EXPECT_EQ(hard500.i64("num_envs"), 512);
  EXPECT_EQ(hard500.i64("minibatch_size"), 16384);
  EXPECT_DOUBLE_EQ(hard500.f64("max_grad_norm"), 0.5 / 8);
  const Config easy200 = resolve_train_config({kShippedFile, "easy-200", {}, {}});
  EXPECT_EQ(easy200.i64("num_envs"), 128);
  EXPECT_DOUBLE_EQ(easy200.f64("max_grad_norm"), 0.25);
}

TEST(ProcgenParamsShippedFile, CpuSmallIsANatureCnnOnSixteenEnvs) {
  const Config small = resolve_train_config({kShippedFile, "cpu-small", {}, {}});
  EXPECT_EQ(small.str("encoder"), "nature");
  EXPECT_EQ(small.i64("feature_dim"), 512);
  EXPECT_EQ(small.i64("num_envs"), 16);
  EXPECT_EQ(small.i64("num_steps"), 128);
  EXPECT_EQ(small.i64("minibatch_size"), 512);
  EXPECT_EQ(small.i64("num_epochs"), 3);
  EXPECT_DOUBLE_EQ(small.f64("max_grad_norm"), 0.5);
}

class ProcgenParamsMapping : public ::testing::Test {
 protected:
  fs::path write(const std::string& text) {
    const fs::path path = dir_ / "params.yml";
    testing::write_file(path, text);
    return path;
  }
  ScratchDir dir_;
};

TEST_F(ProcgenParamsMapping, EveryKeyBecomesItsLeverKey) {
  const json params = load_procgen_params(write(kFullSection), "m");
  const json expected = {
      {"policy", "trpo"},  {"num_envs", 8},          {"num_steps", 32},
      {"num_epochs", 5},   {"minibatch_size", 64},   {"gamma", 0.9},
      {"gae_lambda", 0.8}, {"learning_rate", 0.001}, {"max_grad_norm", 1.5},
      {"adam_eps", 1e-5},  {"clip_coef", 0.1},       {"vf_coef", 0.25},
      {"ent_coef", 0.02},  {"norm_adv", false},      {"normalize_reward", false},
      {"anneal_lr", true}, {"clip_vloss", true},     {"target_kl", 0.0},
      {"beta", 0.0},       {"encoder", "nature"},    {"feature_dim", 512},
  };
  EXPECT_EQ(params, expected);
}

TEST_F(ProcgenParamsMapping, OverridesAreSetTextsThatLoad) {
  const std::vector<std::string> overrides = procgen_param_overrides(write(kFullSection), "m");
  EXPECT_NE(std::find(overrides.begin(), overrides.end(), "minibatch_size=64"), overrides.end());
  EXPECT_NE(std::find(overrides.begin(), overrides.end(), "encoder=\"nature\""), overrides.end());
  const Config config = Config::from_json(json::object(), "test", overrides);
  EXPECT_EQ(config.i64("num_envs"), 8);
  EXPECT_EQ(config.str("policy"), "trpo");
  EXPECT_DOUBLE_EQ(config.f64("gae_lambda"), 0.8);
}

TEST_F(ProcgenParamsMapping, UseGaeFalseMeansLambdaOne) {
  std::string text = kFullSection;
  text.replace(text.find("use_gae: True"), 13, "use_gae: False");
  EXPECT_EQ(load_procgen_params(write(text), "m").at("gae_lambda"), 1.0);
}

TEST_F(ProcgenParamsMapping, MiniBatchPerEpochSetsTheMinibatch) {
  const fs::path file = write(
      "m:\n  n_envs: 16\n  n_steps: 64\n  mini_batch_per_epoch: 2\n"
      "  mini_batch_size: 4096\n");
  const json params = load_procgen_params(file, "m");
  EXPECT_EQ(params.at("minibatch_size"), 512);
  // A GPU chunk larger than the minibatch is cut to it, as train-procgen does: one chunk.
  EXPECT_EQ(params.at("max_grad_norm"), 0.5);
  EXPECT_EQ(params.at("adam_eps"), 1e-5);
}

TEST_F(ProcgenParamsMapping, GpuChunksScaleClipAndAdamEpsilon) {
  const fs::path file = write(
      "m:\n  n_envs: 16\n  n_steps: 64\n  mini_batch_per_epoch: 2\n"
      "  mini_batch_size: 128\n  grad_clip_norm: 1.0\n");
  const json params = load_procgen_params(file, "m");
  EXPECT_EQ(params.at("minibatch_size"), 512);
  EXPECT_DOUBLE_EQ(params.at("max_grad_norm").get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(params.at("adam_eps").get<double>(), 2.5e-6);
}

TEST_F(ProcgenParamsMapping, ArchitectureImpalaSetsTheProcgenNetwork) {
  const json params = load_procgen_params(write("m:\n  architecture: impala\n"), "m");
  EXPECT_EQ(params.at("encoder"), "impala");
  EXPECT_EQ(params.at("feature_dim"), 256);
  EXPECT_EQ(params.at("impala_channels"), json::array({16, 32, 32}));
}

TEST_F(ProcgenParamsMapping, MissingKeysTakeTrainProcgenDefaults) {
  const json params = load_procgen_params(write("m:\n  n_envs: 32\n"), "m");
  EXPECT_EQ(params.at("num_envs"), 32);
  EXPECT_EQ(params.at("num_steps"), 256);
  EXPECT_EQ(params.at("num_epochs"), 3);
  EXPECT_EQ(params.at("minibatch_size"), 32 * 256 / 8);
  EXPECT_EQ(params.at("gamma"), 0.99);
  EXPECT_EQ(params.at("learning_rate"), 2.5e-4);
  EXPECT_EQ(params.at("encoder"), "impala");
  EXPECT_EQ(params.at("policy"), "ppo");
  // Its default mini_batch_size 256 splits the 1024-sample minibatch into 4 chunks.
  EXPECT_DOUBLE_EQ(params.at("max_grad_norm").get<double>(), 0.125);
}

class ProcgenParamsErrors : public ProcgenParamsMapping {
 protected:
  std::string error_for(const std::string& body, const std::string& section = "m") {
    const fs::path file = write(body);
    return testing::thrown_message<UsageError>([&] { load_procgen_params(file, section); });
  }
};

TEST_F(ProcgenParamsErrors, UnknownKeyNamesFileSectionAndKeyWithSuggestion) {
  const std::string file = (dir_ / "params.yml").string();
  EXPECT_EQ(error_for("m:\n  n_env: 8\n"),
            file + ", section 'm': unknown key 'n_env' (did you mean 'n_envs'?)");
  EXPECT_EQ(error_for("m:\n  use_lstm: True\n"),
            file +
                ", section 'm': unknown key 'use_lstm' (train-procgen keys: see "
                "docs/TRAIN_PROCGEN.md)");
}

TEST_F(ProcgenParamsErrors, MissingSectionListsTheSections) {
  const std::string file = (dir_ / "params.yml").string();
  EXPECT_EQ(error_for("easy:\n  n_envs: 8\nhard:\n  n_envs: 8\n", "eazy"),
            file + ": no section 'eazy' (did you mean 'easy'?); sections: easy, hard");
}

TEST_F(ProcgenParamsErrors, MissingFileIsNamed) {
  const fs::path missing = dir_ / "nope.yml";
  EXPECT_EQ(testing::thrown_message<UsageError>([&] { load_procgen_params(missing, "easy"); }),
            missing.string() + ": cannot read hyperparameter file (no such file)");
}

TEST_F(ProcgenParamsErrors, RecurrentNeedsPpo) {
  EXPECT_NE(error_for("m:\n  recurrent: True\n  algo: trpo\n")
                .find("key 'recurrent' is True with algo \"trpo\": lever's recurrent policy "
                      "trains with PPO only"),
            std::string::npos);
}

TEST_F(ProcgenParamsErrors, RecurrentSectionTrainsAGruPolicyOnWholeEpisodes) {
  const fs::path file = dir_ / "params.yml";
  testing::write_file(file, "m:\n  recurrent: True\n  architecture: impala\n");
  const nlohmann::json p = load_procgen_params(file, "m");
  EXPECT_EQ(p.at("policy"), "recurrent_ppo");
  EXPECT_EQ(p.at("layer_type"), "gru");
  EXPECT_EQ(p.at("hidden_state_size"), 256);
  EXPECT_EQ(p.at("sequence_length"), 0);
  // The same minibatches per epoch, now counted in sequences.
  EXPECT_EQ(p.at("num_minibatches").get<int64_t>(),
            p.at("num_envs").get<int64_t>() * p.at("num_steps").get<int64_t>() /
                p.at("minibatch_size").get<int64_t>());
}

TEST_F(ProcgenParamsErrors, BatchSizesMustDivide) {
  const std::string file = (dir_ / "params.yml").string();
  EXPECT_EQ(error_for("m:\n  n_envs: 10\n  n_steps: 10\n  mini_batch_per_epoch: 3\n"),
            file +
                ", section 'm': key 'mini_batch_per_epoch' (3) must divide n_envs × n_steps "
                "(= 100)");
  EXPECT_EQ(error_for("m:\n  n_envs: 16\n  n_steps: 64\n  mini_batch_per_epoch: 2\n"
                      "  mini_batch_size: 100\n"),
            file +
                ", section 'm': key 'mini_batch_size' (100) must divide the minibatch "
                "n_envs × n_steps / mini_batch_per_epoch (= 512): train-procgen accumulates "
                "gradients over chunks of that size");
}

TEST_F(ProcgenParamsErrors, WrongTypesAndValuesNameTheKey) {
  const std::string where = (dir_ / "params.yml").string() + ", section 'm': ";
  EXPECT_EQ(error_for("m:\n  n_envs: many\n"),
            where + "key 'n_envs' must be an integer, got 'many'");
  EXPECT_EQ(error_for("m:\n  n_steps: 2.5\n"),
            where + "key 'n_steps' must be an integer, got '2.5'");
  EXPECT_EQ(error_for("m:\n  gamma: [1]\n"),
            where + "key 'gamma' must be a number, got a list or mapping");
  EXPECT_EQ(error_for("m:\n  normalize_adv: maybe\n"),
            where + "key 'normalize_adv' must be True or False, got 'maybe'");
  EXPECT_EQ(error_for("m:\n  architecture: resnet\n"),
            where + "key 'architecture' must be one of impala, nature; got 'resnet'");
  EXPECT_EQ(error_for("m:\n  n_envs: 0\n"), where + "key 'n_envs' must be ≥ 1, got 0");
  EXPECT_EQ(error_for("m: 3\n"), where + "must be a mapping of key: value");
  EXPECT_EQ(error_for("m:\n  n_envs: 8\n  n_envs: 16\n"), where + "key 'n_envs' appears twice");
}

TEST_F(ProcgenParamsErrors, InvalidYamlGivesTheLine) {
  EXPECT_NE(error_for("m:\n  n_envs: [8\n").find("invalid YAML at line"), std::string::npos);
}

class TrainConfigPrecedence : public ProcgenParamsMapping {};

TEST_F(TrainConfigPrecedence, SectionThenFlagsThenSet) {
  TrainConfigSources sources;
  sources.config_file = write("m:\n  n_envs: 8\n  n_steps: 32\n  mini_batch_per_epoch: 4\n");
  sources.param_name = "m";
  sources.flags = {{"--env_name", "env=bigfish"},
                   {"--num_levels", "num_levels=200"},
                   {"--num_timesteps", "total_steps=4096"}};
  sources.overrides = {"num_levels=50"};
  const Config config = resolve_train_config(sources);
  EXPECT_EQ(config.str("env"), "bigfish");
  EXPECT_EQ(config.i64("num_levels"), 50);  // --set beats the flag
  EXPECT_EQ(config.i64("total_steps"), 4096);
  EXPECT_EQ(config.i64("num_envs"), 8);
  EXPECT_EQ(config.i64("minibatch_size"), 64);
}

TEST_F(TrainConfigPrecedence, SectionOverridesAJsonConfigReadFromTheDefaultPath) {
  fs::create_directories(dir_ / "hyperparams/procgen");
  testing::write_file(dir_ / "hyperparams/procgen/config.yml", "m:\n  n_envs: 4\n  n_steps: 16\n");
  testing::write_file(dir_ / "exp.json",
                      R"({"env": "coinrun", "num_envs": 32, "eval_episodes": 7})");
  const fs::path before = fs::current_path();
  fs::current_path(dir_.path());
  TrainConfigSources sources;
  sources.config_file = "exp.json";
  sources.param_name = "m";
  const Config config = resolve_train_config(sources);
  fs::current_path(before);
  EXPECT_EQ(config.str("env"), "coinrun");     // from the JSON file: the section has no env
  EXPECT_EQ(config.i64("eval_episodes"), 7);   // from the JSON file
  EXPECT_EQ(config.i64("num_envs"), 4);        // the section beats the file
  EXPECT_EQ(config.i64("minibatch_size"), 8);  // 4 × 16 / 8
}

TEST_F(TrainConfigPrecedence, JsonConfigAloneStillWorks) {
  testing::write_file(dir_ / "exp.json", R"({"env": "cartpole", "num_envs": 4})");
  TrainConfigSources sources;
  sources.config_file = dir_ / "exp.json";
  sources.flags = {{"--seed", "seed=9"}};
  sources.overrides = {"num_envs=2"};
  const Config config = resolve_train_config(sources);
  EXPECT_EQ(config.i64("num_envs"), 2);
  EXPECT_EQ(config.i64("seed"), 9);
  EXPECT_EQ(config.str("env"), "cartpole");
  EXPECT_EQ(config.i64("total_steps"), 1000000);  // lever's default, not train.py's
}

TEST_F(TrainConfigPrecedence, SetOverridesAreCheckedTogether) {
  // 3 envs with 384-sample minibatches is valid only once both are set.
  TrainConfigSources sources{kShippedFile, "cpu-small", {}, {"num_envs=3", "minibatch_size=384"}};
  const Config config = resolve_train_config(sources);
  EXPECT_EQ(config.i64("num_envs"), 3);
  EXPECT_EQ(config.i64("minibatch_size"), 384);
}

TEST_F(TrainConfigPrecedence, ErrorsNameTheirSource) {
  EXPECT_EQ(testing::thrown_message<UsageError>([&] {
              resolve_train_config({kShippedFile, "easy", {{"--num_levels", "num_levels=-1"}}, {}});
            }),
            "--num_levels: key 'num_levels' must be ≥ 0, got -1");
  EXPECT_NE(testing::thrown_message<UsageError>([&] {
              resolve_train_config({kShippedFile, "", {}, {}});
            })
                .find("is a train-procgen hyperparameter file: pick a section with --param_name "
                      "(sections: easy, easy-200, hard, hard-500, baseline, cpu-small)"),
            std::string::npos);
  EXPECT_NE(testing::thrown_message<UsageError>([&] { resolve_train_config({}); }).find("give a config file"),
            std::string::npos);
  const fs::path before = fs::current_path();
  fs::current_path(dir_.path());
  const std::string missing = testing::thrown_message<UsageError>([&] { resolve_train_config({"", "easy", {}, {}}); });
  fs::current_path(before);
  EXPECT_EQ(missing.rfind("hyperparams/procgen/config.yml: no such file", 0), 0u) << missing;
}

}  // namespace
}  // namespace lever

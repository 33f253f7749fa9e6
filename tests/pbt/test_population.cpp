// PBT of PPO members end to end on CartPole: exploit copies everything, explored values are the
// ones the next updates use, resume continues from the last generation, threads do not change
// the population.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "lever/algo/checkpoint.h"
#include "lever/algo/ppo.h"
#include "lever/algo/run_files.h"
#include "lever/core/errors.h"
#include "lever/pbt/plan.h"
#include "lever/pbt/population.h"
#include "support/scratch_dir.h"

namespace lever {
namespace {

using nlohmann::json;
using testing::ScratchDir;

// Batches of 4 x 32 = 128 steps, 2 updates a generation, 3 generations.
json tiny_experiment(const json& pbt_extra = json::object()) {
  json pbt = {{"population_size", 3},
              {"steps_per_generation", 256},
              {"hyperparameters",
               {{"learning_rate", {{"prior", "log_uniform"}, {"min", 1e-4}, {"max", 1e-2}}},
                {"ent_coef", {{"min", 0.0}, {"max", 0.05}}},
                {"clip_coef", {{"min", 0.1}, {"max", 0.3}}}}}};
  pbt.update(pbt_extra);
  return {{"env", "cartpole"},     {"num_envs", 4},        {"num_steps", 32},
          {"total_steps", 768},    {"num_minibatches", 2}, {"num_epochs", 2},
          {"anneal_lr", false},    {"eval_num_envs", 2},   {"eval_episodes", 2},
          {"max_episode_steps", 60}, {"seed", 3},          {"pbt", pbt}};
}

PbtExperiment experiment_from(const json& file, const ScratchDir& dir) {
  const auto path = dir / "experiment.json";
  std::ofstream(path) << file.dump(2);
  return load_pbt_experiment(path, {});
}

// A CSV file as columns of numbers.
std::map<std::string, std::vector<double>> read_columns(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> names;
  std::stringstream header(line);
  for (std::string name; std::getline(header, name, ',');) names.push_back(name);
  std::map<std::string, std::vector<double>> columns;
  while (std::getline(in, line)) {
    std::stringstream row(line);
    size_t i = 0;
    for (std::string cell; std::getline(row, cell, ','); ++i) {
      columns[names.at(i)].push_back(std::stod(cell));
    }
  }
  return columns;
}

json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

PbtOptions quiet_options(int64_t stop_after = -1, int jobs = 1) {
  PbtOptions o;
  o.quiet = true;
  o.stop_after_generations = stop_after;
  o.jobs = jobs;
  return o;
}

TEST(PbtPopulation, ExploitCopiesWeightsOptimiserStateAndHyperparameters) {
  ScratchDir dir;
  // Everyone copies the best; factor 1 keeps the copied values as they are.
  const PbtExperiment experiment = experiment_from(
      tiny_experiment({{"exploit", "winner_takes_all"}, {"perturb_factors", {1.0}}}), dir);
  InProcessTransport transport;
  const PbtResult result = run_pbt(experiment, dir / "pop", transport, quiet_options(1));
  ASSERT_FALSE(result.finished);
  ASSERT_EQ(result.generations, 1);

  const auto csv = read_columns(dir / "pop" / "pbt.csv");
  ASSERT_EQ(csv.at("member").size(), 3u);
  const int best = rank_members(csv.at("score")).front();
  const json state = read_json(dir / "pop" / "pbt_state.json");
  EXPECT_EQ(state["parents"], json({best, best, best}));

  std::vector<TrainingState> saved;
  for (const char* member : {"member_000", "member_001", "member_002"}) {
    saved.push_back(load_checkpoint(update_checkpoint_path(dir / "pop" / member, 2)));
  }
  // Before the copy the members differed (own seeds and hyperparameters).
  EXPECT_NE(csv.at("learning_rate")[0], csv.at("learning_rate")[1]);
  const TrainingState& source = saved[best];
  for (int m = 0; m < 3; ++m) {
    SCOPED_TRACE("member " + std::to_string(m));
    EXPECT_TRUE(torch::equal(saved[m].params, source.params));
    EXPECT_TRUE(torch::equal(saved[m].adam_exp_avg, source.adam_exp_avg));
    EXPECT_TRUE(torch::equal(saved[m].adam_exp_avg_sq, source.adam_exp_avg_sq));
    EXPECT_EQ(saved[m].adam_steps, source.adam_steps);
    EXPECT_EQ(saved[m].return_var, source.return_var);
    for (const char* key : {"learning_rate", "ent_coef", "clip_coef"}) {
      EXPECT_EQ(saved[m].config[key].get<double>(), source.config[key].get<double>()) << key;
      EXPECT_NEAR(saved[m].config[key].get<double>(), csv.at(key)[best], 1e-8) << key;
    }
    // Its own counters and seed stay its own.
    EXPECT_EQ(saved[m].config["seed"].get<int64_t>(), 3 + m);
  }
}

TEST(PbtPopulation, ExploredValuesAreTheOnesTheNextUpdatesUse) {
  ScratchDir dir;
  const PbtExperiment experiment = experiment_from(tiny_experiment(), dir);
  InProcessTransport transport;
  ASSERT_TRUE(run_pbt(experiment, dir / "pop", transport, quiet_options()).finished);
  const auto pbt = read_columns(dir / "pop" / "pbt.csv");
  ASSERT_EQ(pbt.at("generation").size(), 9u);
  int copies = 0;
  for (size_t row = 0; row < 9; ++row) {
    const int g = static_cast<int>(pbt.at("generation")[row]);
    const int m = static_cast<int>(pbt.at("member")[row]);
    copies += pbt.at("parent")[row] != m;
    char member[32];
    std::snprintf(member, sizeof(member), "member_%03d", m);
    const auto metrics = read_columns(dir / "pop" / member / "metrics.csv");
    int checked = 0;
    for (size_t u = 0; u < metrics.at("step").size(); ++u) {
      const double step = metrics.at("step")[u];
      if (step <= g * 256 || step > (g + 1) * 256) continue;
      ++checked;
      for (const auto& [key, column] : {std::pair{"learning_rate", "charts/learning_rate"},
                                        std::pair{"ent_coef", "charts/ent_coef"},
                                        std::pair{"clip_coef", "charts/clip_coef"}}) {
        EXPECT_NEAR(metrics.at(column)[u], pbt.at(key)[row], 1e-8 * pbt.at(key)[row])
            << key << " of member " << m << " in generation " << g;
      }
    }
    EXPECT_EQ(checked, 2) << "two updates per generation";
  }
  EXPECT_EQ(copies, 2) << "truncation moves one of three members after generations 0 and 1";
}

TEST(PbtLearner, ANewGammaIsTheOneTheNextRolloutUses) {
  ScratchDir dir;
  const PbtExperiment experiment = experiment_from(tiny_experiment(), dir);
  const RunPaths paths = create_run_dir(dir / "run", false);
  PpoLearner learner(experiment.base, paths, nullptr, TrainOptions{true});
  learner.train(1);
  learner.set("gamma=0.5", "test");
  learner.set("learning_rate=0.0123", "test");
  learner.train(1);
  EXPECT_EQ(learner.optimizer().lr(), 0.0123);
  // GAE's recursion with the new gamma: A_t = δ_t + γλ(1 - done_t) A_{t+1}, where
  // δ_t = r_t + γ(1 - terminated_t) V_{t+1} - V_t, on every step not cut by a time limit.
  const Rollout& r = learner.rollout();
  const double gamma = 0.5, lambda = experiment.base.f64("gae_lambda");
  int checked = 0;
  for (int64_t t = 0; t + 1 < r.num_steps; ++t) {
    for (int64_t n = 0; n < r.num_envs; ++n) {
      if (r.truncated[t][n].item<float>() != 0) continue;
      const double done = r.terminated[t][n].item<float>();
      const double delta = r.rewards[t][n].item<float>() +
                           gamma * (1 - done) * r.values[t + 1][n].item<float>() -
                           r.values[t][n].item<float>();
      const double expected = delta + gamma * lambda * (1 - done) * r.advantages[t + 1][n].item<float>();
      EXPECT_NEAR(r.advantages[t][n].item<float>(), expected, 1e-4);
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(PbtPopulation, ResumeContinuesFromTheLastFinishedGeneration) {
  ScratchDir dir;
  const PbtExperiment experiment = experiment_from(tiny_experiment(), dir);
  InProcessTransport transport;
  ASSERT_FALSE(run_pbt(experiment, dir / "pop", transport, quiet_options(1)).finished);
  const json state = read_json(dir / "pop" / "pbt_state.json");
  EXPECT_EQ(state["generations_done"], 1);
  EXPECT_EQ(state["updates_done"], 2);
  // The state's hyperparameters are the ones the saved checkpoints carry.
  for (int m = 0; m < 3; ++m) {
    char member[32];
    std::snprintf(member, sizeof(member), "member_%03d", m);
    const TrainingState saved = load_checkpoint(update_checkpoint_path(dir / "pop" / member, 2));
    EXPECT_EQ(saved.config["learning_rate"].get<double>(),
              state["hyperparameters"][m][2].get<double>());  // keys in order clip, ent, lr
  }
  const PbtResult resumed = resume_pbt(dir / "pop", transport, quiet_options());
  ASSERT_TRUE(resumed.finished);
  EXPECT_EQ(resumed.generations, 3);
  const auto pbt = read_columns(dir / "pop" / "pbt.csv");
  EXPECT_EQ(pbt.at("generation"), (std::vector<double>{0, 0, 0, 1, 1, 1, 2, 2, 2}));
  for (const char* member : {"member_000", "member_001", "member_002"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / "pop" / member / "final.pt"));
    const auto steps = read_columns(dir / "pop" / member / "metrics.csv").at("step");
    EXPECT_EQ(steps, (std::vector<double>{128, 256, 384, 512, 640, 768})) << member;
  }
  // A finished population resumes to the same answer without training.
  EXPECT_TRUE(resume_pbt(dir / "pop", transport, quiet_options()).finished);
}

TEST(PbtPopulation, TrainingMembersOnThreadsGivesTheSamePopulation) {
  ScratchDir dir;
  const PbtExperiment experiment = experiment_from(tiny_experiment(), dir);
  InProcessTransport transport;
  ASSERT_TRUE(run_pbt(experiment, dir / "one", transport, quiet_options(-1, 1)).finished);
  ASSERT_TRUE(run_pbt(experiment, dir / "two", transport, quiet_options(-1, 2)).finished);
  auto one = read_columns(dir / "one" / "pbt.csv");
  auto two = read_columns(dir / "two" / "pbt.csv");
  one.erase("train_seconds");
  two.erase("train_seconds");
  EXPECT_EQ(one, two);
}

TEST(PbtPopulation, RefusesOtherPoliciesAndAFileWithoutASection) {
  ScratchDir dir;
  json file = tiny_experiment();
  file["policy"] = "trpo";
  EXPECT_THROW(experiment_from(file, dir), ConfigError);
  file.erase("pbt");
  file["policy"] = "ppo";
  EXPECT_THROW(experiment_from(file, dir), ConfigError);
}

}  // namespace
}  // namespace lever

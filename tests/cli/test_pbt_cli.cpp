// `lever pbt`, its resume, `lever plot` on a population, `lever train` on a PBT file and
// `lever pbt-toy`, run as a user would.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/cli_helpers.h"

namespace lever::testing {
namespace {

using nlohmann::json;

json tiny_population() {
  return {{"env", "cartpole"},      {"num_envs", 4},        {"num_steps", 32},
          {"total_steps", 768},     {"num_minibatches", 2}, {"num_epochs", 2},
          {"eval_num_envs", 2},     {"eval_episodes", 2},   {"max_episode_steps", 60},
          {"pbt",
           {{"population_size", 3},
            {"steps_per_generation", 256},
            {"hyperparameters",
             {{"learning_rate", {{"prior", "log_uniform"}, {"min", 1e-4}, {"max", 1e-2}}}}}}}};
}

TEST(PbtCli, TrainsAPopulationResumesItAndPlotsIt) {
  ScratchDir dir;
  write_file(dir / "pop.json", tiny_population().dump());
  const CommandResult stopped =
      run_lever("pbt pop.json --run-dir pop --stop-after-generations 1", dir.path());
  EXPECT_EQ(stopped.exit_code, 130) << stopped.err;
  EXPECT_NE(stopped.out.find("generation 1/3"), std::string::npos) << stopped.out;
  EXPECT_NE(stopped.out.find("lever resume pop"), std::string::npos) << stopped.out;

  const CommandResult resumed = run_lever("resume pop", dir.path());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("generation 3/3"), std::string::npos) << resumed.out;
  EXPECT_EQ(resumed.out.find("generation 1/3"), std::string::npos) << "resume starts at 2";
  for (const char* file : {"pbt.csv", "pbt_timing.csv", "pbt_state.json", "pbt_config.json",
                           "pbt.png", "member_000/final.pt", "member_002/metrics.csv"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / ("pop/" + std::string(file)))) << file;
  }
  EXPECT_FALSE(std::filesystem::is_empty(dir / "pop" / "tb"));

  const CommandResult plot = run_lever("plot pop --out figure.svg", dir.path());
  ASSERT_EQ(plot.exit_code, 0) << plot.err;
  EXPECT_NE(read_file(dir / "figure.svg").find("<svg"), std::string::npos);

  // A finished population is not started over by accident.
  const CommandResult again = run_lever("pbt pop.json --run-dir pop", dir.path());
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already holds a PBT run"), std::string::npos) << again.err;
}

TEST(PbtCli, ABadSectionNamesTheFileTheKeyAndWhatWasExpected) {
  ScratchDir dir;
  json config = tiny_population();
  config["pbt"]["exploit"] = "best";
  write_file(dir / "bad.json", config.dump());
  const CommandResult bad = run_lever("pbt bad.json --run-dir pop", dir.path());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("bad.json: key 'pbt.exploit' must be one of truncation, "
                         "winner_takes_all, tournament"),
            std::string::npos)
      << bad.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "pop"));

  write_file(dir / "good.json", tiny_population().dump());
  const CommandResult set = run_lever("pbt good.json --set pbt.population_size=1", dir.path());
  EXPECT_EQ(set.exit_code, 2);
  EXPECT_NE(set.err.find("'pbt.population_size' must be an integer >= 2"), std::string::npos)
      << set.err;
}

TEST(PbtCli, TrainOnAPbtFileTrainsOneAgentWithTheBaseValues) {
  ScratchDir dir;
  write_file(dir / "pop.json", tiny_population().dump());
  const CommandResult result = run_lever("train pop.json --run-dir single --quiet", dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("has a pbt section"), std::string::npos) << result.out;
  const json resolved = json::parse(read_file(dir / "single" / "config.json"));
  EXPECT_FALSE(resolved.contains("pbt"));
  EXPECT_EQ(resolved["learning_rate"], 2.5e-4);  // the base value, not a draw
}

TEST(PbtCli, ToyWritesTheFigureAndPbtBeatsGridSearch) {
  ScratchDir dir;
  const CommandResult result = run_lever("pbt-toy --out toy --steps 120", dir.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json summary = json::parse(read_file(dir / "toy" / "pbt_toy.json"));
  EXPECT_GT(summary["final_q"]["pbt"].get<double>(), summary["final_q"]["grid_search"].get<double>());
  EXPECT_TRUE(std::filesystem::exists(dir / "toy" / "pbt_toy.png"));
}

}  // namespace
}  // namespace lever::testing

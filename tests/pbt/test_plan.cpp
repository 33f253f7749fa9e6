// PBT's decisions and its config section: selection counts, copies, explore's ranges, errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "lever/core/errors.h"
#include "lever/pbt/plan.h"
#include "lever/pbt/settings.h"

namespace lever {
namespace {

using nlohmann::json;

PbtSettings settings_with(const json& extra = json::object()) {
  json section = {{"hyperparameters",
                   {{"learning_rate", {{"prior", "log_uniform"}, {"min", 1e-4}, {"max", 1e-2}}},
                    {"gamma", {{"min", 0.9}, {"max", 0.999}}},
                    {"num_epochs", {{"min", 1}, {"max", 8}}}}}};
  section.update(extra);
  return PbtSettings::from_json(section, "exp.yaml");
}

TEST(PbtSelection, TruncationMovesExactlyTheStatedFraction) {
  EXPECT_EQ(truncation_count(4, 0.25), 1);
  EXPECT_EQ(truncation_count(8, 0.25), 2);
  EXPECT_EQ(truncation_count(10, 0.2), 2);
  EXPECT_EQ(truncation_count(20, 0.2), 4);
  EXPECT_EQ(truncation_count(3, 0.25), 1);  // at least one
  EXPECT_EQ(truncation_count(2, 0.5), 1);
  Rng rng(7);
  for (const auto& [n, fraction] : std::vector<std::pair<int, double>>{{4, 0.25}, {8, 0.25},
                                                                         {20, 0.2}, {10, 0.5}}) {
    std::vector<double> scores(n);
    for (int m = 0; m < n; ++m) scores[m] = std::sin(m * 1.7) * 10;  // a shuffled order
    const std::vector<int> ranked = rank_members(scores);
    const int cut = truncation_count(n, fraction);
    for (int trial = 0; trial < 50; ++trial) {
      const std::vector<int> source =
          select_sources(scores, ExploitStrategy::kTruncation, fraction, rng);
      int copied = 0;
      for (int i = 0; i < n; ++i) {
        const int m = ranked[i];
        if (i < n - cut) {
          EXPECT_EQ(source[m], m) << "rank " << i << " of " << n << " must keep its own";
        } else {
          ++copied;
          const auto position = std::find(ranked.begin(), ranked.end(), source[m]) - ranked.begin();
          EXPECT_LT(position, cut) << "a bottom member copies from the top fraction only";
        }
      }
      EXPECT_EQ(copied, cut);
    }
  }
}

TEST(PbtSelection, TruncationDrawsEveryTopMemberUniformly) {
  const std::vector<double> scores = {5, 1, 9, 3, 7, 0, 8, 2};  // top 2: members 2 and 6
  Rng rng(3);
  std::map<int, int> drawn;
  for (int trial = 0; trial < 4000; ++trial) {
    const auto source = select_sources(scores, ExploitStrategy::kTruncation, 0.25, rng);
    ++drawn[source[5]];  // member 5 is the worst
    ++drawn[source[1]];  // member 1 the second worst
  }
  ASSERT_EQ(drawn.size(), 2u);
  EXPECT_NEAR(drawn[2] / 8000.0, 0.5, 0.03);
  EXPECT_NEAR(drawn[6] / 8000.0, 0.5, 0.03);
}

TEST(PbtSelection, WinnerTakesAllCopiesTheBest) {
  Rng rng(1);
  const auto source =
      select_sources({0.5, 4.0, -2.0, 3.9, NAN}, ExploitStrategy::kWinnerTakesAll, 0.25, rng);
  EXPECT_EQ(source, (std::vector<int>{1, 1, 1, 1, 1}));
}

TEST(PbtSelection, TournamentCopiesOnlyStrictlyBetterMembers) {
  const std::vector<double> scores = {1, 2, 3, 4, 4};
  Rng rng(11);
  int copies = 0;
  for (int trial = 0; trial < 500; ++trial) {
    const auto source = select_sources(scores, ExploitStrategy::kTournament, 0.25, rng);
    for (int m = 0; m < 5; ++m) {
      if (source[m] != m) {
        ++copies;
        EXPECT_GT(scores[source[m]], scores[m]);
      }
    }
    EXPECT_EQ(source[3], 3);  // nobody is better than 4
    EXPECT_EQ(source[4], 4);
  }
  // Member 0 meets a better member always (4 of 4 draws), member 2 half the time: about
  // (1 + 3/4 + 2/4) x 500 copies.
  EXPECT_NEAR(copies, 1125, 80);
}

TEST(PbtSelection, NaNScoresRankLast) {
  EXPECT_EQ(rank_members({NAN, 1.0, 2.0}), (std::vector<int>{2, 1, 0}));
  EXPECT_EQ(rank_members({3.0, 3.0, 1.0}), (std::vector<int>{0, 1, 2}));  // ties by index
}

TEST(PbtExplore, PerturbMultipliesByAFactorAndStaysInRange) {
  const PbtSettings s = settings_with();
  // Order: keys alphabetically (gamma, learning_rate, num_epochs).
  ASSERT_EQ(s.hyperparameters[0].key, "gamma");
  ASSERT_EQ(s.hyperparameters[1].key, "learning_rate");
  ASSERT_EQ(s.hyperparameters[2].key, "num_epochs");
  Rng rng(5);
  std::set<double> gammas;
  for (int trial = 0; trial < 400; ++trial) {
    const std::vector<double> v = explore({0.95, 1e-3, 4}, s, rng);
    EXPECT_TRUE(std::abs(v[1] - 1e-3 * 0.8) < 1e-15 || std::abs(v[1] - 1e-3 * 1.2) < 1e-15)
        << v[1];
    EXPECT_TRUE(v[2] == 3 || v[2] == 5) << v[2];  // 3.2 and 4.8 rounded
    gammas.insert(v[0]);
    EXPECT_GE(v[0], 0.9);
    EXPECT_LE(v[0], 0.999);
    // At the edges the factor is clamped back into the range.
    const std::vector<double> edge = explore({0.999, 1e-2, 8}, s, rng);
    EXPECT_LE(edge[0], 0.999);
    EXPECT_LE(edge[1], 1e-2);
    EXPECT_LE(edge[2], 8);
    const std::vector<double> low = explore({0.9, 1e-4, 1}, s, rng);
    EXPECT_GE(low[0], 0.9);
    EXPECT_GE(low[1], 1e-4);
    EXPECT_GE(low[2], 1);
  }
  EXPECT_EQ(gammas, (std::set<double>{0.95 * 0.8 < 0.9 ? 0.9 : 0.95 * 0.8, 0.999}));
}

TEST(PbtExplore, ResampleDrawsFromThePriorWithItsProbability) {
  const PbtSettings s =
      settings_with({{"explore", "resample"}, {"resample_probability", 0.25}});
  Rng rng(9);
  int changed = 0, below_1e3 = 0;
  for (int trial = 0; trial < 4000; ++trial) {
    const std::vector<double> v = explore({0.95, 5e-3, 4}, s, rng);
    if (v[1] != 5e-3) {
      ++changed;
      EXPECT_GE(v[1], 1e-4);
      EXPECT_LE(v[1], 1e-2);
      if (v[1] < 1e-3) ++below_1e3;  // log-uniform: half the mass below the geometric middle
    }
    EXPECT_EQ(v[2], std::round(v[2]));
  }
  EXPECT_NEAR(changed / 4000.0, 0.25, 0.03);
  EXPECT_NEAR(below_1e3 / static_cast<double>(changed), 0.5, 0.06);
}

TEST(PbtPlan, CopiersTakeTheSourcesHyperparametersExplored) {
  PbtSettings s = settings_with({{"exploit", "winner_takes_all"}, {"perturb_factors", {1.0}}});
  std::vector<MemberReport> reports(3);
  reports[0].score = 1;
  reports[1].score = 5;
  reports[2].score = 2;
  const std::vector<std::vector<double>> hp = {{0.9, 1e-4, 1}, {0.99, 1e-3, 3}, {0.95, 5e-3, 8}};
  Rng rng(2);
  const GenerationPlan plan = plan_generation(reports, hp, s, rng);
  EXPECT_EQ(plan.source, (std::vector<int>{1, 1, 1}));
  for (int m = 0; m < 3; ++m) EXPECT_EQ(plan.hyperparameters[m], hp[1]);  // factor 1: a copy
  s.perturb_factors = {2.0};
  const GenerationPlan doubled = plan_generation(reports, hp, s, rng);
  EXPECT_EQ(doubled.hyperparameters[1], hp[1]);  // the best keeps its own values unexplored
  EXPECT_DOUBLE_EQ(doubled.hyperparameters[0][1], 2e-3);
  EXPECT_DOUBLE_EQ(doubled.hyperparameters[0][0], 0.999);  // 1.98 clamped
}

TEST(PbtPlan, InitialValuesComeFromThePriorOrTheConfig) {
  PbtSettings s = settings_with({{"population_size", 6}});
  Rng rng(4);
  const auto drawn = initial_hyperparameters(s, {0.99, 3e-4, 4}, rng);
  ASSERT_EQ(drawn.size(), 6u);
  std::set<double> rates;
  for (const auto& v : drawn) {
    rates.insert(v[1]);
    EXPECT_GE(v[1], 1e-4);
    EXPECT_LE(v[1], 1e-2);
  }
  EXPECT_EQ(rates.size(), 6u);
  s.initial_from_prior = false;
  for (const auto& v : initial_hyperparameters(s, {0.99, 3e-4, 4}, rng)) {
    EXPECT_EQ(v, (std::vector<double>{0.99, 3e-4, 4}));
  }
}

TEST(PbtSettingsSection, RoundTripsAndAppliesOverrides) {
  PbtSettings s = settings_with({{"population_size", 8}, {"exploit", "tournament"}});
  EXPECT_EQ(s.population_size, 8);
  EXPECT_EQ(s.exploit, ExploitStrategy::kTournament);
  EXPECT_EQ(PbtSettings::from_json(s.to_json(), "again").to_json(), s.to_json());
  s.set("pbt.truncation_fraction=0.2");
  s.set("pbt.explore=perturb_or_resample");
  EXPECT_DOUBLE_EQ(s.truncation_fraction, 0.2);
  EXPECT_EQ(s.explore, ExploreStrategy::kPerturbOrResample);
}

void expect_error(const json& extra, const std::string& needle) {
  try {
    settings_with(extra);
    ADD_FAILURE() << "accepted " << extra.dump();
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("exp.yaml"), std::string::npos) << message;
    EXPECT_NE(message.find(needle), std::string::npos) << message;
  }
}

TEST(PbtSettingsSection, ErrorsNameTheFileTheKeyAndWhatWasExpected) {
  expect_error({{"exploit", "best"}}, "pbt.exploit' must be one of truncation");
  expect_error({{"population_size", 1}}, "pbt.population_size' must be an integer >= 2");
  expect_error({{"truncation_fraction", 0.7}}, "pbt.truncation_fraction' must be in (0, 0.5]");
  expect_error({{"populaton_size", 4}}, "unknown key");
  expect_error({{"hyperparameters", {{"num_envs", {{"min", 1}, {"max", 8}}}}}},
               "PBT cannot mutate 'num_envs'");
  expect_error({{"hyperparameters", {{"gamma", {{"min", 0.99}, {"max", 0.9}}}}}},
               "must be below max");
  expect_error({{"hyperparameters", {{"gamma", {{"min", 0.9}, {"max", 1.5}}}}}},
               "pbt.hyperparameters.gamma.max' must be in");
  expect_error({{"hyperparameters", {{"ent_coef", {{"prior", "log_uniform"}, {"min", 0},
                                                   {"max", 0.1}}}}}},
               "log_uniform prior needs min > 0");
  expect_error({{"hyperparameters", {{"gamma", {{"prior", "normal"}, {"min", 0.9},
                                                {"max", 0.99}}}}}},
               "prior' must be one of uniform, log_uniform");
  try {
    PbtSettings::from_json({{"population_size", 4}}, "exp.yaml");
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'pbt.hyperparameters' is missing"), std::string::npos);
  }
}

TEST(PbtSettingsSection, EveryKeyAndMutableHyperparameterIsDocumented) {
  std::ifstream in(std::string(LEVER_SOURCE_DIR) + "/docs/PBT.md");
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(doc.empty());
  for (const std::string& key : pbt_section_keys()) {
    EXPECT_NE(doc.find("| `" + key + "` |"), std::string::npos) << key;
  }
  for (const std::string& key : mutable_hyperparameter_keys()) {
    EXPECT_NE(doc.find("`" + key + "`"), std::string::npos) << key;
  }
}

}  // namespace
}  // namespace lever

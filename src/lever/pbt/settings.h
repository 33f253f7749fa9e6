// A PBT experiment's own settings: the "pbt" section of an experiment config (everything else in
// the file is the members' ordinary config). docs/PBT.md documents every key; from_json checks
// them and names the file and key in every error.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lever {

// Who copies whom after a generation (PBT paper §4.1.1, §4.3.1).
enum class ExploitStrategy {
  kTruncation,    // the bottom fraction copies a uniformly drawn member of the top fraction
  kWinnerTakesAll,  // everyone copies the best
  kTournament,    // each member draws another and copies it when its score is higher
};

// How a member that copied changes the copied hyperparameters.
enum class ExploreStrategy {
  kPerturb,            // each value times one of the perturb factors, clamped to its range
  kResample,           // each value redrawn from its prior with resample_probability, else kept
  kPerturbOrResample,  // Ray Tune's rule: redrawn with resample_probability, else perturbed
};

enum class Prior { kUniform, kLogUniform };

// One hyperparameter PBT may change: a PPO config key with its prior and the range explore
// clamps to. Integer keys (num_epochs) are drawn and perturbed as reals, then rounded.
struct MutableHyperparameter {
  std::string key;
  Prior prior = Prior::kUniform;
  double min = 0.0, max = 1.0;
  bool integer = false;
};

struct PbtSettings {
  int64_t population_size = 4;
  int64_t steps_per_generation = 100000;  // per member; rounded up to whole PPO updates
  ExploitStrategy exploit = ExploitStrategy::kTruncation;
  double truncation_fraction = 0.25;
  ExploreStrategy explore = ExploreStrategy::kPerturb;
  double resample_probability = 0.25;
  std::vector<double> perturb_factors = {0.8, 1.2};
  // true: generation 0 draws every mutable hyperparameter from its prior (as the paper does);
  // false: every member starts from the config's values.
  bool initial_from_prior = true;
  std::vector<MutableHyperparameter> hyperparameters;

  // The "pbt" object of an experiment file. source names the file in errors.
  static PbtSettings from_json(const nlohmann::json& section, const std::string& source);
  // Applies "pbt.key=value" (key one of the scalar keys above), as `--set` does.
  void set(const std::string& key_equals_value, const std::string& source = "--set");
  // The resolved section, every key present; from_json(to_json()) gives the same settings.
  nlohmann::json to_json() const;
};

// The keys PBT may mutate: they must take effect at a PPO update without rebuilding the run.
const std::vector<std::string>& mutable_hyperparameter_keys();
// The scalar keys of the pbt section, for docs/PBT.md's test.
const std::vector<std::string>& pbt_section_keys();

std::string to_string(ExploitStrategy strategy);
std::string to_string(ExploreStrategy strategy);

}  // namespace lever

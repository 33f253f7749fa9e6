// PBT's decisions at a generation boundary, as pure functions of the scores, the current
// hyperparameters and one random generator: exploit (who copies whom) and explore (the copied
// hyperparameters' new values). Every transport makes the same plan from the same inputs.
#pragma once
#include <vector>

#include "lever/core/rng.h"
#include "lever/pbt/settings.h"
#include "lever/pbt/transport.h"

namespace lever {

// How many members truncation moves: max(1, floor(population x fraction)), at most half the
// population (Ray Tune's cap), so the top and bottom never overlap.
int truncation_count(int population, double fraction);

// Members ordered best first: by score descending, ties by member index.
std::vector<int> rank_members(const std::vector<double>& scores);

// source[m] for each member: m itself, or the member it copies.
//   truncation: the bottom truncation_count members each copy a uniformly drawn top member.
//   winner_takes_all: every member but the best copies the best.
//   tournament: each member draws another uniformly; copies it when its score is strictly higher.
std::vector<int> select_sources(const std::vector<double>& scores, ExploitStrategy strategy,
                                double truncation_fraction, Rng& rng);

// A draw from the hyperparameter's prior (rounded for integer keys).
double sample_prior(const MutableHyperparameter& h, Rng& rng);
// Clamps to [min, max] and rounds integer keys.
double clamp_to_range(const MutableHyperparameter& h, double value);
// New values for a member that copied: values are in settings.hyperparameters order.
std::vector<double> explore(const std::vector<double>& values, const PbtSettings& settings,
                            Rng& rng);

// Every member's initial values: drawn from the priors with initial_from_prior, else config_values
// (the base config's value of each mutable key, in declared order) for everyone.
std::vector<std::vector<double>> initial_hyperparameters(const PbtSettings& settings,
                                                         const std::vector<double>& config_values,
                                                         Rng& rng);

// Exploit then explore: members that copy take their source's hyperparameters, explored; the
// others keep theirs.
GenerationPlan plan_generation(const std::vector<MemberReport>& reports,
                               const std::vector<std::vector<double>>& hyperparameters,
                               const PbtSettings& settings, Rng& rng);

}  // namespace lever

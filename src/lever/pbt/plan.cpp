#include "lever/pbt/plan.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace lever {

int truncation_count(int population, double fraction) {
  const int n = std::max(1, static_cast<int>(std::floor(population * fraction + 1e-9)));
  return std::min(n, population / 2);
}

std::vector<int> rank_members(const std::vector<double>& scores) {
  std::vector<int> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  // A NaN score (no finished episode) ranks last.
  const auto key = [&](int m) { return std::isnan(scores[m]) ? -INFINITY : scores[m]; };
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return key(a) > key(b); });
  return order;
}

std::vector<int> select_sources(const std::vector<double>& scores, ExploitStrategy strategy,
                                double truncation_fraction, Rng& rng) {
  const int n = static_cast<int>(scores.size());
  std::vector<int> source(n);
  std::iota(source.begin(), source.end(), 0);
  if (n < 2) return source;
  const std::vector<int> ranked = rank_members(scores);
  switch (strategy) {
    case ExploitStrategy::kTruncation: {
      const int cut = truncation_count(n, truncation_fraction);
      for (int i = n - cut; i < n; ++i) source[ranked[i]] = ranked[rng.below(cut)];
      break;
    }
    case ExploitStrategy::kWinnerTakesAll:
      for (int m = 0; m < n; ++m) source[m] = ranked[0];
      break;
    case ExploitStrategy::kTournament:
      for (int m = 0; m < n; ++m) {
        // Another member, uniformly: draw from the n - 1 others.
        int other = static_cast<int>(rng.below(n - 1));
        if (other >= m) ++other;
        if (scores[other] > scores[m]) source[m] = other;
      }
      break;
  }
  return source;
}

double clamp_to_range(const MutableHyperparameter& h, double value) {
  value = std::clamp(value, h.min, h.max);
  return h.integer ? std::round(value) : value;
}

double sample_prior(const MutableHyperparameter& h, Rng& rng) {
  if (h.integer) return h.min + static_cast<double>(rng.below(static_cast<uint64_t>(h.max - h.min) + 1));
  if (h.prior == Prior::kLogUniform) return std::exp(rng.uniform(std::log(h.min), std::log(h.max)));
  return rng.uniform(h.min, h.max);
}

std::vector<double> explore(const std::vector<double>& values, const PbtSettings& settings,
                            Rng& rng) {
  std::vector<double> out(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    const MutableHyperparameter& h = settings.hyperparameters[i];
    const auto perturbed = [&] {
      const double factor = settings.perturb_factors[rng.below(settings.perturb_factors.size())];
      return clamp_to_range(h, values[i] * factor);
    };
    switch (settings.explore) {
      case ExploreStrategy::kPerturb:
        out[i] = perturbed();
        break;
      case ExploreStrategy::kResample:
        out[i] = rng.uniform() < settings.resample_probability ? sample_prior(h, rng) : values[i];
        break;
      case ExploreStrategy::kPerturbOrResample:
        out[i] = rng.uniform() < settings.resample_probability ? sample_prior(h, rng) : perturbed();
        break;
    }
  }
  return out;
}

std::vector<std::vector<double>> initial_hyperparameters(const PbtSettings& settings,
                                                         const std::vector<double>& config_values,
                                                         Rng& rng) {
  std::vector<std::vector<double>> values(settings.population_size, config_values);
  if (!settings.initial_from_prior) return values;
  for (auto& member : values) {
    for (size_t i = 0; i < member.size(); ++i) {
      member[i] = sample_prior(settings.hyperparameters[i], rng);
    }
  }
  return values;
}

GenerationPlan plan_generation(const std::vector<MemberReport>& reports,
                               const std::vector<std::vector<double>>& hyperparameters,
                               const PbtSettings& settings, Rng& rng) {
  std::vector<double> scores;
  for (const MemberReport& r : reports) scores.push_back(r.score);
  GenerationPlan plan;
  plan.source = select_sources(scores, settings.exploit, settings.truncation_fraction, rng);
  for (size_t m = 0; m < reports.size(); ++m) {
    const int s = plan.source[m];
    plan.hyperparameters.push_back(s == static_cast<int>(m)
                                       ? hyperparameters[m]
                                       : explore(hyperparameters[s], settings, rng));
  }
  return plan;
}

}  // namespace lever

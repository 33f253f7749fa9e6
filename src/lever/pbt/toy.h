// The PBT paper's toy problem (Jaderberg et al. 2017, arXiv 1711.09846, §4 and Fig. 2): maximise
// Q(θ) = 1.2 − (θ0² + θ1²) while each worker only climbs the surrogate
// Q̂(θ|h) = 1.2 − (h0·θ0² + h1·θ1²), whose weights h are the hyperparameters PBT may change.
// Two workers start at θ = (0.9, 0.9) with h = (1, 0) and (0, 1); every ready_every steps they are
// scored on the true Q. Four variants: exploit + explore (PBT), explore only, exploit only and
// grid search (neither: each initial h trained on its own). `lever pbt-toy` runs all four.
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lever/core/image.h"

namespace lever {

using ToyVec = std::array<double, 2>;

inline constexpr int kToyWorkers = 2;

// The paper states the problem, the start point and the initial h, but not the step size, the
// evaluation interval, the noise or the number of steps: these defaults are the values public
// re-implementations of Fig. 2 use (see toy.cpp), chosen where they disagree.
struct ToyOptions {
  int steps = 200;          // gradient steps per worker
  int ready_every = 4;      // steps between evaluations on the true Q (exploit / explore points)
  double step_size = 0.01;  // gradient ascent step on the surrogate
  double noise_std = 0.1;   // explore: h += N(0, noise_std²) per component, then clamped at 0
  uint64_t seed = 0;
  ToyVec theta_init{0.9, 0.9};
  std::array<ToyVec, kToyWorkers> h_init{{{1.0, 0.0}, {0.0, 1.0}}};
  // false (the paper's figure and the public re-implementations): exploit copies θ only, so
  // exploit-only becomes a staircase that combines both workers' h. true: θ and h, as lever's
  // PBT copies hyperparameters; the symmetric start then makes exploit-only equal grid search.
  bool exploit_copies_h = false;
};

enum class ToyVariant { kPbt, kExploreOnly, kExploitOnly, kGridSearch };
inline constexpr std::array<ToyVariant, 4> kToyVariants = {
    ToyVariant::kPbt, ToyVariant::kExploreOnly, ToyVariant::kExploitOnly, ToyVariant::kGridSearch};

// "pbt", "explore_only", "exploit_only", "grid_search" (JSON keys).
std::string to_string(ToyVariant variant);
// "PBT", "Explore only", "Exploit only", "Grid search" (figure titles).
std::string toy_variant_title(ToyVariant variant);

// One worker over a run: index 0 is the start, index t the state after step t (after any exploit
// and explore at that step), so each vector holds steps + 1 entries.
struct ToyWorkerTrace {
  std::vector<ToyVec> theta, h;
  std::vector<double> q;  // true Q of theta
};

struct ToyVariantResult {
  ToyVariant variant = ToyVariant::kPbt;
  std::array<ToyWorkerTrace, kToyWorkers> workers;
  std::vector<double> best_q;  // per step, the better worker's Q (steps + 1 entries)
  double final_q = 0.0;        // best_q.back()
  int copies = 0;              // exploit copies made over the run
};

struct ToyResult {
  ToyOptions options;
  std::vector<ToyVariantResult> variants;  // in kToyVariants order

  const ToyVariantResult& variant(ToyVariant v) const;
};

// The true objective and the surrogate the workers climb.
double toy_q(const ToyVec& theta);
double toy_surrogate_q(const ToyVec& theta, const ToyVec& h);
// One gradient ascent step on the surrogate: θi + η·(−2·hi·θi) = θi·(1 − 2·η·hi).
ToyVec toy_surrogate_step(const ToyVec& theta, const ToyVec& h, double step_size);

// Throws UsageError naming the option when steps, ready_every or step_size is not positive or
// noise_std is negative.
void check_toy_options(const ToyOptions& options);

// Each variant draws from its own generator (derived from options.seed and the variant), so a
// variant's run does not depend on which others ran.
ToyVariantResult run_toy_variant(ToyVariant variant, const ToyOptions& options);
ToyResult run_pbt_toy(const ToyOptions& options);

// The figure: one panel per variant with the Q landscape (heat map and contours) and both
// workers' θ, then Q versus step (the better worker) for every variant. Always this size.
inline constexpr int kToyPanelWidth = 320, kToyPanelHeight = 340;
inline constexpr int kToyHeaderHeight = 30, kToyCurveHeight = 380;
inline constexpr int kToyFigureWidth = 4 * kToyPanelWidth;
inline constexpr int kToyFigureHeight = kToyHeaderHeight + kToyPanelHeight + kToyCurveHeight;
Image render_pbt_toy_figure(const ToyResult& result);
void write_pbt_toy_figure(const std::filesystem::path& path, const ToyResult& result);

// {"settings": {...}, "final_q": {"pbt": ..., ...}, "copies": {...}}: what pbt_toy.json holds.
nlohmann::json pbt_toy_summary(const ToyResult& result);

}  // namespace lever

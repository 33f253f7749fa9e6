#include <gtest/gtest.h>
#include <stb_image.h>

#include <cmath>
#include <memory>

#include "lever/core/errors.h"
#include "lever/pbt/toy.h"
#include "support/scratch_dir.h"

namespace lever {
namespace {

TEST(PbtToySurrogate, OneGradientStepMatchesTheHandComputedValue) {
  // dQ̂/dθ0 = -2·0.3·0.5 = -0.3, so θ0 = 0.5 + 0.1·(-0.3) = 0.47;
  // dQ̂/dθ1 = -2·2·(-0.4) = 1.6, so θ1 = -0.4 + 0.1·1.6 = -0.24.
  const ToyVec theta = toy_surrogate_step({0.5, -0.4}, {0.3, 2.0}, 0.1);
  EXPECT_NEAR(theta[0], 0.47, 1e-15);
  EXPECT_NEAR(theta[1], -0.24, 1e-15);
  EXPECT_NEAR(toy_q({0.9, 0.9}), 1.2 - 1.62, 1e-15);
  EXPECT_NEAR(toy_surrogate_q({0.9, 0.9}, {1.0, 0.0}), 1.2 - 0.81, 1e-15);
}

TEST(PbtToySurrogate, AZeroWeightLeavesItsCoordinateAlone) {
  const ToyVec theta = toy_surrogate_step({0.9, 0.9}, {1.0, 0.0}, 0.01);
  EXPECT_EQ(theta[1], 0.9);
  EXPECT_NEAR(theta[0], 0.9 * 0.98, 1e-15);
}

TEST(PbtToyGridSearch, FinalQEqualsTheClosedForm) {
  ToyOptions options;
  options.steps = 137;
  options.step_size = 0.013;
  const ToyVariantResult grid = run_toy_variant(ToyVariant::kGridSearch, options);
  // θi shrinks by (1 - 2·η·hi) each step: worker 1 moves θ0 only, worker 2 θ1 only.
  const double shrunk = 0.9 * std::pow(1.0 - 2.0 * options.step_size, options.steps);
  const double expected = 1.2 - (shrunk * shrunk + 0.81);
  EXPECT_NEAR(grid.workers[0].q.back(), expected, 1e-12);
  EXPECT_NEAR(grid.workers[1].q.back(), expected, 1e-12);
  EXPECT_NEAR(grid.final_q, expected, 1e-12);
  EXPECT_EQ(grid.copies, 0);
  // Neither exploit nor explore: h never changes.
  EXPECT_EQ(grid.workers[0].h.back(), (ToyVec{1.0, 0.0}));
  EXPECT_EQ(grid.workers[1].h.back(), (ToyVec{0.0, 1.0}));
  EXPECT_EQ(grid.workers[0].theta.size(), static_cast<size_t>(options.steps) + 1);
  EXPECT_EQ(grid.best_q.size(), static_cast<size_t>(options.steps) + 1);
}

TEST(PbtToyComparison, PbtBeatsGridSearchWithTheSameSteps) {
  ToyOptions options;
  const double grid = run_toy_variant(ToyVariant::kGridSearch, options).final_q;
  // Grid search is stuck near 1.2 - 0.81 = 0.39: neither fixed h ever moves the other coordinate.
  EXPECT_LT(grid, 0.3901);
  for (uint64_t seed = 0; seed < 8; ++seed) {
    options.seed = seed;
    const ToyVariantResult pbt = run_toy_variant(ToyVariant::kPbt, options);
    EXPECT_GT(pbt.final_q, 1.1) << "seed " << seed;
    EXPECT_GT(pbt.copies, 0) << "seed " << seed;
  }
}

TEST(PbtToyComparison, ExploitOnlyCopyingHCollapsesOntoGridSearch) {
  // At the first ready step both workers score the same (symmetric start), worker 1 wins the tie,
  // worker 2 becomes its exact copy, and with no explore nothing separates them again.
  ToyOptions options;
  options.exploit_copies_h = true;
  const ToyVariantResult exploit = run_toy_variant(ToyVariant::kExploitOnly, options);
  const ToyVariantResult grid = run_toy_variant(ToyVariant::kGridSearch, options);
  EXPECT_EQ(exploit.final_q, grid.final_q);
  const size_t first_ready = static_cast<size_t>(options.ready_every);
  EXPECT_EQ(exploit.workers[1].theta[first_ready], exploit.workers[0].theta[first_ready]);
  EXPECT_EQ(exploit.workers[1].h[first_ready], (ToyVec{1.0, 0.0}));
  EXPECT_EQ(exploit.workers[1].theta.back(), exploit.workers[0].theta.back());
}

TEST(PbtToyComparison, ExploitOnlyCopyingThetaOnlyCombinesBothWorkers) {
  // The re-implementations' variant: the loser keeps its own h, so θ0 and θ1 both shrink.
  const ToyOptions options;  // θ only is the default
  const ToyVariantResult exploit = run_toy_variant(ToyVariant::kExploitOnly, options);
  const ToyVariantResult grid = run_toy_variant(ToyVariant::kGridSearch, options);
  EXPECT_GT(exploit.final_q, grid.final_q + 0.5);
  EXPECT_EQ(exploit.workers[0].h.back(), (ToyVec{1.0, 0.0}));
  EXPECT_EQ(exploit.workers[1].h.back(), (ToyVec{0.0, 1.0}));
}

TEST(PbtToyExplore, PbtExploresOnlyTheCopierAndKeepsHNonNegative) {
  ToyOptions options;
  options.seed = 3;
  const ToyVariantResult pbt = run_toy_variant(ToyVariant::kPbt, options);
  const size_t first_ready = static_cast<size_t>(options.ready_every);
  // Worker 1 won the tie at the first ready step and kept its h; worker 2 copied θ, kept its own
  // h = (0, 1) (θ-only exploit, the default) and then perturbed it.
  EXPECT_EQ(pbt.workers[0].h[first_ready], (ToyVec{1.0, 0.0}));
  EXPECT_EQ(pbt.workers[1].theta[first_ready], pbt.workers[0].theta[first_ready]);
  EXPECT_NE(pbt.workers[1].h[first_ready], (ToyVec{0.0, 1.0}));
  EXPECT_NEAR(pbt.workers[1].h[first_ready][1], 1.0, 0.6);  // within 6 std of its own value
  for (ToyVariant v : {ToyVariant::kPbt, ToyVariant::kExploreOnly}) {
    for (uint64_t seed = 0; seed < 4; ++seed) {
      options.seed = seed;
      const ToyVariantResult run = run_toy_variant(v, options);
      for (const ToyWorkerTrace& worker : run.workers) {
        for (const ToyVec& h : worker.h) {
          ASSERT_GE(h[0], 0.0);
          ASSERT_GE(h[1], 0.0);
        }
      }
    }
  }
  // Between ready steps h is constant.
  EXPECT_EQ(pbt.workers[1].h[first_ready + 1], pbt.workers[1].h[first_ready]);
}

TEST(PbtToyExplore, ExploreOnlyNeverCopies) {
  const ToyVariantResult run = run_toy_variant(ToyVariant::kExploreOnly, ToyOptions{});
  EXPECT_EQ(run.copies, 0);
  // Both workers perturbed at the first ready step.
  EXPECT_NE(run.workers[0].h[4], (ToyVec{1.0, 0.0}));
  EXPECT_NE(run.workers[1].h[4], (ToyVec{0.0, 1.0}));
}

TEST(PbtToyDeterminism, SameSeedGivesIdenticalResults) {
  ToyOptions options;
  options.seed = 11;
  const ToyResult a = run_pbt_toy(options);
  const ToyResult b = run_pbt_toy(options);
  ASSERT_EQ(a.variants.size(), 4u);
  for (size_t v = 0; v < a.variants.size(); ++v) {
    EXPECT_EQ(a.variants[v].best_q, b.variants[v].best_q);
    for (int w = 0; w < kToyWorkers; ++w) {
      EXPECT_EQ(a.variants[v].workers[w].theta, b.variants[v].workers[w].theta);
      EXPECT_EQ(a.variants[v].workers[w].h, b.variants[v].workers[w].h);
    }
  }
  // A variant does not depend on the others having run.
  EXPECT_EQ(run_toy_variant(ToyVariant::kPbt, options).best_q, a.variant(ToyVariant::kPbt).best_q);
  options.seed = 12;
  EXPECT_NE(run_pbt_toy(options).variant(ToyVariant::kPbt).best_q,
            a.variant(ToyVariant::kPbt).best_q);
}

TEST(PbtToyOptions, RejectsNonPositiveStepsIntervalAndStepSize) {
  ToyOptions bad;
  bad.steps = 0;
  EXPECT_THROW(run_pbt_toy(bad), UsageError);
  bad = ToyOptions{};
  bad.ready_every = 0;
  EXPECT_THROW(run_pbt_toy(bad), UsageError);
  bad = ToyOptions{};
  bad.step_size = 0.0;
  EXPECT_THROW(run_pbt_toy(bad), UsageError);
  bad = ToyOptions{};
  bad.noise_std = -0.1;
  EXPECT_THROW(run_pbt_toy(bad), UsageError);
}

TEST(PbtToySummary, HoldsEveryVariantsFinalQAndTheSettings) {
  ToyOptions options;
  options.steps = 40;
  options.seed = 5;
  const ToyResult result = run_pbt_toy(options);
  const nlohmann::json summary = pbt_toy_summary(result);
  for (ToyVariant v : kToyVariants) {
    EXPECT_EQ(summary["final_q"][to_string(v)].get<double>(), result.variant(v).final_q);
  }
  EXPECT_EQ(summary["settings"]["steps"], 40);
  EXPECT_EQ(summary["settings"]["seed"], 5);
  EXPECT_EQ(summary["settings"]["ready_every"], 4);
  EXPECT_EQ(summary["settings"]["step_size"], 0.01);
  EXPECT_EQ(summary["settings"]["noise_std"], 0.1);
  EXPECT_EQ(summary["settings"]["exploit_copies_h"], false);
}

TEST(PbtToyFigure, IsAPngOfTheStatedSize) {
  testing::ScratchDir dir;
  ToyOptions options;
  options.steps = 60;
  const ToyResult result = run_pbt_toy(options);
  const auto path = dir / "pbt_toy.png";
  write_pbt_toy_figure(path, result);
  int w = 0, h = 0, channels = 0;
  std::unique_ptr<uint8_t, void (*)(void*)> loaded(stbi_load(path.c_str(), &w, &h, &channels, 3),
                                                   stbi_image_free);
  ASSERT_NE(loaded, nullptr) << stbi_failure_reason();
  EXPECT_EQ(w, kToyFigureWidth);
  EXPECT_EQ(h, kToyFigureHeight);
  EXPECT_EQ(channels, 3);
  // The landscape panels are painted: the pixel at θ ≈ (0.5, 0.5) of the grid-search panel is
  // neither white nor black, and worker 1's start point is ringed in ink.
  const Image figure = render_pbt_toy_figure(result);
  EXPECT_EQ(figure.pixels.size(), static_cast<size_t>(w) * h * 3);
  const Color mid = figure.color_at(3 * kToyPanelWidth + 44 + 128, kToyHeaderHeight + 40 + 128);
  EXPECT_NE(mid, (Color{255, 255, 255}));
  EXPECT_NE(mid, (Color{0, 0, 0}));
}

}  // namespace
}  // namespace lever

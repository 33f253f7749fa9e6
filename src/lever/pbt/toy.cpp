#include "lever/pbt/toy.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "lever/core/errors.h"
#include "lever/core/rng.h"
#include "lever/pbt/plan.h"
#include "lever/viz/plot.h"
#include "lever/viz/png.h"

// Where the defaults come from. The paper (Fig. 2) gives Q, Q̂, θ = (0.9, 0.9), h = (1, 0) and
// (0, 1) and a population of 2; its text does not state the step size, the evaluation interval,
// the explore noise or the step count. Most public re-implementations of the figure use a step
// size of 0.01 and additive Gaussian noise of std 0.1 on h (one multiplies h by 0.8 or 1.2, which
// never moves a weight that starts at 0); they use 4, 8 or 10 steps between evaluations (4 taken
// here) and 64 to 200 steps (200 taken: grid search has converged by then).
// h is clamped at 0 after explore: a negative weight turns ascent on Q̂ into growth of |θ| without
// bound, which the paper's surrogate never intends (one re-implementation clamps it too).

namespace lever {
namespace {

// Below zero a weight rewards growing θ; see the note above.
constexpr double kMinH = 0.0;
constexpr double kPi = 3.14159265358979323846;

// A standard normal draw by Box-Muller; one draw per call keeps the stream easy to follow.
double standard_normal(Rng& rng) {
  const double u1 = 1.0 - rng.uniform();  // (0, 1], so the log is finite
  const double u2 = rng.uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
}

ToyVec explored(const ToyVec& h, double noise_std, Rng& rng) {
  ToyVec out;
  for (int i = 0; i < 2; ++i) out[i] = std::max(kMinH, h[i] + noise_std * standard_normal(rng));
  return out;
}

uint64_t variant_seed(uint64_t seed, ToyVariant variant) {
  uint64_t state = seed;
  uint64_t stream = 0;
  for (int i = 0; i <= static_cast<int>(variant); ++i) stream = splitmix64(state);
  return stream;
}

// ---- Figure ----

constexpr Color kWhite{255, 255, 255};
constexpr Color kInk{30, 30, 30};
constexpr Color kBorder{60, 60, 60};
constexpr Color kContour{120, 120, 120};
// Blue and red from the tab10 cycle, as in the paper's figure.
Color worker_color(int worker) { return series_color(worker == 0 ? 0 : 3); }
// Green, purple, orange, brown: none of them a worker's colour or the optimum's grey.
Color variant_color(ToyVariant variant) {
  static constexpr int kIndex[] = {2, 4, 1, 5};
  return series_color(kIndex[static_cast<int>(variant)]);
}

// The landscape panels show θ in [kDomainMin, kDomainMax]² (a margin keeps θ near 0 off the box).
constexpr double kDomainMin = -0.05, kDomainMax = 1.0;
constexpr double kContourStep = 0.2;
// Q over the domain lies in [1.2 - 2, 1.2]: the colour scale's ends.
constexpr double kQLow = -0.8, kQHigh = 1.2;

struct PanelBox {
  int left = 44, top = 40, size = 256;
  float to_px(double x) const {
    return static_cast<float>(left + (x - kDomainMin) / (kDomainMax - kDomainMin) * size);
  }
  float to_py(double y) const {
    return static_cast<float>(top + size - (y - kDomainMin) / (kDomainMax - kDomainMin) * size);
  }
  double to_x(double px) const { return kDomainMin + px / size * (kDomainMax - kDomainMin); }
};

Color mix(Color a, Color b, double t) {
  const auto channel = [t](uint8_t x, uint8_t y) {
    return static_cast<uint8_t>(std::lround(x + (y - x) * t));
  };
  return {channel(a.r, b.r), channel(a.g, b.g), channel(a.b, b.b)};
}

// Light colours (blue low, sand middle, yellow high), so both workers' dots stay readable.
Color heat_color(double q) {
  constexpr Color kLow{158, 188, 218}, kMid{238, 236, 216}, kHigh{254, 217, 118};
  const double t = std::clamp((q - kQLow) / (kQHigh - kQLow), 0.0, 1.0);
  return t < 0.5 ? mix(kLow, kMid, 2 * t) : mix(kMid, kHigh, 2 * t - 1);
}

std::string format_q(double q) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.4f", q);
  return text;
}

Image render_landscape_panel(const ToyVariantResult& run) {
  Image panel;
  panel.resize(kToyPanelWidth, kToyPanelHeight);
  panel.fill(kWhite);
  const PanelBox box;

  // Heat map of the true Q, with a contour wherever a pixel's band differs from its neighbour's.
  std::vector<int> band(static_cast<size_t>(box.size) * box.size);
  for (int py = 0; py < box.size; ++py) {
    for (int px = 0; px < box.size; ++px) {
      const double q = toy_q({box.to_x(px + 0.5), box.to_x(box.size - py - 0.5)});
      band[static_cast<size_t>(py) * box.size + px] =
          static_cast<int>(std::floor(q / kContourStep));
      const Color c = heat_color(q);
      uint8_t* p = panel.at(box.left + px, box.top + py);
      p[0] = c.r;
      p[1] = c.g;
      p[2] = c.b;
    }
  }
  for (int py = 0; py < box.size; ++py) {
    for (int px = 0; px < box.size; ++px) {
      const int b = band[static_cast<size_t>(py) * box.size + px];
      const bool edge =
          (px + 1 < box.size && band[static_cast<size_t>(py) * box.size + px + 1] != b) ||
          (py + 1 < box.size && band[static_cast<size_t>(py + 1) * box.size + px] != b);
      if (!edge) continue;
      uint8_t* p = panel.at(box.left + px, box.top + py);
      p[0] = kContour.r;
      p[1] = kContour.g;
      p[2] = kContour.b;
    }
  }

  // Worker 2 first, so worker 1 shows where both sit on the same θ (right after a copy).
  const auto inside = [](const ToyVec& t) {
    return t[0] >= kDomainMin && t[0] <= kDomainMax && t[1] >= kDomainMin && t[1] <= kDomainMax;
  };
  for (int w = kToyWorkers - 1; w >= 0; --w) {
    for (const ToyVec& theta : run.workers[w].theta) {
      if (inside(theta))
        fill_circle(panel, box.to_px(theta[0]), box.to_py(theta[1]), 2.0f, worker_color(w));
    }
  }
  const ToyVec& start = run.workers[0].theta.front();
  if (inside(start)) {
    fill_circle(panel, box.to_px(start[0]), box.to_py(start[1]), 5.0f, kInk);
    fill_circle(panel, box.to_px(start[0]), box.to_py(start[1]), 3.0f, kWhite);
  }

  // Box, ticks and labels.
  const int right = box.left + box.size, bottom = box.top + box.size;
  fill_rect(panel, box.left - 1, box.top - 1, right + 1, box.top, kBorder);
  fill_rect(panel, box.left - 1, bottom, right + 1, bottom + 1, kBorder);
  fill_rect(panel, box.left - 1, box.top - 1, box.left, bottom + 1, kBorder);
  fill_rect(panel, right, box.top - 1, right + 1, bottom + 1, kBorder);
  const int label_height = text_height("0");
  for (const double t : {0.0, 0.5, 1.0}) {
    const std::string label = format_tick(t);
    const float px = box.to_px(t), py = box.to_py(t);
    fill_rect(panel, px - 0.5f, bottom + 1, px + 0.5f, bottom + 5, kBorder);
    draw_text(panel, static_cast<int>(px) - text_width(label) / 2, bottom + 8, label, kInk);
    fill_rect(panel, box.left - 5, py - 0.5f, box.left - 1, py + 0.5f, kBorder);
    draw_text(panel, box.left - 8 - text_width(label), static_cast<int>(py) - label_height / 2,
              label, kInk);
  }
  const std::string x_label = "theta0", y_label = "theta1";
  draw_text(panel, box.left + (box.size - text_width(x_label)) / 2, bottom + 8 + label_height + 6,
            x_label, kInk);
  draw_text_vertical(panel, 6, box.top + (box.size + text_width(y_label)) / 2, y_label, kInk);
  const std::string title = toy_variant_title(run.variant);
  draw_text(panel, (kToyPanelWidth - text_width(title, 2)) / 2, 6, title, kInk, 2);
  const std::string subtitle = "final Q " + format_q(run.final_q);
  draw_text(panel, (kToyPanelWidth - text_width(subtitle)) / 2, 6 + text_height(title, 2) + 4,
            subtitle, kInk);
  return panel;
}

Image render_header(const ToyOptions& options) {
  Image header;
  header.resize(kToyFigureWidth, kToyHeaderHeight);
  header.fill(kWhite);
  int x = 10;
  const int y = 4;
  const char* names[kToyWorkers] = {"worker 1", "worker 2"};
  for (int w = 0; w < kToyWorkers; ++w) {
    fill_circle(header, x + 4.0f, y + 3.5f, 4.0f, worker_color(w));
    char text[96];
    std::snprintf(text, sizeof(text), "%s, h starts (%g, %g)", names[w], options.h_init[w][0],
                  options.h_init[w][1]);
    draw_text(header, x + 12, y, text, kInk);
    x += 12 + text_width(text) + 18;
  }
  char text[320];
  std::snprintf(text, sizeof(text),
                "dots: theta after each step (ringed: start)   background: true Q = 1.2 - "
                "(theta0^2 + theta1^2), contours every %g",
                kContourStep);
  draw_text(header, x, y, text, kInk);
  std::snprintf(text, sizeof(text),
                "%d steps of gradient ascent on 1.2 - (h0 theta0^2 + h1 theta1^2), step size %g; "
                "ready every %d steps (winner takes all); explore: h += N(0, %g^2), h >= 0; "
                "exploit copies %s; seed %llu",
                options.steps, options.step_size, options.ready_every, options.noise_std,
                options.exploit_copies_h ? "theta and h" : "theta only",
                static_cast<unsigned long long>(options.seed));
  draw_text(header, 10, y + 13, text, kInk);
  return header;
}

Image render_curves(const ToyResult& result) {
  PlotSpec spec;
  spec.title = "True Q of the better worker";
  spec.x_label = "step";
  spec.y_label = "Q";
  spec.width = kToyFigureWidth;
  spec.height = kToyCurveHeight;
  std::vector<double> steps(static_cast<size_t>(result.options.steps) + 1);
  for (size_t i = 0; i < steps.size(); ++i) steps[i] = static_cast<double>(i);
  spec.series.push_back({"optimum 1.2",
                         {0.0, static_cast<double>(result.options.steps)},
                         {1.2, 1.2},
                         Color{127, 127, 127},
                         LineStyle::kDashed});
  // Drawn last to first, so PBT lies on top; exploit only is dashed because with h copied it
  // retraces grid search exactly.
  for (auto it = result.variants.rbegin(); it != result.variants.rend(); ++it) {
    const bool dashed = it->variant == ToyVariant::kExploitOnly;
    spec.series.push_back({toy_variant_title(it->variant), steps, it->best_q,
                           variant_color(it->variant),
                           dashed ? LineStyle::kDashed : LineStyle::kSolid});
  }
  return render_plot(spec);
}

}  // namespace

std::string to_string(ToyVariant variant) {
  switch (variant) {
    case ToyVariant::kPbt:
      return "pbt";
    case ToyVariant::kExploreOnly:
      return "explore_only";
    case ToyVariant::kExploitOnly:
      return "exploit_only";
    case ToyVariant::kGridSearch:
      return "grid_search";
  }
  return "unknown";
}

std::string toy_variant_title(ToyVariant variant) {
  switch (variant) {
    case ToyVariant::kPbt:
      return "PBT";
    case ToyVariant::kExploreOnly:
      return "Explore only";
    case ToyVariant::kExploitOnly:
      return "Exploit only";
    case ToyVariant::kGridSearch:
      return "Grid search";
  }
  return "unknown";
}

const ToyVariantResult& ToyResult::variant(ToyVariant v) const {
  for (const ToyVariantResult& run : variants) {
    if (run.variant == v) return run;
  }
  throw UsageError("the pbt-toy result has no " + to_string(v) + " run");
}

double toy_q(const ToyVec& theta) { return 1.2 - (theta[0] * theta[0] + theta[1] * theta[1]); }

double toy_surrogate_q(const ToyVec& theta, const ToyVec& h) {
  return 1.2 - (h[0] * theta[0] * theta[0] + h[1] * theta[1] * theta[1]);
}

ToyVec toy_surrogate_step(const ToyVec& theta, const ToyVec& h, double step_size) {
  ToyVec out;
  for (int i = 0; i < 2; ++i) out[i] = theta[i] + step_size * (-2.0 * h[i] * theta[i]);
  return out;
}

void check_toy_options(const ToyOptions& options) {
  if (options.steps < 1) {
    throw UsageError("pbt-toy: steps must be at least 1 (got " + std::to_string(options.steps) +
                     ")");
  }
  if (options.ready_every < 1) {
    throw UsageError("pbt-toy: ready_every must be at least 1 (got " +
                     std::to_string(options.ready_every) + ")");
  }
  if (!(options.step_size > 0) || !std::isfinite(options.step_size)) {
    throw UsageError("pbt-toy: step_size must be a positive number (got " +
                     std::to_string(options.step_size) + ")");
  }
  if (!(options.noise_std >= 0) || !std::isfinite(options.noise_std)) {
    throw UsageError("pbt-toy: noise_std must be zero or positive (got " +
                     std::to_string(options.noise_std) + ")");
  }
}

ToyVariantResult run_toy_variant(ToyVariant variant, const ToyOptions& options) {
  check_toy_options(options);
  const bool exploit = variant == ToyVariant::kPbt || variant == ToyVariant::kExploitOnly;
  const bool explore = variant == ToyVariant::kPbt || variant == ToyVariant::kExploreOnly;
  Rng rng(variant_seed(options.seed, variant));

  std::array<ToyVec, kToyWorkers> theta;
  theta.fill(options.theta_init);
  std::array<ToyVec, kToyWorkers> h = options.h_init;

  ToyVariantResult result;
  result.variant = variant;
  const auto record = [&] {
    double best = -INFINITY;
    for (int w = 0; w < kToyWorkers; ++w) {
      ToyWorkerTrace& trace = result.workers[w];
      trace.theta.push_back(theta[w]);
      trace.h.push_back(h[w]);
      trace.q.push_back(toy_q(theta[w]));
      best = std::max(best, trace.q.back());
    }
    result.best_q.push_back(best);
  };
  record();

  for (int step = 1; step <= options.steps; ++step) {
    for (int w = 0; w < kToyWorkers; ++w)
      theta[w] = toy_surrogate_step(theta[w], h[w], options.step_size);
    if (step % options.ready_every == 0) {
      std::array<bool, kToyWorkers> copied{};
      if (exploit) {
        const std::vector<double> scores = {toy_q(theta[0]), toy_q(theta[1])};
        // Winner takes all: with two workers the worse copies the better (ties go to worker 1).
        const std::vector<int> source =
            select_sources(scores, ExploitStrategy::kWinnerTakesAll, 0.0, rng);
        const auto theta_before = theta;
        const auto h_before = h;
        for (int w = 0; w < kToyWorkers; ++w) {
          if (source[w] == w) continue;
          theta[w] = theta_before[source[w]];
          if (options.exploit_copies_h) h[w] = h_before[source[w]];
          copied[w] = true;
          ++result.copies;
        }
      }
      // With exploit, only a worker that copied explores (the winner keeps its h); without it,
      // every worker perturbs its own h.
      if (explore) {
        for (int w = 0; w < kToyWorkers; ++w) {
          if (!exploit || copied[w]) h[w] = explored(h[w], options.noise_std, rng);
        }
      }
    }
    record();
  }
  result.final_q = result.best_q.back();
  return result;
}

ToyResult run_pbt_toy(const ToyOptions& options) {
  check_toy_options(options);
  ToyResult result;
  result.options = options;
  for (ToyVariant v : kToyVariants) result.variants.push_back(run_toy_variant(v, options));
  return result;
}

Image render_pbt_toy_figure(const ToyResult& result) {
  Image figure;
  figure.resize(kToyFigureWidth, kToyFigureHeight);
  figure.fill(kWhite);
  figure.paste(render_header(result.options), 0, 0);
  for (size_t v = 0; v < result.variants.size() && v < kToyVariants.size(); ++v) {
    figure.paste(render_landscape_panel(result.variants[v]), static_cast<int>(v) * kToyPanelWidth,
                 kToyHeaderHeight);
  }
  figure.paste(render_curves(result), 0, kToyHeaderHeight + kToyPanelHeight);
  return figure;
}

void write_pbt_toy_figure(const std::filesystem::path& path, const ToyResult& result) {
  write_png(path, render_pbt_toy_figure(result));
}

nlohmann::json pbt_toy_summary(const ToyResult& result) {
  const ToyOptions& o = result.options;
  nlohmann::json settings = {
      {"population", kToyWorkers},
      {"steps", o.steps},
      {"ready_every", o.ready_every},
      {"step_size", o.step_size},
      {"noise_std", o.noise_std},
      {"h_min", kMinH},
      {"seed", o.seed},
      {"theta_init", o.theta_init},
      {"h_init", o.h_init},
      {"exploit", "winner_takes_all"},
      {"exploit_copies_h", o.exploit_copies_h},
  };
  nlohmann::json final_q = nlohmann::json::object(), copies = nlohmann::json::object();
  for (const ToyVariantResult& run : result.variants) {
    final_q[to_string(run.variant)] = run.final_q;
    copies[to_string(run.variant)] = run.copies;
  }
  return {{"settings", settings}, {"final_q", final_q}, {"copies", copies}};
}

}  // namespace lever

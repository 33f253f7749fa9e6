#include "lever/cli/pbt_toy_command.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "lever/core/atomic_file.h"
#include "lever/pbt/toy.h"

namespace lever {
namespace {

struct PbtToyCommandOptions {
  std::string out = "runs/pbt_toy";
  ToyOptions toy;
};

void run_pbt_toy_command(const PbtToyCommandOptions& options) {
  const ToyResult result = run_pbt_toy(options.toy);
  const std::filesystem::path dir(options.out);
  std::filesystem::create_directories(dir);
  write_file_atomic(dir / "pbt_toy.json", pbt_toy_summary(result).dump(2) + "\n");
  write_pbt_toy_figure(dir / "pbt_toy.png", result);

  const ToyOptions& o = result.options;
  std::printf(
      "PBT toy problem, population 2: %d steps, ready every %d, step size %g, noise std %g, "
      "seed %llu\n",
      o.steps, o.ready_every, o.step_size, o.noise_std, static_cast<unsigned long long>(o.seed));
  std::printf("final Q (optimum 1.2):\n");
  for (const ToyVariantResult& run : result.variants) {
    std::printf("  %-13s %.4f\n", toy_variant_title(run.variant).c_str(), run.final_q);
  }
  std::printf("wrote %s and %s\n", (dir / "pbt_toy.json").c_str(), (dir / "pbt_toy.png").c_str());
}

}  // namespace

void add_pbt_toy_command(CLI::App& app) {
  // The options outlive this function: the callback runs later, inside app.parse().
  auto options = std::make_shared<PbtToyCommandOptions>();
  auto* command = app.add_subcommand(
      "pbt-toy",
      "The PBT paper's toy problem (Fig. 2): PBT, explore only, exploit only and grid search");
  command->add_option("--out", options->out,
                      "Directory for pbt_toy.json and pbt_toy.png (default runs/pbt_toy)");
  command->add_option("--seed", options->toy.seed, "Seed of the explore noise (default 0)");
  command->add_flag("--exploit-copies-h", options->toy.exploit_copies_h,
                    "Exploit copies h as well as theta (default: theta only, as the paper's figure)");
  command->add_option("--steps", options->toy.steps, "Gradient steps per worker (default 200)")
      ->check(CLI::Range(1, 100000000));
  command->callback([options] { run_pbt_toy_command(*options); });
}

}  // namespace lever

#include "lever/cli/pbt_commands.h"

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "lever/core/errors.h"
#include "lever/core/stop_signal.h"
#include "lever/pbt/population.h"

namespace lever {
namespace {

std::unique_ptr<Transport> make_transport(const PbtProcessOptions& options) {
  if (!options.mpi) return std::make_unique<InProcessTransport>();
  return make_mpi_transport(options.mpi_transport);
}

// Runs body; on an error in an MPI job, prints it and ends every rank (a rank left waiting in a
// collective would hang the job).
int guarded(Transport& transport, const std::function<int()>& body) {
  if (transport.num_ranks() == 1) return body();
  try {
    return body();
  } catch (const UsageError& e) {
    std::fprintf(stderr, "lever (rank %d): %s\n", transport.rank(), e.what());
    transport.abort_all(e.exit_code());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "lever (rank %d): %s\n", transport.rank(), e.what());
    transport.abort_all(1);
  }
  return 1;
}

int report(const PbtResult& result, const Transport& transport,
           const std::filesystem::path& run_dir) {
  if (transport.rank() != 0) return result.finished ? 0 : 130;
  if (!result.finished) {
    std::printf("stopped after generation %lld; continue with: lever resume %s\n",
                static_cast<long long>(result.generations), run_dir.c_str());
    return 130;
  }
  std::printf("finished %lld generations in %.1f s (%.2f s in the %s transport)\n",
              static_cast<long long>(result.generations), result.wall_seconds,
              result.communication_seconds, transport.name().c_str());
  if (result.best_member >= 0) {
    const MemberReport& best = result.reports[result.best_member];
    std::printf("best member %d: score %.2f (training levels), %.2f on test levels\n",
                result.best_member, best.score, best.test_score);
  }
  std::printf("run directory: %s (pbt.csv, member_*/)\n", run_dir.c_str());
  return 0;
}

PbtOptions pbt_options(const PbtProcessOptions& process, const Transport& transport) {
  PbtOptions options;
  options.jobs = process.jobs;
  options.quiet = process.quiet || transport.rank() != 0;
  return options;
}

}  // namespace

int run_pbt_command(const PbtCommandOptions& o) {
  std::unique_ptr<Transport> transport = make_transport(o.process);
  return guarded(*transport, [&] {
    std::vector<std::string> overrides;
    if (o.seed >= 0) overrides.push_back("seed=" + std::to_string(o.seed));
    if (!o.device.empty()) overrides.push_back("device=" + o.device);
    overrides.insert(overrides.end(), o.overrides.begin(), o.overrides.end());
    const PbtExperiment experiment = load_pbt_experiment(o.config_path, overrides);
    std::filesystem::path run_dir = o.run_dir;
    if (run_dir.empty()) {
      std::string name = o.name;
      if (name.empty()) {
        // Every rank must agree on the name: rank 0's clock could tick between ranks.
        if (transport->num_ranks() > 1) {
          throw UsageError("with --mpi, give --run-dir or --name (every rank must name the "
                           "same directory)");
        }
        const std::time_t now = std::time(nullptr);
        char stamp[32];
        std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", std::localtime(&now));
        name = std::filesystem::path(o.config_path).stem().string() + "-pbt-" + stamp;
      }
      run_dir = std::filesystem::path("runs") / name;
    }
    install_stop_handlers();
    PbtOptions options = pbt_options(o.process, *transport);
    options.overwrite = o.overwrite;
    options.stop_after_generations = o.stop_after_generations;
    return report(run_pbt(experiment, run_dir, *transport, options), *transport, run_dir);
  });
}

void add_pbt_process_options(CLI::App& command, PbtProcessOptions& options) {
  command.add_option("--jobs", options.jobs,
                     "Members of this process trained at once, one thread each (default 1)")
      ->check(CLI::Range(1, 4096));
  command.add_flag("--mpi", options.mpi,
                   "Run as one rank of an MPI job (mpirun -n K lever pbt ... --mpi): members "
                   "are dealt to ranks round-robin");
  command.add_option("--mpi-transport", options.mpi_transport,
                     "p2p (rank 0 gathers scores; weights go by send/recv between the two ranks "
                     "concerned) or collective (scores all-gathered; copied weights broadcast)")
      ->check(CLI::IsMember({"p2p", "collective"}));
}

CLI::App* add_pbt_command(CLI::App& app, PbtCommandOptions& options) {
  PbtCommandOptions* o = &options;
  auto* pbt = app.add_subcommand(
      "pbt", "Population Based Training of PPO agents: a config plus a pbt section (docs/PBT.md)");
  pbt->add_option("config", o->config_path, "Experiment file (JSON or YAML) with a pbt section")
      ->required();
  pbt->add_option("--set", o->overrides,
                  "Override a config key (key=value) or a pbt key (pbt.key=value); repeatable")
      ->allow_extra_args(false);
  pbt->add_option("--name", o->name, "Run name (default: <config name>-pbt-<date>-<time>)");
  pbt->add_option("--run-dir", o->run_dir, "Directory of this population (default runs/<name>)");
  pbt->add_option("--seed", o->seed, "Random seed (key seed); member m trains with seed + m");
  pbt->add_option("--device", o->device, "cpu, cuda or auto (key device)");
  pbt->add_flag("--quiet", o->process.quiet, "No line per generation");
  pbt->add_flag("--overwrite", o->overwrite, "Replace a population already in the directory");
  pbt->add_option("--stop-after-generations", o->stop_after_generations,
                  "Stop (as if interrupted) after this many generations; lever resume continues")
      ->check(CLI::PositiveNumber);
  add_pbt_process_options(*pbt, o->process);
  return pbt;
}

int resume_pbt_command(const std::string& run_dir, const PbtProcessOptions& process) {
  std::unique_ptr<Transport> transport = make_transport(process);
  return guarded(*transport, [&] {
    install_stop_handlers();
    return report(resume_pbt(run_dir, *transport, pbt_options(process, *transport)), *transport,
                  run_dir);
  });
}

}  // namespace lever

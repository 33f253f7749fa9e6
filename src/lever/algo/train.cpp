#include "lever/algo/train.h"

#include "lever/algo/dqn.h"
#include "lever/algo/ppo.h"
#include "lever/algo/recurrent_ppo.h"
#include "lever/algo/run_files.h"
#include "lever/algo/trpo.h"
#include "lever/core/atomic_file.h"
#include "lever/core/errors.h"
#include "lever/env/registry.h"

namespace lever {
namespace {

TrainResult run(const Config& config, const RunPaths& paths, const TrainingState* resume_from,
                const TrainOptions& options) {
  if (config.str("policy") == "trpo") return run_trpo(config, paths, resume_from, options);
  if (config.str("policy") == "recurrent_ppo") {
    return run_recurrent_ppo(config, paths, resume_from, options);
  }
  if (config.str("policy") == "dqn") return run_dqn(config, paths, resume_from, options);
  return run_ppo(config, paths, resume_from, options);
}

}  // namespace

TrainResult train_run(const Config& config, const std::filesystem::path& run_dir,
                      const TrainOptions& options) {
  // An unknown env or an option it refuses fails before anything is written, naming the file.
  try {
    find_env(config.str("env"));
  } catch (const UsageError& e) {
    throw ConfigError(config.source_of("env") + ": key 'env': " + e.what());
  }
  try {
    make_env(config.str("env"), vec_env_options(config, 1, 0).env_options);
  } catch (const UsageError& e) {
    throw ConfigError(config.source_of("env_options") + ": key 'env_options': " + e.what());
  }
  const RunPaths paths = create_run_dir(run_dir, options.overwrite);
  nlohmann::json resolved = config.resolved();
  resolved[kReservedMetadataKey] = run_metadata(config.str("device"));
  write_file_atomic(paths.config(), resolved.dump(2) + "\n");
  return run(config, paths, nullptr, options);
}

TrainResult resume_run(const std::filesystem::path& run_dir, const TrainOptions& options) {
  const RunPaths paths{run_dir};
  if (!std::filesystem::is_regular_file(paths.config())) {
    throw UsageError(run_dir.string() + ": not a run directory (no config.json)");
  }
  const Config config = Config::load_file(paths.config());
  const TrainingState state = load_checkpoint(latest_checkpoint(run_dir));
  if (std::filesystem::is_regular_file(paths.final_checkpoint())) {
    TrainResult done;
    done.finished = true;
    done.updates = state.update;
    done.total_steps = state.global_step;
    done.wall_seconds = state.wall_seconds;
    return done;
  }
  return run(config, paths, &state, options);
}

}  // namespace lever

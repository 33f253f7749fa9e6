#include "lever/algo/train.h"

#include "lever/algo/run_files.h"
#include "lever/core/errors.h"

namespace lever {

TrainResult train_run(const Config& config, const std::filesystem::path& run_dir,
                      const TrainOptions& options) {
  return train_ppo(config, run_dir, options);
}

TrainResult resume_run(const std::filesystem::path& run_dir, const TrainOptions& options) {
  return resume_ppo(run_dir, options);
}

}  // namespace lever

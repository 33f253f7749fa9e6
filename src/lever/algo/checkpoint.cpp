#include "lever/algo/checkpoint.h"

#include <cstdio>
#include <cstring>
#include <string>

#include "lever/core/atomic_file.h"
#include "lever/core/errors.h"
#include "lever/log/crc32c.h"

namespace lever {
namespace {

torch::Tensor pack_rng_states(const std::vector<Rng::State>& states) {
  auto t = torch::empty({static_cast<int64_t>(states.size()), 4}, torch::kInt64);
  if (!states.empty()) std::memcpy(t.data_ptr<int64_t>(), states.data(), states.size() * 32);
  return t;
}

std::vector<Rng::State> unpack_rng_states(const torch::Tensor& t) {
  if (t.dim() != 2 || t.size(1) != 4 || t.scalar_type() != torch::kInt64) {
    throw std::runtime_error("rng_states must be an [n, 4] int64 tensor");
  }
  std::vector<Rng::State> states(t.size(0));
  if (!states.empty())
    std::memcpy(states.data(), t.contiguous().data_ptr<int64_t>(), states.size() * 32);
  return states;
}

// The zip container does not verify tensor bytes, so the weights carry their own checksum.
int64_t params_checksum(const torch::Tensor& params) {
  const auto contiguous = params.detach().to(torch::kCPU).contiguous();
  return crc32c(contiguous.data_ptr(), contiguous.numel() * contiguous.element_size());
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

void save_checkpoint(const std::filesystem::path& path, const TrainingState& s) {
  torch::serialize::OutputArchive archive;
  archive.write("format", c10::IValue(std::string(kCheckpointFormat)));
  archive.write("config", c10::IValue(s.config.dump()));
  archive.write("params", s.params.detach().to(torch::kCPU));
  archive.write("params_crc32c", c10::IValue(params_checksum(s.params)));
  archive.write("adam_exp_avg", s.adam_exp_avg.to(torch::kCPU));
  archive.write("adam_exp_avg_sq", s.adam_exp_avg_sq.to(torch::kCPU));
  archive.write("adam_steps", c10::IValue(s.adam_steps));
  archive.write("update", c10::IValue(s.update));
  archive.write("global_step", c10::IValue(s.global_step));
  archive.write("wall_seconds", c10::IValue(s.wall_seconds));
  archive.write("rng_states", pack_rng_states(s.rng_states));
  archive.write("return_stats",
                torch::tensor({s.return_mean, s.return_var, s.return_count}, torch::kFloat64));
  archive.write("env_discounted_returns",
                torch::tensor(s.env_discounted_returns.empty() ? std::vector<float>{}
                                                               : s.env_discounted_returns,
                              torch::kFloat32));
  archive.write("target_params", s.target_params.defined()
                                     ? s.target_params.detach().to(torch::kCPU)
                                     : torch::empty({0}, torch::kFloat32));
  archive.write("best_eval_return", c10::IValue(s.best_eval_return));
  std::filesystem::create_directories(path.parent_path().empty() ? "." : path.parent_path());
  const auto temp = temp_path_for(path);
  archive.save_to(temp.string());
  commit_temp_file(temp, path);
}

TrainingState load_checkpoint(const std::filesystem::path& path) {
  const std::string name = path.string();
  if (!std::filesystem::is_regular_file(path)) {
    throw CheckpointError(name + ": no such checkpoint file");
  }
  TrainingState s;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(name);
    c10::IValue format;
    if (!archive.try_read("format", format) || !format.isString() ||
        format.toStringRef() != kCheckpointFormat) {
      throw CheckpointError(name + ": not a lever checkpoint (no '" +
                            std::string(kCheckpointFormat) + "' tag)");
    }
    c10::IValue value;
    archive.read("config", value);
    s.config = nlohmann::json::parse(value.toStringRef());
    archive.read("params", s.params);
    archive.read("params_crc32c", value);
    if (value.toInt() != params_checksum(s.params)) {
      throw CheckpointError(name + ": corrupt checkpoint (weights fail their checksum)");
    }
    archive.read("adam_exp_avg", s.adam_exp_avg);
    archive.read("adam_exp_avg_sq", s.adam_exp_avg_sq);
    archive.read("adam_steps", value);
    s.adam_steps = value.toInt();
    archive.read("update", value);
    s.update = value.toInt();
    archive.read("global_step", value);
    s.global_step = value.toInt();
    archive.read("wall_seconds", value);
    s.wall_seconds = value.toDouble();
    torch::Tensor rng, stats, returns;
    archive.read("rng_states", rng);
    s.rng_states = unpack_rng_states(rng);
    archive.read("return_stats", stats);
    s.return_mean = stats[0].item<double>();
    s.return_var = stats[1].item<double>();
    s.return_count = stats[2].item<double>();
    archive.read("env_discounted_returns", returns);
    returns = returns.contiguous();
    s.env_discounted_returns.assign(returns.data_ptr<float>(),
                                    returns.data_ptr<float>() + returns.numel());
    // Written since DQN (issue 6); older checkpoints have neither.
    torch::Tensor target;
    if (archive.try_read("target_params", target) && target.numel() > 0) s.target_params = target;
    if (archive.try_read("best_eval_return", value)) s.best_eval_return = value.toDouble();
  } catch (const CheckpointError&) {
    throw;
  } catch (const std::exception& e) {
    throw CheckpointError(name + ": unreadable or truncated checkpoint (" + first_line(e.what()) +
                          ")");
  }
  return s;
}

std::filesystem::path latest_checkpoint(const std::filesystem::path& run_dir) {
  if (std::filesystem::is_regular_file(run_dir / "final.pt")) return run_dir / "final.pt";
  std::filesystem::path best;
  const auto dir = run_dir / "checkpoints";
  if (std::filesystem::is_directory(dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      const std::string file = entry.path().filename().string();
      if (file.rfind("update_", 0) == 0 && entry.path().extension() == ".pt" &&
          (best.empty() || file > best.filename().string())) {
        best = entry.path();
      }
    }
  }
  if (best.empty()) throw CheckpointError(run_dir.string() + ": no checkpoint in this run");
  return best;
}

std::filesystem::path update_checkpoint_path(const std::filesystem::path& run_dir, int64_t update) {
  char name[32];
  std::snprintf(name, sizeof(name), "update_%08lld.pt", static_cast<long long>(update));
  return run_dir / "checkpoints" / name;
}

std::filesystem::path resolve_checkpoint(const std::filesystem::path& target) {
  if (std::filesystem::is_directory(target)) return latest_checkpoint(target);
  if (!std::filesystem::exists(target)) {
    throw CheckpointError(target.string() + ": no such run directory or checkpoint file");
  }
  return target;
}

}  // namespace lever

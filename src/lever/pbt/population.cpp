// The PBT driver: one loop, the same on every rank. A generation: train the local members, gather
// the reports, plan (rank 0 or every rank, as the transport says), exchange snapshots, apply the
// explored hyperparameters, checkpoint, record.
#include "lever/pbt/population.h"

#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

#include "lever/algo/checkpoint.h"
#include "lever/algo/ppo.h"
#include "lever/algo/run_files.h"
#include "lever/core/atomic_file.h"
#include "lever/core/errors.h"
#include "lever/core/stop_signal.h"
#include "lever/core/thread_pool.h"
#include "lever/log/crc32c.h"
#include "lever/log/csv_writer.h"
#include "lever/log/file_io.h"
#include "lever/log/tensorboard.h"
#include "lever/pbt/plan.h"
#include "lever/study/pbt_plot.h"

namespace lever {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kStateFormat = "lever-pbt-state-1";

std::filesystem::path config_path(const std::filesystem::path& dir) {
  return dir / "pbt_config.json";
}
std::filesystem::path state_path(const std::filesystem::path& dir) {
  return dir / "pbt_state.json";
}
std::filesystem::path member_dir(const std::filesystem::path& dir, int member) {
  char name[32];
  std::snprintf(name, sizeof(name), "member_%03d", member);
  return dir / name;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// "key=value" for PpoLearner::set / Config::set: integers as integers, reals in full precision so
// the value read back is the same double.
std::string setting_text(const MutableHyperparameter& h, double value) {
  char text[64];
  if (h.integer) {
    std::snprintf(text, sizeof(text), "%" PRId64, static_cast<int64_t>(std::llround(value)));
  } else {
    std::snprintf(text, sizeof(text), "%.17g", value);
  }
  return h.key + "=" + text;
}

std::vector<double> config_values(const PbtSettings& settings, const Config& config) {
  std::vector<double> values;
  for (const MutableHyperparameter& h : settings.hyperparameters) {
    values.push_back(h.integer ? static_cast<double>(config.i64(h.key)) : config.f64(h.key));
  }
  return values;
}

// The generator behind PBT's own decisions (initial draws, exploit, explore): seeded from the
// experiment's seed, apart from every member's streams.
uint64_t decision_seed(const Config& base) {
  return static_cast<uint64_t>(base.i64("seed")) * 0x9E3779B97F4A7C15ULL + 0x5BD1E995ULL;
}

// Snapshot layout (every member of a population packs to the same size):
//   int64 optimiser step count | double return mean, var, count | double hyperparameters[H] |
//   float params[P] | float optimiser state 1 [P] | float optimiser state 2 [P]
struct SnapshotLayout {
  size_t hyperparameters, params;
  size_t header_bytes() const { return sizeof(int64_t) + (3 + hyperparameters) * sizeof(double); }
  size_t bytes() const { return header_bytes() + 3 * params * sizeof(float); }
};

struct Member {
  int id = 0;
  std::unique_ptr<PpoLearner> learner;
  double train_seconds = 0.0;
  bool stopped = false;
};

// The members this process holds, packed and unpacked for the transport.
class LocalMembers : public MemberStore {
 public:
  LocalMembers(std::vector<Member>& members, const PbtSettings& settings)
      : members_(members), settings_(settings) {
    layout_.hyperparameters = settings.hyperparameters.size();
    layout_.params = members.empty() ? 0 : members.front().learner->run().params.numel();
  }

  size_t snapshot_bytes() const override { return layout_.bytes(); }

  void pack(int id, std::vector<uint8_t>& out) const override {
    PpoLearner& learner = *find(id).learner;
    out.resize(layout_.bytes());
    uint8_t* p = out.data();
    const int64_t steps = learner.optimizer().steps();
    std::memcpy(p, &steps, sizeof(steps));
    p += sizeof(steps);
    const RewardNormalizer& normalizer = learner.run().reward_normalizer;
    std::vector<double> doubles = {normalizer.mean, normalizer.var, normalizer.count};
    for (double value : config_values(settings_, learner.config())) doubles.push_back(value);
    std::memcpy(p, doubles.data(), doubles.size() * sizeof(double));
    p += doubles.size() * sizeof(double);
    for (const torch::Tensor* tensor :
         {&learner.run().params.values(), &learner.optimizer().exp_avg(),
          &learner.optimizer().exp_avg_sq()}) {
      const torch::Tensor cpu = tensor->to(torch::kCPU).contiguous();
      std::memcpy(p, cpu.data_ptr<float>(), layout_.params * sizeof(float));
      p += layout_.params * sizeof(float);
    }
  }

  void unpack(int id, const std::vector<uint8_t>& snapshot) override {
    if (snapshot.size() != layout_.bytes()) {
      throw RuntimeFailure("PBT: a snapshot of " + std::to_string(snapshot.size()) +
                           " bytes reached member " + std::to_string(id) + ", expected " +
                           std::to_string(layout_.bytes()));
    }
    PpoLearner& learner = *find(id).learner;
    const uint8_t* p = snapshot.data();
    int64_t steps = 0;
    std::memcpy(&steps, p, sizeof(steps));
    p += sizeof(steps);
    std::vector<double> doubles(3 + layout_.hyperparameters);
    std::memcpy(doubles.data(), p, doubles.size() * sizeof(double));
    p += doubles.size() * sizeof(double);
    torch::NoGradGuard no_grad;
    for (torch::Tensor* tensor : {&learner.run().params.values(), &learner.optimizer().exp_avg(),
                                  &learner.optimizer().exp_avg_sq()}) {
      const auto source = torch::from_blob(const_cast<uint8_t*>(p),
                                           {static_cast<int64_t>(layout_.params)}, torch::kFloat32);
      tensor->copy_(source);
      p += layout_.params * sizeof(float);
    }
    learner.optimizer().set_steps(steps);
    RewardNormalizer& normalizer = learner.run().reward_normalizer;
    normalizer.mean = doubles[0];
    normalizer.var = doubles[1];
    normalizer.count = doubles[2];
    set_hyperparameters(learner, {doubles.begin() + 3, doubles.end()});
  }

  void set_hyperparameters(PpoLearner& learner, const std::vector<double>& values) const {
    for (size_t i = 0; i < values.size(); ++i) {
      learner.set(setting_text(settings_.hyperparameters[i], values[i]), "PBT");
    }
  }

  Member& find(int id) const {
    for (Member& m : members_) {
      if (m.id == id) return m;
    }
    throw std::logic_error("PBT: member " + std::to_string(id) + " is not held here");
  }

 private:
  std::vector<Member>& members_;
  const PbtSettings& settings_;
  SnapshotLayout layout_;
};

uint32_t weights_crc(PpoLearner& learner) {
  const torch::Tensor cpu = learner.run().params.values().to(torch::kCPU).contiguous();
  return crc32c(cpu.data_ptr<float>(), cpu.numel() * sizeof(float));
}

// Where the population stands after a finished generation; rank 0 writes it after every rank
// has saved that generation's checkpoints.
struct PopulationState {
  int64_t generations_done = 0;
  int64_t updates_done = 0;
  std::vector<std::vector<double>> hyperparameters;  // for the next generation
  std::vector<int> parents;                          // whom each member continues from
  Rng::State decision_rng{};
  bool finished = false;
  // CRC-32C of each member's weights when its training in the generation ended (before any
  // copy): two runs with equal checksums trained the same population.
  std::vector<uint32_t> weights_crc32c;

  json to_json() const {
    return {{"format", kStateFormat},         {"generations_done", generations_done},
            {"updates_done", updates_done},   {"hyperparameters", hyperparameters},
            {"parents", parents},             {"decision_rng", decision_rng},
            {"finished", finished},           {"weights_crc32c", weights_crc32c}};
  }
  static PopulationState from_json(const json& j, const std::string& source) {
    if (!j.is_object() || j.value("format", "") != kStateFormat) {
      throw CheckpointError(source + ": not a lever PBT state file");
    }
    try {
      PopulationState s;
      s.generations_done = j.at("generations_done").get<int64_t>();
      s.updates_done = j.at("updates_done").get<int64_t>();
      s.hyperparameters = j.at("hyperparameters").get<std::vector<std::vector<double>>>();
      s.parents = j.at("parents").get<std::vector<int>>();
      s.decision_rng = j.at("decision_rng").get<Rng::State>();
      s.finished = j.at("finished").get<bool>();
      s.weights_crc32c = j.value("weights_crc32c", std::vector<uint32_t>{});
      return s;
    } catch (const json::exception& e) {
      throw CheckpointError(source + ": unreadable PBT state (" + std::string(e.what()) + ")");
    }
  }
};

class Population {
 public:
  Population(const PbtExperiment& experiment, const std::filesystem::path& dir,
             Transport& transport, const PbtOptions& options, const PopulationState* resume)
      : experiment_(experiment),
        settings_(experiment.settings),
        dir_(dir),
        transport_(transport),
        options_(options),
        size_(static_cast<int>(settings_.population_size)),
        updates_per_generation_(updates_per_generation(settings_, experiment.base)),
        total_updates_(updates_in_run(experiment.base)),
        generations_((total_updates_ + updates_per_generation_ - 1) / updates_per_generation_),
        decisions_(decision_seed(experiment.base)) {
    if (resume) {
      state_ = *resume;
      decisions_.set_state(state_.decision_rng);
    } else {
      state_.hyperparameters = initial_hyperparameters(
          settings_, config_values(settings_, experiment.base), decisions_);
      for (int m = 0; m < size_; ++m) state_.parents.push_back(m);
    }
    TrainOptions member_options;
    member_options.quiet = true;
    member_options.overwrite = options.overwrite;
    member_options.managed_checkpoints = true;
    for (int id : members_of_rank(transport.rank(), transport.num_ranks(), size_)) {
      Member member;
      member.id = id;
      const RunPaths paths{member_dir(dir, id)};
      if (resume) {
        // The checkpoint's config holds the hyperparameters in force when it was saved: the
        // state's values for the next generation.
        const std::filesystem::path path = state_.finished
                                               ? paths.final_checkpoint()
                                               : update_checkpoint_path(paths.dir,
                                                                        state_.updates_done);
        const TrainingState checkpoint = load_checkpoint(path);
        member.learner = std::make_unique<PpoLearner>(
            Config::from_json(checkpoint.config, path.string()), paths, &checkpoint,
            member_options);
      } else {
        const Config config = member_config(id);
        create_run_dir(paths.dir, options.overwrite);
        json resolved = config.resolved();
        resolved[kReservedMetadataKey] = run_metadata(config.str("device"));
        write_file_atomic(paths.config(), resolved.dump(2) + "\n");
        member.learner = std::make_unique<PpoLearner>(config, paths, nullptr, member_options);
      }
      members_.push_back(std::move(member));
    }
    store_ = std::make_unique<LocalMembers>(members_, settings_);
    if (transport.rank() == 0) open_logs(resume != nullptr);
  }

  PbtResult run() {
    const auto start = Clock::now();
    PbtResult result;
    int64_t generations_this_call = 0;
    while (state_.generations_done < generations_ && !state_.finished) {
      const int64_t g = state_.generations_done;
      const int64_t updates =
          std::min(updates_per_generation_, total_updates_ - state_.updates_done);
      const auto generation_start = Clock::now();
      if (train_local_members(updates)) break;  // a stop: resume from the last generation
      const double train_seconds = seconds_since(generation_start);

      const auto wait_start = Clock::now();
      transport_.barrier();
      const double wait_seconds = seconds_since(wait_start);
      const double communication_before = transport_.communication_seconds();
      const std::vector<MemberReport> reports =
          transport_.gather_reports(local_reports(), size_);
      const bool last = g + 1 == generations_;
      GenerationPlan plan = keep_everyone();
      if (!last) {
        if (transport_.reports_everywhere() || transport_.rank() == 0) {
          plan = plan_generation(reports, state_.hyperparameters, settings_, decisions_);
        }
        plan = transport_.share_plan(plan, size_,
                                     static_cast<int>(settings_.hyperparameters.size()));
        transport_.exchange(plan.source, *store_);
      }
      const double communication_seconds =
          transport_.communication_seconds() - communication_before;
      if (transport_.rank() == 0) record(g, reports);

      const auto checkpoint_start = Clock::now();
      for (Member& m : members_) {
        // Only a member that copied has new values (its source's, explored).
        if (plan.source[m.id] != m.id) {
          store_->set_hyperparameters(*m.learner, plan.hyperparameters[m.id]);
        }
        if (!last) m.learner->save_checkpoint();
      }
      transport_.barrier();
      const double checkpoint_seconds = seconds_since(checkpoint_start);
      state_.generations_done = g + 1;
      state_.updates_done += updates;
      state_.hyperparameters = plan.hyperparameters;
      state_.parents = plan.source;
      state_.decision_rng = decisions_.state();
      state_.finished = last;
      state_.weights_crc32c.clear();
      for (const MemberReport& r : reports) state_.weights_crc32c.push_back(r.weights_crc);
      if (transport_.rank() == 0) {
        write_file_atomic(state_path(dir_), state_.to_json().dump(2) + "\n");
        timing_->write(g, {{"generation_seconds", seconds_since(generation_start)},
                           {"train_seconds", train_seconds},
                           {"wait_seconds", wait_seconds},
                           {"communication_seconds", communication_seconds},
                           {"checkpoint_seconds", checkpoint_seconds}});
        timing_->flush();
        print_generation(g, reports, plan, last, seconds_since(generation_start),
                         communication_seconds);
      }
      result.reports = reports;
      if (++generations_this_call == options_.stop_after_generations) break;
    }
    result.finished = state_.finished;
    result.generations = state_.generations_done;
    if (result.finished) {
      for (Member& m : members_) m.learner->finish();
      if (transport_.rank() == 0) write_pbt_figure(dir_, {}, dir_ / "pbt.png");
      if (!result.reports.empty()) {
        std::vector<double> scores;
        for (const MemberReport& r : result.reports) scores.push_back(r.score);
        result.best_member = rank_members(scores).front();
      }
    }
    result.wall_seconds = seconds_since(start);
    result.communication_seconds = transport_.communication_seconds();
    return result;
  }

 private:
  Config member_config(int id) const {
    Config config = experiment_.base;
    config.set("seed=" + std::to_string(experiment_.base.i64("seed") + id), "PBT member seed");
    // Members evaluate at every generation's end: that evaluation is the score.
    config.set("eval_every=" + std::to_string(updates_per_generation_), "PBT");
    config.set("checkpoint_every=0", "PBT");
    for (size_t i = 0; i < settings_.hyperparameters.size(); ++i) {
      config.set(setting_text(settings_.hyperparameters[i], state_.hyperparameters[id][i]), "PBT");
    }
    return config;
  }

  // Trains every local member `updates` updates, `jobs` at a time. Returns true on a stop.
  bool train_local_members(int64_t updates) {
    const int jobs = std::max(1, std::min<int>(options_.jobs, static_cast<int>(members_.size())));
    ThreadPool pool(jobs);
    pool.parallel_for(static_cast<int64_t>(members_.size()), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        Member& m = members_[i];
        const auto start = Clock::now();
        const int64_t before = m.learner->updates_done();
        m.learner->train(updates);
        m.stopped = m.learner->updates_done() - before < updates;
        m.train_seconds = seconds_since(start);
      }
    });
    for (const Member& m : members_) {
      if (m.stopped) return true;
    }
    return stop_requested();
  }

  std::vector<MemberReport> local_reports() {
    std::vector<MemberReport> reports;
    for (Member& m : members_) {
      MemberReport r;
      r.score = m.learner->run().last_train_eval().mean;
      r.test_score = m.learner->run().last_test_eval().mean;
      r.global_step = m.learner->run().global_step();
      r.weights_crc = weights_crc(*m.learner);
      r.train_seconds = m.train_seconds;
      reports.push_back(r);
    }
    return reports;
  }

  GenerationPlan keep_everyone() const {
    GenerationPlan plan;
    plan.hyperparameters = state_.hyperparameters;
    for (int m = 0; m < size_; ++m) plan.source.push_back(m);
    return plan;
  }

  void open_logs(bool resuming) {
    const int64_t keep = resuming ? state_.generations_done - 1 : -1;
    csv_ = std::make_unique<CsvMetricsWriter>(dir_ / "pbt.csv", keep, "generation");
    timing_ = std::make_unique<CsvMetricsWriter>(dir_ / "pbt_timing.csv", keep, "generation");
    const int64_t resume_step =
        resuming ? state_.updates_done * experiment_.base.i64("num_envs") *
                       experiment_.base.i64("num_steps")
                 : -1;
    tensorboard_ = std::make_unique<TensorBoardWriter>(dir_ / "tb", resume_step);
  }

  // pbt.csv rows and TensorBoard scalars of generation g (rank 0).
  void record(int64_t g, const std::vector<MemberReport>& reports) {
    std::vector<Scalar> board;
    double best = -INFINITY;
    for (int m = 0; m < size_; ++m) {
      char member[32];
      std::snprintf(member, sizeof(member), "member_%03d", m);
      std::vector<Scalar> row = {{"member", static_cast<double>(m)},
                                 {"env_steps", static_cast<double>(reports[m].global_step)},
                                 {"score", reports[m].score},
                                 {"test_score", reports[m].test_score},
                                 {"parent", static_cast<double>(state_.parents[m])},
                                 {"train_seconds", reports[m].train_seconds}};
      board.push_back({std::string("pbt/score/") + member, reports[m].score});
      board.push_back({std::string("pbt/test_score/") + member, reports[m].test_score});
      for (size_t i = 0; i < settings_.hyperparameters.size(); ++i) {
        const std::string& key = settings_.hyperparameters[i].key;
        row.push_back({key, state_.hyperparameters[m][i]});
        board.push_back({"pbt/" + key + "/" + member, state_.hyperparameters[m][i]});
      }
      csv_->write(g, row);
      if (std::isfinite(reports[m].score)) best = std::max(best, reports[m].score);
    }
    board.push_back({"pbt/best_score", best});
    tensorboard_->write(reports.front().global_step, board);
    csv_->flush();
    tensorboard_->flush();
  }

  void print_generation(int64_t g, const std::vector<MemberReport>& reports,
                        const GenerationPlan& plan, bool last, double seconds,
                        double communication_seconds) const {
    if (options_.quiet) return;
    std::string scores, copies;
    for (int m = 0; m < size_; ++m) {
      char text[48];
      std::snprintf(text, sizeof(text), "%s%.2f", m ? " " : "", reports[m].score);
      scores += text;
      if (plan.source[m] != m) {
        std::snprintf(text, sizeof(text), " %d<-%d", m, plan.source[m]);
        copies += text;
      }
    }
    std::printf("generation %lld/%lld  steps %lld  scores [%s]%s%s  %.1f s (%.3f s exchanging)\n",
                static_cast<long long>(g + 1), static_cast<long long>(generations_),
                static_cast<long long>(reports.front().global_step), scores.c_str(),
                last ? "" : "  copies:", last ? "" : (copies.empty() ? " none" : copies.c_str()),
                seconds, communication_seconds);
    std::fflush(stdout);
  }

  const PbtExperiment& experiment_;
  const PbtSettings& settings_;
  const std::filesystem::path dir_;
  Transport& transport_;
  const PbtOptions options_;
  const int size_;
  const int64_t updates_per_generation_, total_updates_, generations_;
  Rng decisions_;
  PopulationState state_;
  std::vector<Member> members_;
  std::unique_ptr<LocalMembers> store_;
  std::unique_ptr<CsvMetricsWriter> csv_, timing_;
  std::unique_ptr<TensorBoardWriter> tensorboard_;
};

// Every rank holds at least one member: the transports size their messages from a member.
void check_ranks(const PbtSettings& settings, const Transport& transport) {
  if (settings.population_size < transport.num_ranks()) {
    throw UsageError("a population of " + std::to_string(settings.population_size) +
                     " members cannot fill " + std::to_string(transport.num_ranks()) +
                     " ranks: run at most population_size ranks, or raise pbt.population_size");
  }
}

void check_ppo(const Config& base, const std::string& source) {
  if (base.str("policy") != "ppo") {
    throw ConfigError(source + ": PBT trains PPO members; policy '" + base.str("policy") +
                      "' is not supported by lever pbt");
  }
}

}  // namespace

int64_t updates_per_generation(const PbtSettings& settings, const Config& base) {
  const int64_t batch = base.i64("num_envs") * base.i64("num_steps");
  return std::max<int64_t>(1, (settings.steps_per_generation + batch - 1) / batch);
}

bool is_pbt_run_dir(const std::filesystem::path& dir) {
  return std::filesystem::is_regular_file(config_path(dir));
}

PbtExperiment load_pbt_experiment(const std::filesystem::path& path,
                                  const std::vector<std::string>& overrides) {
  json file = Config::read_file(path);
  if (!file.contains(kPbtSectionKey)) {
    throw ConfigError(path.string() + ": no 'pbt' section; a PBT experiment is a config plus a "
                                      "pbt section (docs/PBT.md)");
  }
  std::vector<std::string> config_overrides, pbt_overrides;
  for (const std::string& text : overrides) {
    (text.rfind("pbt.", 0) == 0 ? pbt_overrides : config_overrides).push_back(text);
  }
  PbtExperiment experiment{Config::from_json(file, path.string(), config_overrides),
                           PbtSettings::from_json(file[kPbtSectionKey], path.string())};
  for (const std::string& text : pbt_overrides) experiment.settings.set(text);
  check_ppo(experiment.base, path.string());
  return experiment;
}

PbtResult run_pbt(const PbtExperiment& experiment, const std::filesystem::path& run_dir,
                  Transport& transport, const PbtOptions& options) {
  check_ppo(experiment.base, "config");
  check_ranks(experiment.settings, transport);
  if (transport.rank() == 0) {
    if (is_pbt_run_dir(run_dir) || std::filesystem::exists(state_path(run_dir))) {
      if (!options.overwrite) {
        throw UsageError(run_dir.string() + " already holds a PBT run; continue it with `lever "
                                            "resume " + run_dir.string() +
                         "`, or pass --overwrite to start again");
      }
      std::filesystem::remove_all(run_dir);
    }
    std::filesystem::create_directories(run_dir);
    json resolved = experiment.base.resolved();
    resolved[kReservedMetadataKey] = run_metadata(experiment.base.str("device"));
    json file = {{"config", resolved},
                 {"pbt", experiment.settings.to_json()},
                 {"ranks", transport.num_ranks()},
                 {"transport", transport.name()},
                 {"updates_per_generation", updates_per_generation(experiment.settings,
                                                                   experiment.base)}};
    write_file_atomic(config_path(run_dir), file.dump(2) + "\n");
  }
  transport.barrier();
  Population population(experiment, run_dir, transport, options, nullptr);
  return population.run();
}

PbtResult resume_pbt(const std::filesystem::path& run_dir, Transport& transport,
                     const PbtOptions& options) {
  if (!is_pbt_run_dir(run_dir)) {
    throw UsageError(run_dir.string() + ": not a PBT run directory (no pbt_config.json)");
  }
  const std::string source = config_path(run_dir).string();
  json file;
  try {
    file = json::parse(log_internal::read_file(config_path(run_dir)));
  } catch (const json::exception& e) {
    throw CheckpointError(source + ": unreadable (" + std::string(e.what()) + ")");
  }
  if (!file.contains("config") || !file.contains("pbt")) {
    throw CheckpointError(source + ": not a lever PBT config (needs 'config' and 'pbt')");
  }
  PbtExperiment experiment{Config::from_json(file["config"], source),
                           PbtSettings::from_json(file["pbt"], source)};
  check_ranks(experiment.settings, transport);
  if (!std::filesystem::exists(state_path(run_dir))) {
    // Stopped inside the first generation: nothing to continue from but the start.
    PbtOptions fresh = options;
    fresh.overwrite = true;
    transport.barrier();
    Population population(experiment, run_dir, transport, fresh, nullptr);
    return population.run();
  }
  json state_json;
  try {
    state_json = json::parse(log_internal::read_file(state_path(run_dir)));
  } catch (const json::exception& e) {
    throw CheckpointError(state_path(run_dir).string() + ": unreadable (" + e.what() + ")");
  }
  const PopulationState state =
      PopulationState::from_json(state_json, state_path(run_dir).string());
  Population population(experiment, run_dir, transport, options, &state);
  return population.run();
}

}  // namespace lever

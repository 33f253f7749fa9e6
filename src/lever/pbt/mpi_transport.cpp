// PBT's two MPI transports over one process-wide MPI session.
//   p2p: rank 0 gathers the reports and broadcasts its plan; a snapshot travels by one message
//        from its owner to each rank that has a member copying it.
//   collective: reports are all-gathered (every rank plans), and each copied snapshot is
//        broadcast from its owner to every rank.
// Both pack every snapshot a rank sends before that rank unpacks anything, so chained copies
// (a <- b while b <- c) read the old states. The default error handler (MPI_ERRORS_ARE_FATAL)
// stays: an MPI failure on one rank ends the whole job instead of leaving the others waiting.
#include <algorithm>
#include <chrono>
#include <climits>
#include <cstddef>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "lever/core/errors.h"
#include "lever/pbt/transport.h"

#ifdef LEVER_HAVE_MPI
// MPI's C API only: OpenMPI's deprecated C++ bindings are not in the library lever links.
#define OMPI_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace lever {

#ifdef LEVER_HAVE_MPI

namespace {

// MPI is initialised once per process, by the first transport, and finalised at process exit
// (this static's destructor), so a process may make and drop several transports. A process that
// initialised MPI itself keeps the duty to finalise it.
class MpiSession {
 public:
  // Returns the thread support MPI granted.
  static int start() {
    static MpiSession session;
    return session.provided_;
  }
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

 private:
  MpiSession() {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (initialized) {
      MPI_Query_thread(&provided_);
      return;
    }
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided_);
    owns_ = true;
  }
  ~MpiSession() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (owns_ && !finalized) MPI_Finalize();
  }

  int provided_ = MPI_THREAD_SINGLE;
  bool owns_ = false;
};

// Adds the wall time of its scope to a transport's communication time.
class CommunicationTimer {
 public:
  explicit CommunicationTimer(double& seconds)
      : seconds_(seconds), start_(std::chrono::steady_clock::now()) {}
  ~CommunicationTimer() {
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  CommunicationTimer(const CommunicationTimer&) = delete;
  CommunicationTimer& operator=(const CommunicationTimer&) = delete;

 private:
  double& seconds_;
  std::chrono::steady_clock::time_point start_;
};

// One MemberReport as MPI sees it: field by field, so MPI converts between unlike machines, with
// the struct's own extent so a std::vector<MemberReport> is a contiguous array of them.
MPI_Datatype make_report_type() {
  const int lengths[5] = {1, 1, 1, 1, 1};
  const MPI_Aint offsets[5] = {offsetof(MemberReport, score), offsetof(MemberReport, test_score),
                               offsetof(MemberReport, global_step),
                               offsetof(MemberReport, weights_crc),
                               offsetof(MemberReport, train_seconds)};
  const MPI_Datatype types[5] = {MPI_DOUBLE, MPI_DOUBLE, MPI_INT64_T, MPI_UINT32_T, MPI_DOUBLE};
  MPI_Datatype fields = MPI_DATATYPE_NULL;
  MPI_Type_create_struct(5, lengths, offsets, types, &fields);
  MPI_Datatype report = MPI_DATATYPE_NULL;
  MPI_Type_create_resized(fields, 0, sizeof(MemberReport), &report);
  MPI_Type_free(&fields);
  MPI_Type_commit(&report);
  return report;
}

// The parts both transports share: their own communicator (so their messages never meet anyone
// else's), the report type, the barrier and the abort.
class MpiTransport : public Transport {
 public:
  MpiTransport() {
    MPI_Comm_dup(MPI_COMM_WORLD, &comm_);
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &num_ranks_);
    report_type_ = make_report_type();
  }
  ~MpiTransport() override {
    // A transport outliving the session (a static one) has nothing left to free.
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized) return;
    MPI_Type_free(&report_type_);
    MPI_Comm_free(&comm_);
  }
  MpiTransport(const MpiTransport&) = delete;
  MpiTransport& operator=(const MpiTransport&) = delete;

  int rank() const override { return rank_; }
  int num_ranks() const override { return num_ranks_; }
  void barrier() override { MPI_Barrier(comm_); }
  void abort_all(int exit_code) override { MPI_Abort(MPI_COMM_WORLD, exit_code); }

 protected:
  // Every rank's count and offset, in reports, within a table laid out rank after rank.
  void report_layout(int population, std::vector<int>& counts, std::vector<int>& offsets) const {
    counts.assign(num_ranks_, 0);
    offsets.assign(num_ranks_, 0);
    for (int r = 0; r < num_ranks_; ++r) {
      counts[r] = static_cast<int>(members_of_rank(r, num_ranks_, population).size());
      if (r > 0) offsets[r] = offsets[r - 1] + counts[r - 1];
    }
  }

  void check_local_reports(const std::vector<MemberReport>& local, int population) const {
    if (local.size() != members_of_rank(rank_, num_ranks_, population).size()) {
      throw std::logic_error("MPI PBT: rank " + std::to_string(rank_) + " passed " +
                             std::to_string(local.size()) + " reports for its members of " +
                             std::to_string(population));
    }
  }

  // A table laid out rank after rank, as member-indexed reports.
  std::vector<MemberReport> by_member(const std::vector<MemberReport>& by_rank,
                                      const std::vector<int>& offsets) const {
    std::vector<MemberReport> reports(by_rank.size());
    for (int m = 0; m < static_cast<int>(by_rank.size()); ++m) {
      const int r = owner_rank(m, num_ranks_);
      reports[m] = by_rank[offsets[r] + m / num_ranks_];
    }
    return reports;
  }

  // The snapshot size as an MPI count, after checking every source names a member. Every rank
  // gets the same source and snapshot size, so every rank throws alike and none is left waiting.
  int message_bytes(const std::vector<int>& source, const MemberStore& store) const {
    const int population = static_cast<int>(source.size());
    for (int m = 0; m < population; ++m) {
      if (source[m] < 0 || source[m] >= population) {
        throw std::logic_error("MPI PBT: member " + std::to_string(m) + " copies member " +
                               std::to_string(source[m]) + " of a population of " +
                               std::to_string(population));
      }
    }
    const size_t bytes = store.snapshot_bytes();
    if (bytes > static_cast<size_t>(INT_MAX)) {
      throw RuntimeFailure("MPI PBT: a member's snapshot is " + std::to_string(bytes) +
                           " bytes, more than one MPI message carries (" + std::to_string(INT_MAX) +
                           "); use a smaller network");
    }
    return static_cast<int>(bytes);
  }

  // Packs member s's snapshot into out, checking it has the size every rank expects.
  static void pack_snapshot(const MemberStore& store, int s, int bytes,
                            std::vector<uint8_t>& out) {
    store.pack(s, out);
    if (static_cast<int>(out.size()) != bytes) {
      throw std::logic_error("MPI PBT: member " + std::to_string(s) +
                             "'s snapshot differs from snapshot_bytes()");
    }
  }

  static bool anyone_copies(const std::vector<int>& source) {
    for (size_t m = 0; m < source.size(); ++m) {
      if (source[m] != static_cast<int>(m)) return true;
    }
    return false;
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  MPI_Datatype report_type_ = MPI_DATATYPE_NULL;
  int rank_ = 0;
  int num_ranks_ = 1;
};

class PointToPointTransport : public MpiTransport {
 public:
  PointToPointTransport() {
    int* tag_upper_bound = nullptr;
    int found = 0;
    MPI_Comm_get_attr(comm_, MPI_TAG_UB, &tag_upper_bound, &found);
    if (found) max_tag_ = *tag_upper_bound;
  }

  std::string name() const override { return "p2p"; }
  bool reports_everywhere() const override { return false; }

  std::vector<MemberReport> gather_reports(const std::vector<MemberReport>& local,
                                           int population) override {
    CommunicationTimer timer(communication_seconds_);
    check_local_reports(local, population);
    std::vector<int> counts, offsets;
    report_layout(population, counts, offsets);
    std::vector<MemberReport> by_rank(rank_ == 0 ? population : 0);
    MPI_Gatherv(local.data(), static_cast<int>(local.size()), report_type_, by_rank.data(),
                counts.data(), offsets.data(), report_type_, 0, comm_);
    if (rank_ != 0) return {};
    return by_member(by_rank, offsets);
  }

  GenerationPlan share_plan(const GenerationPlan& plan, int population,
                            int num_hyperparameters) override {
    CommunicationTimer timer(communication_seconds_);
    std::vector<int> source(population);
    std::vector<double> values(static_cast<size_t>(population) * num_hyperparameters);
    if (rank_ == 0) {
      if (static_cast<int>(plan.source.size()) != population ||
          static_cast<int>(plan.hyperparameters.size()) != population) {
        throw std::logic_error("MPI PBT: rank 0's plan does not cover the population of " +
                               std::to_string(population));
      }
      source = plan.source;
      for (int m = 0; m < population; ++m) {
        if (static_cast<int>(plan.hyperparameters[m].size()) != num_hyperparameters) {
          throw std::logic_error("MPI PBT: member " + std::to_string(m) + " has " +
                                 std::to_string(plan.hyperparameters[m].size()) +
                                 " hyperparameters, not " + std::to_string(num_hyperparameters));
        }
        std::copy(plan.hyperparameters[m].begin(), plan.hyperparameters[m].end(),
                  values.begin() + static_cast<size_t>(m) * num_hyperparameters);
      }
    }
    MPI_Bcast(source.data(), population, MPI_INT, 0, comm_);
    MPI_Bcast(values.data(), static_cast<int>(values.size()), MPI_DOUBLE, 0, comm_);
    GenerationPlan shared;
    shared.source = std::move(source);
    shared.hyperparameters.resize(population);
    for (int m = 0; m < population; ++m) {
      const auto row = values.begin() + static_cast<size_t>(m) * num_hyperparameters;
      shared.hyperparameters[m].assign(row, row + num_hyperparameters);
    }
    return shared;
  }

  void exchange(const std::vector<int>& source, MemberStore& store) override {
    CommunicationTimer timer(communication_seconds_);
    if (!anyone_copies(source)) return;
    const int bytes = message_bytes(source, store);
    const int population = static_cast<int>(source.size());
    if (population - 1 > max_tag_) {
      throw RuntimeFailure("MPI PBT: a population of " + std::to_string(population) +
                           " needs more message tags than this MPI has (" +
                           std::to_string(max_tag_) + ")");
    }
    // Pack, once each, this rank's members that someone copies, before anything is unpacked.
    std::map<int, std::vector<uint8_t>> snapshots;
    for (int m = 0; m < population; ++m) {
      const int s = source[m];
      if (s == m || owner_rank(s, num_ranks_) != rank_ || snapshots.count(s)) continue;
      pack_snapshot(store, s, bytes, snapshots[s]);
    }
    // One message per source and destination rank (tag: the source), however many members of
    // that rank copy it.
    std::set<std::pair<int, int>> routes;  // (source, destination rank)
    for (int m = 0; m < population; ++m) {
      const int s = source[m];
      const int destination = owner_rank(m, num_ranks_);
      if (s == m || owner_rank(s, num_ranks_) != rank_ || destination == rank_) continue;
      routes.insert({s, destination});
    }
    std::vector<MPI_Request> sends(routes.size());
    size_t next = 0;
    for (const auto& [s, destination] : routes) {
      MPI_Isend(snapshots[s].data(), bytes, MPI_BYTE, destination, s, comm_, &sends[next++]);
    }
    // This rank's copiers, grouped by source: a remote source is received once.
    std::map<int, std::vector<int>> copiers;
    for (int m : members_of_rank(rank_, num_ranks_, population)) {
      if (source[m] != m) copiers[source[m]].push_back(m);
    }
    std::vector<uint8_t> received;
    for (const auto& [s, members] : copiers) {
      const int owner = owner_rank(s, num_ranks_);
      const std::vector<uint8_t>* snapshot = &snapshots[s];
      if (owner != rank_) {
        received.resize(bytes);
        MPI_Recv(received.data(), bytes, MPI_BYTE, owner, s, comm_, MPI_STATUS_IGNORE);
        snapshot = &received;
      }
      for (int m : members) store.unpack(m, *snapshot);
    }
    MPI_Waitall(static_cast<int>(sends.size()), sends.data(), MPI_STATUSES_IGNORE);
  }

 private:
  int max_tag_ = 32767;  // the least MPI_TAG_UB the standard allows
};

class CollectiveTransport : public MpiTransport {
 public:
  std::string name() const override { return "collective"; }
  bool reports_everywhere() const override { return true; }

  std::vector<MemberReport> gather_reports(const std::vector<MemberReport>& local,
                                           int population) override {
    CommunicationTimer timer(communication_seconds_);
    check_local_reports(local, population);
    std::vector<int> counts, offsets;
    report_layout(population, counts, offsets);
    std::vector<MemberReport> by_rank(population);
    MPI_Allgatherv(local.data(), static_cast<int>(local.size()), report_type_, by_rank.data(),
                   counts.data(), offsets.data(), report_type_, comm_);
    return by_member(by_rank, offsets);
  }

  GenerationPlan share_plan(const GenerationPlan& plan, int, int) override { return plan; }

  void exchange(const std::vector<int>& source, MemberStore& store) override {
    CommunicationTimer timer(communication_seconds_);
    if (!anyone_copies(source)) return;
    const int bytes = message_bytes(source, store);
    const int population = static_cast<int>(source.size());
    // The copied members, ascending, so every rank broadcasts them in the same order.
    std::map<int, std::vector<int>> copiers;
    for (int m = 0; m < population; ++m) {
      if (source[m] != m) copiers[source[m]].push_back(m);
    }
    // This rank packs all it will send before unpacking anything, so one receive buffer serves
    // every snapshot that comes from elsewhere and each can be unpacked as soon as it arrives.
    std::map<int, std::vector<uint8_t>> own;
    for (const auto& entry : copiers) {
      const int s = entry.first;
      if (owner_rank(s, num_ranks_) != rank_) continue;
      pack_snapshot(store, s, bytes, own[s]);
    }
    std::vector<uint8_t> received;
    for (const auto& entry : copiers) {
      const int s = entry.first;
      const int owner = owner_rank(s, num_ranks_);
      std::vector<uint8_t>* snapshot = &received;
      if (owner == rank_) {
        snapshot = &own[s];
      } else {
        received.resize(bytes);
      }
      MPI_Bcast(snapshot->data(), bytes, MPI_BYTE, owner, comm_);
      for (int m : entry.second) {
        if (owner_rank(m, num_ranks_) == rank_) store.unpack(m, *snapshot);
      }
    }
  }
};

}  // namespace

bool mpi_available() { return true; }

std::unique_ptr<Transport> make_mpi_transport(const std::string& kind) {
  if (kind != "p2p" && kind != "collective") {
    throw UsageError("unknown MPI transport '" + kind + "': expected p2p or collective");
  }
  if (MpiSession::start() < MPI_THREAD_FUNNELED) {
    throw RuntimeFailure(
        "this MPI library cannot be called from a program with several threads "
        "(MPI_THREAD_FUNNELED not provided)");
  }
  if (kind == "p2p") return std::make_unique<PointToPointTransport>();
  return std::make_unique<CollectiveTransport>();
}

#else

bool mpi_available() { return false; }

std::unique_ptr<Transport> make_mpi_transport(const std::string&) {
  throw UsageError("this lever was built without MPI: install libopenmpi-dev and rebuild");
}

#endif

}  // namespace lever

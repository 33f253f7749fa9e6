// How the members of a population, spread over processes, learn each other's scores and copy each
// other's state at a generation boundary. The PBT driver (pbt.h) is written once against this
// interface; InProcessTransport serves one process, the MPI transports (mpi_transport.h) serve one
// or more members per rank. Transports see members only as fixed-size byte snapshots, so they
// know nothing of networks or optimisers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lever {

// A member's record after a generation's training and evaluation.
struct MemberReport {
  double score = 0.0;       // mean evaluation return on training levels: what exploit ranks by
  double test_score = 0.0;  // the same evaluation on unseen test levels (recorded, never ranked)
  int64_t global_step = 0;  // env steps the member has taken
  uint32_t weights_crc = 0;  // CRC-32C of the flat parameters, to compare populations cheaply
  double train_seconds = 0.0;  // wall time of the member's training in this generation
};

// Exploit's decision and explore's result at one generation boundary, for every member.
struct GenerationPlan {
  // source[m]: the member whose weights, optimiser state and hyperparameters m continues from
  // (m itself when it keeps its own).
  std::vector<int> source;
  // hyperparameters[m]: m's values for the next generation, in the declared order.
  std::vector<std::vector<double>> hyperparameters;
};

// The members one process holds, as a transport sees them. Every snapshot of a population has the
// same size (same network, same hyperparameter list).
class MemberStore {
 public:
  virtual ~MemberStore() = default;
  virtual size_t snapshot_bytes() const = 0;
  // Writes member's snapshot into out (resized to snapshot_bytes()).
  virtual void pack(int member, std::vector<uint8_t>& out) const = 0;
  // Makes member a copy of the member a snapshot was packed from.
  virtual void unpack(int member, const std::vector<uint8_t>& snapshot) = 0;
};

// Members are dealt to ranks round-robin: member m lives on rank m % num_ranks.
inline int owner_rank(int member, int num_ranks) { return member % num_ranks; }
// The members rank holds, ascending.
std::vector<int> members_of_rank(int rank, int num_ranks, int population);

class Transport {
 public:
  virtual ~Transport() = default;
  virtual int rank() const = 0;
  virtual int num_ranks() const = 0;
  virtual std::string name() const = 0;  // "in_process", "p2p" or "collective"

  // True when gather_reports gives every rank the whole table, so each rank makes the plan itself
  // (collective, in-process); false when only rank 0 gets it and share_plan sends rank 0's plan
  // out (point-to-point).
  virtual bool reports_everywhere() const = 0;
  // local: the reports of this rank's members, in members_of_rank order. Returns all `population`
  // reports indexed by member on rank 0, and on every rank when reports_everywhere(); empty on
  // the other ranks.
  virtual std::vector<MemberReport> gather_reports(const std::vector<MemberReport>& local,
                                                   int population) = 0;
  // Point-to-point: every rank returns rank 0's plan (the argument is read on rank 0 only).
  // Collective and in-process: returns plan unchanged (every rank computed the same one).
  virtual GenerationPlan share_plan(const GenerationPlan& plan, int population,
                                    int num_hyperparameters) = 0;
  // Every member m of this rank with source[m] != m becomes a copy of member source[m] as it was
  // when exchange was called, even when source[m] itself changes in the same call (binary
  // tournament can chain copies). Collective calls: every rank calls it with the same source.
  virtual void exchange(const std::vector<int>& source, MemberStore& store) = 0;
  // Waits for every rank.
  virtual void barrier() = 0;
  // Ends every rank of the job after an error on this one (MPI_Abort), so none waits forever.
  virtual void abort_all(int exit_code) = 0;

  // Wall time spent inside gather_reports, share_plan and exchange since construction.
  double communication_seconds() const { return communication_seconds_; }

 protected:
  double communication_seconds_ = 0.0;
};

// One process holds the whole population: gathering is a copy, exchange copies snapshots.
class InProcessTransport : public Transport {
 public:
  int rank() const override { return 0; }
  int num_ranks() const override { return 1; }
  std::string name() const override { return "in_process"; }
  bool reports_everywhere() const override { return true; }
  std::vector<MemberReport> gather_reports(const std::vector<MemberReport>& local,
                                           int population) override;
  GenerationPlan share_plan(const GenerationPlan& plan, int population,
                            int num_hyperparameters) override;
  void exchange(const std::vector<int>& source, MemberStore& store) override;
  void barrier() override {}
  void abort_all(int) override {}
};

// Whether this build has MPI (Debian's libopenmpi-dev at configure time).
bool mpi_available();
// kind "p2p" or "collective". The first call (from the main thread) initialises MPI
// (MPI_Init_thread, funneled: only the main thread calls MPI), which is finalised at process exit.
// Throws UsageError in a build without MPI or for another kind.
std::unique_ptr<Transport> make_mpi_transport(const std::string& kind);

}  // namespace lever

// PBT's MPI transports, run as `mpirun -n 4 lever_mpi_tests`: every rank runs every test and
// checks what it holds. Only EXPECT_* is used, so a rank that fails still joins every later
// collective; each test ends by telling every rank whether another rank failed it.
#include <gtest/gtest.h>
// MPI's C API only: OpenMPI's deprecated C++ bindings are not in the library lever links.
#define OMPI_SKIP_MPICXX 1
#include <mpi.h>

#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lever/core/errors.h"
#include "lever/pbt/transport.h"

namespace lever {
namespace {

constexpr int kRanks = 4;  // the ctest line's mpirun -n; populations below are dealt unevenly

// A snapshot that differs for every member and generation, byte by byte.
std::vector<uint8_t> pattern(int member, int generation, size_t bytes) {
  std::vector<uint8_t> out(bytes);
  uint32_t x = 2654435761u * static_cast<uint32_t>(member + 1) +
               40503u * static_cast<uint32_t>(generation + 1);
  for (uint8_t& b : out) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<uint8_t>(x >> 24);
  }
  return out;
}

// The members one rank holds, each a byte vector, counting what the transport asks of it.
class FakeStore : public MemberStore {
 public:
  FakeStore(const std::vector<int>& members, size_t bytes, int generation) : bytes_(bytes) {
    for (int m : members) snapshots_[m] = pattern(m, generation, bytes);
  }
  size_t snapshot_bytes() const override { return bytes_; }
  void pack(int member, std::vector<uint8_t>& out) const override {
    ++packs_;
    out = snapshots_.at(member);
  }
  void unpack(int member, const std::vector<uint8_t>& snapshot) override {
    ++unpacks_;
    EXPECT_EQ(snapshot.size(), bytes_) << "snapshot unpacked into member " << member;
    snapshots_.at(member) = snapshot;
  }
  const std::map<int, std::vector<uint8_t>>& snapshots() const { return snapshots_; }
  int packs() const { return packs_; }
  int unpacks() const { return unpacks_; }

 private:
  size_t bytes_;
  std::map<int, std::vector<uint8_t>> snapshots_;
  mutable int packs_ = 0;
  int unpacks_ = 0;
};

// A store too large for one MPI message; nothing may be packed from it.
class OversizedStore : public MemberStore {
 public:
  size_t snapshot_bytes() const override { return static_cast<size_t>(INT_MAX) + 1; }
  void pack(int member, std::vector<uint8_t>&) const override {
    ADD_FAILURE() << "packed member " << member << " of an oversized store";
  }
  void unpack(int member, const std::vector<uint8_t>&) override {
    ADD_FAILURE() << "unpacked member " << member << " of an oversized store";
  }
};

MemberReport report_of(int member) {
  MemberReport report;
  report.score = 0.1 * member - 3.0;
  report.test_score = -1.0 / (member + 3);
  report.global_step = 5000000000LL + member;  // beyond 32 bits
  report.weights_crc = 0xDEADBEEFu ^ static_cast<uint32_t>(member);
  report.train_seconds = 1.0e-3 * member + 0.5;
  return report;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Tests that talk over MPI end by agreeing on failure: a rank whose own checks passed still fails
// when another rank's did not, so rank 0's output names every failing test.
class MpiTest : public testing::Test {
 protected:
  void TearDown() override {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) return;
    const int failed_here = HasFailure() ? 1 : 0;
    int failed_ranks = 0;
    MPI_Allreduce(&failed_here, &failed_ranks, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    EXPECT_EQ(failed_ranks - failed_here, 0) << "ranks other than this one failed the test";
  }
};

class MpiTransportTest : public MpiTest, public testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override { transport_ = make_mpi_transport(GetParam()); }

  std::vector<int> local_members(int population) const {
    return members_of_rank(transport_->rank(), transport_->num_ranks(), population);
  }

  // Runs one exchange and checks that every member of this rank holds its source's snapshot from
  // before the call, that each member of this rank someone copies was packed exactly once, and
  // that exactly the copiers were unpacked.
  void check_exchange(const std::vector<int>& source, size_t bytes = 1000) {
    const int population = static_cast<int>(source.size());
    const int generation = 3;
    FakeStore store(local_members(population), bytes, generation);
    transport_->exchange(source, store);

    std::set<int> copied_here;
    int copiers_here = 0;
    for (int m = 0; m < population; ++m) {
      if (source[m] == m) continue;
      if (owner_rank(source[m], transport_->num_ranks()) == transport_->rank()) {
        copied_here.insert(source[m]);
      }
      if (owner_rank(m, transport_->num_ranks()) == transport_->rank()) ++copiers_here;
    }
    EXPECT_EQ(store.packs(), static_cast<int>(copied_here.size()));
    EXPECT_EQ(store.unpacks(), copiers_here);
    for (const auto& [m, held] : store.snapshots()) {
      EXPECT_TRUE(held == pattern(source[m], generation, bytes))
          << "member " << m << " should hold member " << source[m] << "'s old snapshot";
    }
  }

  std::unique_ptr<Transport> transport_;
};

TEST_P(MpiTransportTest, DescribesItselfAndTheJob) {
  int world_rank = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
  EXPECT_EQ(transport_->name(), GetParam());
  EXPECT_EQ(transport_->reports_everywhere(), GetParam() == "collective");
  EXPECT_EQ(transport_->num_ranks(), kRanks) << "run these tests with mpirun -n " << kRanks;
  EXPECT_EQ(transport_->rank(), world_rank);
}

TEST_P(MpiTransportTest, GatherReportsGivesEveryMembersExactReport) {
  for (int population : {3, 4, 5, 7}) {
    SCOPED_TRACE("population " + std::to_string(population));
    std::vector<MemberReport> local;
    for (int m : local_members(population)) local.push_back(report_of(m));
    const std::vector<MemberReport> reports = transport_->gather_reports(local, population);
    if (transport_->rank() != 0 && !transport_->reports_everywhere()) {
      EXPECT_TRUE(reports.empty());
      continue;
    }
    EXPECT_EQ(reports.size(), static_cast<size_t>(population));
    if (reports.size() != static_cast<size_t>(population)) continue;
    for (int m = 0; m < population; ++m) {
      const MemberReport expected = report_of(m);
      EXPECT_EQ(reports[m].score, expected.score) << "member " << m;
      EXPECT_EQ(reports[m].test_score, expected.test_score) << "member " << m;
      EXPECT_EQ(reports[m].global_step, expected.global_step) << "member " << m;
      EXPECT_EQ(reports[m].weights_crc, expected.weights_crc) << "member " << m;
      EXPECT_EQ(reports[m].train_seconds, expected.train_seconds) << "member " << m;
    }
  }
}

TEST_P(MpiTransportTest, SharePlanGivesEveryRankTheRightPlan) {
  const int population = 5, num_hyperparameters = 3;
  const int rank = transport_->rank();
  // Each rank's own plan differs, so whose plan came back is visible.
  auto plan_of = [&](int r) {
    GenerationPlan plan;
    for (int m = 0; m < population; ++m) {
      plan.source.push_back((m + r) % population);
      plan.hyperparameters.push_back({1e-4 * (m + 1) + r, 0.99 - 0.01 * m, -0.1 * r});
    }
    return plan;
  };
  const GenerationPlan shared =
      transport_->share_plan(plan_of(rank), population, num_hyperparameters);
  const GenerationPlan expected = plan_of(transport_->reports_everywhere() ? rank : 0);
  EXPECT_EQ(shared.source, expected.source);
  EXPECT_EQ(shared.hyperparameters, expected.hyperparameters);

  // A population without mutable hyperparameters still shares who copies whom.
  const GenerationPlan sources_only = transport_->share_plan(
      rank == 0 ? GenerationPlan{{4, 1, 2, 3, 4}, std::vector<std::vector<double>>(population)}
                : GenerationPlan{},
      population, 0);
  if (transport_->reports_everywhere()) {
    EXPECT_EQ(sources_only.source.size(), rank == 0 ? 5u : 0u);
  } else {
    EXPECT_EQ(sources_only.source, (std::vector<int>{4, 1, 2, 3, 4}));
    EXPECT_EQ(sources_only.hyperparameters.size(), 5u);
  }
}

TEST_P(MpiTransportTest, ExchangeCopiesTruncationLikeAcrossRanks) {
  // Ranks hold {0,4} {1,5} {2,6} {3}: the bottom members copy top members on other ranks.
  check_exchange({0, 1, 2, 2, 4, 0, 1});
}

TEST_P(MpiTransportTest, ExchangeCopiesWithinARank) { check_exchange({0, 1, 2, 3, 0, 1, 6}); }

TEST_P(MpiTransportTest, ChainedCopiesReadOldStates) {
  check_exchange({1, 2, 3, 3, 4, 5, 6});        // 0 <- 1, 1 <- 2, 2 <- 3 across ranks
  check_exchange({4, 1, 2, 3, 8, 5, 6, 7, 8});  // 0 <- 4 <- 8, all on rank 0
  // The same chains pointing the other way, so no order of visiting members hides a late pack.
  check_exchange({0, 0, 1, 2, 4, 5, 6});
  check_exchange({0, 1, 2, 3, 0, 5, 6, 7, 4});
}

TEST_P(MpiTransportTest, SwappedMembersEachGetTheOthersOldState) {
  check_exchange({1, 0, 2, 3});     // across ranks
  check_exchange({4, 1, 2, 3, 0});  // within rank 0
}

TEST_P(MpiTransportTest, EveryoneCopiesMemberZero) { check_exchange({0, 0, 0, 0, 0, 0, 0}); }

TEST_P(MpiTransportTest, NobodyCopyingChangesNothing) {
  // check_exchange also sees that nothing was packed or unpacked, so no snapshot travelled.
  check_exchange({0, 1, 2, 3, 4, 5, 6});
}

TEST_P(MpiTransportTest, RanksWithoutMembersTakePart) { check_exchange({0, 0, 1}); }

TEST_P(MpiTransportTest, ExchangesSnapshotsOfSeveralMegabytes) {
  check_exchange({0, 1, 2, 2, 4, 0, 1}, 3 * 1024 * 1024 + 17);
  check_exchange({0, 0, 0, 0, 0, 0, 0}, 3 * 1024 * 1024 + 17);
}

TEST_P(MpiTransportTest, RepeatedExchangesKeepMessagesApart) {
  const std::vector<int> chain = {1, 2, 3, 3, 4, 0, 5};
  const size_t bytes = 700;
  FakeStore store(local_members(7), bytes, 0);
  std::vector<int> origin = {0, 1, 2, 3, 4, 5, 6};  // whose initial snapshot each member holds
  for (int round = 0; round < 3; ++round) {
    transport_->exchange(chain, store);
    std::vector<int> next(origin.size());
    for (size_t m = 0; m < origin.size(); ++m) next[m] = origin[chain[m]];
    origin = next;
  }
  for (const auto& [m, held] : store.snapshots()) {
    EXPECT_TRUE(held == pattern(origin[m], 0, bytes))
        << "member " << m << " should hold member " << origin[m] << "'s first snapshot";
  }
}

TEST_P(MpiTransportTest, RefusesSnapshotsBeyondOneMessage) {
  OversizedStore store;
  try {
    transport_->exchange({0, 0, 2, 3}, store);
    ADD_FAILURE() << "a snapshot over INT_MAX bytes was accepted";
  } catch (const RuntimeFailure& e) {
    EXPECT_NE(std::string(e.what()).find("2147483648 bytes"), std::string::npos) << e.what();
  }
  // Nothing to send: nothing to refuse.
  EXPECT_NO_THROW(transport_->exchange({0, 1, 2, 3}, store));
}

TEST_P(MpiTransportTest, CountsTimeSpentWaitingForOtherRanks) {
  const int rank = transport_->rank();
  const double sleep_seconds = 0.3;
  const auto sleep = [&] {
    std::this_thread::sleep_for(std::chrono::duration<double>(sleep_seconds));
  };

  // Rank 0 needs rank 1's reports, so it waits while rank 1 sleeps.
  if (rank == 1) sleep();
  double before = transport_->communication_seconds();
  transport_->gather_reports({report_of(rank)}, kRanks);
  if (rank == 0) {
    EXPECT_GT(transport_->communication_seconds() - before, 0.5 * sleep_seconds);
  }

  // Every other rank needs member 0, held by rank 0.
  if (rank == 0) sleep();
  before = transport_->communication_seconds();
  FakeStore store(local_members(kRanks), 100, 0);
  transport_->exchange({0, 0, 0, 0}, store);
  if (rank != 0) {
    EXPECT_GT(transport_->communication_seconds() - before, 0.5 * sleep_seconds);
  }
  EXPECT_GT(transport_->communication_seconds(), 0.0);
}

TEST_P(MpiTransportTest, BarrierWaitsForTheLastRank) {
  if (transport_->rank() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto start = std::chrono::steady_clock::now();
  transport_->barrier();
  if (transport_->rank() != 0) {
    EXPECT_GT(seconds_since(start), 0.15);
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, MpiTransportTest, testing::Values("p2p", "collective"),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

using MpiTransportAgreement = MpiTest;

// Both transports, and one process holding the whole population, give byte-identical members
// after the same random sequence of exchanges.
TEST_F(MpiTransportAgreement, P2pCollectiveAndInProcessEndIdentical) {
  std::unique_ptr<Transport> p2p = make_mpi_transport("p2p");
  std::unique_ptr<Transport> collective = make_mpi_transport("collective");
  InProcessTransport in_process;
  const int population = 9;
  const size_t bytes = 64 * 1024 + 3;
  std::vector<int> everyone(population);
  for (int m = 0; m < population; ++m) everyone[m] = m;
  const std::vector<int> mine = members_of_rank(p2p->rank(), p2p->num_ranks(), population);
  FakeStore p2p_store(mine, bytes, 0), collective_store(mine, bytes, 0);
  FakeStore whole(everyone, bytes, 0);

  std::mt19937 rng(20240607);  // the same draws on every rank, as PBT's plans are
  std::uniform_int_distribution<int> draw(0, population - 1);
  std::bernoulli_distribution copies(0.4);
  for (int round = 0; round < 6; ++round) {
    std::vector<int> source(population);
    for (int m = 0; m < population; ++m) source[m] = copies(rng) ? draw(rng) : m;
    p2p->exchange(source, p2p_store);
    collective->exchange(source, collective_store);
    in_process.exchange(source, whole);
  }
  for (int m : mine) {
    EXPECT_TRUE(p2p_store.snapshots().at(m) == collective_store.snapshots().at(m))
        << "member " << m << " differs between p2p and collective";
    EXPECT_TRUE(p2p_store.snapshots().at(m) == whole.snapshots().at(m))
        << "member " << m << " differs from the in-process population";
  }
}

TEST(MpiTransportChoice, UnknownKindIsAUsageError) {
  EXPECT_TRUE(mpi_available());
  EXPECT_THROW(make_mpi_transport("ring"), UsageError);
}

// Ranks other than 0 print only their failures, each tagged with the rank, so the job's output
// reads as one rank's report plus whatever went wrong elsewhere.
class FailurePrinter : public testing::EmptyTestEventListener {
 public:
  explicit FailurePrinter(std::string rank) : rank_(std::move(rank)) {}
  void OnTestPartResult(const testing::TestPartResult& result) override {
    if (!result.failed()) return;
    std::fprintf(stderr, "[rank %s] %s:%d: %s\n", rank_.c_str(),
                 result.file_name() ? result.file_name() : "?", result.line_number(),
                 result.message());
  }

 private:
  std::string rank_;
};

}  // namespace
}  // namespace lever

// MPI is initialised by the first transport a test makes, not here, as in the lever program.
int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  // An exception escaping a test on one rank would leave the others waiting in its collectives;
  // uncaught, it ends this rank and mpirun ends the job.
  GTEST_FLAG_SET(catch_exceptions, false);
  const char* rank = std::getenv("OMPI_COMM_WORLD_RANK");
  if (rank != nullptr && std::string(rank) != "0") {
    testing::TestEventListeners& listeners = testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new lever::FailurePrinter(rank));
  }
  return RUN_ALL_TESTS();
}

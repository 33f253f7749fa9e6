#include "lever/pbt/transport.h"

#include <chrono>
#include <stdexcept>

namespace lever {

std::vector<int> members_of_rank(int rank, int num_ranks, int population) {
  std::vector<int> members;
  for (int m = rank; m < population; m += num_ranks) members.push_back(m);
  return members;
}

std::vector<MemberReport> InProcessTransport::gather_reports(const std::vector<MemberReport>& local,
                                                             int population) {
  if (static_cast<int>(local.size()) != population) {
    throw std::logic_error("in-process PBT: every member's report is local");
  }
  return local;
}

GenerationPlan InProcessTransport::share_plan(const GenerationPlan& plan, int, int) { return plan; }

void InProcessTransport::exchange(const std::vector<int>& source, MemberStore& store) {
  const auto start = std::chrono::steady_clock::now();
  // Snapshot every source first: a member copied from may itself be overwritten in this call.
  std::vector<std::vector<uint8_t>> snapshots(source.size());
  for (size_t m = 0; m < source.size(); ++m) {
    const int s = source[m];
    if (s != static_cast<int>(m) && snapshots[s].empty()) store.pack(s, snapshots[s]);
  }
  for (size_t m = 0; m < source.size(); ++m) {
    if (source[m] != static_cast<int>(m)) store.unpack(static_cast<int>(m), snapshots[source[m]]);
  }
  communication_seconds_ +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace lever

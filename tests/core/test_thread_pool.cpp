#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "lever/core/thread_pool.h"

namespace lever {
namespace {

TEST(ThreadPool, EveryIndexRunsExactlyOnceInContiguousChunks) {
  ThreadPool pool(3);
  EXPECT_EQ(pool.num_threads(), 3);
  for (int64_t count : {0, 1, 2, 3, 7, 64, 1000}) {
    std::vector<std::atomic<int>> hits(count);
    std::atomic<int> chunks{0};
    pool.parallel_for(count, [&](int64_t begin, int64_t end) {
      EXPECT_LT(begin, end);
      ++chunks;
      for (int64_t i = begin; i < end; ++i) ++hits[i];
    });
    for (int64_t i = 0; i < count; ++i) EXPECT_EQ(hits[i].load(), 1) << "count " << count;
    EXPECT_EQ(chunks.load(), std::min<int64_t>(count, 3)) << "count " << count;
  }
}

// Thousands of back-to-back dispatches, as a rollout does: no lost wake-up, no stale work.
TEST(ThreadPool, BackToBackDispatchesSeeEachOthersResults) {
  ThreadPool pool(2);
  std::vector<int64_t> values(16, 0);
  for (int round = 1; round <= 5000; ++round) {
    pool.parallel_for(16, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) values[i] += 1;
    });
    ASSERT_EQ(values[0], round);
    ASSERT_EQ(values[15], round);
  }
}

TEST(ThreadPool, AnExceptionInAChunkReachesTheCaller) {
  ThreadPool pool(2);
  EXPECT_THROW(pool.parallel_for(10,
                                 [](int64_t begin, int64_t) {
                                   if (begin > 0) throw std::runtime_error("worker failed");
                                 }),
               std::runtime_error);
  int64_t total = 0;  // the pool still works afterwards
  pool.parallel_for(1, [&](int64_t begin, int64_t end) { total += end - begin; });
  EXPECT_EQ(total, 1);
}

TEST(ThreadPool, ZeroMeansOneThreadPerCore) {
  ThreadPool pool(0);
  EXPECT_EQ(pool.num_threads(), ThreadPool::hardware_threads());
}

}  // namespace
}  // namespace lever

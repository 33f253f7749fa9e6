// A fixed pool of worker threads that runs one parallel-for at a time. VecEnv steps its
// environments on it every step, so dispatch must be cheap: workers spin briefly on a generation
// counter before sleeping, so back-to-back steps hand over in about a microsecond instead of a
// futex wake-up.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace lever {

class ThreadPool {
 public:
  // num_threads <= 0 means one per hardware core. The calling thread also works, so the pool
  // starts num_threads - 1 workers.
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls body(begin, end) on contiguous chunks covering [0, count), one chunk per thread, and
  // returns when all are done. The first exception thrown by a chunk is rethrown here.
  void parallel_for(int64_t count, const std::function<void(int64_t, int64_t)>& body);

  static int hardware_threads();

 private:
  void worker_loop(int index);
  void run_chunk(int index);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable work_done_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stopping_{false};
  int64_t count_ = 0;
  const std::function<void(int64_t, int64_t)>* body_ = nullptr;
  std::exception_ptr error_;
};

}  // namespace lever

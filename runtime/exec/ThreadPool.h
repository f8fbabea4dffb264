//===- ThreadPool.h - Fixed-partition parallel loops ------------*- C++ -*-===//
//
// parallelFor splits [0, n) into one contiguous range per thread. Every kernel
// computes each output element in one thread with a fixed summation order, so
// results are bit-identical at any thread count.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_EXEC_THREADPOOL_H
#define LLMQ_RUNTIME_EXEC_THREADPOOL_H

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace llmq::runtime {

class ThreadPool {
public:
  explicit ThreadPool(unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  unsigned size() const { return numThreads; }
  /// Runs fn(begin, end) over a partition of [0, n); returns when all ran.
  void parallelFor(int64_t n, const std::function<void(int64_t, int64_t)> &fn);

private:
  void workerLoop(unsigned index);

  unsigned numThreads;
  std::vector<std::thread> workers;
  std::mutex mutex;
  std::condition_variable wake, done;
  const std::function<void(int64_t, int64_t)> *job = nullptr;
  int64_t jobSize = 0;
  uint64_t generation = 0;
  unsigned pending = 0;
  bool stopping = false;
};

} // namespace llmq::runtime

#endif // LLMQ_RUNTIME_EXEC_THREADPOOL_H

//===- ThreadPool.cpp - Fixed-partition parallel loops --------------------===//

#include "runtime/exec/ThreadPool.h"

using namespace llmq::runtime;

ThreadPool::ThreadPool(unsigned threads) : numThreads(threads ? threads : 1) {
  // The calling thread takes part 0; workers take the others.
  for (unsigned i = 1; i < numThreads; ++i)
    workers.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  wake.notify_all();
  for (std::thread &t : workers)
    t.join();
}

static void runPart(const std::function<void(int64_t, int64_t)> &fn, int64_t n,
                    unsigned part, unsigned parts) {
  int64_t begin = n * part / parts, end = n * (part + 1) / parts;
  if (begin < end)
    fn(begin, end);
}

void ThreadPool::workerLoop(unsigned index) {
  uint64_t seen = 0;
  while (true) {
    const std::function<void(int64_t, int64_t)> *fn;
    int64_t n;
    {
      std::unique_lock<std::mutex> lock(mutex);
      wake.wait(lock, [&] { return stopping || generation != seen; });
      if (stopping)
        return;
      seen = generation;
      fn = job;
      n = jobSize;
    }
    runPart(*fn, n, index, numThreads);
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (--pending == 0)
        done.notify_one();
    }
  }
}

void ThreadPool::parallelFor(int64_t n,
                             const std::function<void(int64_t, int64_t)> &fn) {
  if (numThreads == 1 || n < 2) {
    if (n > 0)
      fn(0, n);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    job = &fn;
    jobSize = n;
    pending = numThreads - 1;
    ++generation;
  }
  wake.notify_all();
  runPart(fn, n, 0, numThreads);
  std::unique_lock<std::mutex> lock(mutex);
  done.wait(lock, [&] { return pending == 0; });
}

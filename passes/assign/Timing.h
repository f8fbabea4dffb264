//===- Timing.h - Wall and CPU seconds of the optimizer's phases -*- C++ -*-===//
//
// `--llmq-assign-bits print-timing=true` splits the optimizer's time into
// the error measurement, the base pass of the sensitivity probes and the
// probes themselves, each in wall seconds and in the process's CPU seconds
// (all threads): on a shared machine the wall clock depends on the load, the
// CPU time much less, so both are printed.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_PASSES_ASSIGN_TIMING_H
#define LLMQ_PASSES_ASSIGN_TIMING_H

#include <chrono>
#include <sys/resource.h>

namespace mlir::llmq::assign {

/// Wall and CPU seconds accumulated over the intervals between start() and
/// stop().
class PhaseTimer {
public:
  void start() {
    wallStart = std::chrono::steady_clock::now();
    cpuStart = processCpuSeconds();
  }
  void stop() {
    wallTotal += std::chrono::duration<double>(
                     std::chrono::steady_clock::now() - wallStart)
                     .count();
    cpuTotal += processCpuSeconds() - cpuStart;
  }
  double wall() const { return wallTotal; }
  double cpu() const { return cpuTotal; }

  /// User and system CPU seconds of every thread of the process so far.
  static double processCpuSeconds() {
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) != 0)
      return 0;
    auto seconds = [](const struct timeval &t) {
      return static_cast<double>(t.tv_sec) + t.tv_usec * 1e-6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
  }

private:
  std::chrono::steady_clock::time_point wallStart;
  double cpuStart = 0, wallTotal = 0, cpuTotal = 0;
};

} // namespace mlir::llmq::assign

#endif // LLMQ_PASSES_ASSIGN_TIMING_H

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

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdint>
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

/// The optimizer's three phases and the lines print-timing prints about
/// them (on stderr; nothing when disabled, though the timers still run).
struct OptimizerTiming {
  bool print = false;
  PhaseTimer error, base, probes;

  void errorDone(unsigned threads) {
    error.stop();
    if (print)
      llvm::errs() << llvm::formatv("llmq-assign-bits: timing: error "
                                    "measurement {0:F1} s (cpu {1:F1} s), {2} "
                                    "threads\n",
                                    error.wall(), error.cpu(), threads);
  }
  /// After each probe: the cumulative probe time and evaluations.
  void probeDone(int64_t probe, llvm::StringRef name, int64_t blockTokens) {
    if (!print)
      return;
    probes.stop();
    llvm::errs() << llvm::formatv(
        "llmq-assign-bits: timing: probe {0} '{1}': probes so far {2:F1} s "
        "(cpu {3:F1} s), {4} block x token evaluations\n",
        probe, name, probes.wall(), probes.cpu(), blockTokens);
    probes.start();
  }
  void probesDone(int64_t positions, int64_t count, int64_t blockTokens) {
    if (print)
      llvm::errs() << llvm::formatv(
          "llmq-assign-bits: timing: base pass over {0} positions {1:F1} s "
          "(cpu {2:F1} s), {3} probes {4:F1} s (cpu {5:F1} s), {6} block x "
          "token evaluations\n",
          positions, base.wall(), base.cpu(), count, probes.wall(),
          probes.cpu(), blockTokens);
  }
};

} // namespace mlir::llmq::assign

#endif // LLMQ_PASSES_ASSIGN_TIMING_H

//===- Threading.cpp - One worker-thread setting --------------------------===//

#include "dialects/Llmq/Threading.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/Threading.h"

#include <algorithm>
#include <thread>

using namespace mlir;
namespace cl = llvm::cl;

/// The tool's `--threads` (0: all cores) and `--llmq-print-threads`; they
/// stay at their defaults in a program that does not register them.
static unsigned toolThreads = 0;
static bool printThreads = false;

void mlir::llmq::registerThreadingOptions(cl::OptionCategory &category) {
  if (cl::Option *existing = cl::getRegisteredOptions().lookup("threads"))
    existing->removeArgument();
  static cl::opt<unsigned, /*ExternalStorage=*/true> threads(
      "threads",
      cl::desc("Worker threads of passes and exporters (default 0: all "
               "cores; a pass's threads= wins; --mlir-disable-threading: 1)"),
      cl::value_desc("n"), cl::location(toolThreads), cl::cat(category));
  static cl::opt<bool, /*ExternalStorage=*/true> print(
      "llmq-print-threads",
      cl::desc("Remark the worker threads each pass and exporter uses"),
      cl::location(printThreads), cl::Hidden, cl::cat(category));
}

unsigned mlir::llmq::getWorkerThreads(Operation *op, unsigned requested,
                                      llvm::StringRef who) {
  unsigned threads = requested;
  if (!threads && !op->getContext()->isMultithreadingEnabled())
    threads = 1;
  if (!threads)
    threads = toolThreads;
  if (!threads)
    threads = std::max(1u, std::thread::hardware_concurrency());
  if (printThreads)
    op->emitRemark() << who << ": " << threads << " worker thread"
                     << (threads == 1 ? "" : "s");
  return threads;
}

std::unique_ptr<llvm::ThreadPoolInterface>
mlir::llmq::createWorkerPool(unsigned threads) {
  if (threads <= 1)
    return nullptr;
  return std::make_unique<llvm::DefaultThreadPool>(
      llvm::hardware_concurrency(threads));
}

void mlir::llmq::parallelForRanges(
    llvm::ThreadPoolInterface *pool, int64_t n,
    llvm::function_ref<void(int64_t, int64_t)> fn) {
  if (n <= 0)
    return;
  if (!pool || n == 1) {
    fn(0, n);
    return;
  }
  int64_t ranges = std::min<int64_t>(n, 4 * pool->getMaxConcurrency());
  int64_t size = (n + ranges - 1) / ranges;
  llvm::ThreadPoolTaskGroup group(*pool);
  for (int64_t begin = 0; begin < n; begin += size) {
    int64_t end = std::min(n, begin + size);
    group.async([fn, begin, end] { fn(begin, end); });
  }
  group.wait();
}

//===- Threading.h - One worker-thread setting for passes and backends ---===//
//
// Passes and backends take their worker count from one place: a pass's or
// exporter's own request (`threads=` of a pass) when given; else 1 when the
// op's MLIRContext runs without threads (`--mlir-disable-threading`); else
// the tool's `--threads N`; else all cores. The results never depend on it
// (every parallel loop splits independent rows or columns).
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_DIALECTS_LLMQ_THREADING_H
#define LLMQ_DIALECTS_LLMQ_THREADING_H

#include "mlir/IR/Operation.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/ThreadPool.h"

#include <cstdint>
#include <memory>

namespace mlir::llmq {

/// Registers the tool-level `--threads N` (0: all cores) in `category`, and
/// the hidden `--llmq-print-threads` (a remark naming the worker count at
/// each user's op, for tests). libLLVM registers a hidden option of the
/// same name that nothing in llmq reads: it is replaced. Call once, before
/// parsing the command line.
void registerThreadingOptions(llvm::cl::OptionCategory &category);

/// The worker threads `op`'s pass or exporter uses (see the file comment);
/// `requested` is its own option (0: none given); `who` names it in the
/// `--llmq-print-threads` remark.
unsigned getWorkerThreads(Operation *op, unsigned requested,
                          llvm::StringRef who);

/// A pool of `threads` workers, or none when `threads` is 1: then the work
/// runs on the calling thread.
std::unique_ptr<llvm::ThreadPoolInterface> createWorkerPool(unsigned threads);

/// Runs `fn(begin, end)` over consecutive ranges that cover [0, n), on
/// `pool`'s workers (a few ranges per worker), or as one range on this
/// thread without a pool; returns when all ran.
void parallelForRanges(llvm::ThreadPoolInterface *pool, int64_t n,
                       llvm::function_ref<void(int64_t, int64_t)> fn);

} // namespace mlir::llmq

#endif // LLMQ_DIALECTS_LLMQ_THREADING_H

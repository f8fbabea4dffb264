//===- JitRuntimeABI.h - The runtime ABI compiled graphs call ----*- C++ -*-===//
//
// The C functions behind the lowered graphs' calls (docs/backends/
// npu-artifact.md "Runtime ABI"): `_mlir_ciface_llmq_rt_*` over MLIR's
// StridedMemRefType descriptors, registered with each ExecutionEngine.
//
// Ownership: every memref these functions return is one malloc'd block
// (allocated == aligned pointer, offset 0, unit stride) that the compiled
// code owns and frees with free(allocated), as it frees its own memref.alloc
// buffers after buffer deallocation; the engine likewise frees each result a
// graph returns. Operands are only read, during the call.
//
// Ranks: the engine runs each tp rank of a stage on its own thread and
// tells the ABI which rank it is through a thread-local RankContext. A
// collective waits for every rank of the stage (a barrier), then each rank
// computes the result from all ranks' operands in rank order, so every rank
// holds the same bits whatever the timing; a second barrier keeps the
// operands alive until every rank has read them.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_JIT_JITRUNTIMEABI_H
#define LLMQ_RUNTIME_JIT_JITRUNTIMEABI_H

#include "runtime/artifact/GraphExecutor.h"

#include "llvm/ExecutionEngine/Orc/Core.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

namespace llmq::runtime::jit {

/// One graph call on the tp ranks of a stage: what the ranks share.
class StageCall {
public:
  StageCall(int64_t tp, int64_t stage, Mailbox &mailbox)
      : tp(tp), stage(stage), mailbox(mailbox), operands(tp), sizes(tp) {}

  /// Waits until all tp ranks arrived.
  void barrier();
  /// Records the first error of the call (later ones are dropped).
  void fail(const std::string &message);
  /// The recorded error, or success.
  llvm::Error takeError();

  const int64_t tp, stage;
  Mailbox &mailbox;
  std::mutex mailboxMutex;
  /// Each rank's collective operand (flat, contiguous) while one runs.
  std::vector<const float *> operands;
  std::vector<int64_t> sizes;
  /// Seconds spent inside collectives and transfers, rank 0's.
  double collectiveSeconds = 0;

private:
  std::mutex mutex;
  std::condition_variable arrivedAll;
  int64_t arrived = 0, generation = 0;
  std::string error;
};

/// What the ABI needs to know on a rank's thread.
struct RankContext {
  StageCall *call = nullptr;
  int64_t rank = 0; ///< tp rank within the stage
};

/// Sets the calling thread's rank context (null to clear).
void setRankContext(RankContext *context);

/// The ABI's symbols, for ExecutionEngine::registerSymbols.
llvm::orc::SymbolMap runtimeSymbols(llvm::orc::MangleAndInterner interner);

} // namespace llmq::runtime::jit

#endif // LLMQ_RUNTIME_JIT_JITRUNTIMEABI_H

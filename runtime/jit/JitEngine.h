//===- JitEngine.h - Runs an artifact's graphs compiled ----------*- C++ -*-===//
//
// quant-run --engine=jit: each graph of an artifact compiled once, on first
// use (JitGraph.h; the artifact's lowered file, or the graph lowered in
// memory by --llmq-graph-to-linalg when the artifact has none), then run
// for the tp ranks of its stage, one thread per rank, against the runtime
// ABI (JitRuntimeABI.h). Weights are bound to the mapped rank files in
// place; ports are the interpreter's (ArtifactSession drives both).
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_JIT_JITENGINE_H
#define LLMQ_RUNTIME_JIT_JITENGINE_H

#include "runtime/artifact/GraphExecutor.h"

namespace llmq::runtime::jit {

/// Where the time of an engine went (for bench/jit-vs-interpreter).
struct JitTimings {
  double pipelineSeconds = 0; ///< MLIR passes, all graphs
  double llvmSeconds = 0;     ///< LLVM optimization and code generation
  double runSeconds = 0;      ///< inside compiled graphs (wall, all ranks)
  double collectiveSeconds = 0; ///< inside collectives (rank 0's wait+work)
  int64_t graphsCompiled = 0, calls = 0;
};

/// A GraphEngine for `artifact` (which must outlive it).
std::unique_ptr<GraphEngine> createJitEngine(const Artifact &artifact);

/// The timings of an engine made by createJitEngine.
JitTimings jitTimings(const GraphEngine &engine);

} // namespace llmq::runtime::jit

#endif // LLMQ_RUNTIME_JIT_JITENGINE_H

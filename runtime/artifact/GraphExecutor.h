//===- GraphExecutor.h - Runs a llmq_graph graph on every rank --*- C++ -*-===//
//
// Interprets one graph for all tensor-parallel ranks of its stage in lock
// step, op by op: a collective sees every rank's operand at once and adds
// them in rank order, so every rank holds the same bits and the result does
// not depend on threads. Kernels are the reference runtime's, so at tp=1 a
// graph computes bit for bit what runtime/exec/Session computes.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_ARTIFACT_GRAPHEXECUTOR_H
#define LLMQ_RUNTIME_ARTIFACT_GRAPHEXECUTOR_H

#include "runtime/artifact/Artifact.h"

#include "llvm/ADT/SmallVector.h"

#include <map>

namespace llmq::runtime {
class ThreadPool;

/// A value of a graph on one rank: owned f32 or i32 data, or a view of a
/// KV cache the session owns (batch rows `batchStride` floats apart).
struct GraphTensor {
  llvm::SmallVector<int64_t, 3> shape;
  std::vector<float> f;
  std::vector<int32_t> i;
  float *view = nullptr;
  int64_t batchStride = 0;

  int64_t elements() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
  float *data() { return view ? view : f.data(); }
  const float *data() const { return view ? view : f.data(); }
};

/// Tensors between stages: (destination stage, tp rank) -> tensor.
using Mailbox = std::map<std::pair<int64_t, int64_t>, GraphTensor>;

/// Runs `graph` on the tp ranks of its stage. `ports[r]` holds rank r's
/// inputs by port name and receives its outputs by port name.
llvm::Error runGraph(const Artifact &artifact, const ArtifactGraph &graph,
                     std::vector<llvm::StringMap<GraphTensor>> &ports,
                     Mailbox &mailbox, ThreadPool &pool);

} // namespace llmq::runtime

#endif // LLMQ_RUNTIME_ARTIFACT_GRAPHEXECUTOR_H

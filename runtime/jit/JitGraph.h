//===- JitGraph.h - One lowered graph, compiled for this machine -*- C++ -*-===//
//
// Takes a graph lowered by --llmq-graph-to-linalg (func/linalg/tensor/arith/
// math on static tensors) through upstream MLIR's pipeline to the LLVM
// dialect (one-shot bufferization with identity layouts at the function
// boundary, KV-cache results dropped as they are updated in place, buffer
// deallocation, linalg to loops, then the conversions to LLVM) and
// JIT-compiles it with mlir::ExecutionEngine at LLVM -O2. The graph keeps its
// C interface (`_mlir_ciface_<name>`) and calls the runtime ABI's
// `_mlir_ciface_llmq_rt_*` (JitRuntimeABI.h).
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_RUNTIME_JIT_JITGRAPH_H
#define LLMQ_RUNTIME_JIT_JITGRAPH_H

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <string>
#include <vector>

namespace llmq::runtime::jit {

/// One argument of a compiled graph's C interface.
struct GraphArgument {
  enum class Kind { Port, Weight, Rank } kind = Kind::Port;
  std::string port;      ///< Port: its name
  std::string weight;    ///< Weight: the weight symbol
  std::string component; ///< Weight: weight, scale or scale_inv
  llvm::SmallVector<int64_t, 3> shape;
  unsigned elementBytes = 4;
  bool isFloat = true; ///< f32 port (else i32)

  /// The safetensors key of a weight component.
  std::string key() const {
    return component == "weight" ? weight : weight + "." + component;
  }
};

/// A graph ready to call.
struct CompiledGraph {
  std::unique_ptr<mlir::ExecutionEngine> engine;
  void (*entry)(void **) = nullptr; ///< packed `_mlir_ciface_<name>`
  std::vector<GraphArgument> arguments;
  /// The results the compiled function still returns (those that are not
  /// a KV cache updated in place), by port name, with their shapes.
  std::vector<std::string> results;
  std::vector<llvm::SmallVector<int64_t, 3>> resultShapes;
  double pipelineSeconds = 0, llvmSeconds = 0;
};

/// Compiles the function `name` of the lowered module in `buffer` (read
/// from `path`, which errors name). `context` must come from
/// makeJitContext.
llvm::Expected<std::unique_ptr<CompiledGraph>>
compileGraph(mlir::MLIRContext &context, llvm::MemoryBufferRef buffer,
             llvm::StringRef path, llvm::StringRef name);

/// A context with every dialect, interface and translation the pipeline
/// needs.
std::unique_ptr<mlir::MLIRContext> makeJitContext();

} // namespace llmq::runtime::jit

#endif // LLMQ_RUNTIME_JIT_JITGRAPH_H

//===- JitEngine.cpp - Runs an artifact's graphs compiled -----------------===//

#include "runtime/jit/JitEngine.h"

#include "runtime/jit/JitGraph.h"
#include "runtime/jit/JitRuntimeABI.h"

#include "conversion/Passes.h"

#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringMap.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

using namespace llmq;
using namespace llmq::runtime;
using namespace llmq::runtime::jit;
using llvm::Twine;

namespace {

llvm::Error engineError(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// A memref descriptor of any rank as the C interface lays it out:
/// allocated, aligned, offset, sizes[rank], strides[rank], all 8 bytes.
struct Descriptor {
  std::vector<int64_t> words;
  Descriptor(void *data, llvm::ArrayRef<int64_t> shape) {
    words.resize(3 + 2 * shape.size());
    std::memcpy(&words[0], &data, sizeof(void *));
    std::memcpy(&words[1], &data, sizeof(void *));
    words[2] = 0;
    int64_t stride = 1;
    for (int64_t i = shape.size() - 1; i >= 0; --i) {
      words[3 + i] = shape[i];
      words[3 + shape.size() + i] = stride;
      stride *= shape[i];
    }
  }
};

int64_t elementsOf(llvm::ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

class JitEngine : public GraphEngine {
public:
  explicit JitEngine(const Artifact &artifact)
      : artifact(artifact), context(makeJitContext()) {}
  ~JitEngine() override {
    // The engines' code goes before the context that compiled it.
    graphs.clear();
  }

  llvm::Error run(const ArtifactGraph &graph,
                  std::vector<llvm::StringMap<GraphTensor>> &ports,
                  Mailbox &mailbox, ThreadPool &pool) override;

  JitTimings timings;

private:
  llvm::Expected<CompiledGraph *> compiled(const ArtifactGraph &graph);
  /// Binds rank `r`'s arguments of `graph` into `call`; errors name the
  /// graph. Every rank is bound before any runs, so no rank waits in a
  /// collective for one that failed.
  llvm::Error bind(const ArtifactGraph &graph, CompiledGraph &compiled,
                   int64_t r, llvm::StringMap<GraphTensor> &ports,
                   struct RankCall &call);
  /// After the call: caches written back, results taken (and freed).
  llvm::Error finish(const ArtifactGraph &graph, CompiledGraph &compiled,
                     int64_t r, llvm::StringMap<GraphTensor> &ports,
                     struct RankCall &call);

  const Artifact &artifact;
  std::unique_ptr<mlir::MLIRContext> context;
  llvm::StringMap<std::unique_ptr<CompiledGraph>> graphs;
};

} // namespace

llvm::Expected<CompiledGraph *>
JitEngine::compiled(const ArtifactGraph &graph) {
  auto it = graphs.find(graph.name);
  if (it != graphs.end())
    return it->second.get();
  std::unique_ptr<llvm::MemoryBuffer> inMemory;
  llvm::MemoryBufferRef buffer;
  std::string path = graph.loweredPath;
  if (graph.lowered) {
    buffer = graph.lowered->getMemBufferRef();
  } else {
    // No lowered file: the llmq_graph graph lowered here with the same
    // pass the exporter runs, printed and compiled as if read.
    mlir::ModuleOp original = graph.module.get();
    mlir::OwningOpRef<mlir::ModuleOp> copy(
        mlir::cast<mlir::ModuleOp>(original->clone()));
    mlir::PassManager pm(copy->getContext());
    pm.addPass(mlir::llmq::createGraphToLinalg());
    path = artifact.dir + "/graphs/" + graph.name + ".mlir (lowered in memory)";
    if (mlir::failed(pm.run(*copy)))
      return engineError(path + ": --llmq-graph-to-linalg failed");
    std::string text;
    llvm::raw_string_ostream os(text);
    copy->print(os);
    inMemory = llvm::MemoryBuffer::getMemBufferCopy(text, path);
    buffer = inMemory->getMemBufferRef();
  }
  auto result = compileGraph(*context, buffer, path, graph.name);
  if (!result)
    return result.takeError();
  timings.pipelineSeconds += (*result)->pipelineSeconds;
  timings.llvmSeconds += (*result)->llvmSeconds;
  ++timings.graphsCompiled;
  CompiledGraph *raw = result->get();
  graphs[graph.name] = std::move(*result);
  return raw;
}

namespace {
/// One rank's call: its argument descriptors and the result struct.
struct RankCall {
  std::vector<Descriptor> descriptors;
  std::vector<void *> pointers; ///< what each packed argument points at
  std::vector<void *> packed;
  std::vector<int64_t> results;
  void *resultPointer = nullptr;
  int64_t rankValue = 0;
  /// Caches the graph sees through a contiguous copy (a batch wider than 1
  /// over fewer slots than the session's rows): written back after the call.
  struct CacheCopy {
    GraphTensor *port;
    std::vector<float> data;
  };
  std::vector<CacheCopy> copies;
};
} // namespace

llvm::Error JitEngine::bind(const ArtifactGraph &graph,
                            CompiledGraph &compiled, int64_t r,
                            llvm::StringMap<GraphTensor> &ports,
                            RankCall &call) {
  int64_t rank = graph.stage * artifact.tp + r;
  const RankWeights &weights = artifact.ranks[rank];
  auto fail = [&](const Twine &what) {
    return engineError("graph '" + graph.name + "': rank " + Twine(rank) +
                       ": " + what);
  };
  // Reserved up front: packed arguments point into these vectors.
  call.descriptors.reserve(compiled.arguments.size());
  call.pointers.reserve(compiled.arguments.size());
  call.copies.reserve(compiled.arguments.size());
  call.rankValue = r;
  size_t resultWords = 0;
  for (const auto &shape : compiled.resultShapes)
    resultWords += 3 + 2 * shape.size();
  call.results.assign(resultWords, 0);
  call.resultPointer = call.results.data();
  // The result struct first (when the function returns anything).
  if (resultWords)
    call.packed.push_back(&call.resultPointer);

  for (const GraphArgument &arg : compiled.arguments) {
    if (arg.kind == GraphArgument::Kind::Rank) {
      call.packed.push_back(&call.rankValue);
      continue;
    }
    void *data = nullptr;
    if (arg.kind == GraphArgument::Kind::Weight) {
      auto it = weights.components.find(arg.key());
      if (it == weights.components.end())
        return fail("has no shard component '" + arg.key() + "'");
      uint64_t want = elementsOf(arg.shape) * uint64_t(arg.elementBytes);
      if (llvm::ArrayRef<int64_t>(it->second.shape) !=
              llvm::ArrayRef<int64_t>(arg.shape) ||
          it->second.bytes != want)
        return fail("shard component '" + arg.key() + "' has " +
                    Twine(it->second.bytes) + " bytes, the graph wants " +
                    Twine(want));
      // Bound in place in the mapped file; the compiled code only reads
      // weight arguments.
      data = const_cast<uint8_t *>(it->second.data);
    } else {
      auto it = ports.find(arg.port);
      if (it == ports.end())
        return fail("no value for input '" + arg.port + "'");
      GraphTensor &t = it->second;
      if (llvm::ArrayRef<int64_t>(t.shape) !=
          llvm::ArrayRef<int64_t>(arg.shape))
        return fail("input '" + arg.port + "' has the wrong shape");
      int64_t n = elementsOf(arg.shape);
      if (t.view) {
        int64_t batch = arg.shape[0], row = n / batch;
        if (batch == 1 || t.batchStride == row) {
          data = t.view;
        } else {
          RankCall::CacheCopy copy{&t, std::vector<float>(n)};
          for (int64_t b = 0; b < batch; ++b)
            std::memcpy(copy.data.data() + b * row,
                        t.view + b * t.batchStride, row * sizeof(float));
          call.copies.push_back(std::move(copy));
          data = call.copies.back().data.data();
        }
      } else if (arg.isFloat) {
        if (static_cast<int64_t>(t.f.size()) != n)
          return fail("input '" + arg.port + "' holds the wrong count");
        data = t.f.data();
      } else {
        if (static_cast<int64_t>(t.i.size()) != n)
          return fail("input '" + arg.port + "' holds the wrong count");
        data = t.i.data();
      }
    }
    call.descriptors.emplace_back(data, arg.shape);
    call.pointers.push_back(call.descriptors.back().words.data());
    call.packed.push_back(&call.pointers.back());
  }
  return llvm::Error::success();
}

llvm::Error JitEngine::finish(const ArtifactGraph &graph,
                              CompiledGraph &compiled, int64_t r,
                              llvm::StringMap<GraphTensor> &ports,
                              RankCall &call) {
  for (RankCall::CacheCopy &copy : call.copies) {
    int64_t batch = copy.port->shape[0], row = copy.data.size() / batch;
    for (int64_t b = 0; b < batch; ++b)
      std::memcpy(copy.port->view + b * copy.port->batchStride,
                  copy.data.data() + b * row, row * sizeof(float));
  }
  // Inputs are consumed, as the interpreter consumes them; caches stay
  // views (updated in place) and come back as outputs.
  for (const GraphArgument &arg : compiled.arguments)
    if (arg.kind == GraphArgument::Kind::Port) {
      auto it = ports.find(arg.port);
      if (it != ports.end() && !it->second.view)
        ports.erase(it);
    }
  // Each result the graph returns is ours to free (JitRuntimeABI.h).
  size_t at = 0;
  std::string error;
  for (auto [name, shape] :
       llvm::zip(compiled.results, compiled.resultShapes)) {
    int64_t *d = call.results.data() + at;
    at += 3 + 2 * shape.size();
    void *allocated, *aligned;
    std::memcpy(&allocated, &d[0], sizeof(void *));
    std::memcpy(&aligned, &d[1], sizeof(void *));
    bool same = true;
    for (size_t i = 0; i < shape.size(); ++i)
      same &= d[3 + i] == shape[i];
    GraphTensor t;
    t.shape.assign(shape.begin(), shape.end());
    if (same) {
      const float *values = static_cast<const float *>(aligned) + d[2];
      t.f.assign(values, values + elementsOf(shape));
    } else if (error.empty()) {
      error = "result '" + name + "' came back with another shape";
    }
    std::free(allocated);
    ports[name] = std::move(t);
  }
  if (!error.empty())
    return engineError("graph '" + graph.name + "': rank " +
                       Twine(graph.stage * artifact.tp + r) + ": " + error);
  return llvm::Error::success();
}

llvm::Error JitEngine::run(const ArtifactGraph &graph,
                           std::vector<llvm::StringMap<GraphTensor>> &ports,
                           Mailbox &mailbox, ThreadPool & /*pool*/) {
  auto compiledGraph = compiled(graph);
  if (!compiledGraph)
    return compiledGraph.takeError();
  CompiledGraph &c = **compiledGraph;
  int64_t tp = artifact.tp;
  StageCall stage(tp, graph.stage, mailbox);
  std::vector<RankCall> calls(tp);
  for (int64_t r = 0; r < tp; ++r)
    if (llvm::Error err = bind(graph, c, r, ports[r], calls[r]))
      return err;
  auto start = std::chrono::steady_clock::now();
  auto call = [&](int64_t r) {
    RankContext rankContext{&stage, r};
    setRankContext(&rankContext);
    c.entry(calls[r].packed.data());
    setRankContext(nullptr);
  };
  if (tp == 1) {
    call(0);
  } else {
    // One thread per rank: a collective waits for all of them.
    std::vector<std::thread> threads;
    for (int64_t r = 0; r < tp; ++r)
      threads.emplace_back(call, r);
    for (std::thread &t : threads)
      t.join();
  }
  ++timings.calls;
  timings.runSeconds += std::chrono::duration<double>(
                            std::chrono::steady_clock::now() - start)
                            .count();
  timings.collectiveSeconds += stage.collectiveSeconds;
  llvm::Error first = llvm::Error::success();
  for (int64_t r = 0; r < tp; ++r)
    if (llvm::Error err = finish(graph, c, r, ports[r], calls[r])) {
      if (first)
        llvm::consumeError(std::move(err));
      else
        first = std::move(err);
    }
  if (first)
    return first;
  if (llvm::Error err = stage.takeError())
    return engineError("graph '" + graph.name +
                       "': " + llvm::toString(std::move(err)));
  return llvm::Error::success();
}

std::unique_ptr<GraphEngine> jit::createJitEngine(const Artifact &artifact) {
  return std::make_unique<JitEngine>(artifact);
}

JitTimings jit::jitTimings(const GraphEngine &engine) {
  return static_cast<const JitEngine &>(engine).timings;
}

//===- Imatrix.cpp - llama.cpp's importance matrix ------------------------===//
//
// Per linear layer, the sum of squared inputs per input channel over
// calibration text, and how many input rows were summed: llama-imatrix's
// statistic, whose ratio weights the quantization error of each column.
// Computed with the reference runtime (Session::setMatmulObserver) or read
// from a file; written as llama.cpp's imatrix GGUF (formats/files/Imatrix.h).
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

#include "dialects/Llmq/Architectures.h"
#include "dialects/Llmq/LlmqOps.h"
#include "dialects/Llmq/ParameterFile.h"
#include "dialects/Llmq/Threading.h"
#include "formats/files/Imatrix.h"
#include "runtime/eval/Corpus.h"
#include "runtime/exec/Model.h"
#include "runtime/exec/Session.h"
#include "runtime/exec/ThreadPool.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <thread>

#define DEBUG_TYPE "llmq-imatrix"

namespace mlir::llmq {
#define GEN_PASS_DEF_IMATRIX
#include "passes/Passes.h.inc"
} // namespace mlir::llmq

using namespace mlir;
using namespace mlir::llmq;
using MatmulInput = ::llmq::runtime::Session::MatmulInput;

namespace {
struct ImatrixPass : public mlir::llmq::impl::ImatrixBase<ImatrixPass> {
  using ImatrixBase::ImatrixBase;
  void runOnOperation() override;

private:
  LogicalResult run(ModelOp model);
};

/// A matrix of a block whose input the imatrix describes.
struct Matrix {
  std::string name; ///< llama.cpp's tensor name
  int64_t block;
  MatmulInput input;
  int64_t cols;
};
} // namespace

static std::optional<MatmulInput> inputOf(Role role) {
  switch (role) {
  case Role::AttnQ:
  case Role::AttnK:
  case Role::AttnV:
    return MatmulInput::Attention;
  case Role::AttnOutput:
    return MatmulInput::AttnOutput;
  case Role::FfnGate:
  case Role::FfnUp:
    return MatmulInput::Ffn;
  case Role::FfnDown:
    return MatmulInput::FfnDown;
  default:
    return std::nullopt;
  }
}

/// Adds columns [begin, end) of the n x cols matrix x to the per-column sums
/// of squares and sums, a strip of columns at a time (its sums stay in L1)
/// and each column's tokens in order: the same sums at any split of the
/// columns over threads, and the same as one column at a time. v * v is
/// exact in double (two 24-bit significands), so contraction into an FMA
/// changes nothing either.
static void accumulateColumns(const float *__restrict x, int64_t n,
                              int64_t cols, int64_t begin, int64_t end,
                              double *__restrict sum2,
                              double *__restrict sum) {
  constexpr int64_t kStrip = 256;
  for (int64_t strip = begin; strip < end; strip += kStrip) {
    int64_t stripEnd = std::min(end, strip + kStrip);
    for (int64_t t = 0; t < n; ++t) {
      const float *row = x + t * cols;
      for (int64_t c = strip; c < stripEnd; ++c) {
        double v = row[c];
        sum2[c] += v * v;
        sum[c] += v;
      }
    }
  }
}

/// The llama.cpp tensor name of a weight symbol, which imatrix entries use:
/// biases keep their suffix, the rest get ".weight".
static std::string ggufTensorName(StringRef symbol) {
  return symbol.ends_with(".bias") ? symbol.str() : symbol.str() + ".weight";
}

/// The model's matrices in the imatrix, in block order.
static std::vector<Matrix> collectMatrices(ModelOp model) {
  std::vector<Matrix> matrices;
  for (BlockOp block : model.getBody().getOps<BlockOp>()) {
    for (NamedAttribute entry : block.getWeights()) {
      std::optional<Role> role = lookupRole(entry.getName().getValue());
      if (!role)
        continue;
      std::optional<MatmulInput> input = inputOf(*role);
      auto symbol = dyn_cast<FlatSymbolRefAttr>(entry.getValue());
      if (!input || !symbol)
        continue;
      WeightOp weight = model.lookupWeight(symbol.getValue());
      if (!weight || weight.getTensorType().getRank() != 2)
        continue;
      matrices.push_back({("blk." + llvm::Twine(block.getIndex()) + "." +
                           getRoleInfo(*role).ggufName)
                              .str(),
                          static_cast<int64_t>(block.getIndex()), *input,
                          weight.getTensorType().getShape()[1]});
    }
  }
  return matrices;
}

LogicalResult ImatrixPass::run(ModelOp model) {
  auto fail = [&](const llvm::Twine &message) {
    model.emitError("llmq-imatrix: ") << message;
    return failure();
  };
  std::vector<Matrix> matrices = collectMatrices(model);
  ::llmq::Imatrix imatrix;

  if (!inFile.empty()) {
    if (!textFile.empty())
      return fail("give either in=FILE or text=FILE, not both");
    auto read = ::llmq::readImatrix(inFile);
    if (!read)
      return fail(llvm::toString(read.takeError()));
    imatrix = std::move(*read);
    llvm::StringMap<int64_t> cols;
    for (const Matrix &m : matrices)
      cols[m.name] = m.cols;
    // llama-imatrix --process-output adds the LM head.
    cols["output.weight"] = model.getHiddenSize();
    for (const ::llmq::ImatrixEntry &entry : imatrix.entries) {
      auto it = cols.find(entry.name);
      if (it == cols.end())
        return fail(inFile + ": '" + entry.name +
                    "' is no matrix of model '" + model.getSymName() + "'");
      if (entry.nmat != 1 || entry.cols != it->second)
        return fail(inFile + ": '" + entry.name + "' has " +
                    llvm::Twine(entry.cols) + " x " + llvm::Twine(entry.nmat) +
                    " values, the model's input has " +
                    llvm::Twine(it->second) + " channels");
    }
  } else {
    if (textFile.empty())
      return fail("needs text=FILE (calibration text) or in=FILE");
    if (outFile.empty())
      return fail("needs out=FILE to write the imatrix to");
    if (numTokens < 1)
      return fail("tokens=" + llvm::Twine(numTokens.getValue()) +
                  " must be >= 1");
    // calibrationTokens checks ctx against the model's context too.
    auto stream = ::llmq::runtime::calibrationTokens(model, textFile,
                                                     numTokens, contextSize);
    if (!stream)
      return fail(llvm::toString(stream.takeError()));
    int64_t chunks = static_cast<int64_t>(stream->size()) / contextSize;
    auto runtimeModel = ::llmq::runtime::Model::load(model);
    if (!runtimeModel)
      return fail(llvm::toString(runtimeModel.takeError()));

    // Accumulators per (block, input), in double.
    struct Sums {
      std::vector<double> sum2, sum;
      int64_t count = 0;
    };
    int64_t layers = model.getNumLayers();
    std::vector<std::array<Sums, 4>> sums(layers);
    unsigned workers =
        getWorkerThreads(model, threads, "llmq-imatrix");
    ::llmq::runtime::ThreadPool pool(workers);
    ::llmq::runtime::Session session(**runtimeModel, pool, contextSize);
    using Clock = std::chrono::steady_clock;
    Clock::duration observing{}, running{};
    session.setMatmulObserver([&](int64_t block, MatmulInput input,
                                  const float *x, int64_t n, int64_t cols) {
      Clock::time_point start = Clock::now();
      Sums &s = sums[block][static_cast<int>(input)];
      if (s.sum2.empty()) {
        s.sum2.assign(cols, 0.0);
        s.sum.assign(cols, 0.0);
      }
      double *sum2 = s.sum2.data(), *sum = s.sum.data();
      pool.parallelFor(cols, [&](int64_t begin, int64_t end) {
        accumulateColumns(x, n, cols, begin, end, sum2, sum);
      });
      s.count += n;
      observing += Clock::now() - start;
    });
    std::vector<float> logits;
    for (int64_t chunk = 0; chunk < chunks; ++chunk) {
      session.reset();
      Clock::time_point start = Clock::now();
      if (llvm::Error err = session.forward(
              llvm::ArrayRef<int32_t>(*stream).slice(chunk * contextSize,
                                                     contextSize),
              logits, /*allLogits=*/false))
        return fail(llvm::toString(std::move(err)));
      running += Clock::now() - start;
    }
    if (printTiming) {
      auto seconds = [](Clock::duration d) {
        return std::chrono::duration<double>(d).count();
      };
      llvm::errs() << llvm::format(
          "llmq-imatrix: %lld windows of %lld tokens: forward %.3f s, "
          "observer %.3f s, %u threads\n",
          static_cast<long long>(chunks),
          static_cast<long long>(contextSize.getValue()),
          seconds(running - observing), seconds(observing), pool.size());
    }
    imatrix.datasets.push_back(textFile);
    imatrix.chunkCount = static_cast<uint32_t>(chunks);
    imatrix.chunkSize = static_cast<uint32_t>(contextSize);
    for (const Matrix &m : matrices) {
      const Sums &s = sums[m.block][static_cast<int>(m.input)];
      if (static_cast<int64_t>(s.sum2.size()) != m.cols)
        return fail("the runtime's input of '" + m.name + "' has " +
                    llvm::Twine(s.sum2.size()) + " channels, expected " +
                    llvm::Twine(m.cols));
      ::llmq::ImatrixEntry entry;
      entry.name = m.name;
      entry.cols = m.cols;
      entry.sum2.assign(s.sum2.begin(), s.sum2.end());
      entry.sum.assign(s.sum.begin(), s.sum.end());
      entry.counts = {static_cast<float>(s.count)};
      imatrix.entries.push_back(std::move(entry));
    }
  }

  if (!outFile.empty())
    if (llvm::Error err = ::llmq::writeImatrix(imatrix, outFile))
      return fail(llvm::toString(std::move(err)));
  numMatrices += imatrix.entries.size();
  // Each weight the file has an entry for gets it as its importance, keyed
  // by the entry's name: the data stays in the file, and passes that rename
  // the weight later keep pointing at what was measured for it.
  MLIRContext *ctx = model.getContext();
  auto importance =
      ctx->getLoadedDialect<LlmqDialect>()->getImportanceAttrHelper();
  StringRef file = outFile.empty() ? StringRef(inFile) : StringRef(outFile);
  for (WeightOp weight : model.getBody().getOps<WeightOp>()) {
    weight->removeAttr(importance.getName());
    if (weight.getTensorType().getRank() != 2)
      continue;
    std::string key = ggufTensorName(weight.getSymName());
    if (imatrix.find(key))
      importance.setAttr(weight, ImportanceAttr::get(ctx, file, key));
  }
  return success();
}

void ImatrixPass::runOnOperation() {
  auto models = modelsForParameterFile(getOperation(), "llmq-imatrix", outFile);
  if (failed(models))
    return signalPassFailure();
  for (ModelOp model : *models)
    if (failed(run(model)))
      return signalPassFailure();
}

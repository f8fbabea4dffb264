//===- Commands.cpp - quant-run's subcommands -----------------------------===//

#include "tools/quant-run/Commands.h"

#include "tools/quant-run/ModelInput.h"

#include "dialects/Llmq/LlmqOps.h"
#include "runtime/exec/Model.h"
#include "runtime/exec/Session.h"
#include "runtime/exec/ThreadPool.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <numeric>
#include <thread>

using namespace llmq;
using namespace llmq::runtime;
namespace cl = llvm::cl;

namespace {
cl::SubCommand logitsCommand("logits", "Print the top logits at each position");
cl::SubCommand pplCommand("ppl", "Perplexity over a text file");
cl::SubCommand kldCommand("kld", "KL divergence of OTHER from BASE over a text");
cl::SubCommand generateCommand("generate", "Greedy or sampled generation");

cl::list<std::string> modelPaths(cl::Positional, cl::desc("<model>..."),
                                 cl::sub(logitsCommand), cl::sub(pplCommand),
                                 cl::sub(kldCommand), cl::sub(generateCommand));
cl::opt<unsigned> threads("threads", cl::desc("Worker threads (default: all cores)"),
                          cl::init(0), cl::sub(logitsCommand), cl::sub(pplCommand),
                          cl::sub(kldCommand), cl::sub(generateCommand));
cl::list<int32_t> ids("ids", cl::desc("Token ids"), cl::CommaSeparated,
                      cl::sub(logitsCommand));
cl::opt<unsigned> top("top", cl::desc("How many logits per position"),
                      cl::init(5), cl::sub(logitsCommand));

unsigned threadCount() {
  return threads ? threads : std::max(1u, std::thread::hardware_concurrency());
}

struct LoadedModel {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::unique_ptr<Model> model;
};

llvm::Expected<LoadedModel> load(llvm::StringRef path,
                                 mlir::MLIRContext &context) {
  LoadedModel loaded;
  auto module = openModel(path, context);
  if (!module)
    return module.takeError();
  loaded.module = std::move(*module);
  auto op = *loaded.module->getOps<mlir::llmq::ModelOp>().begin();
  auto model = Model::load(op);
  if (!model)
    return model.takeError();
  loaded.model = std::move(*model);
  return std::move(loaded);
}

llvm::Error expectModels(size_t count) {
  if (modelPaths.size() == count)
    return llvm::Error::success();
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "expected %zu model path(s), got %zu", count,
                                 modelPaths.size());
}

llvm::Error runLogits() {
  if (llvm::Error err = expectModels(1))
    return err;
  mlir::MLIRContext context;
  auto loaded = load(modelPaths[0], context);
  if (!loaded)
    return loaded.takeError();
  const Model &model = *loaded->model;
  ThreadPool pool(threadCount());
  Session session(model, pool, std::max<int64_t>(ids.size(), 1));
  std::vector<int32_t> tokens(ids.begin(), ids.end());
  std::vector<float> logits;
  if (llvm::Error err = session.forward(tokens, logits, /*allLogits=*/true))
    return err;
  int64_t vocab = model.config.vocab;
  llvm::json::Array topIds, topLogits;
  for (size_t t = 0; t < tokens.size(); ++t) {
    const float *row = logits.data() + t * vocab;
    std::vector<int32_t> order(vocab);
    std::iota(order.begin(), order.end(), 0);
    unsigned k = std::min<unsigned>(top, vocab);
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [&](int32_t a, int32_t b) {
                        return row[a] > row[b] || (row[a] == row[b] && a < b);
                      });
    llvm::json::Array i, l;
    for (unsigned j = 0; j < k; ++j) {
      i.push_back(order[j]);
      l.push_back(static_cast<double>(row[order[j]]));
    }
    topIds.push_back(std::move(i));
    topLogits.push_back(std::move(l));
  }
  llvm::json::Object out{{"model", model.config.name},
                         {"top_ids", std::move(topIds)},
                         {"top_logits", std::move(topLogits)}};
  llvm::outs() << llvm::json::Value(std::move(out)) << "\n";
  return llvm::Error::success();
}
} // namespace

void llmq::registerRunCommands() {}

llvm::Error llmq::runSelectedCommand() {
  if (logitsCommand)
    return runLogits();
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "choose a subcommand: logits, ppl, kld, "
                                 "generate (see --help)");
}

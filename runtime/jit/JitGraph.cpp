//===- JitGraph.cpp - One lowered graph, compiled for this machine --------===//

#include "runtime/jit/JitGraph.h"

#include "runtime/jit/JitRuntimeABI.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVMPass.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/ControlFlow/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/AllocationOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"

#include <chrono>
#include <cstdlib>
#include <mutex>

using namespace mlir;
using namespace llmq::runtime::jit;
using llvm::Twine;

static llvm::Error jitError(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::unique_ptr<MLIRContext> llmq::runtime::jit::makeJitContext() {
  DialectRegistry registry;
  registry.insert<affine::AffineDialect, arith::ArithDialect,
                  bufferization::BufferizationDialect, cf::ControlFlowDialect,
                  func::FuncDialect, linalg::LinalgDialect, LLVM::LLVMDialect,
                  math::MathDialect, memref::MemRefDialect, scf::SCFDialect,
                  tensor::TensorDialect>();
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  arith::registerBufferDeallocationOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
      registry);
  cf::registerBufferDeallocationOpInterfaceExternalModels(registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  memref::registerAllocationOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferDeallocationOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  auto context = std::make_unique<MLIRContext>(registry);
  context->loadAllAvailableDialects();
  // The pipeline runs on the session's thread; no pass threads on a
  // machine whose cores run the ranks.
  context->disableMultithreading();
  return context;
}

namespace {
/// arith.extf from f8E4M3FN, which upstream's LLVM lowering does not
/// handle (MLIR 22 expands only f4E2M1 and f8E8M0), as integer operations
/// on the code: sign, 4-bit exponent (bias 7), 3-bit mantissa; exponent 0
/// is subnormal (mantissa x 2^-9), 0x7f / 0xff are NaN, no infinities.
struct ExpandF8E4M3FNExtF : OpRewritePattern<arith::ExtFOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(arith::ExtFOp op,
                                PatternRewriter &b) const override {
    if (!isa<Float8E4M3FNType>(op.getIn().getType()) ||
        !op.getType().isF32())
      return failure();
    Location loc = op.getLoc();
    Type i8 = b.getI8Type(), i32 = b.getI32Type();
    auto c = [&](int64_t v) {
      return arith::ConstantIntOp::create(b, loc, i32, v).getResult();
    };
    Value code = arith::BitcastOp::create(b, loc, i8, op.getIn());
    Value x = arith::ExtUIOp::create(b, loc, i32, code);
    Value magnitude = arith::AndIOp::create(b, loc, x, c(0x7f));
    // Normal: exponent e and mantissa m shifted into f32's fields, the bias
    // moved from 7 to 127.
    Value normal = arith::AddIOp::create(
        b, loc, arith::ShLIOp::create(b, loc, magnitude, c(20)),
        c(120 << 23));
    Value exponent = arith::ShRUIOp::create(b, loc, magnitude, c(3));
    Value mantissa = arith::AndIOp::create(b, loc, magnitude, c(7));
    Value subnormalValue = arith::MulFOp::create(
        b, loc, arith::UIToFPOp::create(b, loc, b.getF32Type(), mantissa),
        arith::ConstantFloatOp::create(b, loc, b.getF32Type(),
                                       llvm::APFloat(0x1p-9f)));
    Value subnormal =
        arith::BitcastOp::create(b, loc, i32, subnormalValue);
    Value isSubnormal = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::eq, exponent, c(0));
    Value bits = arith::SelectOp::create(b, loc, isSubnormal, subnormal, normal);
    Value isNan = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                        magnitude, c(0x7f));
    bits = arith::SelectOp::create(b, loc, isNan, c(0x7fc00000), bits);
    Value sign = arith::ShLIOp::create(
        b, loc, arith::AndIOp::create(b, loc, x, c(0x80)), c(24));
    bits = arith::OrIOp::create(b, loc, bits, sign);
    b.replaceOpWithNewOp<arith::BitcastOp>(op, b.getF32Type(), bits);
    return success();
  }
};

/// Catches the first diagnostic of a step, for a one-line error.
class FirstDiagnostic {
public:
  explicit FirstDiagnostic(MLIRContext &context)
      : handler(&context, [this](Diagnostic &d) {
          if (d.getSeverity() == DiagnosticSeverity::Error && first.empty()) {
            first = d.str();
            if (auto loc = dyn_cast<FileLineColLoc>(d.getLocation()))
              first = ("line " + Twine(loc.getLine()) + ": " + first).str();
          }
          return success();
        }) {}
  std::string text(StringRef fallback) const {
    std::string line = first.empty() ? fallback.str() : first;
    return StringRef(line).split('\n').first.str();
  }

private:
  std::string first;
  ScopedDiagnosticHandler handler;
};

double since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}

/// Bytes of one element of a weight or port, or 0 for a type the engine
/// does not bind.
unsigned elementBytes(Type type) {
  if (type.isF32() || type.isInteger(32))
    return 4;
  if (type.isBF16() || type.isF16())
    return 2;
  if (isa<Float8E4M3FNType>(type) || type.isInteger(8))
    return 1;
  return 0;
}
} // namespace

llvm::Expected<std::unique_ptr<CompiledGraph>>
llmq::runtime::jit::compileGraph(MLIRContext &context, llvm::MemoryBufferRef buffer,
                  StringRef path, StringRef name) {
  static std::once_flag targets;
  std::call_once(targets, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
  auto start = std::chrono::steady_clock::now();
  auto fail = [&](const Twine &what) { return jitError(path + ": " + what); };
  FirstDiagnostic diagnostic(context);

  auto sourceMgr = std::make_shared<llvm::SourceMgr>();
  sourceMgr->AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBuffer(buffer, /*RequiresNullTerminator=*/false),
      llvm::SMLoc());
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&context));
  if (!module || failed(verify(*module)))
    return fail("not a valid lowered graph: " +
                diagnostic.text("it does not parse"));
  auto func = module->lookupSymbol<func::FuncOp>(name);
  if (!func || func.isExternal())
    return fail("has no function '" + name + "'");

  auto graph = std::make_unique<CompiledGraph>();
  FunctionType type = func.getFunctionType();
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    GraphArgument arg;
    auto port = func.getArgAttrOfType<StringAttr>(i, "llmq_graph.port");
    auto weight = func.getArgAttrOfType<StringAttr>(i, "llmq_graph.weight");
    auto component =
        func.getArgAttrOfType<StringAttr>(i, "llmq_graph.component");
    Type argType = type.getInput(i);
    if (port && port.getValue() == "rank" && argType.isInteger(64)) {
      arg.kind = GraphArgument::Kind::Rank;
      graph->arguments.push_back(arg);
      continue;
    }
    auto tensor = dyn_cast<RankedTensorType>(argType);
    if (!tensor || !tensor.hasStaticShape() ||
        !elementBytes(tensor.getElementType()) || (!port && !weight) ||
        (weight && !component))
      return fail("argument " + Twine(i) + " of '" + name +
                  "' is neither a port, a weight component nor the rank");
    arg.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
    arg.elementBytes = elementBytes(tensor.getElementType());
    arg.isFloat = !tensor.getElementType().isInteger(32);
    if (weight) {
      arg.kind = GraphArgument::Kind::Weight;
      arg.weight = weight.getValue().str();
      arg.component = component.getValue().str();
    } else {
      arg.port = port.getValue().str();
    }
    graph->arguments.push_back(std::move(arg));
  }
  std::vector<std::string> ports;
  std::vector<llvm::SmallVector<int64_t, 3>> shapes;
  for (unsigned i = 0; i < func.getNumResults(); ++i) {
    auto port = func.getResultAttrOfType<StringAttr>(i, "llmq_graph.port");
    auto tensor = dyn_cast<RankedTensorType>(type.getResult(i));
    if (!port || !tensor || !tensor.hasStaticShape() ||
        !tensor.getElementType().isF32())
      return fail("result " + Twine(i) + " of '" + name +
                  "' is not a static f32 port");
    ports.push_back(port.getValue().str());
    shapes.emplace_back(tensor.getShape().begin(), tensor.getShape().end());
  }

  // f8 codes to f32 as integer operations, before anything else.
  {
    RewritePatternSet patterns(&context);
    patterns.add<ExpandF8E4M3FNExtF>(&context);
    if (failed(applyPatternsGreedily(*module, std::move(patterns))))
      return fail("cannot expand its f8E4M3FN conversions");
  }
  // The graph and the runtime ABI through their C interfaces; private
  // while bufferized so that the KV-cache results, equivalent to their
  // arguments, are dropped (upstream drops them from private functions).
  for (auto f : module->getOps<func::FuncOp>())
    f->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
               UnitAttr::get(&context));
  func.setPrivate();
  {
    PassManager pm(&context);
    bufferization::OneShotBufferizePassOptions options;
    options.bufferizeFunctionBoundaries = true;
    options.functionBoundaryTypeConversion =
        bufferization::LayoutMapOption::IdentityLayoutMap;
    pm.addPass(bufferization::createOneShotBufferizePass(options));
    if (failed(pm.run(*module)))
      return fail("bufferization failed: " + diagnostic.text("no diagnostic"));
  }
  // Which results are the arguments themselves (the caches, in place).
  llvm::SmallVector<bool> kept;
  func.walk([&](func::ReturnOp ret) {
    for (Value v : ret.getOperands())
      kept.push_back(!isa<BlockArgument>(v));
  });
  for (auto [i, keep] : llvm::enumerate(kept))
    if (keep) {
      graph->results.push_back(ports[i]);
      graph->resultShapes.push_back(shapes[i]);
    }
  {
    PassManager pm(&context);
    pm.addPass(bufferization::createDropEquivalentBufferResultsPass());
    if (failed(pm.run(*module)))
      return fail("dropping the in-place results failed: " +
                  diagnostic.text("no diagnostic"));
  }
  if (func.getNumResults() != graph->results.size())
    return fail("'" + name + "' returns " + Twine(func.getNumResults()) +
                " buffers after bufferization, not the " +
                Twine(graph->results.size()) +
                " that are not updated in place");
  func.setPublic();
  {
    PassManager pm(&context);
    bufferization::buildBufferDeallocationPipeline(pm);
    pm.addPass(createConvertLinalgToLoopsPass());
    // Before lower-affine: it makes affine.apply ops of dynamic offsets.
    pm.addPass(memref::createExpandStridedMetadataPass());
    pm.addPass(createLowerAffinePass());
    pm.addPass(createSCFToControlFlowPass());
    pm.addPass(createFinalizeMemRefToLLVMConversionPass());
    pm.addPass(createConvertMathToLLVMPass());
    pm.addPass(createConvertMathToLibmPass());
    pm.addPass(createArithToLLVMConversionPass());
    pm.addPass(createConvertFuncToLLVMPass());
    pm.addPass(createConvertControlFlowToLLVMPass());
    pm.addPass(createReconcileUnrealizedCastsPass());
    if (failed(pm.run(*module)))
      return fail("lowering to LLVM failed: " +
                  diagnostic.text("no diagnostic"));
  }
  graph->pipelineSeconds = since(start);
  // LLMQ_JIT_DUMP_DIR=DIR writes each graph as handed to LLVM (debugging).
  if (const char *dir = std::getenv("LLMQ_JIT_DUMP_DIR")) {
    std::error_code ec;
    llvm::raw_fd_ostream os((Twine(dir) + "/" + name + ".llvm.mlir").str(), ec);
    if (!ec)
      module->print(os);
  }

  start = std::chrono::steady_clock::now();
  auto transformer = makeOptimizingTransformer(/*optLevel=*/2,
                                               /*sizeLevel=*/0,
                                               /*targetMachine=*/nullptr);
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Default;
  engineOptions.enableGDBNotificationListener = false;
  engineOptions.enablePerfNotificationListener = false;
  auto engine = ExecutionEngine::create(*module, engineOptions);
  if (!engine) {
    std::string why = llvm::toString(engine.takeError());
    return fail("LLVM compilation failed: " + diagnostic.text(why));
  }
  graph->engine = std::move(*engine);
  graph->engine->registerSymbols(runtimeSymbols);
  graph->engine->initialize();
  auto entry = graph->engine->lookupPacked(("_mlir_ciface_" + name).str());
  if (!entry)
    return fail("the compiled graph has no entry '_mlir_ciface_" + name +
                "': " + llvm::toString(entry.takeError()));
  graph->entry = *entry;
  graph->llvmSeconds = since(start);
  return graph;
}

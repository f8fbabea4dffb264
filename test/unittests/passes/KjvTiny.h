//===- KjvTiny.h - kjv-tiny imported and bound, for pass tests --*- C++ -*-===//
//
// A fixture base: test/models/kjv-tiny imported into IR (`model`) and bound
// to its weights by the runtime (`bound`).
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_TEST_UNITTESTS_PASSES_KJVTINY_H
#define LLMQ_TEST_UNITTESTS_PASSES_KJVTINY_H

#include "dialects/Llmq/LlmqOps.h"
#include "frontends/HF/ImportHF.h"
#include "runtime/exec/Model.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

namespace llmq::testing {

class KjvTinyTest : public ::testing::Test {
protected:
  void SetUp() override {
    context.getOrLoadDialect<mlir::llmq::LlmqDialect>();
    auto imported =
        ::llmq::importHF(LLMQ_TEST_MODELS_DIR "/kjv-tiny", context);
    ASSERT_TRUE(static_cast<bool>(imported))
        << llvm::toString(imported.takeError());
    module = std::move(*imported);
    model = *module->getOps<mlir::llmq::ModelOp>().begin();
    auto loaded = ::llmq::runtime::Model::load(model);
    ASSERT_TRUE(static_cast<bool>(loaded))
        << llvm::toString(loaded.takeError());
    bound = std::move(*loaded);
  }

  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  mlir::llmq::ModelOp model;
  std::unique_ptr<::llmq::runtime::Model> bound;
};

} // namespace llmq::testing

#endif // LLMQ_TEST_UNITTESTS_PASSES_KJVTINY_H

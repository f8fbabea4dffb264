//===- Passes.h - llmq passes -----------------------------------*- C++ -*-===//

#ifndef LLMQ_PASSES_PASSES_H
#define LLMQ_PASSES_PASSES_H

#include "passes/PassOptions.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <cstdio>
#include <memory>
#include <string>

namespace mlir::llmq {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

/// A floating-point option's value as a user writes it ("nan", "inf", "0.5"),
/// for the message that refuses it.
inline std::string formatOptionValue(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

} // namespace mlir::llmq

#endif // LLMQ_PASSES_PASSES_H

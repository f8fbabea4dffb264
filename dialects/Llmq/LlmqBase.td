//===- LlmqBase.td - llmq dialect definition ---------------*- tablegen -*-===//
//
// The llmq dialect describes a language model as a graph of weight symbols and
// the structure that uses them. Weight bytes never live in the IR: a weight
// symbol references a tensor in a source file (safetensors, GGUF), so the text
// form of a 70B model stays a few hundred kilobytes.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_BASE_TD
#define LLMQ_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"

def Llmq_Dialect : Dialect {
  let name = "llmq";
  let cppNamespace = "::mlir::llmq";
  let summary = "Language-model weights and their structure";
  let description = [{
    A `llmq.model` holds the hyperparameters of one model; `llmq.weight`
    symbols reference tensors in mmapped source files; structure ops
    (`llmq.embedding`, `llmq.block`, `llmq.final_norm`, `llmq.lm_head`,
    `llmq.logit_mask`) say how the weights are used. Architecture differences
    are data in one table (Architectures.h), not op variants.
  }];
  let useDefaultAttributePrinterParser = 1;

  // What analysis passes leave on the IR, each checked by
  // verifyOperationAttribute (which ops may carry it, its type and range)
  // and, where it names other ops or coordinates, by the op's verifier.
  let discardableAttrs = (ins
    // On llmq.block (--llmq-block-influence).
    "::mlir::FloatAttr":$influence,
    "::mlir::FloatAttr":$angular_distance,
    // On llmq.weight: --llmq-weight-stats, --llmq-super-weights,
    // --llmq-imatrix, --llmq-assign-bits.
    "::mlir::DictionaryAttr":$stats,
    "::mlir::ArrayAttr":$pinned,
    "::mlir::Attribute":$importance,
    "::mlir::FloatAttr":$quant_error,
    "::mlir::FloatAttr":$sensitivity,
    // On llmq.model: --llmq-super-weights, --llmq-assign-bits.
    "::mlir::ArrayAttr":$super_weights,
    "::mlir::IntegerAttr":$assigned_bytes,
    "::mlir::FloatAttr":$assigned_bpw,
    "::mlir::FloatAttr":$assigned_error,
    "::mlir::FloatAttr":$estimated_kld
  );
  let hasOperationAttrVerify = 1;
}

#endif // LLMQ_BASE_TD

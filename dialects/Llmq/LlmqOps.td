//===- LlmqOps.td - llmq operations ------------------------*- tablegen -*-===//

#ifndef LLMQ_OPS_TD
#define LLMQ_OPS_TD

include "dialects/Llmq/LlmqBase.td"
include "dialects/Llmq/LlmqAttrs.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/RegionKindInterface.td"

class Llmq_Op<string mnemonic, list<Trait> traits = []>
    : Op<Llmq_Dialect, mnemonic, traits>;

def Llmq_ModelOp : Llmq_Op<"model", [
    SymbolTable, IsolatedFromAbove, SingleBlock, NoTerminator,
    NoRegionArguments]> {
  let summary = "one language model: hyperparameters, weights and structure";
  let description = [{
    The body holds `llmq.weight` symbols followed by structure ops in
    execution order: `llmq.embedding`, one `llmq.block` per transformer block
    (indices 0..num_layers-1 in order), `llmq.final_norm`, `llmq.lm_head` and
    optionally `llmq.logit_mask`. `arch` names a row of the architecture table
    (Architectures.h), which says which weights a block has and their shapes.
    `rope_interleaved` says the Q/K rows are in the order llama.cpp's
    converter permutes them to (RoPE on adjacent pairs), as in GGUF files of
    llama-family models; without it they are in Hugging Face's order.
    `gguf_metadata` names the GGUF file a model was imported from: the GGUF
    backend carries its metadata keys through, except those it writes itself.
    `hf_config` names the config.json of the Hugging Face checkpoint a model
    was imported from: the Hugging Face backend carries its keys through,
    rewriting those the model's hyperparameters and structure decide.
    `rope_scaling` is a `#llmq.rope_scaling` (linear or llama3, with the
    numbers its type needs). Analyses live in `llmq.`-prefixed attributes
    the dialect declares and verifies (RationaleLlmq.md lists them); the
    model's `llmq.super_weights` must name weights of the model, with
    coordinates inside their shapes.

    ```mlir
    llmq.model @kjv attributes {arch = "llama", hidden_size = 256 : i64, ...} {
      llmq.weight @token_embd : tensor<2048x256xbf16> {source = #llmq.source<...>}
      ...
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       StrAttr:$arch,
                       I64Attr:$hidden_size,
                       I64Attr:$num_layers,
                       I64Attr:$num_heads,
                       I64Attr:$num_kv_heads,
                       I64Attr:$head_dim,
                       I64Attr:$ffn_size,
                       I64Attr:$vocab_size,
                       I64Attr:$context_length,
                       F64Attr:$rope_theta,
                       F64Attr:$norm_eps,
                       BoolAttr:$tied_embeddings,
                       OptionalAttr<Llmq_RopeScalingAttr>:$rope_scaling,
                       UnitAttr:$rope_interleaved,
                       OptionalAttr<Llmq_TokenizerAttr>:$tokenizer,
                       OptionalAttr<StrAttr>:$gguf_metadata,
                       OptionalAttr<StrAttr>:$hf_config);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $body";
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
  let extraClassDeclaration = [{
    /// The weight named `name`, or null.
    WeightOp lookupWeight(::mlir::StringRef name);
    /// Where the head is tied to the embedding, gives it its own weight
    /// symbol (`output`, a copy of the embedding's, over the same bytes)
    /// and clears tied_embeddings, so that a pass can change one without
    /// the other; returns the head's weight (null without a head).
    WeightOp untieLmHead();
  }];
}

def Llmq_WeightOp : Llmq_Op<"weight", [Symbol, HasParent<"ModelOp">]> {
  let summary = "a weight tensor referenced in a source file";
  let description = [{
    The tensor type is the weight's logical shape in Hugging Face order
    (output features first) and the element type of its bytes in the source.
    `format` is the storage format chosen by passes; backends use their own
    default where it is absent. `scaled_rows` and `row_scale` fold a scale
    into some rows (the logit-mask pass amplifies tokens this way): whoever
    reads the weight multiplies those rows by `row_scale`.
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<AnyRankedTensor>:$type,
                       Llmq_SourceAttr:$source,
                       OptionalAttr<Llmq_FormatAttr>:$format,
                       OptionalAttr<DenseI64ArrayAttr>:$scaled_rows,
                       OptionalAttr<F64Attr>:$row_scale);
  let assemblyFormat = "$sym_name `:` $type attr-dict";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::RankedTensorType getTensorType() {
      return ::mlir::cast<::mlir::RankedTensorType>(getType());
    }
  }];
}

class Llmq_SingleWeightOp<string mnemonic, string what>
    : Llmq_Op<mnemonic, [HasParent<"ModelOp">]> {
  let summary = what;
  let arguments = (ins FlatSymbolRefAttr:$weight);
  let assemblyFormat = "$weight attr-dict";
}

def Llmq_EmbeddingOp : Llmq_SingleWeightOp<"embedding",
    "token embedding lookup (vocab x hidden)">;
def Llmq_FinalNormOp : Llmq_SingleWeightOp<"final_norm",
    "RMS norm after the last block">;
def Llmq_LmHeadOp : Llmq_SingleWeightOp<"lm_head",
    "projection to logits (vocab x hidden); the embedding when tied">;

def Llmq_BlockOp : Llmq_Op<"block", [HasParent<"ModelOp">]> {
  let summary = "one transformer block";
  let description = [{
    `weights` maps the block's roles (`attn_q`, `ffn_down`, ...; the
    architecture table lists each architecture's roles) to weight symbols.
    `sliding_window = N` limits attention to the last N positions (the query's
    own included); `no_rope` marks a block whose attention uses no rotary
    embedding (EXAONE-4's global layers).
  }];
  let arguments = (ins I64Attr:$index, DictionaryAttr:$weights,
                       OptionalAttr<I64Attr>:$sliding_window,
                       UnitAttr:$no_rope);
  let assemblyFormat = "$index `weights` $weights attr-dict";
  let extraClassDeclaration = [{
    /// The block's weights by role (entries whose key is no role, or whose
    /// symbol names no weight, are left out).
    std::map<Role, WeightOp> getWeightsByRole();
  }];
}

def Llmq_LogitMaskOp : Llmq_Op<"logit_mask", [HasParent<"ModelOp">]> {
  let summary = "bans token ids and biases others in the logits";
  let description = [{
    After the LM head, the logits of `banned` ids become -inf and `factor`
    is added to those of `amplified` ids (a logit bias). Amplification by a
    multiplicative factor never appears here: the logit-mask pass folds it
    into the LM head's rows (`scaled_rows`/`row_scale` on the weight).
  }];
  let arguments = (ins DenseI64ArrayAttr:$banned,
                       DenseI64ArrayAttr:$amplified,
                       F64Attr:$factor);
  let assemblyFormat = [{
    `banned` `=` $banned `amplified` `=` $amplified `factor` `=` $factor attr-dict
  }];
}

#endif // LLMQ_OPS_TD

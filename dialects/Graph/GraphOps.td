//===- GraphOps.td - llmq_graph operations -----------------*- tablegen -*-===//

#ifndef LLMQ_GRAPH_OPS_TD
#define LLMQ_GRAPH_OPS_TD

include "dialects/Graph/GraphBase.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class Graph_Op<string mnemonic, list<Trait> traits = []>
    : Op<Graph_Dialect, mnemonic, traits>;

def Graph_F32Tensor : RankedTensorOf<[F32]>;
def Graph_I32Tensor : RankedTensorOf<[I32]>;

/// Attributes of every op that reads a weight of the rank's shard file.
defvar Graph_WeightArgs = (ins StrAttr:$weight,
                             DenseI64ArrayAttr:$weight_shape,
                             StrAttr:$format);

def Graph_EmbeddingOp : Graph_Op<"embedding", [Pure]> {
  let summary = "rows of a vocabulary-parallel embedding shard";
  let description = [{
    The shard of rank r holds vocabulary rows [r * R, (r + 1) * R), R =
    weight_shape[0] (all rows at tp=1); ids outside its range give zero rows,
    so an `all_reduce` over the ranks completes the lookup.
  }];
  let arguments = !con((ins Graph_I32Tensor:$ids), Graph_WeightArgs);
  let results = (outs Graph_F32Tensor:$result);
  let assemblyFormat = "$ids attr-dict `:` type($ids) `->` type($result)";
  let hasVerifier = 1;
}

def Graph_RmsNormOp : Graph_Op<"rms_norm", [Pure, SameOperandsAndResultType]> {
  let summary = "RMS norm of every `dim` consecutive values";
  let description = [{
    Normalizes each run of `weight_shape[0]` values of the last axis (the
    whole row, or each head for q/k norms) and scales by the weight.
  }];
  let arguments = !con((ins Graph_F32Tensor:$input),
                       Graph_WeightArgs, (ins F64Attr:$eps));
  let results = (outs Graph_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Graph_MatmulOp : Graph_Op<"matmul", [Pure]> {
  let summary = "x times the transposed weight shard (rows = out features)";
  let arguments = !con((ins Graph_F32Tensor:$input),
                       Graph_WeightArgs);
  let results = (outs Graph_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Graph_AddBiasOp : Graph_Op<"add_bias", [Pure, SameOperandsAndResultType]> {
  let summary = "adds a bias vector (shard) to every row";
  let arguments = !con((ins Graph_F32Tensor:$input),
                       Graph_WeightArgs);
  let results = (outs Graph_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Graph_RopeOp : Graph_Op<"rope",
    [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "rotary position embedding of every head";
  let description = [{
    Token s of sequence b is at position `positions[b] + s`. `inv_freq` holds
    head_dim / 2 inverse frequencies with the model's scaling applied;
    `interleaved` rotates pairs (2i, 2i+1) instead of (i, i + head_dim / 2).
  }];
  let arguments = (ins Graph_F32Tensor:$input, Graph_I32Tensor:$positions,
                       I64Attr:$head_dim, DenseF32ArrayAttr:$inv_freq,
                       UnitAttr:$interleaved);
  let results = (outs Graph_F32Tensor:$result);
  let assemblyFormat = [{
    $input `,` $positions attr-dict `:` type($input) `,` type($positions)
  }];
  let hasVerifier = 1;
}

def Graph_KVCacheWriteOp : Graph_Op<"kv_cache_write",
    [Pure, AllTypesMatch<["cache", "result"]>]> {
  let summary = "stores keys or values at their positions of a cache";
  let description = [{
    Row s of sequence b goes to cache slot `positions[b] + s`; the result is
    the updated cache (executors update in place: the old value has no other
    use).
  }];
  let arguments = (ins Graph_F32Tensor:$cache, Graph_F32Tensor:$input,
                       Graph_I32Tensor:$positions);
  let results = (outs Graph_F32Tensor:$result);
  let assemblyFormat = [{
    $cache `,` $input `,` $positions attr-dict `:` type($cache) `,`
    type($input) `,` type($positions)
  }];
  let hasVerifier = 1;
}

def Graph_AttentionOp : Graph_Op<"attention",
    [Pure, AllTypesMatch<["query", "result"]>]> {
  let summary = "causal softmax attention over a KV cache";
  let description = [{
    The query of token s of sequence b, at position p = positions[b] + s,
    attends to cache slots [max(0, p - sliding_window + 1), p] (all of
    [0, p] when sliding_window is 0). Query head h reads kv head
    h / (num_heads / num_kv_heads); the counts are this rank's.
  }];
  let arguments = (ins Graph_F32Tensor:$query, Graph_F32Tensor:$keys,
                       Graph_F32Tensor:$values, Graph_I32Tensor:$positions,
                       I64Attr:$num_heads, I64Attr:$num_kv_heads,
                       I64Attr:$head_dim, I64Attr:$sliding_window);
  let results = (outs Graph_F32Tensor:$result);
  let assemblyFormat = [{
    $query `,` $keys `,` $values `,` $positions attr-dict `:` type($query)
    `,` type($keys) `,` type($values) `,` type($positions)
  }];
  let hasVerifier = 1;
}

def Graph_SwiGLUOp : Graph_Op<"swiglu", [Pure, SameOperandsAndResultType]> {
  let summary = "silu(gate) * up";
  let arguments = (ins Graph_F32Tensor:$gate, Graph_F32Tensor:$up);
  let results = (outs Graph_F32Tensor:$result);
  let assemblyFormat = "$gate `,` $up attr-dict `:` type($result)";
}

def Graph_AddOp : Graph_Op<"add", [Pure, SameOperandsAndResultType]> {
  let summary = "elementwise sum (the residual connection)";
  let arguments = (ins Graph_F32Tensor:$lhs, Graph_F32Tensor:$rhs);
  let results = (outs Graph_F32Tensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Graph_AllReduceOp : Graph_Op<"all_reduce", [SameOperandsAndResultType]> {
  let summary = "sum over the stage's tensor-parallel ranks";
  let description = [{
    Every rank receives the sum of all ranks' inputs, added in rank order so
    that every rank holds the same bits.
  }];
  let arguments = (ins Graph_F32Tensor:$input, I64Attr:$ranks);
  let results = (outs Graph_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Graph_AllGatherOp : Graph_Op<"all_gather"> {
  let summary = "concatenation of every rank's input along the last axis";
  let arguments = (ins Graph_F32Tensor:$input, I64Attr:$ranks);
  let results = (outs Graph_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Graph_SliceOp : Graph_Op<"slice", [Pure]> {
  let summary = "the first `size` elements of the last axis";
  let description = [{
    Drops the padding a vocabulary-parallel LM head adds so the vocabulary
    splits evenly over the ranks.
  }];
  let arguments = (ins Graph_F32Tensor:$input, I64Attr:$size);
  let results = (outs Graph_F32Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Graph_SendOp : Graph_Op<"send"> {
  let summary = "sends the residual stream to the next pipeline stage";
  let description = [{
    Rank r of stage s sends to rank r of stage `stage`.
  }];
  let arguments = (ins Graph_F32Tensor:$input, I64Attr:$stage);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Graph_RecvOp : Graph_Op<"recv"> {
  let summary = "receives the residual stream from the previous stage";
  let arguments = (ins I64Attr:$stage);
  let results = (outs Graph_F32Tensor:$result);
  let assemblyFormat = "attr-dict `:` type($result)";
}

def Graph_LogitMaskOp : Graph_Op<"logit_mask",
    [Pure, SameOperandsAndResultType]> {
  let summary = "scales, biases and bans token ids in the logits";
  let description = [{
    In this order, as the reference runtime does: the logits of `scaled` ids
    are multiplied by `scale` (amplification the logit-mask pass folded into
    the LM head), `bias` is added to those of `biased` ids, and `banned` ids
    become -inf.
  }];
  let arguments = (ins Graph_F32Tensor:$logits, DenseI64ArrayAttr:$banned,
                       DenseI64ArrayAttr:$biased, F64Attr:$bias,
                       DenseI64ArrayAttr:$scaled, F64Attr:$scale);
  let results = (outs Graph_F32Tensor:$result);
  let assemblyFormat = "$logits attr-dict `:` type($logits)";
  let hasVerifier = 1;
}

#endif // LLMQ_GRAPH_OPS_TD

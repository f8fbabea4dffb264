//===- LlmqAttrs.td - llmq attributes ----------------------*- tablegen -*-===//

#ifndef LLMQ_ATTRS_TD
#define LLMQ_ATTRS_TD

include "dialects/Llmq/LlmqBase.td"
include "mlir/IR/AttrTypeBase.td"

class Llmq_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Llmq_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Llmq_FormatAttr : EnumAttr<Llmq_Dialect, Llmq_FormatAttrEnum, "format"> {
  let assemblyFormat = "`<` $value `>`";
}

def Llmq_SourceAttr : Llmq_Attr<"Source", "source"> {
  let summary = "where a weight's bytes are: file, tensor key, byte offset";
  let description = [{
    `file` is the path of the source file (absolute, as the frontend resolved
    it), `key` the tensor's name inside it and `offset` the byte offset of its
    first element in the file. The element type and shape are the weight's
    tensor type, so a reader can map exactly the bytes it needs. `stored`
    names a block format (q8_0, ...) when the bytes are quantized, as in a
    GGUF file; the element type is then f32, what they dequantize to.
  }];
  let parameters = (ins StringRefParameter<"source file">:$file,
                        StringRefParameter<"tensor key in the file">:$key,
                        "uint64_t":$offset,
                        OptionalParameter<"::mlir::llmq::StorageFormatAttr",
                          "block format of the bytes, when not the element type">:$stored);
  let assemblyFormat = "`<` struct(params) `>`";
}

def Llmq_TokenizerAttr : Llmq_Attr<"Tokenizer", "tokenizer"> {
  let summary = "the model's tokenizer file and special tokens";
  let description = [{
    `file` is a Hugging Face tokenizer.json. `bos` and `eos` are token ids
    (-1 when the model has none); `add_bos` says whether encoding a prompt
    starts with `bos`.
  }];
  let parameters = (ins StringRefParameter<"tokenizer file">:$file,
                        "int64_t":$bos, "int64_t":$eos, "BoolAttr":$add_bos);
  let assemblyFormat = "`<` struct(params) `>`";
}

//===----------------------------------------------------------------------===//
// Analysis attributes: what passes leave on the IR
//===----------------------------------------------------------------------===//

def Llmq_RopeScalingAttr : Llmq_Attr<"RopeScaling", "rope_scaling"> {
  let summary = "how RoPE frequencies are scaled: linear or llama3";
  let description = [{
    `type = "linear"` divides every frequency by `factor`; `type = "llama3"`
    slows long wavelengths by `factor`, keeps short ones and interpolates
    between (transformers' rule), which needs `low_freq_factor`,
    `high_freq_factor` and `original_max_position_embeddings`. Every number
    a type needs must be present, finite and positive (and llama3's two
    frequency factors different); numbers a type does not use are refused.

    ```mlir
    rope_scaling = #llmq.rope_scaling<type = "linear", factor = 4.0 : f64>
    ```
  }];
  let parameters = (ins
      StringRefParameter<"linear or llama3">:$type,
      OptionalParameter<"::mlir::FloatAttr", "scale factor">:$factor,
      OptionalParameter<"::mlir::FloatAttr", "llama3's low_freq_factor">:$low_freq_factor,
      OptionalParameter<"::mlir::FloatAttr", "llama3's high_freq_factor">:$high_freq_factor,
      OptionalParameter<"::mlir::FloatAttr", "llama3's original context">:$original_max_position_embeddings);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Llmq_PinAttr : Llmq_Attr<"Pin", "pin"> {
  let summary = "one entry of a weight that later passes must keep exact";
  let description = [{
    On a weight's `llmq.pinned` list: row and column of the entry (inside
    the weight's shape, which the weight's verifier checks) and its value
    as found.
  }];
  let parameters = (ins "int64_t":$row, "int64_t":$col,
                        "::mlir::FloatAttr":$value);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Llmq_SuperWeightAttr : Llmq_Attr<"SuperWeight", "super_weight"> {
  let summary = "one super weight: the weight symbol, row, column and value";
  let description = [{
    On the model's `llmq.super_weights` list. `weight` is a symbol of the
    model (the model's verifier checks that it exists and that row and
    column are inside its shape); passes that rename or remove weights
    update or drop the entry.
  }];
  let parameters = (ins "::mlir::FlatSymbolRefAttr":$weight,
                        "int64_t":$row, "int64_t":$col,
                        "::mlir::FloatAttr":$value);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Llmq_ImportanceAttr : Llmq_Attr<"Importance", "importance"> {
  let summary = "where a weight's importance (imatrix entry) is";
  let description = [{
    On a 2-D weight as `llmq.importance`: the llama.cpp imatrix GGUF `file`
    and the `key` of the entry computed for this weight
    ("blk.3.attn_q.weight"). The key names the data, not the weight: when a
    pass renames the weight, the attribute keeps pointing at the entry
    measured for it. Readers check the entry's length against the weight's
    columns.
  }];
  let parameters = (ins StringRefParameter<"imatrix GGUF file">:$file,
                        StringRefParameter<"entry name in the file">:$key);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // LLMQ_ATTRS_TD

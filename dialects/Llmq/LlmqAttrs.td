//===- LlmqAttrs.td - llmq attributes ----------------------*- tablegen -*-===//

#ifndef LLMQ_ATTRS_TD
#define LLMQ_ATTRS_TD

include "dialects/Llmq/LlmqBase.td"
include "mlir/IR/AttrTypeBase.td"

class Llmq_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Llmq_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Llmq_FormatAttr : Llmq_Attr<"Format", "format"> {
  let summary = "a storage format: a ggml type, FP8 blocks or integer groups";
  let description = [{
    Names every storage format llmq implements, for what a weight's bytes
    are (`#llmq.source<..., stored = ...>`) and for what a pass wants them
    to be (`format` on `llmq.weight`). The value is the formats library's
    `llmq::TensorFormat`, so IR and library share one registry.

    ```mlir
    #llmq.format<q4_K>                              // a ggml type
    #llmq.format<fp8_e4m3, block = [128, 128]>      // one scale per block
    #llmq.format<int4, group = 128>                 // symmetric groups
    #llmq.format<int4, group = 128, asymmetric>     // with zero points
    #llmq.format<int8>                              // one scale per row
    ```

    Block edges follow upstream `quant`'s sub-channel block sizes (rows,
    then columns); `group` is the block size along a row with one row per
    block. See docs/dialects/RationaleLlmq.md.
  }];
  let parameters = (ins AttrParameter<"::llmq::TensorFormat",
                                      "the storage format">:$value);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The attribute of a ggml format.
    static FormatAttr get(::mlir::MLIRContext *context, ::llmq::Format format) {
      return get(context, ::llmq::TensorFormat::ggmlFormat(format));
    }
  }];
}

def Llmq_SourceAttr : Llmq_Attr<"Source", "source"> {
  let summary = "where a weight's bytes are: file, tensor key, byte offset";
  let description = [{
    `file` is the path of the source file (absolute, as the frontend resolved
    it), `key` the tensor's name inside it and `offset` the byte offset of its
    first element in the file. The element type and shape are the weight's
    tensor type, so a reader can map exactly the bytes it needs. `stored`
    names the format when the bytes are quantized (a ggml block format, as
    in a GGUF file, or FP8 blocks or integer groups, as in a quantized
    Hugging Face checkpoint); the element type is then f32, what they
    dequantize to. Formats with separate scale tensors name them by key in
    the same file: `scale` (FP8's `weight_scale_inv`, an integer format's
    `weight_scale`) and, when asymmetric, `zero_point`.
  }];
  let parameters = (ins StringRefParameter<"source file">:$file,
                        StringRefParameter<"tensor key in the file">:$key,
                        "uint64_t":$offset,
                        OptionalParameter<"::mlir::llmq::FormatAttr",
                          "format of the bytes, when not the element type">:$stored,
                        StringRefParameter<"key of the scale tensor", "\"\"">:$scale,
                        StringRefParameter<"key of the zero-point tensor", "\"\"">:$zero_point);
  let genVerifyDecl = 1;
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

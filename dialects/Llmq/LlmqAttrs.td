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

#endif // LLMQ_ATTRS_TD

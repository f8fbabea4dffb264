//===- LlamaCppTypes.cpp - llama-quantize's per-tensor type rules ---------===//
//
// See LlamaCppTypes.h. A restatement of llama.cpp's src/llama-quant.cpp,
// not a copy.
//
//===----------------------------------------------------------------------===//

#include "passes/assign/LlamaCppTypes.h"

#include "formats/TensorFormat.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/Twine.h"

using namespace mlir::llmq;
using llamacpp::Category;
using llamacpp::FileType;
using llamacpp::QuantizeState;
using ::llmq::Format;
using llvm::StringRef;
using llvm::Twine;

std::optional<FileType> llamacpp::parseFileType(StringRef preset) {
  return llvm::StringSwitch<std::optional<FileType>>(preset.lower())
      .Case("q2_k", FileType::Q2_K)
      .Case("q3_k_s", FileType::Q3_K_S)
      .Case("q3_k_m", FileType::Q3_K_M)
      .Case("q3_k_l", FileType::Q3_K_L)
      .Case("q4_0", FileType::Q4_0)
      .Case("q4_k_s", FileType::Q4_K_S)
      .Case("q4_k_m", FileType::Q4_K_M)
      .Case("q5_k_s", FileType::Q5_K_S)
      .Case("q5_k_m", FileType::Q5_K_M)
      .Case("q6_k", FileType::Q6_K)
      .Case("q8_0", FileType::Q8_0)
      .Default(std::nullopt);
}

/// llama_ftype_get_default_type.
Format llamacpp::defaultType(FileType ftype) {
  switch (ftype) {
  case FileType::Q2_K:
    return Format::Q2_K;
  case FileType::Q3_K_S:
  case FileType::Q3_K_M:
  case FileType::Q3_K_L:
    return Format::Q3_K;
  case FileType::Q4_0:
    return Format::Q4_0;
  case FileType::Q4_K_S:
  case FileType::Q4_K_M:
    return Format::Q4_K;
  case FileType::Q5_K_S:
  case FileType::Q5_K_M:
    return Format::Q5_K;
  case FileType::Q6_K:
    return Format::Q6_K;
  case FileType::Q8_0:
    return Format::Q8_0;
  }
  llvm_unreachable("unknown file type");
}

/// The GGUF name the exporter gives a weight symbol.
std::string llamacpp::ggufName(StringRef symbol) {
  if (symbol.ends_with(".bias"))
    return symbol.str();
  return symbol.str() + ".weight";
}

/// tensor_get_category.
Category llamacpp::categoryOf(StringRef name) {
  if (name == "output.weight")
    return Category::Output;
  if (name == "token_embd.weight" || name == "per_layer_token_embd.weight")
    return Category::TokenEmbd;
  if (name.contains("attn_qkv.weight"))
    return Category::AttnQKV;
  if (name.contains("attn_kv_b.weight"))
    return Category::AttnKVB;
  if (name.contains("attn_v.weight"))
    return Category::AttnV;
  if (name.contains("attn_k.weight"))
    return Category::AttnK;
  if (name.contains("attn_q.weight"))
    return Category::AttnQ;
  if (name.contains("attn_output.weight"))
    return Category::AttnOutput;
  if (name.contains("ffn_up"))
    return Category::FfnUp;
  if (name.contains("ffn_gate"))
    return Category::FfnGate;
  if (name.contains("ffn_down"))
    return Category::FfnDown;
  return Category::Other;
}

/// category_is_attn_v: the V-like tensors that get more bits.
bool llamacpp::isAttnVLike(Category category) {
  return category == Category::AttnV || category == Category::AttnQKV ||
         category == Category::AttnKVB;
}

/// tensor_allows_quantization, for the names llmq's architectures have:
/// 2-D (or more) tensors whose name ends in "weight", except norms.
bool llamacpp::allowsQuantization(StringRef name, int64_t rank) {
  if (rank < 2)
    return false;
  if (!name.ends_with("weight"))
    return false;
  return !name.contains("_norm.weight") &&
         !name.contains("ffn_gate_inp.weight") &&
         !name.contains("attn_rel_b.weight");
}

/// use_more_bits: the first and last eighth of the layers and every third
/// layer in between.
static bool useMoreBits(int iLayer, int nLayers) {
  return iLayer < nLayers / 8 || iLayer >= 7 * nLayers / 8 ||
         (iLayer - nLayers / 8) % 3 == 2;
}

/// tensor_type_fallback (formats/TensorFormat.h), counting the tensors
/// that needed one as llama.cpp does.
Format llamacpp::fallback(QuantizeState &qs, Format type, int64_t cols) {
  Format result = ::llmq::ggmlFallback(type, cols);
  if (result != type)
    ++qs.nFallback;
  return result;
}

/// llama_tensor_get_type_impl, for the file types of FileType and a dense
/// (non-expert), non-Falcon model of less than 70B parameters.
Format llamacpp::chooseType(QuantizeState &qs, FileType ftype, Format type,
                            Category category, int64_t cols, StringRef arch) {
  bool falcon = arch == "falcon";
  if (category == Category::Output ||
      (qs.tiedEmbeddings && category == Category::TokenEmbd)) {
    // The output (or the tied embeddings that serve as it): q6_K unless the
    // file is q8_0, and q8_0 when a row does not split into the file type's
    // blocks.
    if (falcon || !::llmq::rowFits(type, cols))
      return Format::Q8_0;
    if (type != Format::Q8_0)
      return Format::Q6_K;
    return type;
  }
  if (category == Category::TokenEmbd)
    return type; // only IQ/TQ file types change untied embeddings
  if (isAttnVLike(category)) {
    if (ftype == FileType::Q2_K)
      type = qs.nGqa >= 4 ? Format::Q4_K : Format::Q3_K;
    else if (ftype == FileType::Q3_K_M)
      type = qs.iAttentionWv < 2 ? Format::Q5_K : Format::Q4_K;
    else if (ftype == FileType::Q3_K_L)
      type = Format::Q5_K;
    else if ((ftype == FileType::Q4_K_M || ftype == FileType::Q5_K_M) &&
             useMoreBits(qs.iAttentionWv, qs.nAttentionWv))
      type = Format::Q6_K;
    else if (ftype == FileType::Q4_K_S && qs.iAttentionWv < 4)
      type = Format::Q5_K;
    ++qs.iAttentionWv;
    return type;
  }
  if (category == Category::FfnDown) {
    // Dense models: the layer is the running count of ffn_down tensors,
    // which llama.cpp visits in layer order.
    int iLayer = qs.iFfnDown, nLayer = qs.nFfnDown;
    if (ftype == FileType::Q2_K)
      type = Format::Q3_K;
    else if (ftype == FileType::Q3_K_M)
      type = iLayer < nLayer / 16                     ? Format::Q5_K
             : !falcon || useMoreBits(iLayer, nLayer) ? Format::Q4_K
                                                      : Format::Q3_K;
    else if (ftype == FileType::Q3_K_L)
      type = falcon ? Format::Q4_K : Format::Q5_K;
    else if (ftype == FileType::Q4_K_M) {
      if (falcon)
        type = iLayer < nLayer / 16          ? Format::Q6_K
               : useMoreBits(iLayer, nLayer) ? Format::Q5_K
                                             : Format::Q4_K;
      else if (useMoreBits(iLayer, nLayer))
        type = Format::Q6_K;
    } else if (ftype == FileType::Q5_K_M && useMoreBits(iLayer, nLayer))
      type = Format::Q6_K;
    else if (ftype == FileType::Q4_K_S && !falcon && iLayer < nLayer / 8)
      type = Format::Q5_K;
    else if (ftype == FileType::Q4_0 && qs.hasImatrix && iLayer < nLayer / 8)
      type = Format::Q4_1;
    ++qs.iFfnDown;
    return type;
  }
  if (category == Category::AttnOutput) {
    if (!falcon) {
      if (ftype == FileType::Q2_K)
        type = Format::Q3_K;
      else if (ftype == FileType::Q3_K_M)
        type = Format::Q4_K;
      else if (ftype == FileType::Q3_K_L)
        type = Format::Q5_K;
    } else if (ftype == FileType::Q3_K_L) {
      type = Format::Q4_K;
    }
    return type;
  }
  // attn_q, attn_k, ffn_gate, ffn_up and the rest: only IQ file types
  // change them. (attn_qkv never gets here: it is V-like above.)
  return type;
}

bool llamacpp::precedes(StringRef a, StringRef b) {
  auto layer = [](StringRef name) {
    int l = -1;
    if (name.consume_front("blk.")) {
      StringRef digits = name.take_while(llvm::isDigit);
      if (!digits.empty() && name.drop_front(digits.size()).starts_with(".") &&
          digits.getAsInteger(10, l))
        l = -1;
    }
    return l;
  };
  int la = layer(a), lb = layer(b);
  if (la != lb)
    return la < lb;
  return a < b;
}

/// llama-quantize compiles `--tensor-type` patterns as ECMAScript regexes
/// (std::regex); llvm::Regex is POSIX extended. Rewrites the class escapes
/// such patterns use (\d \w \s and their negations) into POSIX classes and
/// keeps escaped punctuation; other escapes, which the two dialects read
/// differently, are refused with `error` set.
std::string llamacpp::toPosixRegex(StringRef pattern, std::string &error) {
  std::string out;
  bool inBracket = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (inBracket && c == '[' && i + 1 < pattern.size() &&
        pattern[i + 1] == ':') {
      // A POSIX class inside a bracket: copy through ":]".
      size_t end = pattern.find(":]", i + 2);
      if (end == StringRef::npos) {
        error = "unterminated '[:' class";
        return "";
      }
      out += pattern.slice(i, end + 2).str();
      i = end + 1;
      continue;
    }
    if (c == '[' && !inBracket) {
      inBracket = true;
      out += c;
      if (i + 1 < pattern.size() && pattern[i + 1] == '^')
        out += pattern[++i];
      // ECMAScript reads "[]" as an empty class and "[^]" as any character;
      // POSIX takes that ']' literally.
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') {
        error = "a ']' first in a bracket is not supported";
        return "";
      }
      continue;
    }
    if (c == ']' && inBracket) {
      inBracket = false;
      out += c;
      continue;
    }
    if (c != '\\') {
      out += c;
      continue;
    }
    if (i + 1 == pattern.size()) {
      error = "it ends in a backslash";
      return "";
    }
    char e = pattern[++i];
    StringRef cls = llvm::StringSwitch<StringRef>(StringRef(&e, 1))
                        .Case("d", "0-9")
                        .Case("w", "_[:alnum:]")
                        .Case("s", "[:space:]")
                        .Default("");
    bool negated = e == 'D' || e == 'W' || e == 'S';
    if (negated)
      cls = llvm::StringSwitch<StringRef>(StringRef(&e, 1))
                .Case("D", "0-9")
                .Case("W", "_[:alnum:]")
                .Case("S", "[:space:]")
                .Default("");
    if (!cls.empty()) {
      if (inBracket && negated) {
        error = (Twine("escape '\\") + StringRef(&e, 1) +
                 "' inside a bracket is not supported")
                    .str();
        return "";
      }
      if (inBracket)
        out += cls.str();
      else
        out += (negated ? "[^" : "[") + cls.str() + "]";
      continue;
    }
    if (llvm::isAlnum(e)) {
      error =
          (Twine("escape '\\") + StringRef(&e, 1) + "' is not supported").str();
      return "";
    }
    if (inBracket) {
      // POSIX brackets take every character literally, backslash included.
      if (e == ']' || e == '^' || e == '-') {
        error = (Twine("escape '\\") + StringRef(&e, 1) +
                 "' inside a bracket is not supported")
                    .str();
        return "";
      }
      out += e;
      continue;
    }
    out += '\\';
    out += e;
  }
  if (inBracket) {
    error = "unterminated '['";
    return "";
  }
  return out;
}

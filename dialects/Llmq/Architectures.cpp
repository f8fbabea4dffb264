//===- Architectures.cpp - The architecture table -------------------------===//

#include "dialects/Llmq/Architectures.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir::llmq;
using llvm::StringRef;

static const RoleInfo kRoles[] = {
    {Role::AttnNorm, "attn_norm", "attn_norm.weight", 1, {Dim::Hidden}},
    {Role::AttnQ, "attn_q", "attn_q.weight", 2, {Dim::QOut, Dim::Hidden}},
    {Role::AttnK, "attn_k", "attn_k.weight", 2, {Dim::KVOut, Dim::Hidden}},
    {Role::AttnV, "attn_v", "attn_v.weight", 2, {Dim::KVOut, Dim::Hidden}},
    {Role::AttnOutput, "attn_output", "attn_output.weight", 2,
     {Dim::Hidden, Dim::QOut}},
    {Role::AttnQBias, "attn_q_bias", "attn_q.bias", 1, {Dim::QOut}},
    {Role::AttnKBias, "attn_k_bias", "attn_k.bias", 1, {Dim::KVOut}},
    {Role::AttnVBias, "attn_v_bias", "attn_v.bias", 1, {Dim::KVOut}},
    {Role::AttnQNorm, "attn_q_norm", "attn_q_norm.weight", 1, {Dim::HeadDim}},
    {Role::AttnKNorm, "attn_k_norm", "attn_k_norm.weight", 1, {Dim::HeadDim}},
    {Role::AttnPostNorm, "attn_post_norm", "post_attention_norm.weight", 1,
     {Dim::Hidden}},
    {Role::FfnNorm, "ffn_norm", "ffn_norm.weight", 1, {Dim::Hidden}},
    {Role::FfnGate, "ffn_gate", "ffn_gate.weight", 2, {Dim::Ffn, Dim::Hidden}},
    {Role::FfnUp, "ffn_up", "ffn_up.weight", 2, {Dim::Ffn, Dim::Hidden}},
    {Role::FfnDown, "ffn_down", "ffn_down.weight", 2, {Dim::Hidden, Dim::Ffn}},
    {Role::FfnPostNorm, "ffn_post_norm", "post_ffw_norm.weight", 1,
     {Dim::Hidden}},
};

// Block tensors by HF name. Llama's layout is the base the others extend.
#define LLMQ_ATTN_PROJECTIONS                                                  \
  {Role::AttnQ, "self_attn.q_proj.weight"},                                    \
      {Role::AttnK, "self_attn.k_proj.weight"},                                \
      {Role::AttnV, "self_attn.v_proj.weight"},                                \
      {Role::AttnOutput, "self_attn.o_proj.weight"}
#define LLMQ_GATED_MLP                                                         \
  {Role::FfnGate, "mlp.gate_proj.weight"}, {Role::FfnUp, "mlp.up_proj.weight"}, \
      {Role::FfnDown, "mlp.down_proj.weight"}

static const BlockTensor kLlamaBlock[] = {
    {Role::AttnNorm, "input_layernorm.weight"},
    LLMQ_ATTN_PROJECTIONS,
    {Role::FfnNorm, "post_attention_layernorm.weight"},
    LLMQ_GATED_MLP,
};

static const BlockTensor kQwen2Block[] = {
    {Role::AttnNorm, "input_layernorm.weight"},
    LLMQ_ATTN_PROJECTIONS,
    {Role::AttnQBias, "self_attn.q_proj.bias"},
    {Role::AttnKBias, "self_attn.k_proj.bias"},
    {Role::AttnVBias, "self_attn.v_proj.bias"},
    {Role::FfnNorm, "post_attention_layernorm.weight"},
    LLMQ_GATED_MLP,
};

static const BlockTensor kQwen3Block[] = {
    {Role::AttnNorm, "input_layernorm.weight"},
    LLMQ_ATTN_PROJECTIONS,
    {Role::AttnQNorm, "self_attn.q_norm.weight"},
    {Role::AttnKNorm, "self_attn.k_norm.weight"},
    {Role::FfnNorm, "post_attention_layernorm.weight"},
    LLMQ_GATED_MLP,
};

// EXAONE-4 normalises after attention and after the MLP instead of before,
// so its "post_attention_layernorm" is a different role than Llama's.
static const BlockTensor kExaone4Block[] = {
    LLMQ_ATTN_PROJECTIONS,
    {Role::AttnQNorm, "self_attn.q_norm.weight"},
    {Role::AttnKNorm, "self_attn.k_norm.weight"},
    {Role::AttnPostNorm, "post_attention_layernorm.weight"},
    LLMQ_GATED_MLP,
    {Role::FfnPostNorm, "post_feedforward_layernorm.weight"},
};

#undef LLMQ_ATTN_PROJECTIONS
#undef LLMQ_GATED_MLP

static const ArchInfo kArchitectures[] = {
    // name, GGUF arch, permuteQK, ropeOnlyOnSlidingLayers, block tensors
    {"llama", "llama", true, false, kLlamaBlock},
    {"mistral", "llama", true, false, kLlamaBlock},
    {"qwen2", "qwen2", false, false, kQwen2Block},
    {"qwen3", "qwen3", false, false, kQwen3Block},
    {"exaone4", "exaone4", false, true, kExaone4Block},
};

const ArchInfo *mlir::llmq::lookupArch(StringRef name) {
  for (const ArchInfo &arch : kArchitectures)
    if (arch.name == name)
      return &arch;
  return nullptr;
}

llvm::ArrayRef<ArchInfo> mlir::llmq::getArchitectures() {
  return kArchitectures;
}

std::string mlir::llmq::listArchitectures() {
  std::string names;
  for (const ArchInfo &arch : kArchitectures) {
    if (!names.empty())
      names += ", ";
    names += arch.name.str();
  }
  return names;
}

const RoleInfo &mlir::llmq::getRoleInfo(Role role) {
  const RoleInfo &info = kRoles[static_cast<unsigned>(role)];
  assert(info.role == role && "kRoles is not in Role order");
  return info;
}

std::optional<Role> mlir::llmq::lookupRole(StringRef name) {
  for (const RoleInfo &info : kRoles)
    if (info.name == name)
      return info.role;
  return std::nullopt;
}

int64_t mlir::llmq::resolveDim(Dim dim, const ModelDims &dims) {
  switch (dim) {
  case Dim::Hidden:
    return dims.hidden;
  case Dim::QOut:
    return dims.numHeads * dims.headDim;
  case Dim::KVOut:
    return dims.numKVHeads * dims.headDim;
  case Dim::Ffn:
    return dims.ffn;
  case Dim::HeadDim:
    return dims.headDim;
  case Dim::Vocab:
    return dims.vocab;
  }
  llvm_unreachable("unknown Dim");
}

std::string mlir::llmq::blockWeightName(int64_t index, Role role) {
  StringRef gguf = getRoleInfo(role).ggufName;
  gguf.consume_back(".weight");
  return "blk." + std::to_string(index) + "." + gguf.str();
}

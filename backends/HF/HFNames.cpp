//===- HFNames.cpp - Weight symbols under Hugging Face names --------------===//

#include "backends/HF/HFNames.h"

using namespace mlir;
using namespace mlir::llmq;
using llvm::StringRef;
using llvm::Twine;

namespace llmq::hf {

static llvm::Error namesError(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::string NamedWeight::module() const {
  StringRef n(name);
  return n.rsplit('.').first.str();
}

int64_t interleavedRowOf(int64_t row, int64_t rows, int64_t heads) {
  if (heads <= 0)
    return row;
  int64_t headRows = rows / heads, half = headRows / 2;
  int64_t head = row / headRows, within = row % headRows;
  int64_t from = within < half ? 2 * within : 2 * (within - half) + 1;
  return head * headRows + from;
}

llvm::Expected<std::vector<NamedWeight>> nameWeights(ModelOp model,
                                                     const ArchInfo &arch) {
  std::vector<NamedWeight> named;
  auto add = [&](StringRef symbol, StringRef name, bool isLinear,
                 int64_t permuteHeads) -> llvm::Error {
    WeightOp weight = model.lookupWeight(symbol);
    if (!weight)
      return namesError("export-hf: '" + name + "' refers to weight '" +
                        symbol + "', which the model does not have");
    named.push_back({name.str(), weight, isLinear, permuteHeads});
    return llvm::Error::success();
  };
  bool interleaved = model.getRopeInterleaved() && arch.permuteQK;
  for (Operation &op : model.getBody().front()) {
    if (auto embedding = dyn_cast<EmbeddingOp>(op)) {
      if (llvm::Error err =
              add(embedding.getWeight(), mlir::llmq::kHFEmbedding, false, 0))
        return std::move(err);
    } else if (auto block = dyn_cast<BlockOp>(op)) {
      std::string prefix =
          "model.layers." + std::to_string(block.getIndex()) + ".";
      // The architecture's order, so every shard lists its tensors as
      // transformers would.
      for (const BlockTensor &tensor : arch.blockTensors) {
        const RoleInfo &role = getRoleInfo(tensor.role);
        auto symbol = block.getWeights().getAs<FlatSymbolRefAttr>(role.name);
        if (!symbol)
          return namesError("export-hf: block " + Twine(block.getIndex()) +
                            " has no '" + role.name + "' weight, which " +
                            arch.name + " needs");
        int64_t heads = 0;
        if (interleaved && tensor.role == Role::AttnQ)
          heads = model.getNumHeads();
        if (interleaved && tensor.role == Role::AttnK)
          heads = model.getNumKvHeads();
        if (llvm::Error err =
                add(symbol.getValue(), prefix + tensor.hfName.str(),
                    role.rank == 2, heads))
          return std::move(err);
      }
      for (NamedAttribute entry : block.getWeights()) {
        std::optional<Role> role = lookupRole(entry.getName());
        bool known =
            role && llvm::any_of(arch.blockTensors, [&](const BlockTensor &t) {
              return t.role == *role;
            });
        if (!known)
          return namesError("export-hf: block " + Twine(block.getIndex()) +
                            " has a '" + entry.getName().getValue() +
                            "' weight, which " + arch.name +
                            " checkpoints have no name for");
      }
    } else if (auto norm = dyn_cast<FinalNormOp>(op)) {
      if (llvm::Error err =
              add(norm.getWeight(), mlir::llmq::kHFFinalNorm, false, 0))
        return std::move(err);
    } else if (auto head = dyn_cast<LmHeadOp>(op)) {
      // A tied head is the embedding: transformers ties it on load.
      if (model.getTiedEmbeddings())
        continue;
      if (llvm::Error err =
              add(head.getWeight(), mlir::llmq::kHFLmHead, true, 0))
        return std::move(err);
    }
  }
  return named;
}

} // namespace llmq::hf

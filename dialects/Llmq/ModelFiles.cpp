//===- ModelFiles.cpp - The files a model reads ---------------------------===//

#include "dialects/Llmq/ModelFiles.h"

#include "dialects/Llmq/LlmqOps.h"
#include "formats/files/OutputPaths.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mlir::llmq;

/// Attributes that hold a path to a file the model reads, by name.
static constexpr std::pair<llvm::StringLiteral, llvm::StringLiteral>
    NamedFileAttrs[] = {{"imatrix", "the imatrix"},
                        {"gguf_metadata", "the GGUF the model came from"},
                        {"hf_config", "the config the model came from"}};

std::vector<ModelFile> mlir::llmq::collectModelFiles(Operation *root) {
  std::vector<ModelFile> files;
  llvm::StringSet<> seen;
  auto add = [&](StringRef path, StringRef role) {
    if (!path.empty() && seen.insert(path).second)
      files.push_back({path.str(), role.str()});
  };
  root->walk([&](Operation *op) {
    for (NamedAttribute named : op->getAttrs()) {
      for (auto [name, role] : NamedFileAttrs)
        if (named.getName() == name)
          if (auto path = dyn_cast<StringAttr>(named.getValue()))
            add(path.getValue(), role);
      named.getValue().walk([&](Attribute attr) {
        if (auto source = dyn_cast<SourceAttr>(attr))
          add(source.getFile(), "a weight source");
        else if (auto tokenizer = dyn_cast<TokenizerAttr>(attr))
          add(tokenizer.getFile(), "the tokenizer");
      });
    }
  });
  return files;
}

void mlir::llmq::protectModelFiles(Operation *root) {
  for (const ModelFile &file : collectModelFiles(root))
    ::llmq::protectInput(file.path, file.role);
}

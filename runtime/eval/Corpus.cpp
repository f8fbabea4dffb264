//===- Corpus.cpp - Text to token streams ---------------------------------===//

#include "runtime/eval/Corpus.h"

#include "formats/files/GGUFReader.h"
#include "formats/files/OutputPaths.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace llmq;
using namespace llmq::runtime;

llvm::Expected<std::unique_ptr<Tokenizer>>
llmq::runtime::openTokenizer(llvm::StringRef path) {
  if (!path.ends_with(".gguf"))
    return Tokenizer::fromTokenizerJson(path);
  auto file = GGUFFile::open(path);
  if (!file)
    return file.takeError();
  return Tokenizer::fromGGUF(**file);
}

std::vector<int32_t> llmq::runtime::encodeLines(const Tokenizer &tokenizer,
                                                int32_t bos,
                                                llvm::StringRef text) {
  std::vector<int32_t> stream;
  llvm::SmallVector<llvm::StringRef> lines;
  text.split(lines, '\n');
  for (llvm::StringRef line : lines) {
    line.consume_back("\r");
    if (line.empty())
      continue;
    if (bos >= 0)
      stream.push_back(bos);
    std::vector<int32_t> ids =
        tokenizer.encode((line + "\n").str(), /*addBos=*/false);
    stream.insert(stream.end(), ids.begin(), ids.end());
  }
  return stream;
}

llvm::Expected<std::vector<int32_t>>
llmq::runtime::encodeFile(const Tokenizer &tokenizer, int32_t bos,
                          llvm::StringRef path) {
  protectInput(path, "a text the run reads");
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return llvm::createStringError(buffer.getError(), "%s: cannot read: %s",
                                   path.str().c_str(),
                                   buffer.getError().message().c_str());
  return encodeLines(tokenizer, bos, (*buffer)->getBuffer());
}

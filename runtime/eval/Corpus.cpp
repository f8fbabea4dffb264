//===- Corpus.cpp - Text to token streams ---------------------------------===//

#include "runtime/eval/Corpus.h"

#include "formats/files/GGUFReader.h"
#include "runtime/exec/InputFile.h"

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
  auto buffer = readInputFile(path, kTextFileLimit, "text file");
  if (!buffer)
    return buffer.takeError();
  std::vector<int32_t> stream =
      encodeLines(tokenizer, bos, (*buffer)->getBuffer());
  // An empty stream would score nothing: perplexity nan over 0 tokens.
  if (stream.empty())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        path + ": the text has no tokens (it is empty or only blank lines)");
  return stream;
}

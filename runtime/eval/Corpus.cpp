//===- Corpus.cpp - Text to token streams ---------------------------------===//

#include "runtime/eval/Corpus.h"

#include "dialects/Llmq/LlmqOps.h"

#include "formats/files/GGUFReader.h"
#include "formats/files/ReadFile.h"
#include "formats/files/OutputPaths.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Twine.h"

#include <algorithm>

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

llvm::Expected<std::vector<int32_t>>
llmq::runtime::encodeLines(const Tokenizer &tokenizer, int32_t bos,
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
    llvm::Expected<std::vector<int32_t>> ids =
        tokenizer.encode((line + "\n").str(), /*addBos=*/false);
    if (!ids)
      return ids.takeError();
    stream.insert(stream.end(), ids->begin(), ids->end());
  }
  return stream;
}

llvm::Expected<std::vector<int32_t>>
llmq::runtime::encodeFile(const Tokenizer &tokenizer, int32_t bos,
                          llvm::StringRef path) {
  protectInput(path, "a text the run reads");
  // A FIFO, a device or a file over the limit is refused before reading.
  llvm::Expected<std::string> text =
      readSmallFile(path, kMaxTextFileBytes, "text file");
  if (!text)
    return text.takeError();
  llvm::Expected<std::vector<int32_t>> stream =
      encodeLines(tokenizer, bos, *text);
  if (!stream)
    return stream.takeError();
  // An empty stream would score nothing: perplexity nan over 0 tokens.
  if (stream->empty())
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        path + ": the text has no tokens (it is empty or only blank lines)");
  return stream;
}

llvm::Expected<std::vector<int32_t>>
llmq::runtime::calibrationTokens(mlir::llmq::ModelOp model,
                                 llvm::StringRef textFile, int64_t tokens,
                                 int64_t ctx) {
  auto error = [](const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   message.str());
  };
  if (ctx < 1 || ctx > static_cast<int64_t>(model.getContextLength()))
    return error("ctx=" + llvm::Twine(ctx) + " is outside [1, " +
                 llvm::Twine(model.getContextLength()) + "]");
  mlir::llmq::TokenizerAttr tokenizerAttr = model.getTokenizerAttr();
  if (!tokenizerAttr)
    return error("model '" + model.getSymName() +
                 "' has no tokenizer to read the calibration text with");
  auto tokenizer = openTokenizer(tokenizerAttr.getFile());
  if (!tokenizer)
    return tokenizer.takeError();
  auto stream = encodeFile(**tokenizer, tokenizerAttr.getBos(), textFile);
  if (!stream)
    return stream.takeError();
  int64_t usable = std::min<int64_t>(stream->size(), tokens);
  if (usable < ctx)
    return error("'" + textFile + "' holds " + llvm::Twine(stream->size()) +
                 " tokens, fewer than one window of ctx=" + llvm::Twine(ctx));
  stream->resize(usable);
  return std::move(*stream);
}

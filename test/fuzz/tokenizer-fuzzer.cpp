//===- tokenizer-fuzzer.cpp - libFuzzer target for tokenizer.json ---------===//
//
// Loads the fuzzer's input as a Hugging Face tokenizer.json (through a memfd,
// so there is no tokenizer_config.json beside it), then encodes a fixed text
// that touches every path of the encoders (ASCII, spaces, digits, accents,
// CJK, an emoji, control characters, special-token spellings) with and
// without special-token parsing, and decodes the ids. Every id the encoder
// gives must lie in the vocabulary; any crash, hang, leak or sanitizer report
// is a bug in the tokenizer.
//
// Built and run by scripts/fuzz.sh tokenizer.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"
#include "test/fuzz/FuzzUtil.h"

using namespace llmq;
using namespace llmq::fuzz;

static const char kText[] =
    "Hello, world! In the beginning  God created\tthe heaven 1234567.\n"
    "caf\xc3\xa9 na\xc3\xafve \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80 "
    "<s> </s> <unk> <|endoftext|> [PAD] \xe2\x96\x81x \x01\x7f";

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MemFile file(data, size);
  if (!file.ok())
    return 0;
  auto tokenizer = Tokenizer::fromTokenizerJson(file.getPath());
  if (!tokenizer) {
    llvm::consumeError(tokenizer.takeError());
    return 0;
  }
  const Tokenizer &tok = **tokenizer;
  size_t sink = 0;
  for (bool parseSpecial : {false, true}) {
    // A pre-tokenizer regex that hits a PCRE2 limit is an error, not a skip.
    llvm::Expected<std::vector<int32_t>> encoded =
        tok.encode(kText, tok.addBos(), parseSpecial);
    if (!encoded) {
      llvm::consumeError(encoded.takeError());
      continue;
    }
    const std::vector<int32_t> &ids = *encoded;
    for (int32_t id : ids) {
      LLMQ_FUZZ_CHECK(id >= 0 && static_cast<size_t>(id) < tok.vocabSize(),
                      "encode gave an id outside the vocabulary");
      sink += tok.tokenText(id).size() + static_cast<size_t>(tok.tokenType(id));
    }
    sink += tok.decode(ids).size();
  }
  // Ids a model could sample, in and out of the vocabulary.
  int32_t probes[] = {tok.bos(), tok.eos(), tok.unk(), 0, -1,
                      static_cast<int32_t>(tok.vocabSize()),
                      static_cast<int32_t>(tok.vocabSize()) - 1};
  sink += tok.decode(probes).size();
  for (int32_t id : probes)
    sink += tok.tokenText(id).size() + static_cast<size_t>(tok.tokenType(id));
  return sink == 0xdeadbeef; // keeps the work from being optimized away
}

//===- Commands.cpp - quant-run's subcommands -----------------------------===//

#include "tools/quant-run/Commands.h"

#include "tools/quant-run/ModelInput.h"

#include "dialects/Llmq/LlmqOps.h"
#include "formats/files/AtomicOutputFile.h"
#include "formats/files/ReadFile.h"
#include "runtime/artifact/Artifact.h"
#include "runtime/eval/Corpus.h"
#include "runtime/eval/Evaluate.h"
#include "runtime/eval/SelfCalibration.h"
#include "runtime/eval/Speed.h"
#include "runtime/exec/Model.h"
#include "runtime/exec/ThreadPool.h"
#include "runtime/jit/JitEngine.h"
#include "runtime/tokenizer/Tokenizer.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>
#include <thread>

using namespace llmq;
using namespace llmq::runtime;
namespace cl = llvm::cl;

namespace {
cl::SubCommand logitsCommand("logits", "Print the top logits at each position");
cl::SubCommand pplCommand("ppl", "Perplexity over a text file");
cl::SubCommand kldCommand("kld", "KL divergence of OTHER from BASE over a text");
cl::SubCommand generateCommand("generate", "Greedy or sampled generation");
cl::SubCommand compareCommand(
    "compare", "Logits of OTHER against BASE on the first tokens of a text");
cl::SubCommand tokenizeCommand("tokenize",
                               "Token ids of --prompt, or of --text's stream");
cl::SubCommand speedCommand(
    "speed",
    "Prefill and generation tokens/s of BASE and OTHER on the same prompts "
    "and threads, and OTHER's speedup: its rate over BASE's (above 1: OTHER "
    "is faster; a compressed model's speedup over its base, the seed's "
    "1.177x)");
cl::SubCommand calibrationCommand(
    "generate-calibration",
    "Sample calibration passages from the model: a text file (one passage a "
    "line) that every pass's text= reads, and optionally JSONL");

cl::OptionCategory runCategory("quant-run options");

cl::list<std::string> modelPaths(cl::Positional, cl::desc("<model>..."),
                                 cl::sub(logitsCommand), cl::sub(pplCommand),
                                 cl::sub(kldCommand), cl::sub(generateCommand),
                                 cl::sub(tokenizeCommand),
                                 cl::sub(compareCommand),
                                 cl::sub(speedCommand),
                                 cl::sub(calibrationCommand),
    cl::cat(runCategory));
cl::opt<int64_t> threads("threads",
                         cl::desc("Worker threads (default 0: all cores)"),
                         cl::init(0), cl::sub(logitsCommand),
                         cl::sub(pplCommand), cl::sub(kldCommand),
                         cl::sub(generateCommand), cl::sub(compareCommand),
                         cl::sub(speedCommand), cl::sub(calibrationCommand),
    cl::cat(runCategory));
cl::list<int32_t> ids("ids", cl::desc("Token ids"), cl::CommaSeparated,
                      cl::sub(logitsCommand),
    cl::cat(runCategory));
cl::opt<int64_t> top("top", cl::desc("How many logits per position"),
                      cl::init(5), cl::sub(logitsCommand),
    cl::cat(runCategory));

cl::opt<std::string> textFile("text", cl::desc("Text file (one passage a line)"),
                              cl::value_desc("file"), cl::sub(pplCommand),
                              cl::sub(kldCommand), cl::sub(tokenizeCommand),
                              cl::sub(compareCommand),
    cl::cat(runCategory));
cl::opt<int64_t> ctxSize("ctx", cl::desc("Tokens per window"), cl::init(256),
                         cl::sub(pplCommand), cl::sub(kldCommand),
    cl::cat(runCategory));
cl::opt<int64_t> scoreFrom(
    "score-from",
    cl::desc("Score only positions N.. of each window, computing the LM head "
             "only for them (default 0: every position; ctx/2 scores the "
             "second half, as llama-perplexity does)"),
    cl::value_desc("N"), cl::init(0), cl::sub(pplCommand),
    cl::cat(runCategory));
cl::opt<bool> warmup(
    "warmup",
    cl::desc("Before the timed windows, run one token through the model, as "
             "llama-perplexity's warmup decode does, so that the mapped "
             "weights' pages are faulted in outside the tokens/s figure "
             "(default true; --warmup=false times from cold)"),
    cl::init(true), cl::sub(pplCommand), cl::cat(runCategory));
cl::opt<bool> jsonOutput("json", cl::desc("Print one JSON object"),
                         cl::sub(pplCommand), cl::sub(kldCommand),
                         cl::sub(generateCommand),
    cl::cat(runCategory));
cl::opt<std::string> prompt("prompt", cl::desc("Prompt text"),
                            cl::sub(generateCommand), cl::sub(tokenizeCommand),
    cl::cat(runCategory));
cl::opt<int64_t> numTokens("n", cl::desc("Tokens to generate"), cl::init(32),
                           cl::sub(generateCommand),
    cl::cat(runCategory));
cl::opt<float> temperature("temperature",
                           cl::desc("0 (default) is greedy; > 0 samples"),
                           cl::init(0), cl::sub(generateCommand),
    cl::cat(runCategory));
cl::opt<int64_t> topK("top-k", cl::desc("Sample from the K most likely tokens"),
                      cl::init(0), cl::sub(generateCommand),
    cl::cat(runCategory));
cl::opt<uint64_t> seed("seed", cl::desc("Sampling seed"), cl::init(0),
                       cl::sub(generateCommand), cl::sub(calibrationCommand),
    cl::cat(runCategory));
cl::opt<float> topP("top-p",
                    cl::desc("Nucleus sampling: keep the most likely tokens "
                             "whose probabilities add up to P (1: all)"),
                    cl::init(1), cl::sub(generateCommand),
                    cl::cat(runCategory));
cl::opt<bool> ggmlActivations(
    "ggml-activations",
    cl::desc("Round matrix-product activations as llama.cpp's CPU backend "
             "does (q8_K/q8_0/f16 per weight type), to predict llama.cpp on "
             "a quantized GGUF instead of computing exact f32"),
    cl::sub(logitsCommand), cl::sub(pplCommand), cl::sub(kldCommand),
    cl::sub(generateCommand), cl::sub(compareCommand), cl::sub(speedCommand),
    cl::cat(runCategory));
cl::opt<bool> ignoreFormats(
    "ignore-formats",
    cl::desc("Run every weight as its source bytes, ignoring the formats "
             "passes chose (by default a weight with a format is quantized "
             "in memory as its exporter would write it: simulated "
             "quantization)"),
    cl::sub(logitsCommand), cl::sub(pplCommand), cl::sub(kldCommand),
    cl::sub(generateCommand), cl::sub(compareCommand), cl::sub(speedCommand),
    cl::sub(calibrationCommand), cl::cat(runCategory));
enum class Engine { Interpreter, Jit };
cl::opt<Engine> engine(
    "engine",
    cl::desc("How an NPU artifact's graphs run (BASE of compare, kld and "
             "speed always runs on the interpreter, the reference)"),
    cl::values(clEnumValN(Engine::Interpreter, "interp",
                          "the llmq_graph interpreter (default)"),
               clEnumValN(Engine::Jit, "jit",
                          "the lowered graphs compiled by MLIR's "
                          "ExecutionEngine")),
    cl::init(Engine::Interpreter), cl::sub(logitsCommand), cl::sub(pplCommand),
    cl::sub(kldCommand), cl::sub(generateCommand), cl::sub(compareCommand),
    cl::sub(speedCommand), cl::cat(runCategory));
cl::opt<bool> recompute(
    "recompute",
    cl::desc("Run the whole sequence from an empty cache at every step "
             "(greedy decoding by full recomputation, to check KV caching)"),
    cl::sub(generateCommand),
    cl::cat(runCategory));
cl::opt<int64_t> compareTokens("tokens",
                               cl::desc("How many tokens of --text to run"),
                               cl::init(64), cl::sub(compareCommand),
    cl::cat(runCategory));
cl::opt<bool> stopAtEos("stop-at-eos", cl::desc("Stop after the eos token"),
                        cl::sub(generateCommand),
    cl::cat(runCategory));
cl::opt<std::string> parseSpecial(
    "parse-special",
    cl::desc("Read special-token text in --prompt (<|begin_of_text|>) as the "
             "token, as transformers does (default true; false: as plain "
             "text, transformers' split_special_tokens=True)"),
    cl::value_desc("true|false"), cl::init("true"), cl::sub(generateCommand),
    cl::sub(tokenizeCommand), cl::sub(speedCommand), cl::cat(runCategory));

cl::list<std::string>
    speedPrompts("prompt",
                 cl::desc("A prompt (repeatable); each is prefilled, then -n "
                          "tokens are generated greedily"),
                 cl::sub(speedCommand),
    cl::cat(runCategory));
cl::opt<std::string> speedPromptFile(
    "prompts", cl::desc("A file of prompts, one a line (empty lines skipped)"),
    cl::value_desc("file"), cl::sub(speedCommand), cl::sub(calibrationCommand),
    cl::cat(runCategory));
cl::opt<int64_t> speedTokens("n", cl::desc("Tokens to generate per prompt"),
                             cl::init(32), cl::sub(speedCommand),
    cl::cat(runCategory));
cl::opt<int64_t> speedRepeats(
    "repeat",
    cl::desc("Timed runs per model, alternating BASE and OTHER after one "
             "untimed warm-up run each; each rate is the median over the runs"),
    cl::init(5), cl::sub(speedCommand),
    cl::cat(runCategory));
cl::opt<bool> speedJson("json", cl::desc("Print one JSON object"),
                        cl::sub(speedCommand),
    cl::cat(runCategory));

cl::opt<std::string> calibOutput("o", cl::desc("Write the passages here"),
                                 cl::value_desc("file"),
                                 cl::sub(calibrationCommand),
                                 cl::cat(runCategory));
cl::opt<std::string> calibJsonl(
    "jsonl", cl::desc("Also write them as JSONL ({\"text\": ...} a line)"),
    cl::value_desc("file"), cl::sub(calibrationCommand), cl::cat(runCategory));
cl::opt<int64_t> calibPassages("passages", cl::desc("How many passages"),
                               cl::init(64), cl::sub(calibrationCommand),
                               cl::cat(runCategory));
cl::opt<int64_t> calibLength("length",
                             cl::desc("Tokens sampled per passage"),
                             cl::init(128), cl::sub(calibrationCommand),
                             cl::cat(runCategory));
cl::opt<float> calibTemperature("temperature",
                                cl::desc("Sampling temperature (> 0)"),
                                cl::init(1), cl::sub(calibrationCommand),
                                cl::cat(runCategory));
cl::opt<float> calibTopP("top-p",
                         cl::desc("Nucleus sampling: keep the most likely "
                                  "tokens whose probabilities add up to P"),
                         cl::init(0.95f), cl::sub(calibrationCommand),
                         cl::cat(runCategory));
cl::opt<int64_t> calibTopK("top-k",
                           cl::desc("Sample from the K most likely tokens "
                                    "(0: the whole vocabulary)"),
                           cl::init(0), cl::sub(calibrationCommand),
                           cl::cat(runCategory));

/// The most worker threads --threads may ask for.
constexpr int64_t kMaxThreads = 1024;

unsigned threadCount() {
  return threads ? static_cast<unsigned>(threads)
                 : std::max(1u, std::thread::hardware_concurrency());
}

std::string formatFloat(double value) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%g", value);
  return text;
}

llvm::Error optionError(const llvm::Twine &option, const llvm::Twine &what) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 option + ": " + what);
}

/// Refuses option values that mean nothing, before any model is loaded: one
/// line naming the option and the value. Upper bounds that depend on the
/// model (--ctx, -n against its context) are checked where it is known.
llvm::Error checkOptions() {
  if (threads < 0 || threads > kMaxThreads)
    return optionError("--threads", llvm::Twine(threads.getValue()) +
                                        " is outside [0, " +
                                        llvm::Twine(kMaxThreads) +
                                        "] (0: all cores)");
  if (parseSpecial != "true" && parseSpecial != "false")
    return optionError("--parse-special",
                       "'" + parseSpecial + "' is not true or false");
  if (logitsCommand) {
    if (ids.empty())
      return optionError("--ids", "give at least one token id");
    if (top < 1)
      return optionError("--top", llvm::Twine(top.getValue()) +
                                      " is not a positive count");
  }
  if ((pplCommand || kldCommand) && ctxSize < 1)
    return optionError("--ctx", llvm::Twine(ctxSize.getValue()) +
                                    " is not a positive number of tokens");
  if (pplCommand && (scoreFrom < 0 || scoreFrom >= ctxSize))
    return optionError("--score-from",
                       llvm::Twine(scoreFrom.getValue()) +
                           " is outside [0, " +
                           llvm::Twine(ctxSize.getValue()) +
                           ") (--ctx " + llvm::Twine(ctxSize.getValue()) +
                           ")");
  if (compareCommand && compareTokens < 1)
    return optionError("--tokens", llvm::Twine(compareTokens.getValue()) +
                                       " is not a positive number of tokens");
  if (generateCommand) {
    if (numTokens < 1)
      return optionError("-n", llvm::Twine(numTokens.getValue()) +
                                   " is not a positive number of tokens");
    double t = temperature;
    if (!std::isfinite(t) || t < 0) {
      std::string value;
      llvm::raw_string_ostream(value) << llvm::format("%g", t);
      return optionError("--temperature",
                         value + " is not a finite number >= 0 (0: greedy)");
    }
    if (topK < 0)
      return optionError("--top-k", llvm::Twine(topK.getValue()) +
                                        " is negative (0: the whole "
                                        "vocabulary)");
    if (!(topP > 0 && topP <= 1))
      return optionError("--top-p", formatFloat(topP) + " is outside (0, 1]");
  }
  if (calibrationCommand) {
    if (calibOutput.empty())
      return optionError("-o", "give the file to write the passages to");
    if (calibPassages < 1)
      return optionError("--passages", llvm::Twine(calibPassages.getValue()) +
                                           " is not a positive count");
    if (calibLength < 1)
      return optionError("--length", llvm::Twine(calibLength.getValue()) +
                                         " is not a positive number of "
                                         "tokens");
    if (!std::isfinite(calibTemperature.getValue()) || calibTemperature <= 0)
      return optionError("--temperature", formatFloat(calibTemperature) +
                                              " is not a finite number > 0");
    if (!(calibTopP > 0 && calibTopP <= 1))
      return optionError("--top-p",
                         formatFloat(calibTopP) + " is outside (0, 1]");
    if (calibTopK < 0)
      return optionError("--top-k", llvm::Twine(calibTopK.getValue()) +
                                        " is negative (0: the whole "
                                        "vocabulary)");
  }
  if (speedCommand) {
    if (speedTokens < 1)
      return optionError("-n", llvm::Twine(speedTokens.getValue()) +
                                   " is not a positive number of tokens");
    if (speedRepeats < 1)
      return optionError("--repeat", llvm::Twine(speedRepeats.getValue()) +
                                         " is not a positive number of runs");
    if (speedPrompts.empty() && speedPromptFile.empty())
      return optionError("--prompt", "give at least one prompt (or --prompts "
                                     "FILE)");
  }
  return llvm::Error::success();
}

/// --text's windows: the stream must fill at least one window of --ctx
/// tokens for every model (the model's own context bound is checked by the
/// evaluation, with the model named).
llvm::Error checkWindowsOfText(size_t tokens,
                               std::initializer_list<const LanguageModel *> models) {
  for (const LanguageModel *m : models)
    if (ctxSize > m->contextSize())
      return llvm::Error::success();
  if (countWindows(tokens, ctxSize) > 0)
    return llvm::Error::success();
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      textFile + ": " + llvm::Twine(tokens) +
          " tokens make no window of --ctx " + llvm::Twine(ctxSize) +
          " (at least " + llvm::Twine(ctxSize + 2) + " are needed)");
}

struct LoadedModel {
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::unique_ptr<LanguageModel> model;
  std::unique_ptr<Tokenizer> tokenizer; ///< only when asked for
  int32_t bos = -1, eos = -1;
  bool addBos = false;
};

llvm::Expected<LoadedModel> load(llvm::StringRef path,
                                 mlir::MLIRContext &context,
                                 bool needTokenizer = false,
                                 bool reference = false) {
  LoadedModel loaded;
  bool jit = engine == Engine::Jit && !reference;
  llvm::SmallString<256> manifest(path);
  llvm::sys::path::append(manifest, "manifest.json");
  if (llvm::sys::fs::exists(manifest)) {
    if (ggmlActivations)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     path + ": --ggml-activations applies to "
                                            "models, not NPU artifacts");
    if (ignoreFormats)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     path + ": --ignore-formats applies to "
                                            "models, not NPU artifacts (an "
                                            "artifact holds its formats' "
                                            "bytes)");
    auto artifact = Artifact::open(path, context);
    if (!artifact)
      return artifact.takeError();
    if (jit)
      (*artifact)->engine = jit::createJitEngine(**artifact);
    if (needTokenizer) {
      if ((*artifact)->tokenizerFile.empty())
        return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                       path + ": the artifact has no "
                                              "tokenizer");
      auto tokenizer = openTokenizer((*artifact)->tokenizerFile);
      if (!tokenizer)
        return tokenizer.takeError();
      loaded.tokenizer = std::move(*tokenizer);
      loaded.bos = (*artifact)->bos;
      loaded.eos = (*artifact)->eos;
      loaded.addBos = (*artifact)->addBos;
    }
    loaded.model = std::move(*artifact);
    return std::move(loaded);
  }
  if (jit)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   path + ": --engine=jit runs NPU artifacts "
                                          "(a directory with a "
                                          "manifest.json), not models");
  auto module = openModel(path, context);
  if (!module)
    return module.takeError();
  loaded.module = std::move(*module);
  auto op = *loaded.module->getOps<mlir::llmq::ModelOp>().begin();
  if (needTokenizer) {
    mlir::llmq::TokenizerAttr attr = op.getTokenizerAttr();
    if (!attr)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     path + ": model '" + op.getSymName() +
                                         "' has no tokenizer");
    auto tokenizer = openTokenizer(attr.getFile());
    if (!tokenizer)
      return tokenizer.takeError();
    loaded.tokenizer = std::move(*tokenizer);
    loaded.bos = attr.getBos();
    loaded.eos = attr.getEos();
    loaded.addBos = attr.getAddBos().getValue();
  }
  LoadOptions options;
  options.simulateFormats = !ignoreFormats;
  options.threads = threadCount();
  auto model = Model::load(op, options);
  if (!model)
    return model.takeError();
  if (ggmlActivations)
    (*model)->roundActivationsLikeGgml();
  loaded.model = std::move(*model);
  return std::move(loaded);
}

/// Refuses a pair of models whose logits do not compare index by index.
llvm::Error checkSameVocabulary(const LanguageModel &base,
                                const LanguageModel &other) {
  if (base.vocabSize() == other.vocabSize())
    return llvm::Error::success();
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      "models '" + base.modelName() + "' and '" + other.modelName() +
          "' have different vocabularies (" + llvm::Twine(base.vocabSize()) +
          " and " + llvm::Twine(other.vocabSize()) + ")");
}

/// A prompt as the model reads it: its bos where it adds one, then the
/// text's tokens; a prompt that gives no token at all is an error.
llvm::Expected<std::vector<int32_t>> encodePrompt(const LoadedModel &loaded,
                                                  llvm::StringRef text) {
  std::vector<int32_t> ids;
  if (loaded.addBos && loaded.bos >= 0)
    ids.push_back(loaded.bos);
  llvm::Expected<std::vector<int32_t>> encoded =
      loaded.tokenizer->encode(text, false, parseSpecial == "true");
  if (!encoded)
    return encoded.takeError();
  ids.insert(ids.end(), encoded->begin(), encoded->end());
  if (ids.empty())
    return optionError("--prompt", "'" + text +
                                       "' has no tokens and the model adds "
                                       "no bos token: nothing to continue");
  return ids;
}

llvm::Error expectModels(size_t count) {
  if (modelPaths.size() == count)
    return llvm::Error::success();
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "expected %zu model path(s), got %zu", count,
                                 modelPaths.size());
}

llvm::Error runLogits() {
  if (llvm::Error err = expectModels(1))
    return err;
  mlir::MLIRContext context;
  auto loaded = load(modelPaths[0], context);
  if (!loaded)
    return loaded.takeError();
  const LanguageModel &model = *loaded->model;
  ThreadPool pool(threadCount());
  auto session = model.newDecoder(pool, std::max<int64_t>(ids.size(), 1));
  if (!session)
    return session.takeError();
  std::vector<int32_t> tokens(ids.begin(), ids.end());
  std::vector<float> logits;
  if (llvm::Error err = (*session)->forward(tokens, logits, /*allLogits=*/true))
    return err;
  int64_t vocab = model.vocabSize();
  llvm::json::Array topIds, topLogits;
  for (size_t t = 0; t < tokens.size(); ++t) {
    const float *row = logits.data() + t * vocab;
    std::vector<int32_t> order(vocab);
    std::iota(order.begin(), order.end(), 0);
    int64_t k = std::min<int64_t>(top, vocab);
    std::partial_sort(order.begin(), order.begin() + k, order.end(),
                      [&](int32_t a, int32_t b) {
                        return row[a] > row[b] || (row[a] == row[b] && a < b);
                      });
    llvm::json::Array i, l;
    for (int64_t j = 0; j < k; ++j) {
      i.push_back(order[j]);
      // JSON has no infinity: a banned token's -inf logit prints as null.
      if (std::isfinite(row[order[j]]))
        l.push_back(static_cast<double>(row[order[j]]));
      else
        l.push_back(nullptr);
    }
    topIds.push_back(std::move(i));
    topLogits.push_back(std::move(l));
  }
  llvm::json::Object out{{"model", model.modelName()},
                         {"top_ids", std::move(topIds)},
                         {"top_logits", std::move(topLogits)}};
  llvm::outs() << llvm::json::Value(std::move(out)) << "\n";
  return llvm::Error::success();
}
llvm::Expected<std::vector<int32_t>> encodeText(const LoadedModel &model,
                                                llvm::StringRef path) {
  return encodeFile(*model.tokenizer, model.bos, path);
}

llvm::Error needText() {
  if (textFile.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "--text FILE is required");
  return llvm::Error::success();
}

/// One token through a throwaway decoder: every weight is read once, so
/// the first timed window does not pay the page faults of the mapping (the
/// results do not change: perplexity() uses decoders of its own).
llvm::Error warmUp(const LanguageModel &model, ThreadPool &pool,
                   int32_t token) {
  auto decoder = model.newDecoder(pool, 1);
  if (!decoder)
    return decoder.takeError();
  std::vector<float> logits;
  return (*decoder)->forward(llvm::ArrayRef<int32_t>(token), logits,
                             /*allLogits=*/false);
}

llvm::Error runPerplexity() {
  if (llvm::Error err = expectModels(1))
    return err;
  if (llvm::Error err = needText())
    return err;
  mlir::MLIRContext context;
  auto loaded = load(modelPaths[0], context, /*needTokenizer=*/true);
  if (!loaded)
    return loaded.takeError();
  auto stream = encodeText(*loaded, textFile);
  if (!stream)
    return stream.takeError();
  if (llvm::Error err = checkWindowsOfText(stream->size(), {loaded->model.get()}))
    return err;
  ThreadPool pool(threadCount());
  if (warmup)
    if (llvm::Error err = warmUp(*loaded->model, pool, (*stream)[0]))
      return err;
  auto start = std::chrono::steady_clock::now();
  auto result =
      perplexity(*loaded->model, pool, *stream, ctxSize, scoreFrom);
  if (!result)
    return result.takeError();
  double seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  if (jsonOutput) {
    llvm::json::Object out{{"model", loaded->model->modelName()},
                           {"ppl", result->perplexity},
                           {"nll_sum", result->nllSum},
                           {"scored_tokens", result->scored},
                           {"windows", result->windows},
                           {"ctx", ctxSize.getValue()},
                           {"stream_tokens", static_cast<int64_t>(stream->size())},
                           {"seconds", seconds},
                           {"tokens_per_second",
                            result->windows * ctxSize / seconds},
                           {"threads", pool.size()}};
    if (scoreFrom > 0)
      out["score_from"] = scoreFrom.getValue();
    llvm::outs() << llvm::json::Value(std::move(out)) << "\n";
  } else {
    llvm::outs() << llvm::format("perplexity %.6f over %lld tokens in %lld "
                                 "windows of %lld (%.1f tokens/s, %u threads)\n",
                                 result->perplexity, (long long)result->scored,
                                 (long long)result->windows,
                                 (long long)ctxSize.getValue(),
                                 result->windows * ctxSize / seconds,
                                 pool.size());
    if (scoreFrom > 0)
      llvm::outs() << "(positions " << scoreFrom.getValue() << ".."
                   << ctxSize.getValue() - 1 << " of each window scored)\n";
  }
  return llvm::Error::success();
}

/// BASE and OTHER of kld and compare, and --text encoded by BASE's tokenizer.
struct ModelPair {
  LoadedModel base, other;
  std::vector<int32_t> stream;
};

llvm::Expected<ModelPair> loadPair(mlir::MLIRContext &context) {
  if (llvm::Error err = expectModels(2))
    return std::move(err);
  if (llvm::Error err = needText())
    return std::move(err);
  auto base = load(modelPaths[0], context, /*needTokenizer=*/true,
                   /*reference=*/true);
  if (!base)
    return base.takeError();
  auto other = load(modelPaths[1], context);
  if (!other)
    return other.takeError();
  auto stream = encodeText(*base, textFile);
  if (!stream)
    return stream.takeError();
  return ModelPair{std::move(*base), std::move(*other), std::move(*stream)};
}

llvm::Error runDivergence() {
  mlir::MLIRContext context;
  auto pair = loadPair(context);
  if (!pair)
    return pair.takeError();
  LoadedModel *base = &pair->base, *other = &pair->other;
  std::vector<int32_t> *stream = &pair->stream;
  if (llvm::Error err = checkWindowsOfText(
          stream->size(), {base->model.get(), other->model.get()}))
    return err;
  ThreadPool pool(threadCount());
  auto result =
      divergence(*base->model, *other->model, pool, *stream, ctxSize);
  if (!result)
    return result.takeError();
  if (jsonOutput) {
    llvm::json::Object out{{"base", base->model->modelName()},
                           {"other", other->model->modelName()},
                           {"mean_kld", result->meanKLD},
                           {"p99_kld", result->p99KLD},
                           {"max_kld", result->maxKLD},
                           {"top1_agreement", result->top1Agreement},
                           {"base_ppl", result->basePerplexity},
                           {"other_ppl", result->otherPerplexity},
                           {"scored_tokens", result->scored}};
    llvm::outs() << llvm::json::Value(std::move(out)) << "\n";
  } else {
    llvm::outs() << llvm::format(
        "KLD mean %.6g, 99th percentile %.6g, max %.6g; top-1 agreement "
        "%.4f; ppl %.4f -> %.4f over %lld tokens\n",
        result->meanKLD, result->p99KLD, result->maxKLD, result->top1Agreement,
        result->basePerplexity, result->otherPerplexity,
        (long long)result->scored);
  }
  return llvm::Error::success();
}

llvm::Error runGenerate() {
  if (llvm::Error err = expectModels(1))
    return err;
  mlir::MLIRContext context;
  auto loaded = load(modelPaths[0], context, /*needTokenizer=*/true);
  if (!loaded)
    return loaded.takeError();
  llvm::Expected<std::vector<int32_t>> prompted = encodePrompt(*loaded, prompt);
  if (!prompted)
    return prompted.takeError();
  std::vector<int32_t> ids = std::move(*prompted);
  ThreadPool pool(threadCount());
  SamplingOptions options;
  options.temperature = temperature;
  options.topK = topK;
  options.topP = topP;
  options.seed = seed;
  options.stopToken = stopAtEos ? loaded->eos : -1;
  options.recompute = recompute;
  auto out = generate(*loaded->model, pool, ids, numTokens, options);
  if (!out)
    return out.takeError();
  std::string continuation = loaded->tokenizer->decode(*out);
  if (jsonOutput) {
    llvm::json::Array promptIds, newIds;
    for (int32_t id : ids)
      promptIds.push_back(id);
    for (int32_t id : *out)
      newIds.push_back(id);
    llvm::json::Object o{{"prompt_ids", std::move(promptIds)},
                         {"ids", std::move(newIds)},
                         {"text", continuation}};
    llvm::outs() << llvm::json::Value(std::move(o)) << "\n";
  } else {
    llvm::outs() << prompt << continuation << "\n";
  }
  return llvm::Error::success();
}
/// Prints the ids of --text's evaluation stream, or of --prompt (with bos
/// where the model adds it), and whether decoding gives the text back.
llvm::Error runTokenize() {
  if (llvm::Error err = expectModels(1))
    return err;
  mlir::MLIRContext context;
  auto loaded = load(modelPaths[0], context, /*needTokenizer=*/true);
  if (!loaded)
    return loaded.takeError();
  std::vector<int32_t> ids;
  if (!textFile.empty()) {
    auto stream = encodeText(*loaded, textFile);
    if (!stream)
      return stream.takeError();
    ids = std::move(*stream);
  } else {
    if (loaded->addBos && loaded->bos >= 0)
      ids.push_back(loaded->bos);
    llvm::Expected<std::vector<int32_t>> text =
        loaded->tokenizer->encode(prompt, false, parseSpecial == "true");
    if (!text)
      return text.takeError();
    ids.insert(ids.end(), text->begin(), text->end());
  }
  llvm::json::Array array;
  for (int32_t id : ids)
    array.push_back(id);
  llvm::json::Object out{{"count", static_cast<int64_t>(ids.size())},
                         {"ids", std::move(array)}};
  llvm::outs() << llvm::json::Value(std::move(out)) << "\n";
  return llvm::Error::success();
}
/// Runs BASE and OTHER on the first --tokens tokens of --text, every
/// position's logits, and reports how far apart they are: the largest
/// absolute difference, that over the largest |logit| of BASE (the scale
/// a relative tolerance is meant against; per-element ratios blow up near
/// zero), whether they are bit-identical, and top-1 agreement.
llvm::Error runCompare() {
  mlir::MLIRContext context;
  auto pair = loadPair(context);
  if (!pair)
    return pair.takeError();
  LoadedModel *base = &pair->base, *other = &pair->other;
  std::vector<int32_t> *stream = &pair->stream;
  int64_t n = std::min<int64_t>(compareTokens, stream->size());
  llvm::ArrayRef<int32_t> tokens = llvm::ArrayRef(*stream).take_front(n);
  int64_t vocab = base->model->vocabSize();
  if (llvm::Error err = checkSameVocabulary(*base->model, *other->model))
    return err;
  ThreadPool pool(threadCount());
  std::vector<float> a, b;
  for (auto [model, logits] : {std::pair{base->model.get(), &a},
                               std::pair{other->model.get(), &b}}) {
    auto decoder = model->newDecoder(pool, n);
    if (!decoder)
      return decoder.takeError();
    if (llvm::Error err = (*decoder)->forward(tokens, *logits, true))
      return err;
  }
  double maxDiff = 0, scale = 0;
  int64_t agree = 0;
  for (int64_t t = 0; t < n; ++t) {
    const float *x = a.data() + t * vocab, *y = b.data() + t * vocab;
    for (int64_t i = 0; i < vocab; ++i) {
      if (std::isfinite(x[i]))
        scale = std::max(scale, std::fabs(static_cast<double>(x[i])));
      if (std::isfinite(x[i]) || std::isfinite(y[i]))
        maxDiff = std::max(maxDiff, std::fabs(static_cast<double>(x[i]) - y[i]));
    }
    agree += std::max_element(x, x + vocab) - x ==
             std::max_element(y, y + vocab) - y;
  }
  bool identical = std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
  llvm::json::Object out{{"base", base->model->modelName()},
                         {"other", other->model->modelName()},
                         {"tokens", n},
                         {"max_abs_diff", maxDiff},
                         {"max_rel_diff", scale > 0 ? maxDiff / scale : 0.0},
                         {"identical", identical},
                         {"top1_agreement", static_cast<double>(agree) / n}};
  llvm::outs() << llvm::json::Value(std::move(out)) << "\n";
  return llvm::Error::success();
}

/// --prompt's texts, then --prompts FILE's lines.
llvm::Expected<std::vector<std::string>> speedPromptTexts() {
  std::vector<std::string> texts(speedPrompts.begin(), speedPrompts.end());
  if (speedPromptFile.empty())
    return texts;
  auto text = readSmallFile(speedPromptFile, kMaxTextFileBytes, "text file");
  if (!text)
    return text.takeError();
  llvm::SmallVector<llvm::StringRef> lines;
  llvm::StringRef(*text).split(lines, '\n');
  size_t before = texts.size();
  for (llvm::StringRef line : lines)
    if (!line.trim().empty())
      texts.push_back(line.rtrim("\r").str());
  if (texts.size() == before)
    return optionError("--prompts",
                       "'" + speedPromptFile + "' holds no prompt");
  return texts;
}

/// Times BASE and OTHER on the same prompts (tokenized by BASE) and threads:
/// --repeat runs each, alternating so that a change in the machine's load
/// falls on both, and reports the median rates and OTHER's over BASE's.
llvm::Error runSpeed() {
  if (llvm::Error err = expectModels(2))
    return err;
  auto texts = speedPromptTexts();
  if (!texts)
    return texts.takeError();
  mlir::MLIRContext context;
  auto base = load(modelPaths[0], context, /*needTokenizer=*/true,
                   /*reference=*/true);
  if (!base)
    return base.takeError();
  auto other = load(modelPaths[1], context);
  if (!other)
    return other.takeError();
  const LanguageModel *models[] = {base->model.get(), other->model.get()};
  if (llvm::Error err = checkSameVocabulary(*models[0], *models[1]))
    return err;
  std::vector<std::vector<int32_t>> prompts;
  for (const std::string &text : *texts) {
    llvm::Expected<std::vector<int32_t>> encoded = encodePrompt(*base, text);
    if (!encoded)
      return encoded.takeError();
    std::vector<int32_t> ids = std::move(*encoded);
    for (const LanguageModel *model : models)
      if (static_cast<int64_t>(ids.size()) + speedTokens > model->contextSize())
        return optionError(
            "-n", "prompt '" + text + "' (" + llvm::Twine(ids.size()) +
                      " tokens) and " + llvm::Twine(speedTokens.getValue()) +
                      " generated tokens exceed model '" + model->modelName() +
                      "''s context of " + llvm::Twine(model->contextSize()));
    prompts.push_back(std::move(ids));
  }
  ThreadPool pool(threadCount());
  std::vector<double> prefill[2], generation[2];
  SpeedResult last[2];
  // One untimed run each first: weights are mapped, and the first touch of
  // their pages (and of the caches' memory) is not what is being compared.
  for (const LanguageModel *model : models)
    if (auto warmUp = measureSpeed(*model, pool, prompts, speedTokens); !warmUp)
      return warmUp.takeError();
  for (int64_t run = 0; run < speedRepeats; ++run)
    for (int m = 0; m < 2; ++m) {
      auto result = measureSpeed(*models[m], pool, prompts, speedTokens);
      if (!result)
        return result.takeError();
      prefill[m].push_back(result->prefillTokensPerSecond());
      generation[m].push_back(result->generationTokensPerSecond());
      last[m] = *result;
    }
  double prefillRate[2], generationRate[2];
  for (int m = 0; m < 2; ++m) {
    prefillRate[m] = median(prefill[m]);
    generationRate[m] = median(generation[m]);
  }
  auto ratio = [](double other, double base) {
    return base > 0 ? other / base : 0.0;
  };
  double generationSpeedup = ratio(generationRate[1], generationRate[0]);
  double prefillSpeedup = ratio(prefillRate[1], prefillRate[0]);
  if (speedJson) {
    auto rates = [&](int m) {
      return llvm::json::Object{
          {"model", models[m]->modelName()},
          {"path", modelPaths[m]},
          {"prefill_tokens_per_second", prefillRate[m]},
          {"generation_tokens_per_second", generationRate[m]}};
    };
    llvm::json::Object out{{"base", rates(0)},
                           {"other", rates(1)},
                           {"generation_speedup", generationSpeedup},
                           {"prefill_speedup", prefillSpeedup},
                           {"prompts", static_cast<int64_t>(prompts.size())},
                           {"prefill_tokens", last[0].prefillTokens},
                           {"generated_tokens", last[0].generatedTokens},
                           {"repeat", speedRepeats.getValue()},
                           {"threads", pool.size()}};
    llvm::outs() << llvm::json::Value(std::move(out)) << "\n";
    return llvm::Error::success();
  }
  const char *roles[] = {"base ", "other"};
  for (int m = 0; m < 2; ++m)
    llvm::outs() << roles[m] << " '" << models[m]->modelName() << "': "
                 << llvm::format("prefill %.1f tokens/s, generation %.1f "
                                 "tokens/s\n",
                                 prefillRate[m], generationRate[m]);
  llvm::outs() << llvm::format(
      "speedup (other/base): generation %.3fx, prefill %.3fx (median of %lld "
      "runs; %lld prompt tokens and %lld generated in %zu prompts a run; %u "
      "threads)\n",
      generationSpeedup, prefillSpeedup, (long long)speedRepeats.getValue(),
      (long long)last[0].prefillTokens, (long long)last[0].generatedTokens,
      prompts.size(), pool.size());
  return llvm::Error::success();
}
} // namespace

llvm::cl::OptionCategory &llmq::commandCategory() { return runCategory; }

/// Samples --passages passages of --length tokens and writes them (atomically)
/// to -o, and to --jsonl when given.
llvm::Error runGenerateCalibration() {
  if (llvm::Error err = expectModels(1))
    return err;
  mlir::MLIRContext context;
  auto loaded = load(modelPaths[0], context, /*needTokenizer=*/true);
  if (!loaded)
    return loaded.takeError();
  SelfCalibrationOptions options;
  options.passages = calibPassages;
  options.length = calibLength;
  options.seed = seed;
  options.temperature = calibTemperature;
  options.topP = calibTopP;
  options.topK = calibTopK;
  if (!speedPromptFile.empty()) {
    auto prompts = speedPromptTexts();
    if (!prompts)
      return prompts.takeError();
    options.prompts = std::move(*prompts);
  }
  ThreadPool pool(threadCount());
  auto passages = generateCalibration(
      *loaded->model, pool, *loaded->tokenizer,
      loaded->addBos ? loaded->bos : -1, loaded->eos, options);
  if (!passages)
    return passages.takeError();
  auto text = AtomicOutputFile::create(calibOutput);
  if (!text)
    return text.takeError();
  writeCalibrationText(*passages, (*text)->os());
  std::unique_ptr<AtomicOutputFile> jsonl;
  if (!calibJsonl.empty()) {
    auto file = AtomicOutputFile::create(calibJsonl);
    if (!file)
      return file.takeError();
    jsonl = std::move(*file);
    writeCalibrationJsonl(*passages, jsonl->os());
  }
  if (llvm::Error err = (*text)->commit())
    return err;
  if (jsonl)
    if (llvm::Error err = jsonl->commit())
      return err;
  llvm::errs() << "wrote " << passages->size() << " passages of up to "
               << calibLength << " sampled tokens to " << calibOutput << "\n";
  return llvm::Error::success();
}

llvm::Error llmq::runSelectedCommand() {
  if (llvm::Error err = checkOptions())
    return err;
  if (compareCommand)
    return runCompare();
  if (tokenizeCommand)
    return runTokenize();
  if (logitsCommand)
    return runLogits();
  if (pplCommand)
    return runPerplexity();
  if (kldCommand)
    return runDivergence();
  if (generateCommand)
    return runGenerate();
  if (speedCommand)
    return runSpeed();
  if (calibrationCommand)
    return runGenerateCalibration();
  return llvm::createStringError(
      llvm::inconvertibleErrorCode(),
      "choose a subcommand: logits, ppl, kld, "
      "generate, compare, tokenize, speed, generate-calibration (see "
      "--help)");
}

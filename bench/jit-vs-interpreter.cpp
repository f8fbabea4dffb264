//===- jit-vs-interpreter.cpp - The JIT engine against the interpreter ----===//
//
// Issue 17, acceptance 3. For each NPU artifact given (exported with
// --graph-dialect=linalg, e.g. kjv-llama-5m at several (tp, pp)), both
// engines in this one process, back to back, on the same tokens:
//   - compile: the JIT's first prefill and decode calls, split into MLIR's
//     pipeline (bufferization to the LLVM dialect) and LLVM (-O2 and code
//     generation); the interpreter has nothing to compile;
//   - ppl: --windows windows of --ctx tokens through the prefill bucket
//     (tokens/s);
//   - generate: a 4-token prompt, then --n greedy tokens through decode
//     buckets (tokens/s);
//   - where the JIT's time goes: inside the compiled graphs (all ranks of a
//     stage in parallel, wall), inside collectives (rank 0's time in
//     all_reduce / all_gather, waits included), and the rest (the session:
//     ports, caches, threads);
// wall seconds and the process's CPU seconds (getrusage) for each, since a
// shared machine's wall times are noisy; the tokens are a fixed
// pseudo-random stream, so no tokenizer is involved.
//
//   jit-vs-interpreter ARTIFACT... [--ctx 64] [--windows 16] [--n 64]
//
//===----------------------------------------------------------------------===//

#include "runtime/artifact/Artifact.h"
#include "runtime/eval/Evaluate.h"
#include "runtime/exec/ThreadPool.h"
#include "runtime/jit/JitEngine.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <sys/resource.h>

using namespace llmq;
using namespace llmq::runtime;

namespace {

struct Clock {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  double cpu = cpuNow();
  static double cpuNow() {
    rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec +
           1e-6 * (u.ru_utime.tv_usec + u.ru_stime.tv_usec);
  }
  std::pair<double, double> lap() const {
    return {std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                          wall)
                .count(),
            cpuNow() - cpu};
  }
};

struct Figures {
  double compileWall = 0, compileCpu = 0;
  double pplWall = 0, pplCpu = 0, genWall = 0, genCpu = 0;
  int64_t pplTokens = 0, genTokens = 0;
  double ppl = 0;
  std::vector<int32_t> generated;
  jit::JitTimings compileTimings, timings;
};

int fail(llvm::Error err) {
  llvm::errs() << "error: " << llvm::toString(std::move(err)) << "\n";
  return 1;
}

llvm::Expected<Figures> measure(llvm::StringRef path, bool useJit,
                                int64_t ctx, int64_t windows, int64_t n) {
  mlir::MLIRContext context;
  auto artifact = Artifact::open(path, context);
  if (!artifact)
    return artifact.takeError();
  Artifact &a = **artifact;
  if (useJit)
    a.engine = jit::createJitEngine(a);
  ThreadPool pool(1);
  Figures f;
  std::vector<int32_t> stream;
  uint64_t state = 12345;
  for (int64_t i = 0; i < ctx * windows + 1; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    stream.push_back(static_cast<int32_t>((state >> 33) % a.vocab));
  }
  int64_t prompt = 4;
  auto decoder = a.newDecoder(pool, prompt + n);
  if (!decoder)
    return decoder.takeError();
  std::vector<float> logits;
  // Compilation (JIT): the first prompt and the first decoded token.
  {
    Clock clock;
    if (llvm::Error err = (*decoder)->forward(
            llvm::ArrayRef<int32_t>(stream).take_front(prompt), logits,
            false))
      return std::move(err);
    if (llvm::Error err = (*decoder)->forward({stream[prompt]}, logits, false))
      return std::move(err);
    std::tie(f.compileWall, f.compileCpu) = clock.lap();
    if (useJit)
      f.compileTimings = jit::jitTimings(*a.engine);
    (*decoder)->reset();
  }
  {
    Clock clock;
    auto result = perplexity(a, pool, stream, ctx);
    if (!result)
      return result.takeError();
    std::tie(f.pplWall, f.pplCpu) = clock.lap();
    f.pplTokens = result->scored;
    f.ppl = result->perplexity;
  }
  jit::JitTimings afterPpl;
  if (useJit)
    afterPpl = jit::jitTimings(*a.engine);
  {
    Clock clock;
    if (llvm::Error err = (*decoder)->forward(
            llvm::ArrayRef<int32_t>(stream).take_front(prompt), logits,
            false))
      return std::move(err);
    for (int64_t i = 0; i < n; ++i) {
      int32_t best = static_cast<int32_t>(
          std::max_element(logits.begin(), logits.end()) - logits.begin());
      f.generated.push_back(best);
      if (llvm::Error err = (*decoder)->forward({best}, logits, false))
        return std::move(err);
    }
    std::tie(f.genWall, f.genCpu) = clock.lap();
    f.genTokens = n;
  }
  if (useJit) {
    jit::JitTimings end = jit::jitTimings(*a.engine);
    f.timings = end;
    f.timings.runSeconds -= f.compileTimings.runSeconds;
    f.timings.collectiveSeconds -= f.compileTimings.collectiveSeconds;
    (void)afterPpl;
  }
  return f;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> artifacts;
  int64_t ctx = 64, windows = 16, n = 64;
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg(argv[i]);
    auto next = [&]() -> int64_t {
      return i + 1 < argc ? std::atoll(argv[++i]) : 0;
    };
    if (arg == "--ctx")
      ctx = next();
    else if (arg == "--windows")
      windows = next();
    else if (arg == "--n")
      n = next();
    else if (arg.starts_with("-")) {
      llvm::errs() << "usage: jit-vs-interpreter ARTIFACT... [--ctx N] "
                      "[--windows N] [--n N]\n";
      return 2;
    } else
      artifacts.push_back(arg.str());
  }
  if (artifacts.empty() || ctx < 2 || windows < 1 || n < 1) {
    llvm::errs() << "usage: jit-vs-interpreter ARTIFACT... [--ctx N] "
                    "[--windows N] [--n N]\n";
    return 2;
  }
  llvm::outs() << "jit-vs-interpreter: ppl over " << windows
               << " windows of " << ctx << " tokens, generate " << n
               << " greedy tokens after 4; both engines in this process, "
                  "interpreter first; wall s (cpu s)\n";
  for (const std::string &path : artifacts) {
    auto interp = measure(path, false, ctx, windows, n);
    if (!interp)
      return fail(interp.takeError());
    auto jitted = measure(path, true, ctx, windows, n);
    if (!jitted)
      return fail(jitted.takeError());
    const Figures &i = *interp, &j = *jitted;
    auto rate = [](int64_t tokens, double s) { return s > 0 ? tokens / s : 0; };
    llvm::outs() << "\n" << path << "\n";
    llvm::outs() << llvm::format(
        "  compile (first prefill + decode): jit %.2f s (%.2f cpu): MLIR "
        "pipeline %.2f s, LLVM %.2f s, %lld graphs\n",
        j.compileWall, j.compileCpu, j.compileTimings.pipelineSeconds,
        j.compileTimings.llvmSeconds,
        (long long)j.compileTimings.graphsCompiled);
    llvm::outs() << llvm::format(
        "  ppl:      interp %8.1f tok/s (%.2f s, %.2f cpu)  jit %8.1f tok/s "
        "(%.2f s, %.2f cpu)  jit/interp %.3fx wall, %.3fx cpu; ppl %.6f vs "
        "%.6f\n",
        rate(i.pplTokens, i.pplWall), i.pplWall, i.pplCpu,
        rate(j.pplTokens, j.pplWall), j.pplWall, j.pplCpu,
        i.pplWall / j.pplWall, i.pplCpu / j.pplCpu, i.ppl, j.ppl);
    llvm::outs() << llvm::format(
        "  generate: interp %8.1f tok/s (%.2f s, %.2f cpu)  jit %8.1f tok/s "
        "(%.2f s, %.2f cpu)  jit/interp %.3fx wall, %.3fx cpu; tokens %s\n",
        rate(i.genTokens, i.genWall), i.genWall, i.genCpu,
        rate(j.genTokens, j.genWall), j.genWall, j.genCpu,
        i.genWall / j.genWall, i.genCpu / j.genCpu,
        i.generated == j.generated ? "identical" : "DIFFER");
    double total = j.pplWall + j.genWall;
    double inGraphs = j.timings.runSeconds, collectives =
                                                j.timings.collectiveSeconds;
    llvm::outs() << llvm::format(
        "  jit time after compile (ppl + generate, %.2f s wall): in compiled "
        "graphs %.2f s (%.0f%%; of which collectives %.2f s), session and "
        "ports %.2f s (%.0f%%), %lld graph calls\n",
        total, inGraphs, 100 * inGraphs / total, collectives,
        total - inGraphs, 100 * (total - inGraphs) / total,
        (long long)(j.timings.calls - j.compileTimings.calls));
  }
  return 0;
}

//===- gptq-1b.cpp - GPTQ's time and memory at Llama-3.2-1B's size --------===//
//
// Issue 15, acceptance 5: `--llmq-gptq` on the synthetic 16-block
// Llama-3.2-1B-dimension checkpoint (hidden 2048, 32 heads, 8 KV heads,
// FFN 8192, vocabulary 128256, tied embeddings; values like a trained
// model's and a byte-level tokenizer: bench/SyntheticCheckpoint.h) in
// int4 g128 (or --type T), 2 threads, must take under 20 minutes with a
// peak memory under 4 GiB beyond the mapped weights, and write the same
// bytes at 1 and 2 threads.
//
// Every tool is a child process. For the GPTQ run it prints the wall
// time, the CPU time (user + system: what the run costs on a loaded
// machine), the peak resident memory (wait4's ru_maxrss, mapped file pages
// included), and the peak of the anonymous resident memory (RssAnon in
// /proc/PID/status, sampled every 50 ms: the memory beyond the mapped
// files). The thread comparison runs GPTQ at 1 and 2 threads on a
// checkpoint of --compare-layers blocks (default 2: the same shapes, so
// the same code paths, in less time) and compares the parameter files
// byte for byte.
//
//   gptq-1b [--tools DIR] [--work DIR] [--keep] [--layers 16]
//           [--compare-layers 2] [--tokens 4096] [--type int4_g128]
//           [--text FILE (default $LLMQ_SHARED/data/kjv-calib.txt)]
//           [--options "extra gptq options"]
//
//===----------------------------------------------------------------------===//

#include "SyntheticCheckpoint.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

using namespace bench;

namespace {
struct Measured {
  bool ok = false;
  double wall = 0, cpu = 0;
  long peakKiB = 0, peakAnonKiB = 0;
};
} // namespace

/// RssAnon of `pid` in KiB, or -1.
static long rssAnonKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("RssAnon:", 0) == 0)
      return std::atol(line.c_str() + 8);
  return -1;
}

/// Runs argv, its output to `log`, sampling its anonymous memory.
static Measured run(const std::vector<std::string> &args,
                    const std::string &log) {
  Measured m;
  timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  pid_t pid = fork();
  if (pid == 0) {
    FILE *f = fopen(log.c_str(), "wb");
    if (!f || dup2(fileno(f), 1) < 0 || dup2(fileno(f), 2) < 0)
      _exit(126);
    std::vector<char *> argv;
    for (const std::string &a : args)
      argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  struct rusage usage;
  for (;;) {
    pid_t done = wait4(pid, &status, WNOHANG, &usage);
    if (done == pid)
      break;
    if (done < 0)
      return m;
    m.peakAnonKiB = std::max(m.peakAnonKiB, rssAnonKiB(pid));
    usleep(50000);
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  m.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  m.wall = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) * 1e-9;
  m.cpu = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec * 1e-6 +
          usage.ru_stime.tv_sec + usage.ru_stime.tv_usec * 1e-6;
  m.peakKiB = usage.ru_maxrss;
  return m;
}

static bool sameFiles(const std::string &a, const std::string &b) {
  std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
  if (!fa || !fb)
    return false;
  std::istreambuf_iterator<char> ea, eb;
  return std::equal(std::istreambuf_iterator<char>(fa), ea,
                    std::istreambuf_iterator<char>(fb), eb);
}

static uint64_t fileBytes(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? uint64_t(st.st_size) : 0;
}

/// Writes a checkpoint of `layers` blocks into WORK/NAME, imports and plans
/// it; returns the planned IR's path or "".
static std::string prepare(const BenchOptions &o, const std::string &name,
                           int64_t layers, const std::string &type) {
  BenchOptions sub = o;
  sub.work = o.work + "/" + name;
  Shape shape = llama32_1BShape(layers);
  shape.tied = true; // as Llama-3.2-1B
  std::string dir = writeBenchCheckpoint(sub, shape, "gptq-1b",
                                         "Llama-3.2-1B dimensions, tied, ");
  if (dir.empty() || !fillRealisticValues(dir, shape))
    return "";
  std::string m = sub.work + "/m.mlir", plan = sub.work + "/plan.mlir";
  if (!run({o.tools + "/quant-translate", "--import-hf", dir, "-o", m},
           sub.work + "/import.log")
           .ok ||
      !run({o.tools + "/quant-opt", m, "--llmq-assign-bits=type=" + type, "-o",
            plan},
           sub.work + "/assign.log")
           .ok) {
    fprintf(stderr, "gptq-1b: import or assign-bits failed (logs in %s)\n",
            sub.work.c_str());
    return "";
  }
  return plan;
}

static Measured gptq(const BenchOptions &o, const std::string &plan,
                     const std::string &text, const std::string &tokens,
                     int threads, const std::string &out,
                     const std::string &extra) {
  std::string options = "text=" + text + " tokens=" + tokens +
                        " threads=" + std::to_string(threads) + " out=" + out;
  if (!extra.empty())
    options += " " + extra;
  return run({o.tools + "/quant-opt", plan, "--llmq-gptq=" + options,
              "--mlir-pass-statistics", "-o", out + ".mlir"},
             out + ".log");
}

int main(int argc, char **argv) {
  BenchOptions o = parseBenchOptions(argc, argv, "/tmp/llmq-bench-gptq-1b");
  const char *sharedEnv = getenv("LLMQ_SHARED");
  std::string shared = sharedEnv ? sharedEnv : "/work/shared";
  std::string text = o.get("text", shared + "/data/kjv-calib.txt");
  std::string tokens = o.get("tokens", "4096");
  std::string type = o.get("type", "int4_g128");
  std::string extra = o.get("options", "");
  int64_t layers = std::atoll(o.get("layers", "16").c_str());
  int64_t compareLayers = std::atoll(o.get("compare-layers", "2").c_str());
  mkdir(o.work.c_str(), 0755);
  printf("gptq-1b: --llmq-gptq type=%s tokens=%s of %s%s%s\n", type.c_str(),
         tokens.c_str(), text.c_str(), extra.empty() ? "" : ", ",
         extra.c_str());

  int failures = 0;
  if (layers > 0) {
    std::string plan = prepare(o, "full", layers, type);
    if (plan.empty())
      return 1;
    uint64_t mapped = fileBytes(o.work + "/full/ckpt/model.safetensors");
    std::string out = o.work + "/full/gptq.safetensors";
    Measured m = gptq(o, plan, text, tokens, 2, out, extra);
    if (!m.ok) {
      fprintf(stderr, "gptq-1b: --llmq-gptq failed (log %s.log)\n",
              out.c_str());
      return 1;
    }
    double gib = 1024.0 * 1024.0;
    double beyond = double(m.peakKiB) / gib - double(mapped) / (gib * 1024);
    printf("GPTQ, %lld blocks, 2 threads: wall %.1f s (target < 1200 s: %s), "
           "CPU %.1f s\n",
           (long long)layers, m.wall, m.wall < 1200 ? "yes" : "no", m.cpu);
    printf("  peak RSS %.2f GiB, mapped checkpoint %.2f GiB: %.2f GiB beyond "
           "it at most; peak anonymous RSS (sampled) %.2f GiB (target "
           "< 4 GiB: %s)\n",
           double(m.peakKiB) / gib, double(mapped) / (gib * 1024), beyond,
           double(m.peakAnonKiB) / gib,
           double(m.peakAnonKiB) / gib < 4 ? "yes" : "no");
    failures += m.wall >= 1200 || double(m.peakAnonKiB) / gib >= 4;
  }
  if (compareLayers > 0) {
    std::string plan = prepare(o, "compare", compareLayers, type);
    if (plan.empty())
      return 1;
    std::string out1 = o.work + "/compare/t1.safetensors",
                out2 = o.work + "/compare/t2.safetensors";
    Measured m1 = gptq(o, plan, text, tokens, 1, out1, extra);
    Measured m2 = gptq(o, plan, text, tokens, 2, out2, extra);
    if (!m1.ok || !m2.ok) {
      fprintf(stderr, "gptq-1b: --llmq-gptq failed (logs %s.log, %s.log)\n",
              out1.c_str(), out2.c_str());
      return 1;
    }
    bool same = sameFiles(out1, out2);
    printf("threads, %lld blocks: 1 thread %.1f s wall (%.1f s CPU), 2 "
           "threads %.1f s wall (%.1f s CPU); parameter files (%.1f MiB) "
           "identical: %s\n",
           (long long)compareLayers, m1.wall, m1.cpu, m2.wall, m2.cpu,
           double(fileBytes(out1)) / (1024.0 * 1024.0), same ? "yes" : "no");
    failures += !same;
  }
  if (!o.keep)
    std::system(("rm -rf '" + o.work + "'").c_str());
  return failures ? 1 : 0;
}

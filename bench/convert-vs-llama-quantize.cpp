//===- convert-vs-llama-quantize.cpp - f16 -> Q4_K_M against llama.cpp ----===//
//
// Issue 14, acceptance 5. Writes a synthetic Llama-3.2-1B-shaped checkpoint
// (bf16, signed N(0, 0.02)-like values with a few outliers: see
// fillRealisticValues), converts it to an f16 GGUF with llmq, and then times
// the same conversion both ways, each as child processes at --threads:
//
//   llama.cpp: llama-quantize [--imatrix I] m-f16.gguf out.gguf Q4_K_M T
//   llmq:      quant-translate --import-gguf m-f16.gguf -o g.mlir
//              quant-opt g.mlir [--llmq-imatrix=in=I]
//                        --llmq-assign-bits=preset=q4_k_m -o q.mlir
//              quant-translate --export-gguf q.mlir --threads T -o out.gguf
//
// without an imatrix and with one that llama-imatrix computes on the f16
// model over --text (both tools read the same file). For each run it prints
// wall times, peak RSS (wait4's ru_maxrss, the largest of llmq's three
// steps), the speed ratio, and whether every tensor of the two outputs has
// the same ggml type and the same bytes.
//
//   convert-vs-llama-quantize [--layers 16] [--threads 2] [--repeat 1]
//       [--imatrix-chunks 8] [--text FILE] [--llama-tools DIR]
//       [--tools DIR] [--work DIR] [--keep]
//
// --llama-tools defaults to the directory named in build/llama-tools.path
// (the cache scripts/llama-cpp-tools.sh builds), --text to the repository's
// test/runtime/Inputs/english-text.txt. With --repeat N each tool runs N
// times and the fastest run counts (the machine may be shared).
//
//===----------------------------------------------------------------------===//

#include "SyntheticCheckpoint.h"

#include <fcntl.h>
#include <functional>
#include <sys/mman.h>

using namespace bench;

namespace {

/// One tensor of a GGUF file: ggml type and its data.
struct GGUFTensor {
  uint32_t type = 0;
  const uint8_t *data = nullptr;
  uint64_t bytes = 0;
};

/// A read-only mapping of a GGUF file and its tensors by name. Only what
/// the comparison needs; the files are our own tools' outputs.
struct GGUFFile {
  std::map<std::string, GGUFTensor> tensors;
  std::string error;
  void *map = nullptr;
  size_t size = 0;

  ~GGUFFile() {
    if (map)
      munmap(map, size);
  }

  bool open(const std::string &path) {
    int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0)
      return fail(path + ": cannot open");
    struct stat st;
    fstat(fd, &st);
    size = st.st_size;
    map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) {
      map = nullptr;
      return fail(path + ": cannot map");
    }
    const uint8_t *d = static_cast<const uint8_t *>(map);
    uint64_t p = 0;
    bool ok = true;
    auto take = [&](uint64_t n) -> const uint8_t * {
      if (!ok || n > size - p) {
        ok = false;
        return nullptr;
      }
      const uint8_t *at = d + p;
      p += n;
      return at;
    };
    auto u32 = [&] {
      uint32_t v = 0;
      if (const uint8_t *at = take(4))
        memcpy(&v, at, 4);
      return v;
    };
    auto u64 = [&] {
      uint64_t v = 0;
      if (const uint8_t *at = take(8))
        memcpy(&v, at, 8);
      return v;
    };
    auto str = [&] {
      uint64_t n = u64();
      const uint8_t *at = take(n);
      return at ? std::string(reinterpret_cast<const char *>(at), n)
                : std::string();
    };
    // Fixed sizes of the GGUF value types; 8 is a string, 9 an array.
    static const int fixed[13] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    std::function<void(uint32_t)> skip = [&](uint32_t t) {
      if (t == 8) {
        str();
      } else if (t == 9) {
        uint32_t et = u32();
        uint64_t n = u64();
        for (uint64_t i = 0; ok && i < n; ++i)
          skip(et);
      } else if (t < 13 && fixed[t]) {
        take(fixed[t]);
      } else {
        ok = false;
      }
    };
    if (size < 4 || memcmp(d, "GGUF", 4))
      return fail(path + ": not a GGUF file");
    p = 4;
    u32();
    uint64_t numTensors = u64(), numKeys = u64();
    uint64_t alignment = 32;
    for (uint64_t i = 0; ok && i < numKeys; ++i) {
      std::string key = str();
      uint32_t t = u32();
      if (key == "general.alignment" && t == 4)
        alignment = u32();
      else
        skip(t);
    }
    struct Info {
      std::string name;
      uint64_t elems;
      uint32_t type;
      uint64_t offset;
    };
    std::vector<Info> infos;
    for (uint64_t i = 0; ok && i < numTensors; ++i) {
      Info info;
      info.name = str();
      uint32_t dims = u32();
      info.elems = 1;
      for (uint32_t k = 0; ok && k < dims; ++k)
        info.elems *= u64();
      info.type = u32();
      info.offset = u64();
      infos.push_back(info);
    }
    if (!ok)
      return fail(path + ": truncated header");
    uint64_t start = (p + alignment - 1) / alignment * alignment;
    for (const Info &info : infos) {
      // (block elements, block bytes) of the types Q4_K_M files hold.
      uint64_t be = 0, bb = 0;
      switch (info.type) {
      case 0: be = 1, bb = 4; break;      // f32
      case 1: case 30: be = 1, bb = 2; break; // f16, bf16
      case 2: case 20: be = 32, bb = 18; break; // q4_0, iq4_nl
      case 3: be = 32, bb = 20; break;    // q4_1
      case 6: be = 32, bb = 22; break;    // q5_0
      case 7: be = 32, bb = 24; break;    // q5_1
      case 8: be = 32, bb = 34; break;    // q8_0
      case 10: be = 256, bb = 84; break;  // q2_K
      case 11: be = 256, bb = 110; break; // q3_K
      case 12: be = 256, bb = 144; break; // q4_K
      case 13: be = 256, bb = 176; break; // q5_K
      case 14: be = 256, bb = 210; break; // q6_K
      default:
        return fail(path + ": tensor '" + info.name + "' has ggml type " +
                    std::to_string(info.type) + ", unknown to this bench");
      }
      GGUFTensor t;
      t.type = info.type;
      t.bytes = info.elems / be * bb;
      if (start + info.offset > size || t.bytes > size - start - info.offset)
        return fail(path + ": tensor '" + info.name + "' runs past the end");
      t.data = d + start + info.offset;
      tensors[info.name] = t;
    }
    return true;
  }

  bool fail(const std::string &message) {
    error = message;
    return false;
  }
};

/// "yes", or "no" with the first differing tensors named.
std::string compareTensors(const std::string &a, const std::string &b,
                           size_t *count) {
  GGUFFile fa, fb;
  if (!fa.open(a))
    return "no (" + fa.error + ")";
  if (!fb.open(b))
    return "no (" + fb.error + ")";
  *count = fa.tensors.size();
  std::string differ;
  int numDiffer = 0;
  for (const auto &[name, ta] : fa.tensors) {
    auto it = fb.tensors.find(name);
    bool same = it != fb.tensors.end() && it->second.type == ta.type &&
                it->second.bytes == ta.bytes &&
                memcmp(it->second.data, ta.data, ta.bytes) == 0;
    if (!same && numDiffer++ < 4)
      differ += (differ.empty() ? "" : ", ") + name;
  }
  if (fb.tensors.size() != fa.tensors.size() && numDiffer == 0)
    return "no (" + std::to_string(fb.tensors.size()) + " tensors against " +
           std::to_string(fa.tensors.size()) + ")";
  if (numDiffer)
    return "no (" + std::to_string(numDiffer) + " tensors differ: " + differ +
           (numDiffer > 4 ? ", ..." : "") + ")";
  return "yes";
}

/// runMeasured plus the child's CPU time (user + system, wait4's rusage):
/// on a shared machine wall-clock time depends on the other load, CPU time
/// much less. Returns the peak RSS in KiB, or -1 if it failed.
long runMeasuredCpu(const std::vector<std::string> &args, double &seconds,
                    double &cpuSeconds) {
  timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char *> argv;
    for (const std::string &a : args)
      argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  struct rusage usage;
  if (wait4(pid, &status, 0, &usage) < 0 || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0)
    return -1;
  clock_gettime(CLOCK_MONOTONIC, &end);
  seconds = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) * 1e-9;
  cpuSeconds = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec * 1e-6 +
               usage.ru_stime.tv_sec + usage.ru_stime.tv_usec * 1e-6;
  return usage.ru_maxrss;
}

/// The fastest of `repeat` runs of each command in `steps` (run in order);
/// returns false if one failed. `seconds` is the sum over the steps of their
/// fastest times, `kib` the largest peak RSS.
bool timeSteps(const std::vector<std::vector<std::string>> &steps, int repeat,
               const std::string &log, double &seconds, double &cpuSeconds,
               long &kib, std::vector<double> &each) {
  seconds = 0;
  cpuSeconds = 0;
  kib = 0;
  each.clear();
  for (const auto &step : steps) {
    double best = 1e30, bestCpu = 1e30;
    for (int r = 0; r < repeat; ++r) {
      double s = 0, cpu = 0;
      // Through sh only to send the output to the log (sh execs the
      // command, and wait4's peak RSS covers it either way).
      std::vector<std::string> sh = {"/bin/sh", "-c", "exec "};
      for (const std::string &a : step)
        sh[2] += "'" + a + "' ";
      sh[2] += ">>'" + log + "' 2>&1";
      long k = runMeasuredCpu(sh, s, cpu);
      if (k < 0) {
        fprintf(stderr, "convert-vs-llama-quantize: failed (log: %s): %s\n",
                log.c_str(), sh[2].c_str());
        return false;
      }
      best = std::min(best, s);
      bestCpu = std::min(bestCpu, cpu);
      kib = std::max(kib, k);
    }
    each.push_back(best);
    seconds += best;
    cpuSeconds += bestCpu;
  }
  return true;
}

std::string readFirstLine(const std::string &path) {
  FILE *f = fopen(path.c_str(), "r");
  if (!f)
    return "";
  char line[4096] = {0};
  if (!fgets(line, sizeof line, f))
    line[0] = 0;
  fclose(f);
  std::string s = line;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
    s.pop_back();
  return s;
}

/// Runs a command with its output sent to `log`; false if it failed.
bool runQuiet(const std::vector<std::string> &args, const std::string &log,
              double *seconds = nullptr) {
  std::vector<std::string> sh = {"/bin/sh", "-c", ""};
  for (const std::string &a : args)
    sh[2] += "'" + a + "' ";
  sh[2] += ">'" + log + "' 2>&1";
  if (runMeasured(sh, seconds) >= 0)
    return true;
  fprintf(stderr, "convert-vs-llama-quantize: failed (log: %s): %s\n",
          log.c_str(), sh[2].c_str());
  return false;
}

} // namespace

int main(int argc, char **argv) {
  setvbuf(stdout, nullptr, _IOLBF, 0); // progress shows in a log as it comes
  BenchOptions o =
      parseBenchOptions(argc, argv, "/tmp/llmq-bench-convert");
  const std::string tools = o.tools, work = o.work;
  const std::string threads = o.get("threads", "2");
  const int repeat = std::max(1, atoi(o.get("repeat", "1").c_str()));
  Shape shape = llama32_1BShape(atoll(o.get("layers", "16").c_str()));
  std::string llamaTools =
      o.get("llama-tools", readFirstLine(tools + "/../llama-tools.path"));
  std::string text = o.get("text", std::string(LLMQ_SOURCE_DIR) +
                                       "/test/runtime/Inputs/english-text.txt");
  const std::string chunks = o.get("imatrix-chunks", "8");
  if (llamaTools.empty() || access((llamaTools + "/llama-quantize").c_str(), X_OK)) {
    fprintf(stderr,
            "convert-vs-llama-quantize: no llama-quantize in '%s' (--llama-tools "
            "DIR, or build them with scripts/llama-cpp-tools.sh)\n",
            llamaTools.c_str());
    return 1;
  }

  // The model: bf16 checkpoint -> llmq IR -> f16 GGUF.
  std::string ckpt = writeBenchCheckpoint(o, shape, "convert-vs-llama-quantize",
                                          "Llama-3.2-1B dimensions, ");
  if (ckpt.empty() || !fillRealisticValues(ckpt, shape)) {
    fprintf(stderr, "convert-vs-llama-quantize: cannot write %s\n", ckpt.c_str());
    return 1;
  }
  const std::string f16 = work + "/m-f16.gguf";
  if (!runQuiet({tools + "/quant-translate", "--import-hf", ckpt, "-o",
                 work + "/hf.mlir"},
                work + "/import-hf.log") ||
      !runQuiet({tools + "/quant-translate", "--export-gguf", work + "/hf.mlir",
                 "--type", "f16", "--threads", threads, "-o", f16},
                work + "/export-f16.log"))
    return 1;
  if (!o.keep)
    unlink((ckpt + "/model.safetensors").c_str());
  struct stat st;
  stat(f16.c_str(), &st);
  printf("f16 GGUF written by llmq: %.1f MiB; signed N(0, 0.02)-like values, "
         "about 1 in 16384 an outlier\n",
         st.st_size / (1024.0 * 1024.0));

  // llama.cpp's imatrix of the f16 model over the text.
  const std::string imatrix = work + "/imatrix.gguf";
  double imatrixSeconds = 0;
  if (!runQuiet({llamaTools + "/llama-imatrix", "-m", f16, "-f", text, "-o",
                 imatrix, "-c", "256", "--chunks", chunks, "-t", threads,
                 "--no-ppl"},
                work + "/imatrix.log", &imatrixSeconds))
    return 1;
  printf("imatrix: llama-imatrix over %s chunks of 256 tokens of %s (%.1f s)\n",
         chunks.c_str(), text.substr(text.rfind('/') + 1).c_str(),
         imatrixSeconds);
  printf("threads %s, best of %d run%s each; llmq's time is its three steps "
         "(import-gguf, assign-bits, export-gguf) together\n\n",
         threads.c_str(), repeat, repeat > 1 ? "s" : "");

  int status = 0;
  for (bool withImatrix : {false, true}) {
    const std::string tag = withImatrix ? "imatrix" : "plain";
    const std::string lq = work + "/llama-" + tag + ".gguf";
    const std::string mq = work + "/llmq-" + tag + ".gguf";
    std::vector<std::string> quantize = {llamaTools + "/llama-quantize"};
    if (withImatrix) {
      quantize.push_back("--imatrix");
      quantize.push_back(imatrix);
    }
    for (const char *a : {f16.c_str(), lq.c_str(), "Q4_K_M", threads.c_str()})
      quantize.push_back(a);
    std::vector<std::string> assign = {tools + "/quant-opt", work + "/g.mlir"};
    if (withImatrix)
      assign.push_back("--llmq-imatrix=in=" + imatrix);
    assign.push_back("--llmq-assign-bits=preset=q4_k_m");
    assign.push_back("-o");
    assign.push_back(work + "/q.mlir");
    std::vector<std::vector<std::string>> llmqSteps = {
        {tools + "/quant-translate", "--import-gguf", f16, "-o",
         work + "/g.mlir"},
        assign,
        {tools + "/quant-translate", "--export-gguf", work + "/q.mlir",
         "--threads", threads, "-o", mq}};
    double ls = 0, ms = 0, lc = 0, mc = 0;
    long lk = 0, mk = 0;
    std::vector<double> lEach, mEach;
    if (!timeSteps({quantize}, repeat, work + "/llama-quantize.log", ls, lc,
                   lk, lEach) ||
        !timeSteps(llmqSteps, repeat, work + "/llmq.log", ms, mc, mk, mEach))
      return 1;
    size_t count = 0;
    std::string same = compareTensors(lq, mq, &count);
    printf("%s imatrix:\n", withImatrix ? "with" : "without");
    printf("  llama-quantize   %7.2f s wall %8.2f s CPU   peak RSS %7.1f MiB\n",
           ls, lc, lk / 1024.0);
    printf("  llmq             %7.2f s wall %8.2f s CPU   peak RSS %7.1f MiB   "
           "(wall: import %.2f s, assign-bits %.2f s, export %.2f s)\n",
           ms, mc, mk / 1024.0, mEach[0], mEach[1], mEach[2]);
    printf("  speed ratio      %7.2fx llama-quantize's wall-clock (target >= "
           "8x): %s; CPU time ratio %.2fx\n",
           ls / ms, ls / ms >= 8 ? "met" : "NOT met", lc / mc);
    printf("  bytes identical: %s (%zu tensors)\n\n", same.c_str(), count);
    status |= same != "yes";
    if (!o.keep) {
      unlink(lq.c_str());
      unlink(mq.c_str());
    }
  }
  printf("wall-clock and CPU time (user + system) of the child processes "
         "(fork/exec/wait4); %ld cores online, load average at the end %s\n",
         sysconf(_SC_NPROCESSORS_ONLN), readFirstLine("/proc/loadavg").c_str());
  if (!o.keep)
    for (const char *f : {"/m-f16.gguf", "/hf.mlir", "/g.mlir", "/q.mlir",
                          "/imatrix.gguf"})
      unlink((work + f).c_str());
  return status;
}

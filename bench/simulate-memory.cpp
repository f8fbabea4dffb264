//===- simulate-memory.cpp - Peak memory of simulated quantization --------===//
//
// Writes a synthetic Llama checkpoint of about --gib GiB (bf16), imports it,
// gives every matrix one format (q4_K, q8_0, fp8 128x128 blocks, int4 g128)
// by editing the IR, and runs `quant-run logits` on each as a child process,
// printing its peak resident memory (wait4's ru_maxrss) and time next to the
// budget the design sets: the quantized bytes of the matrices (what the
// runtime keeps instead of an f32 copy) plus 64 MiB plus the largest source
// tensor (resident while it is quantized) plus each thread's working strip.
// The same run with --ignore-formats, which maps the whole bf16 file, is
// printed for scale.
//
//   simulate-memory [--gib N] [--threads T] [--tools DIR] [--work DIR] [--keep]
//
//===----------------------------------------------------------------------===//

#include "SyntheticCheckpoint.h"

#include "formats/TensorFormat.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

using namespace bench;

/// `ir` with `format = <attr>, ` in front of the attributes of every 2-D
/// weight.
static std::string withFormat(const std::string &ir, const std::string &attr) {
  std::istringstream in(ir);
  std::string line, out;
  while (std::getline(in, line)) {
    size_t type = line.find(": tensor<");
    size_t brace = line.find(" {", type == std::string::npos ? 0 : type);
    if (line.find("llmq.weight @") != std::string::npos &&
        type != std::string::npos && brace != std::string::npos) {
      std::string shape = line.substr(type, line.find('>', type) - type);
      if (std::count(shape.begin(), shape.end(), 'x') == 2)
        line.insert(brace + 2, "format = " + attr + ", ");
    }
    out += line + "\n";
  }
  return out;
}

int main(int argc, char **argv) {
  BenchOptions o = parseBenchOptions(argc, argv, "/tmp/llmq-bench-simulate");
  std::string tools = o.tools, work = o.work;
  bool keep = o.keep;
  int threads = atoi(o.get("threads", "2").c_str());
  Shape shape = shapeOfGiB(atof(o.get("gib", "1").c_str()));
  const double mib = 1024.0 * 1024.0;
  uint64_t largest = 0;
  std::string dir = writeBenchCheckpoint(o, shape, "simulate-memory", "", &largest);
  if (dir.empty())
    return 1;
  if (runMeasured({tools + "/quant-translate", "--import-hf", dir, "-o",
                   work + "/m.mlir"}) < 0) {
    printf("import-hf failed\n");
    return 1;
  }
  std::ifstream in(work + "/m.mlir");
  std::stringstream text;
  text << in.rdbuf();

  struct Case {
    const char *name, *attr;
  } cases[] = {{"q4_K", "#llmq.format<q4_K>"},
               {"q8_0", "#llmq.format<q8_0>"},
               {"fp8_block", "#llmq.format<fp8_e4m3, block = [128, 128]>"},
               {"int4_g128", "#llmq.format<int4, group = 128>"}};
  std::string threadArg = "--threads=" + std::to_string(threads);
  int status = 0;
  for (const Case &c : cases) {
    std::string ir = work + "/" + c.name + ".mlir";
    if (!writeFile(ir, withFormat(text.str(), c.attr))) {
      fprintf(stderr, "simulate-memory: cannot write %s\n", ir.c_str());
      return 1;
    }
    llmq::TensorFormat format = *llmq::TensorFormat::parse(c.name);
    uint64_t quantized = 0;
    for (const Tensor &t : makeTensors(shape))
      if (t.shape.size() == 2)
        quantized += format.storageBytes(t.shape[0], t.shape[1]);
    double seconds = 0;
    long kib = runMeasured({tools + "/quant-run", "logits", ir, "--ids", "1",
                            "--top", "1", threadArg},
                           &seconds);
    if (kib < 0) {
      printf("quant-run logits on %s failed\n", c.name);
      return 1;
    }
    // Each thread's strip: f32 values and their codes (fp8: a block row).
    int64_t stripRows = format.kind == llmq::FormatKind::FP8Block ? 128
                        : format.kind == llmq::FormatKind::Int    ? 16
                                                                  : 1;
    double strips =
        threads * stripRows * std::max(shape.hidden, shape.ffn) * 5.0 / mib;
    double budget = quantized / mib + 64 + largest / mib + strips;
    bool within = kib / 1024.0 < budget;
    printf("%-10s simulated: peak RSS %7.1f MiB, %5.1f s (budget: quantized "
           "%.1f MiB + 64 MiB + largest tensor + strips %.1f MiB = %.1f "
           "MiB): %s\n",
           c.name, kib / 1024.0, seconds, quantized / mib, strips, budget,
           within ? "within" : "OVER");
    status |= !within;
    if (!strcmp(c.name, "q4_K")) {
      long plain =
          runMeasured({tools + "/quant-run", "logits", ir, "--ids", "1",
                       "--top", "1", threadArg, "--ignore-formats"},
                      &seconds);
      printf("%-10s --ignore-formats (the bf16 file mapped): peak RSS %7.1f "
             "MiB, %5.1f s\n",
             "", plain / 1024.0, seconds);
    }
    unlink(ir.c_str());
  }
  printf("measured with wait4() ru_maxrss of each child process, %d threads\n",
         threads);
  if (!keep)
    unlink((dir + "/model.safetensors").c_str());
  return status;
}

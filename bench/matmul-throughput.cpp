//===- matmul-throughput.cpp - GEMM kernel against the dot-style kernel ---===//
//
// Issue 14's kernel bench: matmul (the packed GEMM of DotKernels.h) on
// Llama-3.2-1B shapes (q/o 2048 x 2048, gate/up 8192 x 2048, down 2048 x
// 8192), for a window of tokens and for one token, against the previous
// design in the same run: panels of rows converted to f32, then the
// dot-style micro-kernel (DotKernels.h's dotBlock, 4 rows x 6 tokens of
// 16-lane accumulators, which attention's scores still use). Prints GFLOP/s
// per CPU second (process CPU time: the figure a loaded machine distorts
// least) and per wall second, and the ratio.
//
//   matmul-throughput [--threads N] [--tokens N] [--seconds S]
//                     [--formats f16,bf16,f32,q8_0,q4_K] [--shape RxC]
//
//===----------------------------------------------------------------------===//

#include "runtime/exec/Kernels.h"
#include "runtime/exec/ThreadPool.h"
#include "runtime/exec/arch/DotKernels.h"

#include "formats/Formats.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

using namespace llmq;
using namespace llmq::runtime;

static double cpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}
static double wallSeconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// The previous matmul: 32 KiB-row panels of f32, dot-style micro-kernel.
static void dotStyleMatmul(const WeightView &w, const float *x, int64_t n,
                           float *out, ThreadPool &pool) {
  const DotKernels &kernels = selectDotKernels();
  int64_t rows = w.rows, cols = w.cols;
  int64_t panel = std::clamp<int64_t>(256 * 1024 / (4 * cols) / 4 * 4, 4, 64);
  int64_t panels = (rows + panel - 1) / panel;
  pool.parallelFor(panels, [&](int64_t begin, int64_t end) {
    thread_local FloatBuffer buffer;
    buffer.resize(panel * cols);
    for (int64_t p = begin; p < end; ++p) {
      int64_t r0 = p * panel, count = std::min(panel, rows - r0);
      for (int64_t k = 0; k < count; ++k) {
        if (w.format == Format::F16)
          kernels.f16ToF32(reinterpret_cast<const uint16_t *>(w.data) +
                               (r0 + k) * cols,
                           buffer.data() + k * cols, cols);
        else if (w.format == Format::BF16)
          kernels.bf16ToF32(reinterpret_cast<const uint16_t *>(w.data) +
                                (r0 + k) * cols,
                            buffer.data() + k * cols, cols);
        else
          w.dequantizeRow(r0 + k, buffer.data() + k * cols);
      }
      for (int64_t t = 0; t < n; t += 24)
        kernels.dotBlock(buffer.data(), cols, count, x + t * cols, cols,
                         std::min<int64_t>(24, n - t), cols,
                         out + t * rows + r0, rows);
    }
  });
}

struct Rate {
  double cpu, wall;
};

/// GFLOP/s of `fn` over repeated calls for about `seconds` of wall time.
static Rate measure(const std::function<void()> &fn, double flops,
                    double seconds) {
  fn(); // warm-up: pages, buffers
  int64_t calls = 0;
  double c0 = cpuSeconds(), w0 = wallSeconds();
  do {
    fn();
    ++calls;
  } while (wallSeconds() - w0 < seconds);
  double cpu = cpuSeconds() - c0, wall = wallSeconds() - w0;
  return {calls * flops / cpu * 1e-9, calls * flops / wall * 1e-9};
}

int main(int argc, char **argv) {
  unsigned threads = 2;
  int64_t window = 256;
  double seconds = 2;
  std::string formats = "f16,bf16,f32,q8_0,q4_K";
  std::vector<std::array<int64_t, 2>> shapes = {
      {2048, 2048}, {8192, 2048}, {2048, 8192}};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--threads")
      threads = atoi(argv[i + 1]);
    else if (a == "--tokens")
      window = atoll(argv[i + 1]);
    else if (a == "--seconds")
      seconds = atof(argv[i + 1]);
    else if (a == "--formats")
      formats = argv[i + 1];
    else if (a == "--shape") {
      long long r = 0, c = 0;
      if (sscanf(argv[i + 1], "%lldx%lld", &r, &c) != 2 || r < 1 || c < 1) {
        fprintf(stderr, "matmul-throughput: --shape wants RxC\n");
        return 1;
      }
      shapes = {{r, c}};
    }
    else {
      fprintf(stderr, "matmul-throughput: unknown option '%s'\n", a.c_str());
      return 1;
    }
  }
  ThreadPool pool(threads);
  printf("matmul-throughput: %s kernels, %u threads, GFLOP/s per CPU second "
         "(per wall second); new: packed GEMM, old: dot-style\n",
         selectDotKernels().name, threads);
  printf("  %-5s %-12s %6s %16s %16s %7s\n", "type", "shape", "tokens",
         "new", "old", "ratio");
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 0.02f);
  size_t at = 0;
  while (at <= formats.size()) {
    size_t comma = formats.find(',', at);
    std::string name = formats.substr(at, comma - at);
    at = comma == std::string::npos ? formats.size() + 1 : comma + 1;
    std::optional<Format> format = lookupFormat(name);
    if (!format) {
      fprintf(stderr, "matmul-throughput: unknown format '%s'\n",
              name.c_str());
      return 1;
    }
    for (const auto &shape : shapes) {
      int64_t rows = shape[0], cols = shape[1];
      std::vector<float> values(cols);
      std::vector<uint8_t> bytes(rows * rowBytes(*format, cols));
      for (int64_t r = 0; r < rows; ++r) {
        for (float &v : values)
          v = dist(rng);
        getFormatTraits(*format).quantizeRow(
            values.data(), bytes.data() + r * rowBytes(*format, cols), cols,
            nullptr);
      }
      WeightView w;
      w.data = bytes.data();
      w.format = *format;
      w.rows = rows;
      w.cols = cols;
      for (int64_t n : {window, int64_t(1)}) {
        FloatBuffer x(n * cols), out(n * rows);
        for (float &v : x)
          v = dist(rng) * 50;
        double flops = 2.0 * rows * cols * n;
        Rate now = measure(
            [&] { matmul(w, x.data(), n, out.data(), pool); }, flops, seconds);
        Rate old = measure(
            [&] { dotStyleMatmul(w, x.data(), n, out.data(), pool); }, flops,
            seconds);
        char label[32];
        snprintf(label, sizeof label, "%lldx%lld", (long long)rows,
                 (long long)cols);
        printf("  %-5s %-12s %6lld %7.1f (%6.1f) %7.1f (%6.1f) %6.2fx\n",
               name.c_str(), label, (long long)n, now.cpu, now.wall, old.cpu,
               old.wall, now.cpu / old.cpu);
        fflush(stdout);
      }
    }
  }
  return 0;
}

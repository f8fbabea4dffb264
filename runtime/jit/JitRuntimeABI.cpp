//===- JitRuntimeABI.cpp - The runtime ABI compiled graphs call -----------===//

#include "runtime/jit/JitRuntimeABI.h"

#include "formats/Formats.h"

#include "mlir/ExecutionEngine/CRunnerUtils.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <utility>

using namespace llmq;
using namespace llmq::runtime;
using namespace llmq::runtime::jit;

namespace {
thread_local RankContext *current = nullptr;

using Floats1 = StridedMemRefType<float, 1>;
using Floats2 = StridedMemRefType<float, 2>;
using Bytes2 = StridedMemRefType<int8_t, 2>;

/// A malloc'd block of `n` floats that the receiver frees (see the header's
/// ownership rule), zeroed.
template <int N>
void allocate(StridedMemRefType<float, N> *out,
              const std::array<int64_t, N> &sizes) {
  int64_t n = 1;
  for (int64_t s : sizes)
    n *= s;
  auto *data = static_cast<float *>(std::calloc(std::max<int64_t>(n, 1),
                                                sizeof(float)));
  if (!data)
    std::abort(); // out of memory inside compiled code: nothing to unwind
  out->basePtr = data;
  out->data = data;
  out->offset = 0;
  int64_t stride = 1;
  for (int i = N - 1; i >= 0; --i) {
    out->sizes[i] = sizes[i];
    out->strides[i] = stride;
    stride *= sizes[i];
  }
}

/// `x` as contiguous floats: its own storage when the stride is 1 (the
/// lowered code passes identity layouts), else a copy in `scratch`.
const float *contiguous(const Floats1 *x, std::vector<float> &scratch) {
  const float *base = x->data + x->offset;
  if (x->strides[0] == 1)
    return base;
  scratch.resize(x->sizes[0]);
  for (int64_t i = 0; i < x->sizes[0]; ++i)
    scratch[i] = base[i * x->strides[0]];
  return scratch.data();
}

RankContext &context() {
  if (!current)
    std::abort(); // a graph run outside the engine: a bug, not bad input
  return *current;
}

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       since)
      .count();
}

} // namespace

void jit::setRankContext(RankContext *context) { current = context; }

void StageCall::barrier() {
  std::unique_lock<std::mutex> lock(mutex);
  int64_t mine = generation;
  if (++arrived == tp) {
    arrived = 0;
    ++generation;
    arrivedAll.notify_all();
    return;
  }
  arrivedAll.wait(lock, [&] { return generation != mine; });
}

void StageCall::fail(const std::string &message) {
  std::lock_guard<std::mutex> lock(mutex);
  if (error.empty())
    error = message;
}

llvm::Error StageCall::takeError() {
  std::lock_guard<std::mutex> lock(mutex);
  if (error.empty())
    return llvm::Error::success();
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 std::exchange(error, std::string()));
}

//===-- Collectives -------------------------------------------------------===//

/// Publishes this rank's operand and waits for the others; false (after
/// recording why) when the ranks disagree.
static bool gather(RankContext &c, const float *x, int64_t n, int64_t ranks,
                   const char *what) {
  StageCall &call = *c.call;
  call.operands[c.rank] = x;
  call.sizes[c.rank] = n;
  call.barrier();
  if (ranks != call.tp) {
    call.fail(std::string(what) + " over " + std::to_string(ranks) +
              " ranks in a stage of " + std::to_string(call.tp));
    return false;
  }
  for (int64_t r = 0; r < call.tp; ++r)
    if (call.sizes[r] != n) {
      call.fail(std::string(what) + ": rank " + std::to_string(r) +
                " gave " + std::to_string(call.sizes[r]) + " values, rank " +
                std::to_string(c.rank) + " " + std::to_string(n));
      return false;
    }
  return true;
}

extern "C" void _mlir_ciface_llmq_rt_all_reduce(Floats1 *out, Floats1 *x,
                                                int64_t ranks) {
  auto start = std::chrono::steady_clock::now();
  RankContext &c = context();
  std::vector<float> scratch;
  int64_t n = x->sizes[0];
  const float *in = contiguous(x, scratch);
  allocate<1>(out, {n});
  if (gather(c, in, n, ranks, "all_reduce")) {
    // Rank order from rank 0's value, as the interpreter adds: the same
    // bits on every rank.
    float *sum = out->data;
    std::memcpy(sum, c.call->operands[0], n * sizeof(float));
    for (int64_t r = 1; r < c.call->tp; ++r) {
      const float *y = c.call->operands[r];
      for (int64_t i = 0; i < n; ++i)
        sum[i] += y[i];
    }
  }
  c.call->barrier();
  if (c.rank == 0)
    c.call->collectiveSeconds += seconds(start);
}

extern "C" void _mlir_ciface_llmq_rt_all_gather(Floats1 *out, Floats1 *x,
                                                int64_t part, int64_t ranks) {
  auto start = std::chrono::steady_clock::now();
  RankContext &c = context();
  std::vector<float> scratch;
  int64_t n = x->sizes[0];
  const float *in = contiguous(x, scratch);
  int64_t tp = c.call->tp;
  allocate<1>(out, {n * tp});
  if (gather(c, in, n, ranks, "all_gather")) {
    if (part <= 0 || n % part != 0) {
      c.call->fail("all_gather: " + std::to_string(n) +
                   " values are not rows of " + std::to_string(part));
    } else {
      // Each row's parts from every rank, concatenated in rank order.
      for (int64_t r = 0; r < tp; ++r)
        for (int64_t row = 0, rows = n / part; row < rows; ++row)
          std::memcpy(out->data + row * part * tp + r * part,
                      c.call->operands[r] + row * part,
                      part * sizeof(float));
    }
  }
  c.call->barrier();
  if (c.rank == 0)
    c.call->collectiveSeconds += seconds(start);
}

//===-- Stage transfers ---------------------------------------------------===//

extern "C" void _mlir_ciface_llmq_rt_send(Floats1 *x, int64_t stage) {
  RankContext &c = context();
  std::vector<float> scratch;
  int64_t n = x->sizes[0];
  const float *in = contiguous(x, scratch);
  GraphTensor t;
  t.shape = {n};
  t.f.assign(in, in + n);
  std::lock_guard<std::mutex> lock(c.call->mailboxMutex);
  c.call->mailbox[{stage, c.rank}] = std::move(t);
}

extern "C" void _mlir_ciface_llmq_rt_recv(Floats1 *out, int64_t /*stage*/,
                                          int64_t count) {
  // Keyed by the receiving stage and tp rank, as the interpreter's recv.
  RankContext &c = context();
  allocate<1>(out, {count});
  std::lock_guard<std::mutex> lock(c.call->mailboxMutex);
  auto it = c.call->mailbox.find({c.call->stage, c.rank});
  if (it == c.call->mailbox.end()) {
    c.call->fail("recv: nothing was sent to stage " +
                 std::to_string(c.call->stage));
    return;
  }
  if (static_cast<int64_t>(it->second.f.size()) != count) {
    c.call->fail("recv: received " + std::to_string(it->second.f.size()) +
                 " values, the graph wants " + std::to_string(count));
    return;
  }
  std::memcpy(out->data, it->second.f.data(), count * sizeof(float));
  c.call->mailbox.erase(it);
}

//===-- ggml dequantizers -------------------------------------------------===//

/// `llmq_rt_dequantize_<format>`: rows of `cols` values from their ggml
/// blocks, with formats/' reference dequantizer (ggml's bits).
template <unsigned F>
static void dequantizeRows(Floats2 *out, Bytes2 *bytes, int64_t cols) {
  const FormatTraits &traits = getFormatTraits(static_cast<Format>(F));
  int64_t rows = bytes->sizes[0], width = bytes->sizes[1];
  allocate<2>(out, {rows, cols});
  if (cols <= 0 || cols % traits.blockElems != 0 ||
      static_cast<int64_t>(rowBytes(traits.format, cols)) != width ||
      (rows > 1 && bytes->strides[0] < width) || bytes->strides[1] != 1) {
    if (current && current->call)
      current->call->fail(("dequantize_" + traits.name + ": rows of " +
                           llvm::Twine(width) + " bytes do not hold " +
                           llvm::Twine(cols) + " values")
                              .str());
    return;
  }
  const int8_t *base = bytes->data + bytes->offset;
  for (int64_t r = 0; r < rows; ++r)
    traits.dequantizeRow(base + r * bytes->strides[0], out->data + r * cols,
                         cols);
}

template <unsigned... F>
static void addDequantizers(llvm::orc::SymbolMap &map,
                            llvm::orc::MangleAndInterner &interner,
                            std::integer_sequence<unsigned, F...>) {
  (
      [&] {
        const FormatTraits &traits = getFormatTraits(static_cast<Format>(F));
        std::string name =
            ("_mlir_ciface_llmq_rt_dequantize_" + traits.name).str();
        map[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(
                                   &dequantizeRows<F>),
                               llvm::JITSymbolFlags::Exported};
      }(),
      ...);
}

llvm::orc::SymbolMap jit::runtimeSymbols(llvm::orc::MangleAndInterner interner) {
  llvm::orc::SymbolMap map;
  auto add = [&](llvm::StringRef name, auto *fn) {
    map[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(fn),
                           llvm::JITSymbolFlags::Exported};
  };
  add("_mlir_ciface_llmq_rt_all_reduce", &_mlir_ciface_llmq_rt_all_reduce);
  add("_mlir_ciface_llmq_rt_all_gather", &_mlir_ciface_llmq_rt_all_gather);
  add("_mlir_ciface_llmq_rt_send", &_mlir_ciface_llmq_rt_send);
  add("_mlir_ciface_llmq_rt_recv", &_mlir_ciface_llmq_rt_recv);
  addDequantizers(map, interner, std::make_integer_sequence<unsigned, NumFormats>());
  return map;
}

//===- ScaleTuning.cpp - End-to-end tuning of ggml block scales -----------===//

#include "passes/tune/ScaleTuning.h"

#include "formats/files/Progress.h"
#include "formats/quant/BlockScales.h"
#include "runtime/exec/Model.h"
#include "runtime/exec/Session.h"
#include "runtime/exec/ThreadPool.h"

#include <cmath>
#include <map>
#include <random>

using namespace llmq;
using namespace llmq::tune;
using runtime::grad::Linear;

namespace {
/// Adam on multiplicative offsets s of parameters p0: p = p0 (1 + s).
struct Adam {
  std::vector<float> start, offset, m, v;
  std::vector<double> grad; ///< dL/ds summed over the step's windows

  void init(std::vector<float> values) {
    start = std::move(values);
    offset.assign(start.size(), 0.0f);
    m.assign(start.size(), 0.0f);
    v.assign(start.size(), 0.0f);
    grad.assign(start.size(), 0.0);
  }
  float value(size_t i) const { return start[i] * (1.0f + offset[i]); }
  void step(double rate, int64_t t, double scale) {
    constexpr double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    double c1 = 1 - std::pow(b1, double(t)), c2 = 1 - std::pow(b2, double(t));
    for (size_t i = 0; i < offset.size(); ++i) {
      double g = grad[i] * scale;
      m[i] = float(b1 * m[i] + (1 - b1) * g);
      v[i] = float(b2 * v[i] + (1 - b2) * g * g);
      offset[i] -= float(rate * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps));
      grad[i] = 0;
    }
  }
};

/// One tuned matrix's scales: per block, d and dmin.
struct MatrixScales {
  TunedMatrix *matrix;
  int64_t blockElems, blockBytes, blocksPerRow;
  Adam scale, min;
};

class Tuner : public runtime::grad::MatrixSource {
public:
  Tuner(const runtime::Model &student, std::vector<TunedMatrix> &matrices,
        runtime::ThreadPool &pool)
      : student(student), pool(pool) {
    for (TunedMatrix &t : matrices) {
      const FormatTraits &traits = getFormatTraits(t.format);
      MatrixScales s;
      s.matrix = &t;
      s.blockElems = traits.blockElems;
      s.blockBytes = traits.blockBytes;
      s.blocksPerRow = t.cols / traits.blockElems;
      int64_t blocks = t.rows * s.blocksPerRow;
      std::vector<float> d(blocks), dmin(blocks);
      for (int64_t b = 0; b < blocks; ++b)
        readBlockScales(t.format, t.bytes->data() + b * s.blockBytes, d[b],
                        dmin[b]);
      s.scale.init(std::move(d));
      s.min.init(std::move(dmin));
      index[{t.block, int(t.linear)}] = scales.size();
      scales.push_back(std::move(s));
    }
  }

  void dense(int64_t block, Linear linear, float *out) override {
    auto it = index.find({block, int(linear)});
    if (it == index.end())
      return runtime::grad::denseMatrix(student, block, linear, out, pool);
    MatrixScales &s = scales[it->second];
    forBlocks(s, [&](int64_t b, const float *a, const float *bb) {
      float d = s.scale.value(b), m = s.min.value(b);
      float *o = out + b * s.blockElems;
      for (int64_t i = 0; i < s.blockElems; ++i)
        o[i] = d * a[i] + m * bb[i];
    });
  }

  bool needsGradient(int64_t block, Linear linear) override {
    return index.count({block, int(linear)}) != 0;
  }

  void gradient(int64_t block, Linear linear, const float *g) override {
    auto it = index.find({block, int(linear)});
    if (it == index.end())
      return;
    MatrixScales &s = scales[it->second];
    forBlocks(s, [&](int64_t b, const float *a, const float *bb) {
      const float *gb = g + b * s.blockElems;
      double ga = 0, gm = 0;
      for (int64_t i = 0; i < s.blockElems; ++i) {
        ga += double(gb[i]) * a[i];
        gm += double(gb[i]) * bb[i];
      }
      // dL/ds = dL/dp * p0.
      s.scale.grad[b] += ga * s.scale.start[b];
      s.min.grad[b] += gm * s.min.start[b];
    });
  }

  void embeddingRow(int32_t token, float *out) override {
    student.embedding.dequantizeRow(token, out);
  }

  void step(double rate, int64_t t, double scale) {
    for (MatrixScales &s : scales) {
      s.scale.step(rate, t, scale);
      s.min.step(rate, t, scale);
    }
  }

  /// Writes the tuned scales (rounded to f16) into the matrices' blocks.
  void finish() {
    for (MatrixScales &s : scales) {
      uint8_t *bytes = s.matrix->bytes->data();
      for (size_t b = 0; b < s.scale.start.size(); ++b)
        writeBlockScales(s.matrix->format, bytes + b * s.blockBytes,
                         s.scale.value(b), s.min.value(b));
    }
  }

private:
  /// fn(block index, a, b) for every block of `s`, rows split over the pool
  /// (each block in one thread).
  template <typename Fn>
  void forBlocks(MatrixScales &s, Fn fn) {
    pool.parallelFor(s.matrix->rows, [&](int64_t begin, int64_t end) {
      std::vector<float> a(s.blockElems), b(s.blockElems);
      const uint8_t *bytes = s.matrix->bytes->data();
      for (int64_t r = begin; r < end; ++r)
        for (int64_t k = 0; k < s.blocksPerRow; ++k) {
          int64_t index = r * s.blocksPerRow + k;
          blockBasis(s.matrix->format, bytes + index * s.blockBytes, a.data(),
                     b.data());
          fn(index, a.data(), b.data());
        }
    });
  }

  const runtime::Model &student;
  runtime::ThreadPool &pool;
  std::vector<MatrixScales> scales;
  std::map<std::pair<int64_t, int>, size_t> index;
};

/// Log-softmax of each row of `vocab` logits, in place.
void logSoftmaxRows(std::vector<float> &logits, int64_t vocab) {
  for (size_t r = 0; r * vocab < logits.size(); ++r) {
    float *z = logits.data() + r * vocab;
    double top = *std::max_element(z, z + vocab), sum = 0;
    for (int64_t v = 0; v < vocab; ++v)
      sum += std::exp(double(z[v]) - top);
    double log = top + std::log(sum);
    for (int64_t v = 0; v < vocab; ++v)
      z[v] = float(double(z[v]) - log);
  }
}
} // namespace

llvm::Expected<Result> llmq::tune::tuneScales(
    const runtime::Model &teacher, const runtime::Model &student,
    llvm::ArrayRef<int32_t> stream, int64_t ctx,
    std::vector<TunedMatrix> &matrices, runtime::grad::NormWeights &norms,
    const Options &options, runtime::ThreadPool &pool) {
  auto fail = [](const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
  };
  std::string reason = runtime::grad::unsupportedReason(student);
  if (!reason.empty())
    return fail("end-to-end tuning needs a pre-norm decoder, but " + reason);
  for (const TunedMatrix &t : matrices)
    if (!blockScaleFields(t.format) ||
        t.cols % getFormatTraits(t.format).blockElems != 0)
      return fail("a matrix of format " + getFormatTraits(t.format).name +
                  " has no block scales to tune");
  int64_t windows = ctx > 0 ? int64_t(stream.size()) / ctx : 0;
  if (windows == 0)
    return fail("no whole calibration window of " + llvm::Twine(ctx) +
                " tokens");
  int64_t batch = std::max<int64_t>(1, std::min(options.batch, windows));

  Tuner tuner(student, matrices, pool);
  runtime::grad::Backprop backprop(student);
  // The norm weights as multiplicative offsets, flattened in
  // NormWeights::vectors()'s order.
  Adam normAdam;
  std::vector<std::vector<float> *> normVectors = backprop.norms.vectors();
  {
    std::vector<float> flat;
    for (auto *v : normVectors)
      flat.insert(flat.end(), v->begin(), v->end());
    normAdam.init(std::move(flat));
  }
  auto syncNorms = [&] {
    size_t k = 0;
    for (auto *v : normVectors)
      for (float &x : *v)
        x = normAdam.value(k++);
  };

  runtime::Session reference(teacher, pool, ctx);
  std::vector<float> logits;
  int64_t vocab = teacher.config.vocab;
  std::mt19937_64 rng(options.seed);
  std::vector<int64_t> order(windows);
  Result result;
  int64_t stepsPerEpoch = (windows + batch - 1) / batch;
  Progress progress("llmq-gptq tune", uint64_t(options.epochs * stepsPerEpoch));
  for (int64_t epoch = 0; epoch < options.epochs; ++epoch) {
    for (int64_t w = 0; w < windows; ++w)
      order[w] = w;
    std::shuffle(order.begin(), order.end(), rng);
    double epochLoss = 0;
    for (int64_t first = 0; first < windows; first += batch) {
      progress.step(uint64_t(result.steps), "epoch " + std::to_string(epoch));
      int64_t count = std::min(batch, windows - first);
      runtime::grad::NormWeights grads = backprop.zeroGradients();
      for (int64_t k = 0; k < count; ++k) {
        auto tokens = stream.slice(order[first + k] * ctx, ctx);
        reference.reset();
        if (llvm::Error err = reference.forward(tokens, logits, true))
          return std::move(err);
        logSoftmaxRows(logits, vocab);
        auto loss =
            backprop.window(tokens, 0, logits.data(), tuner, grads, pool);
        if (!loss)
          return loss.takeError();
        epochLoss += *loss;
      }
      double scale = 1.0 / double(count);
      ++result.steps;
      tuner.step(options.rate, result.steps, scale);
      if (options.norms) {
        size_t k = 0;
        for (auto *v : grads.vectors())
          for (float g : *v) {
            normAdam.grad[k] = double(g) * normAdam.start[k];
            ++k;
          }
        normAdam.step(options.rate, result.steps, scale);
        syncNorms();
      }
    }
    epochLoss /= double(windows);
    if (epoch == 0)
      result.firstEpochLoss = epochLoss;
    result.lastEpochLoss = epochLoss;
  }
  tuner.finish();
  norms = backprop.norms;
  return result;
}

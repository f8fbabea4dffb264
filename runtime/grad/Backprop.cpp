//===- Backprop.cpp - Gradients of a decoder's KL to a reference ---------===//

#include "runtime/grad/Backprop.h"

#include "runtime/exec/Kernels.h"
#include "runtime/exec/Model.h"
#include "runtime/exec/ThreadPool.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace llmq;
using namespace llmq::runtime;
using namespace llmq::runtime::grad;

MatrixSource::~MatrixSource() = default;

std::vector<std::vector<float> *> NormWeights::vectors() {
  std::vector<std::vector<float> *> all;
  for (auto *part : {&attn, &ffn})
    for (std::vector<float> &v : *part)
      all.push_back(&v);
  all.push_back(&final);
  return all;
}

void grad::denseMatrix(const Model &model, int64_t block, Linear linear,
                       float *out, ThreadPool &pool) {
  const WeightView &view = matrixView(model, block, linear);
  pool.parallelFor(view.rows, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r)
      view.dequantizeRow(r, out + r * view.cols);
  });
}

const WeightView &grad::matrixView(const Model &model, int64_t block,
                                   Linear linear) {
  if (linear == Linear::Head)
    return model.lmHead;
  const LayerWeights &w = model.layers[block];
  const WeightView *views[] = {&w.q, &w.k, &w.v, &w.o, &w.gate, &w.up,
                               &w.down};
  return *views[int(linear)];
}
void MatrixSource::outputGradient(int64_t, Linear, const float *, const float *,
                                  int64_t) {}

std::string grad::unsupportedReason(const Model &model) {
  for (const LayerWeights &layer : model.layers)
    if (!layer.attnPostNorm.empty() || !layer.ffnPostNorm.empty())
      return "its blocks normalize after attention or the FFN (post-norms)";
  if (!model.headScaledRows.empty() || !model.bannedIds.empty() ||
      !model.biasedIds.empty())
    return "its logits are masked or scaled (--llmq-logit-mask)";
  const ModelConfig &c = model.config;
  if (c.headDim % 2 != 0 || c.numKVHeads <= 0 || c.numHeads % c.numKVHeads)
    return "its attention heads do not group evenly";
  return "";
}

Backprop::Backprop(const Model &model) : model(model) {
  for (const LayerWeights &layer : model.layers) {
    norms.attn.push_back(layer.attnNorm);
    norms.ffn.push_back(layer.ffnNorm);
  }
  norms.final = model.finalNorm;
}

NormWeights Backprop::zeroGradients() const {
  NormWeights g;
  for (size_t l = 0; l < norms.attn.size(); ++l) {
    g.attn.emplace_back(norms.attn[l].size(), 0.0f);
    g.ffn.emplace_back(norms.ffn[l].size(), 0.0f);
  }
  g.final.assign(norms.final.size(), 0.0f);
  return g;
}

namespace {
/// Products through the runtime's deterministic GEMM on dense f32 operands.
class Products {
public:
  explicit Products(ThreadPool &pool) : pool(pool) {}

  /// out (n x rows) = x (n x cols) W^T, W rows x cols.
  void forward(const float *w, int64_t rows, int64_t cols, const float *x,
               int64_t n, float *out) {
    WeightView view;
    view.data = reinterpret_cast<const uint8_t *>(w);
    view.format = Format::F32;
    view.rows = rows;
    view.cols = cols;
    matmul(view, x, n, out, pool);
  }
  /// dx (n x cols) = dy (n x rows) W, or += when `add`.
  void input(const float *w, int64_t rows, int64_t cols, const float *dy,
             int64_t n, float *dx, bool add) {
    transpose(w, rows, cols, wt);
    float *target = dx;
    if (add) {
      sum.resize(n * cols);
      target = sum.data();
    }
    forward(wt.data(), cols, rows, dy, n, target);
    if (add)
      for (int64_t i = 0; i < n * cols; ++i)
        dx[i] += sum[i];
  }
  /// dW (rows x cols) = dy^T (rows x n) x (n x cols).
  void weight(const float *x, int64_t n, int64_t cols, const float *dy,
              int64_t rows, float *dw) {
    transpose(x, n, cols, xt);
    transpose(dy, n, rows, dyt);
    forward(xt.data(), cols, n, dyt.data(), rows, dw);
  }

private:
  static void transpose(const float *a, int64_t rows, int64_t cols,
                        FloatBuffer &out) {
    out.resize(rows * cols);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        out[c * rows + r] = a[r * cols + c];
  }
  ThreadPool &pool;
  FloatBuffer wt, xt, dyt, sum;
};

/// RMS norm of n rows of dim, keeping each row's 1/rms for the backward.
void normForward(const float *x, int64_t n, int64_t dim, const float *w,
                 float eps, float *y, float *inv) {
  for (int64_t t = 0; t < n; ++t) {
    const float *row = x + t * dim;
    double sum = 0;
    for (int64_t j = 0; j < dim; ++j)
      sum += double(row[j]) * row[j];
    float r = 1.0f / std::sqrt(float(sum / dim) + eps);
    inv[t] = r;
    for (int64_t j = 0; j < dim; ++j)
      y[t * dim + j] = (w ? w[j] : 1.0f) * (row[j] * r);
  }
}

/// dx (+)= d(norm)/dx^T dy; dw += dy * x * r (when dw).
void normBackward(const float *x, const float *inv, const float *dy, int64_t n,
                  int64_t dim, const float *w, float *dx, bool add, float *dw) {
  for (int64_t t = 0; t < n; ++t) {
    const float *xr = x + t * dim, *dyr = dy + t * dim;
    float r = inv[t];
    double dot = 0;
    for (int64_t j = 0; j < dim; ++j)
      dot += double(dyr[j]) * (w ? w[j] : 1.0f) * xr[j];
    float k = float(dot) * r * r * r / float(dim);
    for (int64_t j = 0; j < dim; ++j) {
      float g = dyr[j] * (w ? w[j] : 1.0f);
      float v = g * r - xr[j] * k;
      dx[t * dim + j] = add ? dx[t * dim + j] + v : v;
    }
  }
  if (dw)
    for (int64_t j = 0; j < dim; ++j) {
      double s = 0;
      for (int64_t t = 0; t < n; ++t)
        s += double(dy[t * dim + j]) * x[t * dim + j] * inv[t];
      dw[j] += float(s);
    }
}

void addBias(float *x, int64_t n, const std::vector<float> &bias) {
  int64_t dim = bias.size();
  for (int64_t t = 0; t < n && dim; ++t)
    for (int64_t i = 0; i < dim; ++i)
      x[t * dim + i] += bias[i];
}

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

/// One block's intermediates, recomputed from its input for the backward.
struct BlockState {
  FloatBuffer h1, inv1, qRaw, kRaw, qInv, kInv, q, k, v, probs, att, x1, h2,
      inv2, gate, up, act;
};
} // namespace

namespace llmq::runtime::grad {
/// Runs block `l` on x (n x hidden) into `out`, keeping what the backward
/// needs in `s`.
static void blockForward(const Model &model, const NormWeights &norms,
                         int64_t l, const float *x, int64_t n, float *out,
                         BlockState &s, MatrixSource &source, Products &mm,
                         FloatBuffer &dense, ThreadPool &pool) {
  const ModelConfig &c = model.config;
  const LayerWeights &layer = model.layers[l];
  int64_t hidden = c.hidden, hd = c.headDim, nh = c.numHeads,
          nkv = c.numKVHeads, qd = nh * hd, kvd = nkv * hd, ffn = c.ffn;
  auto resize = [](FloatBuffer &b, int64_t size) { b.resize(size); };
  resize(s.h1, n * hidden);
  resize(s.inv1, n);
  normForward(x, n, hidden, norms.attn[l].data(), c.normEps, s.h1.data(),
              s.inv1.data());
  auto project = [&](Linear linear, int64_t rows, int64_t cols, const float *in,
                     FloatBuffer &result) {
    dense.resize(rows * cols);
    source.dense(l, linear, dense.data());
    result.resize(n * rows);
    mm.forward(dense.data(), rows, cols, in, n, result.data());
  };
  project(Linear::Q, qd, hidden, s.h1.data(), s.qRaw);
  project(Linear::K, kvd, hidden, s.h1.data(), s.kRaw);
  project(Linear::V, kvd, hidden, s.h1.data(), s.v);
  addBias(s.qRaw.data(), n, layer.qBias);
  addBias(s.kRaw.data(), n, layer.kBias);
  addBias(s.v.data(), n, layer.vBias);
  s.q = s.qRaw;
  s.k = s.kRaw;
  if (!layer.qNorm.empty()) {
    resize(s.qInv, n * nh);
    normForward(s.qRaw.data(), n * nh, hd, layer.qNorm.data(), c.normEps,
                s.q.data(), s.qInv.data());
  }
  if (!layer.kNorm.empty()) {
    resize(s.kInv, n * nkv);
    normForward(s.kRaw.data(), n * nkv, hd, layer.kNorm.data(), c.normEps,
                s.k.data(), s.kInv.data());
  }
  if (layer.rope) {
    applyRope(s.q.data(), n, nh, hd, 0, model.invFreq.data(),
              c.ropeInterleaved);
    applyRope(s.k.data(), n, nkv, hd, 0, model.invFreq.data(),
              c.ropeInterleaved);
  }
  // Causal attention, probabilities kept: [head][query][key].
  resize(s.probs, nh * n * n);
  resize(s.att, n * qd);
  float scale = 1.0f / std::sqrt(float(hd));
  int64_t group = nh / nkv, window = layer.slidingWindow;
  pool.parallelFor(nh, [&](int64_t begin, int64_t end) {
    for (int64_t h = begin; h < end; ++h) {
      int64_t g = h / group;
      for (int64_t i = 0; i < n; ++i) {
        float *p = s.probs.data() + (h * n + i) * n;
        int64_t j0 = window > 0 ? std::max<int64_t>(0, i - window + 1) : 0;
        const float *qi = s.q.data() + i * qd + h * hd;
        float top = -INFINITY;
        for (int64_t j = 0; j < n; ++j) {
          if (j < j0 || j > i) {
            p[j] = 0;
            continue;
          }
          const float *kj = s.k.data() + j * kvd + g * hd;
          float dot = 0;
          for (int64_t d = 0; d < hd; ++d)
            dot += qi[d] * kj[d];
          p[j] = dot * scale;
          top = std::max(top, p[j]);
        }
        double total = 0;
        for (int64_t j = j0; j <= i; ++j) {
          p[j] = std::exp(p[j] - top);
          total += p[j];
        }
        float *o = s.att.data() + i * qd + h * hd;
        std::fill(o, o + hd, 0.0f);
        for (int64_t j = j0; j <= i; ++j) {
          p[j] = float(p[j] / total);
          const float *vj = s.v.data() + j * kvd + g * hd;
          for (int64_t d = 0; d < hd; ++d)
            o[d] += p[j] * vj[d];
        }
      }
    }
  });
  FloatBuffer attnOut;
  project(Linear::O, hidden, qd, s.att.data(), attnOut);
  resize(s.x1, n * hidden);
  for (int64_t i = 0; i < n * hidden; ++i)
    s.x1[i] = x[i] + attnOut[i];
  resize(s.h2, n * hidden);
  resize(s.inv2, n);
  normForward(s.x1.data(), n, hidden, norms.ffn[l].data(), c.normEps,
              s.h2.data(), s.inv2.data());
  project(Linear::Gate, ffn, hidden, s.h2.data(), s.gate);
  project(Linear::Up, ffn, hidden, s.h2.data(), s.up);
  resize(s.act, n * ffn);
  for (int64_t i = 0; i < n * ffn; ++i)
    s.act[i] = s.gate[i] * sigmoid(s.gate[i]) * s.up[i];
  FloatBuffer down;
  project(Linear::Down, hidden, ffn, s.act.data(), down);
  for (int64_t i = 0; i < n * hidden; ++i)
    out[i] = s.x1[i] + down[i];
}

/// Given dL/d(block output) in `dx`, replaces it by dL/d(block input).
static void blockBackward(const Model &model, const NormWeights &norms,
                          NormWeights &grads, int64_t l, const float *x,
                          int64_t n, float *dx, BlockState &s,
                          MatrixSource &source, Products &mm,
                          FloatBuffer &dense, ThreadPool &pool) {
  const ModelConfig &c = model.config;
  const LayerWeights &layer = model.layers[l];
  int64_t hidden = c.hidden, hd = c.headDim, nh = c.numHeads,
          nkv = c.numKVHeads, qd = nh * hd, kvd = nkv * hd, ffn = c.ffn;
  FloatBuffer dW;
  // Hands dL/dW of `linear` (rows x cols, input `in`, output gradient `dy`)
  // to the source and adds (or writes) dL/d(input) into `din`.
  auto back = [&](Linear linear, int64_t rows, int64_t cols, const float *in,
                  const float *dy, float *din, bool add) {
    source.outputGradient(l, linear, in, dy, n);
    if (source.needsGradient(l, linear)) {
      dW.resize(rows * cols);
      mm.weight(in, n, cols, dy, rows, dW.data());
      source.gradient(l, linear, dW.data());
    }
    dense.resize(rows * cols);
    source.dense(l, linear, dense.data());
    mm.input(dense.data(), rows, cols, dy, n, din, add);
  };
  // FFN: out = x1 + down(silu(gate) * up).
  FloatBuffer dAct(n * ffn), dGate(n * ffn), dUp(n * ffn), dH(n * hidden);
  back(Linear::Down, hidden, ffn, s.act.data(), dx, dAct.data(), false);
  for (int64_t i = 0; i < n * ffn; ++i) {
    float g = s.gate[i], sg = sigmoid(g);
    dUp[i] = dAct[i] * g * sg;
    dGate[i] = dAct[i] * s.up[i] * sg * (1.0f + g * (1.0f - sg));
  }
  back(Linear::Gate, ffn, hidden, s.h2.data(), dGate.data(), dH.data(), false);
  back(Linear::Up, ffn, hidden, s.h2.data(), dUp.data(), dH.data(), true);
  // dx1 = dx + norm'(dH).
  normBackward(s.x1.data(), s.inv2.data(), dH.data(), n, hidden,
               norms.ffn[l].data(), dx, /*add=*/true, grads.ffn[l].data());
  // Attention: x1 = x + o(att).
  FloatBuffer dAtt(n * qd), dq(n * qd), dk(n * kvd, 0.0f), dv(n * kvd, 0.0f);
  back(Linear::O, hidden, qd, s.att.data(), dx, dAtt.data(), false);
  float scale = 1.0f / std::sqrt(float(hd));
  int64_t group = nh / nkv;
  // One task per KV head: the query heads of a group add into its dk, dv.
  pool.parallelFor(nkv, [&](int64_t begin, int64_t end) {
    std::vector<float> dp(n);
    for (int64_t g = begin; g < end; ++g)
      for (int64_t h = g * group; h < (g + 1) * group; ++h)
        for (int64_t i = 0; i < n; ++i) {
          const float *p = s.probs.data() + (h * n + i) * n;
          const float *doi = dAtt.data() + i * qd + h * hd;
          double dot = 0;
          for (int64_t j = 0; j <= i; ++j) {
            if (p[j] == 0) {
              dp[j] = 0;
              continue;
            }
            const float *vj = s.v.data() + j * kvd + g * hd;
            float sum = 0;
            for (int64_t d = 0; d < hd; ++d)
              sum += doi[d] * vj[d];
            dp[j] = sum;
            dot += double(sum) * p[j];
            float *dvj = dv.data() + j * kvd + g * hd;
            for (int64_t d = 0; d < hd; ++d)
              dvj[d] += p[j] * doi[d];
          }
          float *dqi = dq.data() + i * qd + h * hd;
          std::fill(dqi, dqi + hd, 0.0f);
          const float *qi = s.q.data() + i * qd + h * hd;
          for (int64_t j = 0; j <= i; ++j) {
            if (p[j] == 0)
              continue;
            float ds = p[j] * (dp[j] - float(dot)) * scale;
            const float *kj = s.k.data() + j * kvd + g * hd;
            float *dkj = dk.data() + j * kvd + g * hd;
            for (int64_t d = 0; d < hd; ++d) {
              dqi[d] += ds * kj[d];
              dkj[d] += ds * qi[d];
            }
          }
        }
  });
  if (layer.rope) {
    applyRope(dq.data(), n, nh, hd, 0, model.invFreq.data(),
              c.ropeInterleaved, /*inverse=*/true);
    applyRope(dk.data(), n, nkv, hd, 0, model.invFreq.data(),
              c.ropeInterleaved, /*inverse=*/true);
  }
  if (!layer.qNorm.empty()) {
    FloatBuffer raw = dq;
    normBackward(s.qRaw.data(), s.qInv.data(), raw.data(), n * nh, hd,
                 layer.qNorm.data(), dq.data(), false, nullptr);
  }
  if (!layer.kNorm.empty()) {
    FloatBuffer raw = dk;
    normBackward(s.kRaw.data(), s.kInv.data(), raw.data(), n * nkv, hd,
                 layer.kNorm.data(), dk.data(), false, nullptr);
  }
  back(Linear::Q, qd, hidden, s.h1.data(), dq.data(), dH.data(), false);
  back(Linear::K, kvd, hidden, s.h1.data(), dk.data(), dH.data(), true);
  back(Linear::V, kvd, hidden, s.h1.data(), dv.data(), dH.data(), true);
  normBackward(x, s.inv1.data(), dH.data(), n, hidden, norms.attn[l].data(), dx,
               /*add=*/true, grads.attn[l].data());
}
} // namespace llmq::runtime::grad

llvm::Expected<double> Backprop::window(llvm::ArrayRef<int32_t> tokens,
                                        int64_t first, const float *reference,
                                        MatrixSource &source,
                                        NormWeights &grads, ThreadPool &pool) {
  return run(tokens, first, int64_t(tokens.size()) - first, reference, source,
             grads, pool);
}

llvm::Expected<double> Backprop::windowNextToken(llvm::ArrayRef<int32_t> tokens,
                                                 int64_t first,
                                                 MatrixSource &source,
                                                 NormWeights &grads,
                                                 ThreadPool &pool) {
  return run(tokens, first, int64_t(tokens.size()) - 1 - first, nullptr, source,
             grads, pool);
}

llvm::Expected<double> Backprop::run(llvm::ArrayRef<int32_t> tokens,
                                     int64_t first, int64_t m,
                                     const float *reference,
                                     MatrixSource &source, NormWeights &grads,
                                     ThreadPool &pool) {
  const ModelConfig &c = model.config;
  int64_t n = tokens.size(), hidden = c.hidden, vocab = c.vocab;
  int64_t blocks = model.layers.size();
  if (first < 0 || m < 1)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "first scored position %lld leaves no "
                                   "position of %lld to score",
                                   (long long)first, (long long)n);
  for (int32_t id : tokens)
    if (id < 0 || id >= vocab)
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "token id %d is outside the vocabulary [0, %lld)", id,
          (long long)vocab);
  Products mm(pool);
  FloatBuffer dense;
  BlockState state;
  // The residual stream at each block's input, and the last block's output.
  std::vector<FloatBuffer> inputs(blocks + 1, FloatBuffer(n * hidden));
  for (int64_t t = 0; t < n; ++t)
    source.embeddingRow(tokens[t], inputs[0].data() + t * hidden);
  for (int64_t l = 0; l < blocks; ++l)
    blockForward(model, norms, l, inputs[l].data(), n, inputs[l + 1].data(),
                 state, source, mm, dense, pool);

  // Head and loss over the scored positions first .. first + m - 1.
  const float *last = inputs[blocks].data() + first * hidden;
  FloatBuffer hF(m * hidden), invF(m), logits(m * vocab);
  normForward(last, m, hidden, norms.final.data(), c.normEps, hF.data(),
              invF.data());
  dense.resize(vocab * hidden);
  source.dense(blocks, Linear::Head, dense.data());
  mm.forward(dense.data(), vocab, hidden, hF.data(), m, logits.data());
  double loss = 0;
  for (int64_t t = 0; t < m; ++t) {
    float *z = logits.data() + t * vocab;
    float top = *std::max_element(z, z + vocab);
    double total = 0;
    for (int64_t v = 0; v < vocab; ++v)
      total += std::exp(double(z[v]) - top);
    double logTotal = std::log(total) + top;
    if (!reference) {
      // Cross-entropy of the next token; dCE/dz = q - onehot(label).
      int32_t label = tokens[first + t + 1];
      loss += logTotal - z[label];
      for (int64_t v = 0; v < vocab; ++v)
        z[v] = float(std::exp(double(z[v]) - logTotal) / double(m));
      z[label] -= float(1.0 / double(m));
      continue;
    }
    const float *lp = reference + t * vocab;
    double kl = 0;
    for (int64_t v = 0; v < vocab; ++v) {
      double lq = z[v] - logTotal, p = std::exp(double(lp[v]));
      if (p > 0)
        kl += p * (lp[v] - lq);
      // dKL/dz = q - p, averaged over the scored positions.
      z[v] = float((std::exp(lq) - p) / double(m));
    }
    loss += kl;
  }
  FloatBuffer dW, dhF(m * hidden);
  source.outputGradient(blocks, Linear::Head, hF.data(), logits.data(), m);
  if (source.needsGradient(blocks, Linear::Head)) {
    dW.resize(vocab * hidden);
    mm.weight(hF.data(), m, hidden, logits.data(), vocab, dW.data());
    source.gradient(blocks, Linear::Head, dW.data());
  }
  mm.input(dense.data(), vocab, hidden, logits.data(), m, dhF.data(), false);
  FloatBuffer dx(n * hidden, 0.0f);
  normBackward(last, invF.data(), dhF.data(), m, hidden, norms.final.data(),
               dx.data() + first * hidden, false, grads.final.data());
  for (int64_t l = blocks - 1; l >= 0; --l) {
    FloatBuffer out(n * hidden);
    blockForward(model, norms, l, inputs[l].data(), n, out.data(), state,
                 source, mm, dense, pool);
    blockBackward(model, norms, grads, l, inputs[l].data(), n, dx.data(), state,
                  source, mm, dense, pool);
  }
  return loss / double(m);
}

//===- ModelGradients.cpp - reverse rules of the model kernels ------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Vector-Jacobian products of embedding, RMSNorm, linear, RoPE, attention,
// the elementwise ops and the shape ops (Gradients.h). Matrix products use
// OpenBLAS on fixed tiles; reductions over rows use fixed chunks added in
// order, so results do not depend on the thread count.
//
//===----------------------------------------------------------------------===//

#include "ost/Executor/Gradients.h"

#include "KernelUtils.h"
#include "Threading.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>
#include <vector>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::detail;

namespace {

/// Row-major strides of `shape`.
SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

/// Fails unless `dy` is a float tensor of shape `shape`.
llvm::Error expectGradient(const Tensor &dy, ArrayRef<int64_t> shape) {
  if (!dy.isFloat() || dy.getShape() != shape)
    return kernelError("the result gradient " + dy.getShapeString() +
                       " does not match the result shape " +
                       formatShape(shape));
  return llvm::Error::success();
}

llvm::Error expectFloat(const Tensor &t, StringRef what) {
  if (!t.isFloat())
    return kernelError(what + " must be a float tensor");
  return llvm::Error::success();
}

} // namespace

//===----------------------------------------------------------------------===//
// Embedding, RMSNorm, linear
//===----------------------------------------------------------------------===//

KernelResult mlir::ost::embeddingBackward(const Tensor &dy, const Tensor &ids,
                                          int64_t vocab,
                                          const KernelContext &ctx) {
  if (!ids.isInteger())
    return kernelError("token ids must be integers");
  if (!dy.isFloat() || dy.getRank() != ids.getRank() + 1 ||
      dy.getShape().drop_back() != ids.getShape())
    return kernelError("the result gradient " + dy.getShapeString() +
                       " does not match the ids " + ids.getShapeString());
  int64_t dim = dy.getDimSize(-1), tokens = ids.getNumElements();
  for (int64_t i = 0; i < tokens; ++i) {
    int64_t id = ids.getInt(i);
    if (id < 0 || id >= vocab)
      return kernelError("token id " + Twine(id) + " is out of range [0, " +
                         Twine(vocab) + ")");
  }
  Tensor table({vocab, dim});
  float *dt = table.getFloatData();
  const float *g = dy.getFloatData();
  // Each chunk of columns adds every token in order: no write conflicts and
  // a fixed summation order.
  parallelFor(dim, grainFor(tokens), ctx.numThreads,
              [&](int64_t begin, int64_t end) {
                for (int64_t i = 0; i < tokens; ++i) {
                  float *row = dt + ids.getInt(i) * dim;
                  const float *src = g + i * dim;
                  for (int64_t j = begin; j < end; ++j)
                    row[j] += src[j];
                }
              });
  return table;
}

llvm::Expected<RMSNormGradients>
mlir::ost::rmsNormBackward(const Tensor &dy, const Tensor &x,
                           const Tensor *weight, double epsilon,
                           bool weightGradient, const KernelContext &ctx) {
  if (llvm::Error e = expectFloat(x, "the input"))
    return std::move(e);
  if (x.getRank() == 0)
    return kernelError("the input must have rank >= 1");
  if (llvm::Error e = expectGradient(dy, x.getShape()))
    return std::move(e);
  int64_t dim = x.getDimSize(-1), rows = x.getNumRows();
  if (weight && (!weight->isFloat() || weight->getRank() != 1 ||
                 weight->getDimSize(0) != dim))
    return kernelError("the weight " + weight->getShapeString() +
                       " does not match the normalized dimension (" +
                       Twine(dim) + ")");
  const float *in = x.getFloatData(), *g = dy.getFloatData();
  const float *w = weight ? weight->getFloatData() : nullptr;
  /// 1/sqrt(mean(x²) + ε) of row r, in float64.
  auto invRms = [&](int64_t r) {
    const float *row = in + r * dim;
    double sumSq = 0.0;
    for (int64_t i = 0; i < dim; ++i)
      sumSq += double(row[i]) * double(row[i]);
    return 1.0 / std::sqrt(sumSq / double(dim) + epsilon);
  };

  RMSNormGradients grads;
  grads.input = Tensor::uninitialized(x.getShape());
  float *dx = grads.input.getFloatData();
  if (dim > 0)
    parallelFor(rows, grainFor(4 * dim), ctx.numThreads,
                [&](int64_t begin, int64_t end) {
                  for (int64_t r = begin; r < end; ++r) {
                    const float *xr = in + r * dim, *gr = g + r * dim;
                    double s = invRms(r), dot = 0.0;
                    for (int64_t i = 0; i < dim; ++i)
                      dot += double(gr[i]) * (w ? w[i] : 1.0f) * xr[i];
                    double c = s * s * s * dot / double(dim);
                    for (int64_t i = 0; i < dim; ++i)
                      dx[r * dim + i] = static_cast<float>(
                          s * double(gr[i]) * (w ? w[i] : 1.0f) - xr[i] * c);
                  }
                });
  if (weight && weightGradient) {
    std::vector<double> sums(dim);
    accumulateRows(
        rows, dim, ctx.numThreads,
        [&](int64_t begin, int64_t end, double *acc) {
          for (int64_t r = begin; r < end; ++r) {
            double s = invRms(r);
            for (int64_t i = 0; i < dim; ++i)
              acc[i] += double(g[r * dim + i]) * in[r * dim + i] * s;
          }
        },
        sums.data());
    grads.weight = Tensor::uninitialized({dim});
    for (int64_t i = 0; i < dim; ++i)
      grads.weight->getFloatData()[i] = static_cast<float>(sums[i]);
  }
  return grads;
}

llvm::Expected<LinearGradients>
mlir::ost::linearBackward(const Tensor &dy, const Tensor *x,
                          const Tensor *weight, bool biasGradient,
                          const KernelContext &ctx) {
  if (!dy.isFloat() || dy.getRank() == 0)
    return kernelError("the result gradient must be a float tensor of rank "
                       ">= 1");
  int64_t n = dy.getDimSize(-1), m = dy.getNumRows();
  if (weight && (!weight->isFloat() || weight->getRank() != 2 ||
                 weight->getDimSize(0) != n))
    return kernelError("the weight " + weight->getShapeString() +
                       " does not match the " + Twine(n) +
                       " output features of the result gradient");
  if (x) {
    if (!x->isFloat() || x->getRank() != dy.getRank() ||
        x->getShape().drop_back() != dy.getShape().drop_back())
      return kernelError("the input " + x->getShapeString() +
                         " does not match the result gradient " +
                         dy.getShapeString());
    if (weight && weight->getDimSize(1) != x->getDimSize(-1))
      return kernelError("the input " + x->getShapeString() +
                         " does not match the weight " +
                         weight->getShapeString());
  }
  const float *g = dy.getFloatData();
  LinearGradients grads;
  if (weight) {
    // dX = dY·W : [m, n]·[n, k].
    int64_t k = weight->getDimSize(1);
    SmallVector<int64_t> shape(dy.getShape());
    shape.back() = k;
    grads.input = Tensor::uninitialized(shape);
    parallelSgemm(false, false, m, k, n, 1.0f, g, n, weight->getFloatData(), k,
                  grads.input->getFloatData(), k, ctx.numThreads);
  }
  if (x) {
    // dW = dYᵀ·X : [n, m]·[m, k].
    int64_t k = x->getDimSize(-1);
    grads.weight = Tensor::uninitialized({n, k});
    parallelSgemm(/*transA=*/true, false, n, k, m, 1.0f, g, n,
                  x->getFloatData(), k, grads.weight->getFloatData(), k,
                  ctx.numThreads);
  }
  if (biasGradient) {
    std::vector<double> sums(n);
    accumulateRows(
        m, n, ctx.numThreads,
        [&](int64_t begin, int64_t end, double *acc) {
          for (int64_t r = begin; r < end; ++r)
            for (int64_t j = 0; j < n; ++j)
              acc[j] += g[r * n + j];
        },
        sums.data());
    grads.bias = Tensor::uninitialized({n});
    for (int64_t j = 0; j < n; ++j)
      grads.bias->getFloatData()[j] = static_cast<float>(sums[j]);
  }
  return grads;
}

//===----------------------------------------------------------------------===//
// RoPE
//===----------------------------------------------------------------------===//

KernelResult mlir::ost::ropeBackward(const Tensor &dy, const Tensor &cos,
                                     const Tensor &sin, RopeLayout layout,
                                     const KernelContext &ctx) {
  if (!dy.isFloat() || dy.getRank() != 4)
    return kernelError("the result gradient must be a float [batch, seq, "
                       "heads, head_dim] tensor, got " +
                       dy.getShapeString());
  if (!sin.isFloat())
    return rope(dy, cos, sin, layout, ctx); // reports the bad table
  // RoPE rotates each pair by +θ; its transpose rotates by −θ, which is the
  // forward kernel with the sine negated (bit-identical: x − (−y) = x + y).
  Tensor negSin = Tensor::uninitialized(sin.getShape());
  const float *s = sin.getFloatData();
  float *ns = negSin.getFloatData();
  for (int64_t i = 0, n = sin.getNumElements(); i < n; ++i)
    ns[i] = -s[i];
  return rope(dy, cos, negSin, layout, ctx);
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

/// Queries per block of the recomputed softmax (as in the forward kernel).
static constexpr int64_t kQueryBlock = 64;

llvm::Expected<AttentionGradients>
mlir::ost::attentionBackward(const Tensor &dy, const Tensor &q, const Tensor &k,
                             const Tensor &v, const Tensor *mask, double scale,
                             bool causal, const KernelContext &ctx) {
  for (auto [t, name] : {std::pair{&q, "query"}, {&k, "key"}, {&v, "value"}})
    if (!t->isFloat() || t->getRank() != 4)
      return kernelError(Twine("the ") + name +
                         " must be a float [batch, seq, heads, head_dim] "
                         "tensor, got " +
                         t->getShapeString());
  int64_t batch = q.getDimSize(0), seqQ = q.getDimSize(1),
          headsQ = q.getDimSize(2), headDim = q.getDimSize(3);
  int64_t seqKV = k.getDimSize(1), headsKV = k.getDimSize(2);
  if (k.getShape() != v.getShape() || k.getDimSize(0) != batch ||
      k.getDimSize(3) != headDim || headsKV == 0 || headsQ % headsKV != 0)
    return kernelError("query " + q.getShapeString() + ", key " +
                       k.getShapeString() + " and value " + v.getShapeString() +
                       " do not form an attention");
  if (llvm::Error e = expectGradient(dy, q.getShape()))
    return std::move(e);
  bool batchedMask = false;
  if (mask) {
    bool ok2 = mask->getRank() == 2 && mask->getDimSize(0) == seqQ &&
               mask->getDimSize(1) == seqKV;
    bool ok4 = mask->getRank() == 4 && mask->getDimSize(0) == batch &&
               mask->getDimSize(1) == 1 && mask->getDimSize(2) == seqQ &&
               mask->getDimSize(3) == seqKV;
    if (!mask->isFloat() || (!ok2 && !ok4))
      return kernelError("the mask " + mask->getShapeString() +
                         " does not match the attention");
    batchedMask = ok4;
  }
  AttentionGradients grads{Tensor(q.getShape()), Tensor(k.getShape()),
                           Tensor(v.getShape())};
  if (q.getNumElements() == 0 || k.getNumElements() == 0)
    return grads;
  int64_t group = headsQ / headsKV;
  int64_t ldq = headsQ * headDim, ldkv = headsKV * headDim;
  int64_t offset = seqKV - seqQ;
  int64_t blocksT = (seqQ + kQueryBlock - 1) / kQueryBlock;
  const float *qd = q.getFloatData(), *kd = k.getFloatData(),
              *vd = v.getFloatData(), *gd = dy.getFloatData();
  const float *md = mask ? mask->getFloatData() : nullptr;
  float *dq = grads.query.getFloatData(), *dk = grads.key.getFloatData(),
        *dv = grads.value.getFloatData();
  float alpha = static_cast<float>(scale);
  const float negInf = -std::numeric_limits<float>::infinity();

  // One task per (batch, KV head): it owns that head's dK and dV and adds
  // the query heads of its group and their blocks in a fixed order.
  parallelFor(
      batch * headsKV, 1, ctx.numThreads, [&](int64_t begin, int64_t end) {
        std::vector<float> probs, dprobs;
        for (int64_t task = begin; task < end; ++task) {
          int64_t b = task / headsKV, kvHead = task % headsKV;
          const float *kp = kd + (b * seqKV * headsKV + kvHead) * headDim;
          const float *vp = vd + (b * seqKV * headsKV + kvHead) * headDim;
          float *dkp = dk + (b * seqKV * headsKV + kvHead) * headDim;
          float *dvp = dv + (b * seqKV * headsKV + kvHead) * headDim;
          for (int64_t h = kvHead * group; h < (kvHead + 1) * group; ++h) {
            for (int64_t blk = 0; blk < blocksT; ++blk) {
              int64_t t0 = blk * kQueryBlock;
              int64_t t1 = std::min(seqQ, t0 + kQueryBlock);
              int64_t rows = t1 - t0;
              int64_t numKeys =
                  causal ? std::clamp<int64_t>(t1 + offset, 0, seqKV) : seqKV;
              if (numKeys == 0 || headDim == 0)
                continue; // Zero outputs: zero gradients (dq is zero-filled).
              int64_t rowOffset = (b * seqQ + t0) * headsQ + h;
              const float *qp = qd + rowOffset * headDim;
              const float *gp = gd + rowOffset * headDim;
              float *dqp = dq + rowOffset * headDim;
              probs.resize(rows * numKeys);
              dprobs.resize(rows * numKeys);
              // P: the forward's softmax, recomputed.
              cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows,
                          numKeys, headDim, alpha, qp, ldq, kp, ldkv, 0.0f,
                          probs.data(), numKeys);
              // dP = dO·Vᵀ.
              cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows,
                          numKeys, headDim, 1.0f, gp, ldq, vp, ldkv, 0.0f,
                          dprobs.data(), numKeys);
              for (int64_t r = 0; r < rows; ++r) {
                int64_t t = t0 + r;
                float *row = probs.data() + r * numKeys;
                float *drow = dprobs.data() + r * numKeys;
                int64_t visible =
                    causal ? std::clamp<int64_t>(t + offset + 1, 0, numKeys)
                           : numKeys;
                if (md) {
                  const float *mrow =
                      md + ((batchedMask ? b * seqQ : 0) + t) * seqKV;
                  for (int64_t s = 0; s < visible; ++s)
                    row[s] += mrow[s];
                }
                float maxScore = negInf;
                for (int64_t s = 0; s < visible; ++s)
                  maxScore = std::max(maxScore, row[s]);
                if (maxScore == negInf)
                  visible = 0; // A query that sees nothing has a zero output.
                double sum = 0.0;
                for (int64_t s = 0; s < visible; ++s) {
                  row[s] = std::exp(row[s] - maxScore);
                  sum += row[s];
                }
                float total = static_cast<float>(sum);
                double dot = 0.0;
                for (int64_t s = 0; s < visible; ++s) {
                  row[s] /= total;
                  dot += double(row[s]) * drow[s];
                }
                // dS = P ⊙ (dP − Σ P ⊙ dP), zero where nothing is seen.
                for (int64_t s = 0; s < visible; ++s)
                  drow[s] = static_cast<float>(row[s] * (drow[s] - dot));
                std::fill(row + visible, row + numKeys, 0.0f);
                std::fill(drow + visible, drow + numKeys, 0.0f);
              }
              // dQ = scale·dS·K, dK += scale·dSᵀ·Q, dV += Pᵀ·dO.
              cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows,
                          headDim, numKeys, alpha, dprobs.data(), numKeys, kp,
                          ldkv, 0.0f, dqp, ldq);
              cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, numKeys,
                          headDim, rows, alpha, dprobs.data(), numKeys, qp, ldq,
                          1.0f, dkp, ldkv);
              cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, numKeys,
                          headDim, rows, 1.0f, probs.data(), numKeys, gp, ldq,
                          1.0f, dvp, ldkv);
            }
          }
        }
      });
  return grads;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

static constexpr int64_t kElementwiseGrain = int64_t(1) << 16;

KernelResult mlir::ost::unaryBackward(UnaryOp op, const Tensor &dy,
                                      const Tensor &x,
                                      const KernelContext &ctx) {
  if (llvm::Error e = expectFloat(x, "the operand"))
    return std::move(e);
  if (llvm::Error e = expectGradient(dy, x.getShape()))
    return std::move(e);
  Tensor dx = Tensor::uninitialized(x.getShape());
  const float *in = x.getFloatData(), *g = dy.getFloatData();
  float *res = dx.getFloatData();
  parallelFor(x.getNumElements(), kElementwiseGrain, ctx.numThreads,
              [&](int64_t begin, int64_t end) {
                for (int64_t i = begin; i < end; ++i) {
                  float v = in[i];
                  switch (op) {
                  case UnaryOp::Neg:
                    res[i] = -g[i];
                    break;
                  case UnaryOp::Sqrt:
                    res[i] = g[i] * 0.5f / std::sqrt(v);
                    break;
                  case UnaryOp::Rsqrt:
                    res[i] = g[i] * -0.5f / (v * std::sqrt(v));
                    break;
                  case UnaryOp::Exp:
                    res[i] = g[i] * std::exp(v);
                    break;
                  case UnaryOp::SiLU: {
                    // d/dx x·σ(x) = σ(x)·(1 + x·(1 − σ(x))).
                    float sig = 1.0f / (1.0f + std::exp(-v));
                    res[i] = g[i] * sig * (1.0f + v * (1.0f - sig));
                    break;
                  }
                  }
                }
              });
  return dx;
}

llvm::Expected<BinaryGradients>
mlir::ost::binaryBackward(BinaryOp op, const Tensor &dy, const Tensor *a,
                          const Tensor *b, bool lhsGradient, bool rhsGradient,
                          const KernelContext &ctx) {
  if (!dy.isFloat())
    return kernelError("the result gradient must be a float tensor");
  // Mul: da = dy·b, db = dy·a. Div: da = dy/b, db = −dy·a/b².
  bool needA = false, needB = false;
  if (op == BinaryOp::Mul) {
    needA = rhsGradient;
    needB = lhsGradient;
  } else if (op == BinaryOp::Div) {
    needA = rhsGradient;
    needB = lhsGradient || rhsGradient;
  }
  for (auto [t, needed, name] :
       {std::tuple{a, needA, "left"}, {b, needB, "right"}}) {
    if (needed && !t)
      return kernelError(Twine("the ") + name + " operand is needed");
    if (t && (!t->isFloat() || t->getShape() != dy.getShape()))
      return kernelError(
          Twine("the ") + name + " operand " + t->getShapeString() +
          " does not match the result gradient " + dy.getShapeString());
  }
  BinaryGradients grads;
  const float *g = dy.getFloatData();
  const float *x = a ? a->getFloatData() : nullptr;
  const float *y = b ? b->getFloatData() : nullptr;
  int64_t n = dy.getNumElements();
  // Writes fn(i) for every element into a new tensor.
  auto map = [&](auto fn) {
    Tensor out = Tensor::uninitialized(dy.getShape());
    float *res = out.getFloatData();
    parallelFor(n, kElementwiseGrain, ctx.numThreads,
                [&](int64_t begin, int64_t end) {
                  for (int64_t i = begin; i < end; ++i)
                    res[i] = fn(i);
                });
    return out;
  };
  switch (op) {
  case BinaryOp::Add:
  case BinaryOp::Sub:
    if (lhsGradient)
      grads.lhs = dy;
    if (rhsGradient)
      grads.rhs =
          op == BinaryOp::Add ? dy : map([&](int64_t i) { return -g[i]; });
    break;
  case BinaryOp::Mul:
    if (lhsGradient)
      grads.lhs = map([&](int64_t i) { return g[i] * y[i]; });
    if (rhsGradient)
      grads.rhs = map([&](int64_t i) { return g[i] * x[i]; });
    break;
  case BinaryOp::Div:
    if (lhsGradient)
      grads.lhs = map([&](int64_t i) { return g[i] / y[i]; });
    if (rhsGradient)
      grads.rhs = map([&](int64_t i) { return -g[i] * x[i] / (y[i] * y[i]); });
    break;
  }
  return grads;
}

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

KernelResult mlir::ost::transposeBackward(const Tensor &dy,
                                          ArrayRef<int64_t> perm,
                                          const KernelContext &ctx) {
  int64_t rank = perm.size();
  SmallVector<int64_t> inverse(rank, -1);
  for (auto [i, p] : llvm::enumerate(perm)) {
    if (p < 0 || p >= rank || inverse[p] >= 0)
      return kernelError("invalid permutation");
    inverse[p] = i;
  }
  return transpose(dy, inverse, ctx);
}

KernelResult mlir::ost::extractSliceBackward(const Tensor &dy,
                                             ArrayRef<int64_t> sourceShape,
                                             ArrayRef<int64_t> offsets,
                                             ArrayRef<int64_t> sizes,
                                             ArrayRef<int64_t> strides) {
  int64_t rank = sourceShape.size();
  if (static_cast<int64_t>(offsets.size()) != rank ||
      static_cast<int64_t>(sizes.size()) != rank ||
      static_cast<int64_t>(strides.size()) != rank)
    return kernelError("slice parameters do not match the rank " + Twine(rank));
  int64_t count = 1;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t last = offsets[d] + (sizes[d] - 1) * strides[d];
    if (sizes[d] < 0 || strides[d] < 1 ||
        (sizes[d] > 0 && (offsets[d] < 0 || last >= sourceShape[d])))
      return kernelError("invalid slice in dimension " + Twine(d) +
                         " of the source " + formatShape(sourceShape));
    count *= sizes[d];
  }
  if (!dy.isFloat() || dy.getNumElements() != count)
    return kernelError("the result gradient " + dy.getShapeString() +
                       " does not match the slice " + formatShape(sizes));
  Tensor dx(sourceShape);
  if (count == 0)
    return dx;
  SmallVector<int64_t> inStrides = stridesOf(sourceShape);
  const float *g = dy.getFloatData();
  float *res = dx.getFloatData();
  if (rank == 0) {
    res[0] = g[0];
    return dx;
  }
  int64_t inner = sizes.back();
  for (int64_t r = 0, rows = count / inner; r < rows; ++r) {
    int64_t at = 0, rest = r;
    for (int64_t d = rank - 2; d >= 0; --d) {
      at += (offsets[d] + (rest % sizes[d]) * strides[d]) * inStrides[d];
      rest /= sizes[d];
    }
    at += offsets.back();
    for (int64_t j = 0; j < inner; ++j)
      res[at + j * strides.back()] = g[r * inner + j];
  }
  return dx;
}

llvm::Expected<SmallVector<Tensor>>
mlir::ost::concatBackward(const Tensor &dy, ArrayRef<int64_t> sizes,
                          int64_t dim) {
  int64_t rank = dy.getRank();
  if (!dy.isFloat() || dim < 0 || dim >= rank)
    return kernelError("the result gradient " + dy.getShapeString() +
                       " has no float dimension " + Twine(dim));
  int64_t total = 0;
  for (int64_t s : sizes)
    total += s;
  if (total != dy.getDimSize(dim) ||
      llvm::any_of(sizes, [](int64_t s) { return s < 0; }))
    return kernelError("the pieces do not add up to dimension " + Twine(dim) +
                       " of the result gradient " + dy.getShapeString());
  SmallVector<Tensor> pieces;
  SmallVector<int64_t> offsets(rank, 0), shape(dy.getShape()), strides(rank, 1);
  for (int64_t s : sizes) {
    shape[dim] = s;
    KernelResult piece = extractSlice(dy, offsets, shape, strides);
    if (!piece)
      return piece.takeError();
    pieces.push_back(std::move(*piece));
    offsets[dim] += s;
  }
  return pieces;
}

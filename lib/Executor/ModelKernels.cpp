//===- ModelKernels.cpp - embedding, norms, linear, RoPE, attention -------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Kernels of the model ops of the dialect and of the shape and elementwise
// ops the executor runs. Matrix products use OpenBLAS on fixed tiles.
//
//===----------------------------------------------------------------------===//

#include "ost/Executor/Kernels.h"

#include "KernelUtils.h"
#include "Threading.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::detail;

namespace {

/// Formats flat index `flat` of `shape` as a multi-index "[i0, i1, ...]".
std::string formatIndex(ArrayRef<int64_t> shape, int64_t flat) {
  SmallVector<int64_t> index(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    int64_t size = std::max<int64_t>(shape[d], 1);
    index[d] = flat % size;
    flat /= size;
  }
  return formatShape(index);
}

/// Row-major strides of `shape`.
SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
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

KernelResult mlir::ost::embedding(const Tensor &table, const Tensor &ids,
                                  const KernelContext &ctx) {
  if (!table.isFloat() || table.getRank() != 2)
    return kernelError("the table must be a float matrix [vocab, dim], got " +
                       table.getShapeString());
  if (!ids.isInteger())
    return kernelError("token ids must be integers");
  int64_t vocab = table.getDimSize(0), dim = table.getDimSize(1);
  for (int64_t i = 0, e = ids.getNumElements(); i < e; ++i) {
    int64_t id = ids.getInt(i);
    if (id < 0 || id >= vocab)
      return kernelError("token id " + Twine(id) + " at index " +
                         formatIndex(ids.getShape(), i) +
                         " is out of range [0, " + Twine(vocab) + ")");
  }
  SmallVector<int64_t> shape(ids.getShape());
  shape.push_back(dim);
  Tensor out = Tensor::uninitialized(shape);
  const float *src = table.getFloatData();
  float *dst = out.getFloatData();
  parallelFor(ids.getNumElements(), grainFor(dim), ctx.numThreads,
              [&](int64_t begin, int64_t end) {
                for (int64_t i = begin; i < end; ++i)
                  std::memcpy(dst + i * dim, src + ids.getInt(i) * dim,
                              dim * sizeof(float));
              });
  return out;
}

KernelResult mlir::ost::rmsNorm(const Tensor &x, const Tensor *weight,
                                double epsilon, const KernelContext &ctx) {
  if (llvm::Error e = expectFloat(x, "the input"))
    return std::move(e);
  if (x.getRank() == 0)
    return kernelError("the input must have rank >= 1");
  int64_t dim = x.getDimSize(-1);
  if (weight && (!weight->isFloat() || weight->getRank() != 1 ||
                 weight->getDimSize(0) != dim))
    return kernelError("the weight " + weight->getShapeString() +
                       " does not match the normalized dimension (" +
                       Twine(dim) + ")");
  Tensor out = Tensor::uninitialized(x.getShape());
  const float *in = x.getFloatData();
  const float *w = weight ? weight->getFloatData() : nullptr;
  float *res = out.getFloatData();
  parallelFor(x.getNumRows(), grainFor(dim), ctx.numThreads,
              [&](int64_t begin, int64_t end) {
                for (int64_t r = begin; r < end; ++r) {
                  const float *row = in + r * dim;
                  double sumSq = 0.0;
                  for (int64_t i = 0; i < dim; ++i)
                    sumSq += double(row[i]) * double(row[i]);
                  double meanSq = dim ? sumSq / double(dim) : 0.0;
                  float inv = float(1.0 / std::sqrt(meanSq + epsilon));
                  float *o = res + r * dim;
                  for (int64_t i = 0; i < dim; ++i)
                    o[i] = w ? (row[i] * inv) * w[i] : row[i] * inv;
                }
              });
  return out;
}

KernelResult mlir::ost::linear(const Tensor &x, const Tensor &weight,
                               const Tensor *bias, const KernelContext &ctx) {
  if (llvm::Error e = expectFloat(x, "the input"))
    return std::move(e);
  if (!weight.isFloat() || weight.getRank() != 2)
    return kernelError("the weight must be a float matrix [out, in], got " +
                       weight.getShapeString());
  if (x.getRank() == 0)
    return kernelError("the input must have rank >= 1");
  int64_t k = x.getDimSize(-1), n = weight.getDimSize(0);
  if (weight.getDimSize(1) != k)
    return kernelError("the input " + x.getShapeString() + " has " + Twine(k) +
                       " features but the weight " + weight.getShapeString() +
                       " expects " + Twine(weight.getDimSize(1)));
  if (bias && (!bias->isFloat() || bias->getRank() != 1 ||
               bias->getDimSize(0) != n))
    return kernelError("the bias " + bias->getShapeString() +
                       " does not match the " + Twine(n) + " output features");
  SmallVector<int64_t> shape(x.getShape());
  shape.back() = n;
  Tensor out = Tensor::uninitialized(shape);
  int64_t m = x.getNumRows();
  float *y = out.getFloatData();
  parallelSgemm(/*transA=*/false, /*transB=*/true, m, n, k, 1.0f,
                x.getFloatData(), k, weight.getFloatData(), k, y, n,
                ctx.numThreads);
  if (bias) {
    const float *b = bias->getFloatData();
    parallelFor(m, grainFor(n), ctx.numThreads,
                [&](int64_t begin, int64_t end) {
                  for (int64_t r = begin; r < end; ++r)
                    for (int64_t j = 0; j < n; ++j)
                      y[r * n + j] += b[j];
                });
  }
  return out;
}

//===----------------------------------------------------------------------===//
// RoPE
//===----------------------------------------------------------------------===//

KernelResult mlir::ost::rope(const Tensor &x, const Tensor &cos,
                             const Tensor &sin, RopeLayout layout,
                             const KernelContext &ctx) {
  if (!x.isFloat() || x.getRank() != 4)
    return kernelError("the input must be a float [batch, seq, heads, "
                       "head_dim] tensor, got " +
                       x.getShapeString());
  int64_t batch = x.getDimSize(0), seq = x.getDimSize(1),
          heads = x.getDimSize(2), headDim = x.getDimSize(3);
  if (headDim % 2 != 0)
    return kernelError("head_dim must be even, got " + Twine(headDim));
  int64_t half = headDim / 2;
  for (const Tensor *t : {&cos, &sin}) {
    bool ok = t->isFloat() &&
              ((t->getRank() == 2 && t->getDimSize(0) == seq &&
                t->getDimSize(1) == half) ||
               (t->getRank() == 3 && t->getDimSize(0) == batch &&
                t->getDimSize(1) == seq && t->getDimSize(2) == half));
    if (!ok)
      return kernelError("cos/sin tables must be [" + Twine(seq) + ", " +
                         Twine(half) + "] or [" + Twine(batch) + ", " +
                         Twine(seq) + ", " + Twine(half) + "], got " +
                         t->getShapeString());
  }
  if (cos.getShape() != sin.getShape())
    return kernelError("cos " + cos.getShapeString() + " and sin " +
                       sin.getShapeString() + " tables differ in shape");
  bool perBatch = cos.getRank() == 3;
  Tensor out = Tensor::uninitialized(x.getShape());
  const float *in = x.getFloatData();
  const float *c = cos.getFloatData(), *s = sin.getFloatData();
  float *res = out.getFloatData();
  bool interleaved = layout == RopeLayout::Interleaved;
  parallelFor(
      batch * seq, grainFor(heads * headDim), ctx.numThreads,
      [&](int64_t begin, int64_t end) {
        for (int64_t bt = begin; bt < end; ++bt) {
          int64_t t = bt % seq;
          const float *cr = c + (perBatch ? bt : t) * half;
          const float *sr = s + (perBatch ? bt : t) * half;
          for (int64_t h = 0; h < heads; ++h) {
            const float *xi = in + (bt * heads + h) * headDim;
            float *xo = res + (bt * heads + h) * headDim;
            for (int64_t i = 0; i < half; ++i) {
              int64_t ia = interleaved ? 2 * i : i;
              int64_t ib = interleaved ? 2 * i + 1 : i + half;
              float a = xi[ia], b = xi[ib];
              xo[ia] = a * cr[i] - b * sr[i];
              xo[ib] = b * cr[i] + a * sr[i];
            }
          }
        }
      });
  return out;
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

/// Queries per attention task: fixed, so tasks do not depend on threads.
static constexpr int64_t kQueryBlock = 64;

KernelResult mlir::ost::attention(const Tensor &q, const Tensor &k,
                                  const Tensor &v, const Tensor *mask,
                                  double scale, bool causal,
                                  const KernelContext &ctx) {
  for (auto [t, name] : {std::pair{&q, "query"}, {&k, "key"}, {&v, "value"}})
    if (!t->isFloat() || t->getRank() != 4)
      return kernelError(Twine("the ") + name +
                         " must be a float [batch, seq, heads, head_dim] "
                         "tensor, got " +
                         t->getShapeString());
  int64_t batch = q.getDimSize(0), seqQ = q.getDimSize(1),
          headsQ = q.getDimSize(2), headDim = q.getDimSize(3);
  int64_t seqKV = k.getDimSize(1), headsKV = k.getDimSize(2);
  if (k.getShape() != v.getShape())
    return kernelError("key " + k.getShapeString() + " and value " +
                       v.getShapeString() + " differ in shape");
  if (k.getDimSize(0) != batch || k.getDimSize(3) != headDim)
    return kernelError("query " + q.getShapeString() + " and key " +
                       k.getShapeString() +
                       " differ in batch or head_dim");
  if (headsKV == 0 || headsQ % headsKV != 0)
    return kernelError("query heads (" + Twine(headsQ) +
                       ") must be a multiple of KV heads (" + Twine(headsKV) +
                       ")");
  bool batchedMask = false;
  if (mask) {
    bool ok2 = mask->getRank() == 2 && mask->getDimSize(0) == seqQ &&
               mask->getDimSize(1) == seqKV;
    bool ok4 = mask->getRank() == 4 && mask->getDimSize(0) == batch &&
               mask->getDimSize(1) == 1 && mask->getDimSize(2) == seqQ &&
               mask->getDimSize(3) == seqKV;
    if (!mask->isFloat() || (!ok2 && !ok4))
      return kernelError("the mask must be [" + Twine(seqQ) + ", " +
                         Twine(seqKV) + "] or [" + Twine(batch) + ", 1, " +
                         Twine(seqQ) + ", " + Twine(seqKV) + "], got " +
                         mask->getShapeString());
    batchedMask = ok4;
  }
  Tensor out = Tensor::uninitialized(q.getShape());
  if (out.getNumElements() == 0)
    return out;
  int64_t group = headsQ / headsKV;
  int64_t ldq = headsQ * headDim, ldkv = headsKV * headDim;
  int64_t offset = seqKV - seqQ;
  int64_t blocksT = (seqQ + kQueryBlock - 1) / kQueryBlock;
  const float *qd = q.getFloatData(), *kd = k.getFloatData(),
              *vd = v.getFloatData();
  const float *md = mask ? mask->getFloatData() : nullptr;
  float *od = out.getFloatData();
  float alpha = static_cast<float>(scale);
  const float negInf = -std::numeric_limits<float>::infinity();

  parallelFor(batch * headsQ * blocksT, 1, ctx.numThreads, [&](int64_t begin,
                                                              int64_t end) {
    std::vector<float> scores;
    for (int64_t task = begin; task < end; ++task) {
      int64_t b = task / (headsQ * blocksT);
      int64_t h = (task / blocksT) % headsQ;
      int64_t t0 = (task % blocksT) * kQueryBlock;
      int64_t t1 = std::min(seqQ, t0 + kQueryBlock);
      int64_t rows = t1 - t0;
      int64_t kvHead = h / group;
      // Keys any query of the block can see.
      int64_t numKeys =
          causal ? std::clamp<int64_t>(t1 + offset, 0, seqKV) : seqKV;
      const float *qp = qd + ((b * seqQ + t0) * headsQ + h) * headDim;
      const float *kp = kd + (b * seqKV * headsKV + kvHead) * headDim;
      const float *vp = vd + (b * seqKV * headsKV + kvHead) * headDim;
      float *op = od + ((b * seqQ + t0) * headsQ + h) * headDim;
      if (numKeys == 0 || headDim == 0) {
        for (int64_t r = 0; r < rows; ++r)
          std::fill(op + r * ldq, op + r * ldq + headDim, 0.0f);
        continue;
      }
      scores.resize(rows * numKeys);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, numKeys,
                  headDim, alpha, qp, ldq, kp, ldkv, 0.0f, scores.data(),
                  numKeys);
      for (int64_t r = 0; r < rows; ++r) {
        int64_t t = t0 + r;
        float *row = scores.data() + r * numKeys;
        int64_t visible =
            causal ? std::clamp<int64_t>(t + offset + 1, 0, numKeys) : numKeys;
        if (md) {
          const float *mrow =
              md + ((batchedMask ? b * seqQ : 0) + t) * seqKV;
          for (int64_t s = 0; s < visible; ++s)
            row[s] += mrow[s];
        }
        float maxScore = negInf;
        for (int64_t s = 0; s < visible; ++s)
          maxScore = std::max(maxScore, row[s]);
        if (maxScore == negInf) {
          // Nothing visible: a zero output rather than NaN.
          std::fill(row, row + numKeys, 0.0f);
          continue;
        }
        double sum = 0.0;
        for (int64_t s = 0; s < visible; ++s) {
          row[s] = std::exp(row[s] - maxScore);
          sum += row[s];
        }
        float total = static_cast<float>(sum);
        for (int64_t s = 0; s < visible; ++s)
          row[s] /= total;
        std::fill(row + visible, row + numKeys, 0.0f);
      }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, headDim,
                  numKeys, 1.0f, scores.data(), numKeys, vp, ldkv, 0.0f, op,
                  ldq);
    }
  });
  return out;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

static constexpr int64_t kElementwiseGrain = int64_t(1) << 16;

KernelResult mlir::ost::unary(UnaryOp op, const Tensor &x,
                              const KernelContext &ctx) {
  if (llvm::Error e = expectFloat(x, "the operand"))
    return std::move(e);
  Tensor out = Tensor::uninitialized(x.getShape());
  const float *in = x.getFloatData();
  float *res = out.getFloatData();
  parallelFor(x.getNumElements(), kElementwiseGrain, ctx.numThreads,
              [&](int64_t begin, int64_t end) {
                for (int64_t i = begin; i < end; ++i) {
                  float v = in[i];
                  switch (op) {
                  case UnaryOp::Neg:
                    res[i] = -v;
                    break;
                  case UnaryOp::Sqrt:
                    res[i] = std::sqrt(v);
                    break;
                  case UnaryOp::Rsqrt:
                    res[i] = 1.0f / std::sqrt(v);
                    break;
                  case UnaryOp::Exp:
                    res[i] = std::exp(v);
                    break;
                  case UnaryOp::SiLU:
                    res[i] = v / (1.0f + std::exp(-v));
                    break;
                  }
                }
              });
  return out;
}

KernelResult mlir::ost::binary(BinaryOp op, const Tensor &a, const Tensor &b,
                               const KernelContext &ctx) {
  if (llvm::Error e = expectFloat(a, "the left operand"))
    return std::move(e);
  if (llvm::Error e = expectFloat(b, "the right operand"))
    return std::move(e);
  if (a.getShape() != b.getShape())
    return kernelError("operand shapes differ: " + a.getShapeString() +
                       " vs " + b.getShapeString());
  Tensor out = Tensor::uninitialized(a.getShape());
  const float *x = a.getFloatData(), *y = b.getFloatData();
  float *res = out.getFloatData();
  parallelFor(a.getNumElements(), kElementwiseGrain, ctx.numThreads,
              [&](int64_t begin, int64_t end) {
                for (int64_t i = begin; i < end; ++i) {
                  switch (op) {
                  case BinaryOp::Add:
                    res[i] = x[i] + y[i];
                    break;
                  case BinaryOp::Sub:
                    res[i] = x[i] - y[i];
                    break;
                  case BinaryOp::Mul:
                    res[i] = x[i] * y[i];
                    break;
                  case BinaryOp::Div:
                    res[i] = x[i] / y[i];
                    break;
                  }
                }
              });
  return out;
}

//===----------------------------------------------------------------------===//
// Shapes: transpose, slice, concat
//===----------------------------------------------------------------------===//

/// Copies the elements of `in` at offset base + Σ index[d]·inStrides[d] for
/// every index of `outShape` (row-major) into `out`. Element size generic.
static void gatherStrided(const Tensor &in, Tensor &out, int64_t base,
                          ArrayRef<int64_t> inStrides, unsigned numThreads) {
  ArrayRef<int64_t> outShape = out.getShape();
  int64_t rank = outShape.size();
  int64_t elemBytes = in.getElementByteSize();
  const char *src = static_cast<const char *>(in.getRawData());
  char *dst = static_cast<char *>(out.getRawData());
  if (rank == 0) {
    std::memcpy(dst, src + base * elemBytes, elemBytes);
    return;
  }
  int64_t inner = outShape.back(), innerStride = inStrides.back();
  int64_t rows = out.getNumElements() / std::max<int64_t>(inner, 1);
  if (inner == 0)
    return;
  parallelFor(rows, grainFor(inner), numThreads, [&](int64_t begin,
                                                     int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      int64_t offset = base, rest = r;
      for (int64_t d = rank - 2; d >= 0; --d) {
        offset += (rest % outShape[d]) * inStrides[d];
        rest /= outShape[d];
      }
      char *o = dst + r * inner * elemBytes;
      if (innerStride == 1) {
        std::memcpy(o, src + offset * elemBytes, inner * elemBytes);
        continue;
      }
      for (int64_t j = 0; j < inner; ++j)
        std::memcpy(o + j * elemBytes,
                    src + (offset + j * innerStride) * elemBytes, elemBytes);
    }
  });
}

KernelResult mlir::ost::transpose(const Tensor &x, ArrayRef<int64_t> perm,
                                  const KernelContext &ctx) {
  int64_t rank = x.getRank();
  if (static_cast<int64_t>(perm.size()) != rank)
    return kernelError("the permutation has " + Twine(perm.size()) +
                       " entries but the input has rank " + Twine(rank));
  SmallVector<bool> seen(rank, false);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p])
      return kernelError("invalid permutation");
    seen[p] = true;
  }
  SmallVector<int64_t> inStrides = stridesOf(x.getShape());
  SmallVector<int64_t> shape, strides;
  for (int64_t p : perm) {
    shape.push_back(x.getDimSize(p));
    strides.push_back(inStrides[p]);
  }
  Tensor out = Tensor::uninitialized(shape, x.getDType(), x.getIntWidth());
  if (out.getNumElements() > 0)
    gatherStrided(x, out, 0, strides, ctx.numThreads);
  return out;
}

KernelResult mlir::ost::extractSlice(const Tensor &x, ArrayRef<int64_t> offsets,
                                     ArrayRef<int64_t> sizes,
                                     ArrayRef<int64_t> strides) {
  int64_t rank = x.getRank();
  if (static_cast<int64_t>(offsets.size()) != rank ||
      static_cast<int64_t>(sizes.size()) != rank ||
      static_cast<int64_t>(strides.size()) != rank)
    return kernelError("slice parameters do not match the rank " +
                       Twine(rank));
  SmallVector<int64_t> inStrides = stridesOf(x.getShape());
  SmallVector<int64_t> sliceStrides;
  int64_t base = 0;
  for (int64_t d = 0; d < rank; ++d) {
    if (sizes[d] < 0 || strides[d] < 1)
      return kernelError("invalid slice size or stride in dimension " +
                         Twine(d));
    int64_t last = offsets[d] + (sizes[d] - 1) * strides[d];
    if (sizes[d] > 0 &&
        (offsets[d] < 0 || last >= x.getDimSize(d)))
      return kernelError("slice [offset " + Twine(offsets[d]) + ", size " +
                         Twine(sizes[d]) + ", stride " + Twine(strides[d]) +
                         "] is out of bounds in dimension " + Twine(d) +
                         " of size " + Twine(x.getDimSize(d)));
    base += offsets[d] * inStrides[d];
    sliceStrides.push_back(inStrides[d] * strides[d]);
  }
  Tensor out = Tensor::uninitialized(sizes, x.getDType(), x.getIntWidth());
  if (out.getNumElements() > 0)
    gatherStrided(x, out, base, sliceStrides, /*numThreads=*/1);
  return out;
}

KernelResult mlir::ost::concat(ArrayRef<const Tensor *> inputs, int64_t dim) {
  if (inputs.empty())
    return kernelError("concatenation of no tensors");
  const Tensor &first = *inputs.front();
  int64_t rank = first.getRank();
  if (dim < 0 || dim >= rank)
    return kernelError("concatenation dimension " + Twine(dim) +
                       " is out of range for rank " + Twine(rank));
  SmallVector<int64_t> shape(first.getShape());
  shape[dim] = 0;
  for (const Tensor *t : inputs) {
    bool ok = t->getRank() == rank && t->getDType() == first.getDType();
    for (int64_t d = 0; ok && d < rank; ++d)
      ok = d == dim || t->getDimSize(d) == first.getDimSize(d);
    if (!ok)
      return kernelError("cannot concatenate " + t->getShapeString() +
                         " with " + first.getShapeString() +
                         " along dimension " + Twine(dim));
    shape[dim] += t->getDimSize(dim);
  }
  Tensor out = Tensor::uninitialized(shape, first.getDType(), first.getIntWidth());
  int64_t outer = 1;
  for (int64_t d = 0; d < dim; ++d)
    outer *= shape[d];
  int64_t elemBytes = first.getElementByteSize();
  int64_t outRow = out.getNumElements() / std::max<int64_t>(outer, 1);
  char *dst = static_cast<char *>(out.getRawData());
  int64_t column = 0;
  for (const Tensor *t : inputs) {
    int64_t row = t->getNumElements() / std::max<int64_t>(outer, 1);
    const char *src = static_cast<const char *>(t->getRawData());
    for (int64_t o = 0; o < outer && row > 0; ++o)
      std::memcpy(dst + (o * outRow + column) * elemBytes,
                  src + o * row * elemBytes, row * elemBytes);
    column += row;
  }
  return out;
}

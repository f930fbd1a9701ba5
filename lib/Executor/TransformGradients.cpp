//===- TransformGradients.cpp - reverse rules of the transform kernels ----===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Vector-Jacobian products of ost.apply (activation side, float32),
// ost.transform_weight (weight side, float64 like the forward and rounded to
// float32 once), ost.repeat_heads and ost.online_hadamard (Gradients.h).
//
// Notation: a rotation's forward is x·R (x·Rᵀ with `inverse`) on the
// activation side, W·R (W·Rᵀ) on the input side of a weight and Rᵀ·W (R·W)
// on its output side. For Y = A·B the gradients are dA = dY·Bᵀ and
// dB = Aᵀ·dY; everything below is that rule applied blockwise.
//
//===----------------------------------------------------------------------===//

#include "ost/Executor/Gradients.h"

#include "KernelUtils.h"
#include "Threading.h"

#include "ost/Support/HadamardSizes.h"

#include <algorithm>
#include <optional>
#include <vector>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::detail;

namespace {

std::vector<double> toDouble(const Tensor &t) {
  ArrayRef<float> f = t.getFloats();
  return std::vector<double>(f.begin(), f.end());
}

/// A float32 tensor of `shape` holding `values` rounded once.
Tensor fromDouble(ArrayRef<int64_t> shape, ArrayRef<double> values) {
  Tensor t = Tensor::uninitialized(shape);
  float *out = t.getFloatData();
  for (size_t i = 0, e = values.size(); i < e; ++i)
    out[i] = static_cast<float>(values[i]);
  return t;
}

/// out = in·𝓗ᵀ (each row r ↦ 𝓗r), or in·𝓗 with `transpose`, for a
/// rows × n matrix whose n has a Hadamard factorization. When the K×K
/// factor is most of 𝓗 (n ≤ 4·K, e.g. n = 172 = K), the structured transform
/// costs about as many operations as a dense product, so one GEMM with the
/// dense 𝓗 is used instead (several times faster); otherwise the fast
/// transform is applied row by row.
void hadamardRowsInto(const float *in, float *out, int64_t rows, int64_t n,
                      bool transpose, unsigned numThreads) {
  std::optional<int64_t> k = getHadamardFactor(n);
  if (k && n <= 4 * *k && rows >= n) {
    std::vector<double> dense = getNormalizedHadamard(n);
    std::vector<float> h(dense.begin(), dense.end());
    parallelSgemm(false, /*transB=*/!transpose, rows, n, n, 1.0f, in, n,
                  h.data(), n, out, n, numThreads);
    return;
  }
  std::copy(in, in + rows * n, out);
  hadamardRows(out, rows, n, transpose, numThreads);
}

} // namespace

//===----------------------------------------------------------------------===//
// Activation side
//===----------------------------------------------------------------------===//

llvm::Expected<TransformGradients> mlir::ost::applyTransformBackward(
    const Tensor &dy, const Tensor *x, const Transform &t, bool inverse,
    bool inputGradient, const KernelContext &ctx) {
  if (llvm::Error e = validateTransform(t))
    return std::move(e);
  if (!dy.isFloat() || dy.getRank() == 0 || dy.getDimSize(-1) != t.dim)
    return kernelError("the result gradient " + dy.getShapeString() +
                       " does not match a transform of dimension " +
                       Twine(t.dim));
  if (x && (!x->isFloat() || x->getShape() != dy.getShape()))
    return kernelError("the input " + x->getShapeString() +
                       " does not match the result gradient " +
                       dy.getShapeString());
  int64_t d = t.dim, rows = dy.getNumRows();
  bool transformGradient = x && t.kind != TransformKind::Hadamard;
  const float *g = dy.getFloatData();
  const float *in = x ? x->getFloatData() : nullptr;
  unsigned threads = ctx.numThreads;
  TransformGradients grads;
  if (inputGradient)
    grads.input = Tensor::uninitialized(dy.getShape());
  if (transformGradient)
    grads.transform = Tensor::uninitialized(t.value.getShape());
  float *dx = inputGradient ? grads.input->getFloatData() : nullptr;
  float *dt = transformGradient ? grads.transform->getFloatData() : nullptr;

  switch (t.kind) {
  case TransformKind::Hadamard:
    // y = 𝓗x per row (𝓗ᵀx with `inverse`).
    if (inputGradient)
      hadamardRowsInto(g, dx, rows, d, /*transpose=*/!inverse, threads);
    break;
  case TransformKind::Rotation:
  case TransformKind::BlockRotation: {
    bool block = t.kind == TransformKind::BlockRotation;
    int64_t bs = block ? t.blockSize : d, blocks = block ? t.blocks : 1;
    const float *r = t.value.getFloatData();
    for (int64_t j = 0; j < blocks; ++j) {
      const float *rj = r + j * bs * bs;
      // y = x·R: dx = dy·Rᵀ, dR = xᵀ·dy; y = x·Rᵀ: dx = dy·R, dR = dyᵀ·x.
      if (inputGradient)
        parallelSgemm(false, /*transB=*/!inverse, rows, bs, bs, 1.0f,
                      g + j * bs, d, rj, bs, dx + j * bs, d, threads);
      if (transformGradient) {
        const float *a = inverse ? g : in, *b = inverse ? in : g;
        parallelSgemm(/*transA=*/true, false, bs, bs, rows, 1.0f, a + j * bs, d,
                      b + j * bs, d, dt + j * bs * bs, bs, threads);
      }
    }
    break;
  }
  case TransformKind::Scale: {
    // y = x ⊙ s: dx = dy ⊙ s, ds = Σ dy ⊙ x; y = x ⊘ s: dx = dy ⊘ s,
    // ds = −Σ dy ⊙ x ⊘ s².
    const float *s = t.value.getFloatData();
    if (inputGradient)
      parallelFor(rows, grainFor(d), threads, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r)
          for (int64_t i = 0; i < d; ++i)
            dx[r * d + i] = inverse ? g[r * d + i] / s[i] : g[r * d + i] * s[i];
      });
    if (transformGradient) {
      std::vector<double> sums(d);
      accumulateRows(
          rows, d, threads,
          [&](int64_t begin, int64_t end, double *acc) {
            for (int64_t r = begin; r < end; ++r)
              for (int64_t i = 0; i < d; ++i)
                acc[i] += double(g[r * d + i]) * in[r * d + i];
          },
          sums.data());
      for (int64_t i = 0; i < d; ++i)
        dt[i] = static_cast<float>(
            inverse ? -sums[i] / (double(s[i]) * double(s[i])) : sums[i]);
    }
    break;
  }
  }
  return grads;
}

KernelResult mlir::ost::onlineHadamardBackward(const Tensor &dy, bool transpose,
                                               const KernelContext &ctx) {
  if (!dy.isFloat() || dy.getRank() == 0)
    return kernelError("the result gradient must be a float tensor of rank "
                       ">= 1");
  int64_t n = dy.getDimSize(-1);
  if (!getHadamardFactor(n))
    return kernelError("no Hadamard matrix of size " + Twine(n) +
                       " is known (supported: K*2^m with K in " +
                       formatKnownHadamardOrders() + ")");
  Tensor dx = Tensor::uninitialized(dy.getShape());
  hadamardRowsInto(dy.getFloatData(), dx.getFloatData(), dy.getNumRows(), n,
                   /*transpose=*/!transpose, ctx.numThreads);
  return dx;
}

KernelResult mlir::ost::repeatHeadsBackward(const Tensor &dRepeated,
                                            const Transform &t, int64_t headDim,
                                            int64_t repeats) {
  if (llvm::Error e = validateTransform(t))
    return std::move(e);
  if (t.kind != TransformKind::Scale && t.kind != TransformKind::BlockRotation)
    return kernelError("only scales and block rotations repeat over heads");
  if (headDim <= 0 || repeats <= 0 || t.dim % headDim != 0 ||
      (t.kind == TransformKind::BlockRotation && t.blockSize != headDim))
    return kernelError("cannot repeat heads of " + Twine(headDim) +
                       " channels " + Twine(repeats) +
                       " times in a transform of dimension " + Twine(t.dim));
  int64_t chunk = t.kind == TransformKind::Scale ? headDim : headDim * headDim;
  int64_t heads = t.value.getNumElements() / chunk;
  if (!dRepeated.isFloat() ||
      dRepeated.getNumElements() != t.value.getNumElements() * repeats)
    return kernelError("the gradient " + dRepeated.getShapeString() +
                       " does not match " + Twine(repeats) +
                       " repeats of the parameters " +
                       t.value.getShapeString());
  Tensor out = Tensor::uninitialized(t.value.getShape());
  const float *src = dRepeated.getFloatData();
  float *dst = out.getFloatData();
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t i = 0; i < chunk; ++i) {
      double sum = 0.0;
      for (int64_t r = 0; r < repeats; ++r)
        sum += src[(h * repeats + r) * chunk + i];
      dst[h * chunk + i] = static_cast<float>(sum);
    }
  return out;
}

//===----------------------------------------------------------------------===//
// Weight side
//===----------------------------------------------------------------------===//

llvm::Expected<TransformGradients> mlir::ost::transformWeightBackward(
    const Tensor &dy, const Tensor *weight, const Transform &t, WeightSide side,
    bool inverse, bool weightGradient, const KernelContext &ctx) {
  bool inputSide = side == WeightSide::Input;
  if (!dy.isFloat() || (dy.getRank() != 1 && dy.getRank() != 2))
    return kernelError("the result gradient must be a float matrix or "
                       "vector, got " +
                       dy.getShapeString());
  if (dy.getRank() == 1 && inputSide)
    return kernelError("a vector (bias) can only be transformed on the "
                       "output side");
  if (weight && (!weight->isFloat() || weight->getShape() != dy.getShape()))
    return kernelError("the weight " + weight->getShapeString() +
                       " does not match the result gradient " +
                       dy.getShapeString());
  if (llvm::Error e = validateTransform(t))
    return std::move(e);
  int64_t n = dy.getDimSize(0);
  int64_t k = dy.getRank() == 2 ? dy.getDimSize(1) : 1;
  if ((inputSide ? k : n) != t.dim)
    return kernelError("the transform acts on dimension " + Twine(t.dim) +
                       " but the result gradient " + dy.getShapeString() +
                       " has " + Twine(inputSide ? k : n) +
                       (inputSide ? " input features" : " output features"));

  bool transformGradient = weight && t.kind != TransformKind::Hadamard;
  std::vector<double> g = toDouble(dy);
  std::vector<double> w = weight ? toDouble(*weight) : std::vector<double>();
  std::vector<double> dw(weightGradient ? g.size() : 0);
  std::vector<double> dt(transformGradient ? t.value.getNumElements() : 0);
  unsigned threads = ctx.numThreads;

  switch (t.kind) {
  case TransformKind::Rotation:
  case TransformKind::BlockRotation: {
    bool block = t.kind == TransformKind::BlockRotation;
    int64_t bs = block ? t.blockSize : t.dim, blocks = block ? t.blocks : 1;
    std::vector<double> r = toDouble(t.value);
    // In dR, the factor that is transposed: W·R and Rᵀ·W give dR = Wᵀ·dY and
    // W·dYᵀ; the inverses W·Rᵀ and R·W give dR = dYᵀ·W and dY·Wᵀ.
    const double *a = inverse ? g.data() : w.data();
    const double *b = inverse ? w.data() : g.data();
    for (int64_t j = 0; j < blocks; ++j) {
      const double *rj = r.data() + j * bs * bs;
      double *dtj = transformGradient ? dt.data() + j * bs * bs : nullptr;
      if (inputSide) {
        // Columns j·bs… of W: dW = dY·Rᵀ (dY·R with `inverse`).
        if (weightGradient)
          parallelDgemm(false, /*transB=*/!inverse, n, bs, bs, 1.0,
                        g.data() + j * bs, k, rj, bs, dw.data() + j * bs, k,
                        threads);
        if (transformGradient)
          parallelDgemm(/*transA=*/true, false, bs, bs, n, 1.0, a + j * bs, k,
                        b + j * bs, k, dtj, bs, threads);
      } else {
        // Rows j·bs… of W: dW = R·dY (Rᵀ·dY with `inverse`).
        if (weightGradient)
          parallelDgemm(/*transA=*/inverse, false, bs, k, bs, 1.0, rj, bs,
                        g.data() + j * bs * k, k, dw.data() + j * bs * k, k,
                        threads);
        if (transformGradient)
          parallelDgemm(false, /*transB=*/true, bs, bs, k, 1.0, a + j * bs * k,
                        k, b + j * bs * k, k, dtj, bs, threads);
      }
    }
    break;
  }
  case TransformKind::Scale: {
    ArrayRef<float> s = t.value.getFloats();
    // The forward divides by s (input side) or multiplies (output side);
    // `inverse` swaps the two.
    bool divide = inputSide != inverse;
    if (weightGradient)
      parallelFor(n, grainFor(k), threads, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i)
          for (int64_t j = 0; j < k; ++j) {
            double sv = s[inputSide ? j : i];
            dw[i * k + j] = divide ? g[i * k + j] / sv : g[i * k + j] * sv;
          }
      });
    if (transformGradient) {
      // Σ dY ⊙ W over the dimension the scale does not act on.
      std::vector<double> sums(t.dim);
      if (inputSide)
        accumulateRows(
            n, k, threads,
            [&](int64_t begin, int64_t end, double *acc) {
              for (int64_t i = begin; i < end; ++i)
                for (int64_t j = 0; j < k; ++j)
                  acc[j] += g[i * k + j] * w[i * k + j];
            },
            sums.data());
      else
        parallelFor(n, grainFor(k), threads, [&](int64_t begin, int64_t end) {
          for (int64_t i = begin; i < end; ++i) {
            double sum = 0.0;
            for (int64_t j = 0; j < k; ++j)
              sum += g[i * k + j] * w[i * k + j];
            sums[i] = sum;
          }
        });
      for (int64_t i = 0; i < t.dim; ++i)
        dt[i] = divide ? -sums[i] / (double(s[i]) * double(s[i])) : sums[i];
    }
    break;
  }
  case TransformKind::Hadamard: {
    if (!weightGradient)
      break;
    if (inputSide) {
      // Rows r ↦ 𝓗r (𝓗ᵀr with `inverse`): gradients go back through 𝓗ᵀ.
      dw = g;
      hadamardRows(dw.data(), n, k, /*transpose=*/!inverse, threads);
      break;
    }
    // Columns c ↦ 𝓗c (𝓗ᵀc): work on the transposed gradient.
    std::vector<double> gt(g.size());
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < k; ++j)
        gt[j * n + i] = g[i * k + j];
    hadamardRows(gt.data(), k, n, /*transpose=*/!inverse, threads);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < k; ++j)
        dw[i * k + j] = gt[j * n + i];
    break;
  }
  }

  TransformGradients grads;
  if (weightGradient)
    grads.input = fromDouble(dy.getShape(), dw);
  if (transformGradient)
    grads.transform = fromDouble(t.value.getShape(), dt);
  return grads;
}

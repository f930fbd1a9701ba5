//===- TransformKernels.cpp - ost.apply, transform_weight, Hadamard -------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The two sides of a transform pair. Activations are transformed in float32
// (`x·T`); weights in float64, rounded to float32 once, as the fusion of the
// reference implementation does.
//
// For a Hadamard transform the matrix is T = 𝓗ᵀ, so x·T is 𝓗x per row
// (ost.online_hadamard) and the rotations below reduce to applyHadamard on
// rows (input side) or columns (output side).
//
//===----------------------------------------------------------------------===//

#include "ost/Executor/Kernels.h"

#include "KernelUtils.h"
#include "Threading.h"

#include "ost/Support/Hadamard.h"
#include "ost/Support/HadamardSizes.h"

#include <algorithm>
#include <vector>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::detail;

llvm::Error mlir::ost::detail::validateTransform(const Transform &t) {
  auto bad = [&](StringRef what) {
    return kernelError("the " + what + " transform of dimension " +
                       Twine(t.dim) + " has parameters of shape " +
                       t.value.getShapeString());
  };
  switch (t.kind) {
  case TransformKind::Rotation:
    if (!t.value.isFloat() ||
        t.value.getShape() != ArrayRef<int64_t>{t.dim, t.dim})
      return bad("rotation");
    break;
  case TransformKind::BlockRotation:
    if (!t.value.isFloat() || t.blocks * t.blockSize != t.dim ||
        t.value.getShape() !=
            ArrayRef<int64_t>{t.blocks, t.blockSize, t.blockSize})
      return bad("block rotation");
    break;
  case TransformKind::Scale:
    if (!t.value.isFloat() || t.value.getShape() != ArrayRef<int64_t>{t.dim})
      return bad("scale");
    break;
  case TransformKind::Hadamard:
    if (!getHadamardFactor(t.dim))
      return kernelError("no Hadamard matrix of size " + Twine(t.dim) +
                         " is known (supported: K*2^m with K in " +
                         formatKnownHadamardOrders() + ")");
    break;
  }
  return llvm::Error::success();
}

static std::vector<double> toDouble(const Tensor &t) {
  ArrayRef<float> f = t.getFloats();
  return std::vector<double>(f.begin(), f.end());
}

//===----------------------------------------------------------------------===//
// Activation side
//===----------------------------------------------------------------------===//

KernelResult mlir::ost::applyTransform(const Tensor &x, const Transform &t,
                                       bool inverse, const KernelContext &ctx) {
  if (!x.isFloat() || x.getRank() == 0)
    return kernelError("the input must be a float tensor of rank >= 1");
  if (llvm::Error e = validateTransform(t))
    return std::move(e);
  int64_t d = x.getDimSize(-1);
  if (d != t.dim)
    return kernelError("the transform acts on dimension " + Twine(t.dim) +
                       " but the input " + x.getShapeString() +
                       " has last dimension " + Twine(d));
  int64_t rows = x.getNumRows();
  if (t.kind == TransformKind::Hadamard) {
    // x·𝓗ᵀ = 𝓗x per row; the inverse x·𝓗 = 𝓗ᵀx.
    Tensor out = x;
    hadamardRows(out.getFloatData(), rows, d, /*transpose=*/inverse,
                 ctx.numThreads);
    return out;
  }
  Tensor out = Tensor::uninitialized(x.getShape());
  const float *in = x.getFloatData();
  float *res = out.getFloatData();
  switch (t.kind) {
  case TransformKind::Rotation:
    // x·R, or x·Rᵀ = x·R⁻¹.
    parallelSgemm(false, /*transB=*/inverse, rows, d, d, 1.0f, in, d,
                  t.value.getFloatData(), d, res, d, ctx.numThreads);
    break;
  case TransformKind::BlockRotation: {
    int64_t bs = t.blockSize;
    for (int64_t j = 0; j < t.blocks; ++j)
      parallelSgemm(false, /*transB=*/inverse, rows, bs, bs, 1.0f, in + j * bs,
                    d, t.value.getFloatData() + j * bs * bs, bs, res + j * bs,
                    d, ctx.numThreads);
    break;
  }
  case TransformKind::Scale: {
    const float *s = t.value.getFloatData();
    parallelFor(rows, grainFor(d), ctx.numThreads,
                [&](int64_t begin, int64_t end) {
                  for (int64_t r = begin; r < end; ++r)
                    for (int64_t i = 0; i < d; ++i)
                      res[r * d + i] =
                          inverse ? in[r * d + i] / s[i] : in[r * d + i] * s[i];
                });
    break;
  }
  case TransformKind::Hadamard:
    break; // Handled above.
  }
  return out;
}

KernelResult mlir::ost::onlineHadamard(const Tensor &x, bool transpose,
                                       const KernelContext &ctx) {
  if (!x.isFloat() || x.getRank() == 0)
    return kernelError("the input must be a float tensor of rank >= 1");
  int64_t n = x.getDimSize(-1);
  if (!getHadamardFactor(n))
    return kernelError("no Hadamard matrix of size " + Twine(n) +
                       " is known (supported: K*2^m with K in " +
                       formatKnownHadamardOrders() + ")");
  Tensor out = x;
  hadamardRows(out.getFloatData(), x.getNumRows(), n, transpose,
               ctx.numThreads);
  return out;
}

llvm::Expected<Transform> mlir::ost::repeatHeads(const Transform &t,
                                                int64_t headDim,
                                                int64_t repeats) {
  if (llvm::Error e = validateTransform(t))
    return std::move(e);
  if (headDim <= 0 || repeats <= 0 || t.dim % headDim != 0)
    return kernelError("cannot repeat heads of " + Twine(headDim) +
                       " channels " + Twine(repeats) +
                       " times in a transform of dimension " + Twine(t.dim));
  Transform out = t;
  out.dim = t.dim * repeats;
  // Both layouts are a sequence of per-head chunks of `chunk` floats.
  int64_t chunk;
  if (t.kind == TransformKind::Scale) {
    chunk = headDim;
    out.value = Tensor({out.dim});
  } else if (t.kind == TransformKind::BlockRotation) {
    if (t.blockSize != headDim)
      return kernelError("head_dim " + Twine(headDim) +
                         " differs from the block size " +
                         Twine(t.blockSize));
    chunk = headDim * headDim;
    out.blocks = t.blocks * repeats;
    out.value = Tensor({out.blocks, headDim, headDim});
  } else {
    return kernelError("only scales and block rotations repeat over heads");
  }
  const float *src = t.value.getFloatData();
  float *dst = out.value.getFloatData();
  int64_t heads = t.value.getNumElements() / chunk;
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t r = 0; r < repeats; ++r)
      std::copy(src + h * chunk, src + (h + 1) * chunk,
                dst + (h * repeats + r) * chunk);
  return out;
}

//===----------------------------------------------------------------------===//
// Weight side
//===----------------------------------------------------------------------===//

KernelResult mlir::ost::transformWeight(const Tensor &weight,
                                        const Transform &t, WeightSide side,
                                        bool inverse,
                                        const KernelContext &ctx) {
  bool inputSide = side == WeightSide::Input;
  if (!weight.isFloat() || (weight.getRank() != 1 && weight.getRank() != 2))
    return kernelError("the weight must be a float matrix or vector, got " +
                       weight.getShapeString());
  if (weight.getRank() == 1 && inputSide)
    return kernelError("a vector (bias) can only be transformed on the "
                       "output side");
  if (llvm::Error e = validateTransform(t))
    return std::move(e);
  int64_t n = weight.getDimSize(0);
  int64_t k = weight.getRank() == 2 ? weight.getDimSize(1) : 1;
  int64_t dim = inputSide ? k : n;
  if (dim != t.dim)
    return kernelError("the transform acts on dimension " + Twine(t.dim) +
                       " but the weight " + weight.getShapeString() + " has " +
                       Twine(dim) +
                       (inputSide ? " input features" : " output features"));

  std::vector<double> w = toDouble(weight);
  std::vector<double> out(w.size());
  unsigned threads = ctx.numThreads;
  switch (t.kind) {
  case TransformKind::Rotation: {
    std::vector<double> r = toDouble(t.value);
    if (inputSide)
      // W·R⁻ᵀ = W·R, or W·Rᵀ with `inverse`.
      parallelDgemm(false, /*transB=*/inverse, n, k, k, 1.0, w.data(), k,
                    r.data(), k, out.data(), k, threads);
    else
      // Rᵀ·W, or R·W (= R⁻ᵀ·W) with `inverse`.
      parallelDgemm(/*transA=*/!inverse, false, n, k, n, 1.0, r.data(), n,
                    w.data(), k, out.data(), k, threads);
    break;
  }
  case TransformKind::BlockRotation: {
    std::vector<double> r = toDouble(t.value);
    int64_t bs = t.blockSize;
    for (int64_t j = 0; j < t.blocks; ++j) {
      const double *rj = r.data() + j * bs * bs;
      if (inputSide)
        parallelDgemm(false, inverse, n, bs, bs, 1.0, w.data() + j * bs, k, rj,
                      bs, out.data() + j * bs, k, threads);
      else
        parallelDgemm(!inverse, false, bs, k, bs, 1.0, rj, bs,
                      w.data() + j * bs * k, k, out.data() + j * bs * k, k,
                      threads);
    }
    break;
  }
  case TransformKind::Scale: {
    ArrayRef<float> s = t.value.getFloats();
    // Input side: W·diag(1/s) (W·diag(s) inverse); output side: diag(s)·W
    // (diag(1/s)·W inverse). Both divide exactly when dividing.
    bool divide = inputSide != inverse;
    parallelFor(n, grainFor(k), threads, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i)
        for (int64_t j = 0; j < k; ++j) {
          double sv = s[inputSide ? j : i];
          out[i * k + j] = divide ? w[i * k + j] / sv : w[i * k + j] * sv;
        }
    });
    break;
  }
  case TransformKind::Hadamard: {
    if (inputSide) {
      // W·T⁻ᵀ = W·𝓗ᵀ: row r ↦ 𝓗r (W·𝓗, row ↦ 𝓗ᵀr, with `inverse`).
      out = w;
      hadamardRows(out.data(), n, k, /*transpose=*/inverse, threads);
      break;
    }
    // Tᵀ·W = 𝓗·W: column c ↦ 𝓗c (𝓗ᵀ·W with `inverse`); work on Wᵀ.
    std::vector<double> wt(w.size());
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < k; ++j)
        wt[j * n + i] = w[i * k + j];
    hadamardRows(wt.data(), k, n, /*transpose=*/inverse, threads);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < k; ++j)
        out[i * k + j] = wt[j * n + i];
    break;
  }
  }
  Tensor result = Tensor::uninitialized(weight.getShape());
  float *res = result.getFloatData();
  for (size_t i = 0, e = out.size(); i < e; ++i)
    res[i] = static_cast<float>(out[i]);
  return result;
}

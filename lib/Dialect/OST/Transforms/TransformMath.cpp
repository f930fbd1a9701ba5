//===- TransformMath.cpp - float64 transform pairs on dense data ----------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "TransformMath.h"

#include "ost/Dialect/OST/IR/OSTTypes.h"
#include "ost/Support/Hadamard.h"

#include <cblas.h>

using namespace mlir;
using namespace mlir::ost;

static llvm::Error mathError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Expected<DenseTransform>
mlir::ost::makeDenseTransform(Type type, std::vector<double> values) {
  DenseTransform t;
  auto iface = cast<TransformTypeInterface>(type);
  t.dim = iface.getDim();
  size_t expected = 0;
  if (isa<RotationType>(type)) {
    t.kind = DenseTransform::Kind::Rotation;
    expected = t.dim * t.dim;
  } else if (auto block = dyn_cast<BlockRotationType>(type)) {
    t.kind = DenseTransform::Kind::BlockRotation;
    t.blocks = block.getBlocks();
    t.blockSize = block.getBlockSize();
    expected = t.blocks * t.blockSize * t.blockSize;
  } else if (isa<ScaleType>(type)) {
    t.kind = DenseTransform::Kind::Scale;
    expected = t.dim;
  } else {
    t.kind = DenseTransform::Kind::Hadamard;
    return t;
  }
  if (values.size() != expected)
    return mathError("a transform of dimension " + llvm::Twine(t.dim) +
                     " needs " + llvm::Twine(expected) + " values, got " +
                     llvm::Twine(values.size()));
  t.values = std::move(values);
  return t;
}

llvm::Expected<DenseTransform>
mlir::ost::repeatHeads(const DenseTransform &t, int64_t headDim,
                       int64_t repeats) {
  int64_t chunk;
  DenseTransform out = t;
  out.dim = t.dim * repeats;
  if (t.kind == DenseTransform::Kind::Scale) {
    chunk = headDim;
  } else if (t.kind == DenseTransform::Kind::BlockRotation &&
             t.blockSize == headDim) {
    chunk = headDim * headDim;
    out.blocks = t.blocks * repeats;
  } else {
    return mathError("cannot repeat heads of " + llvm::Twine(headDim) +
                     " channels in this transform");
  }
  if (headDim <= 0 || repeats <= 0 || t.values.size() % chunk != 0)
    return mathError("bad repeat_heads shape");
  out.values.clear();
  out.values.reserve(t.values.size() * repeats);
  for (size_t h = 0, e = t.values.size() / chunk; h < e; ++h)
    for (int64_t r = 0; r < repeats; ++r)
      out.values.insert(out.values.end(), t.values.begin() + h * chunk,
                        t.values.begin() + (h + 1) * chunk);
  return out;
}

/// C = op(A)·op(B) for row-major matrices (m × p times p × q).
static void gemm(bool transA, bool transB, int64_t m, int64_t q, int64_t p,
                 const double *a, int64_t lda, const double *b, int64_t ldb,
                 double *c, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans,
              transB ? CblasTrans : CblasNoTrans, m, q, p, 1.0, a, lda, b, ldb,
              0.0, c, ldc);
}

static std::vector<double> transpose(const std::vector<double> &w, int64_t n,
                                     int64_t k) {
  std::vector<double> t(w.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < k; ++j)
      t[j * n + i] = w[i * k + j];
  return t;
}

/// X ← X·M (or X·Mᵀ) on the `bs`-wide column block starting at `col` of a
/// rows × ld matrix; M is bs × bs.
static void rightMultiplyBlock(std::vector<double> &x, int64_t rows,
                               int64_t ld, int64_t col, int64_t bs,
                               const double *m, bool transposeM) {
  std::vector<double> in(rows * bs), out(rows * bs);
  for (int64_t r = 0; r < rows; ++r)
    std::copy(x.begin() + r * ld + col, x.begin() + r * ld + col + bs,
              in.begin() + r * bs);
  gemm(false, transposeM, rows, bs, bs, in.data(), bs, m, bs, out.data(), bs);
  for (int64_t r = 0; r < rows; ++r)
    std::copy(out.begin() + r * bs, out.begin() + (r + 1) * bs,
              x.begin() + r * ld + col);
}

llvm::Error mlir::ost::applyToRows(std::vector<double> &x, int64_t rows,
                                   const DenseTransform &t, bool inverse) {
  int64_t d = t.dim;
  if (static_cast<int64_t>(x.size()) != rows * d)
    return mathError("apply: data does not have " + llvm::Twine(d) +
                     " columns");
  switch (t.kind) {
  case DenseTransform::Kind::Rotation:
    // x·R, or x·Rᵀ = x·R⁻¹.
    rightMultiplyBlock(x, rows, d, 0, d, t.values.data(), inverse);
    break;
  case DenseTransform::Kind::BlockRotation:
    for (int64_t j = 0; j < t.blocks; ++j)
      rightMultiplyBlock(x, rows, d, j * t.blockSize, t.blockSize,
                         t.values.data() + j * t.blockSize * t.blockSize,
                         inverse);
    break;
  case DenseTransform::Kind::Scale:
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t i = 0; i < d; ++i)
        x[r * d + i] =
            inverse ? x[r * d + i] / t.values[i] : x[r * d + i] * t.values[i];
    break;
  case DenseTransform::Kind::Hadamard:
    // x·𝓗ᵀ = 𝓗x per row; the inverse is 𝓗ᵀx.
    if (!applyHadamardToRows(x.data(), rows, d, /*transpose=*/inverse))
      return mathError("no Hadamard matrix of size " + llvm::Twine(d) +
                       " is known");
    break;
  }
  return llvm::Error::success();
}

llvm::Error mlir::ost::transformWeight(std::vector<double> &w, int64_t n,
                                       int64_t k, const DenseTransform &t,
                                       WeightSide side, bool inverse) {
  if (side == WeightSide::Input) {
    if (k != t.dim)
      return mathError("the weight has " + llvm::Twine(k) +
                       " input features, the transform acts on " +
                       llvm::Twine(t.dim));
    // W·T⁻ᵀ. Rotations are orthogonal, so T⁻ᵀ = T: each row is an
    // activation-side x·T (x·T⁻¹ with `inverse`). A scale divides instead.
    if (t.kind == DenseTransform::Kind::Scale)
      return applyToRows(w, n, t, /*inverse=*/!inverse);
    return applyToRows(w, n, t, inverse);
  }
  if (n != t.dim)
    return mathError("the weight has " + llvm::Twine(n) +
                     " output features, the transform acts on " +
                     llvm::Twine(t.dim));
  // Tᵀ·W = (Wᵀ·T)ᵀ: transform the columns as row vectors. For `inverse`,
  // T⁻ᵀ·W = (Wᵀ·T⁻¹)ᵀ for rotations and diag(1/s)·W for scales.
  std::vector<double> wt = transpose(w, n, k);
  if (llvm::Error e = applyToRows(wt, k, t, inverse))
    return e;
  w = transpose(wt, k, n);
  return llvm::Error::success();
}

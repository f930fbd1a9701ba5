//===- HadamardApply.h - the online Hadamard's float operations -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// x ← 𝓗·x for 𝓗 = (H_K ⊗ H_{2^m})/sqrt(n), n = K·2^m (ost/Support/Hadamard.h
// has the matrices): view x as a K × 2^m row-major matrix X, apply the
// unnormalized fast Walsh–Hadamard transform to every row, then form
// H_K·X (a ±1 product) and scale by 1/sqrt(n). These are the only float
// operations, in this order, that every implementation performs:
// lib/Support/Hadamard.cpp (the executor's), the CPU runtime's
// ostrt_hadamard (its vector loops do the same operations side by side) and
// the NVVM prologue's FWHT. The factor H_K is passed in; building and caching
// it is ost/Support's business.
//
// Header-only, plain C++17 templates on float and double.
//
//===----------------------------------------------------------------------===//

#ifndef OST_NUMERICS_HADAMARDAPPLY_H
#define OST_NUMERICS_HADAMARDAPPLY_H

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace ost::numerics {

/// Sylvester blocks 2^m shorter than this take the dot-product form of the
/// K × K product (factoredProductDot), longer ones the axpy form.
inline constexpr int64_t kHadamardDotBlock = 8;

/// The normalization 1/sqrt(n), computed in double and rounded to T once.
template <typename T> T hadamardScale(int64_t n) {
  return static_cast<T>(1.0 / std::sqrt(static_cast<double>(n)));
}

/// One butterfly stage of the FWHT of x[0..n): x[i] = a + b,
/// x[i + half] = a − b for every i with bit `half` clear.
template <typename T> void fwhtStage(T *x, int64_t n, int64_t half) {
  for (int64_t base = 0; base < n; base += 2 * half)
    for (int64_t i = base; i < base + half; ++i) {
      T a = x[i], b = x[i + half];
      x[i] = a + b;
      x[i + half] = a - b;
    }
}

/// Unnormalized FWHT (Sylvester order) of x[0..n), n a power of two, in
/// place: stages half = 1, 2, 4, … < n.
template <typename T> void fwht(T *x, int64_t n) {
  for (int64_t half = 1; half < n; half *= 2)
    fwhtStage(x, n, half);
}

/// After the FWHT of the rows: x ← (H ⊗ ·)·x·scale in the axpy form. Row r
/// of the result is Σ_l s·X[l] accumulated in l order from 0, s =
/// H[r][l] (H[l][r] with `transpose`); hk is the int8 K × K factor;
/// `scratch` holds k·m values.
template <typename T>
void factoredProductAxpy(T *x, int64_t m, int64_t k, const int8_t *hk,
                         bool transpose, T scale, T *scratch) {
  for (int64_t r = 0; r < k; ++r) {
    T *dst = scratch + r * m;
    std::fill(dst, dst + m, T(0));
    for (int64_t l = 0; l < k; ++l) {
      const T s = static_cast<T>(transpose ? hk[l * k + r] : hk[r * k + l]);
      const T *src = x + l * m;
      for (int64_t j = 0; j < m; ++j)
        dst[j] += s * src[j];
    }
  }
  for (int64_t i = 0; i < k * m; ++i)
    x[i] = scratch[i] * scale;
}

/// After the FWHT of the rows: the dot-product form for short blocks, with
/// `hf` the factor already converted to T (and transposed when needed):
/// result[r][j] = Σ_l hf[r][l]·X[l][j] over 8 independent accumulators
/// (lane u takes l ≡ u mod 8 of the full octets, lane 0 the rest), summed
/// as ((a0+a1)+(a2+a3))+((a4+a5)+(a6+a7)), times scale.
template <typename T>
void factoredProductDot(T *x, int64_t m, int64_t k, const T *hf, T scale,
                        T *scratch) {
  for (int64_t j = 0; j < m; ++j) {
    for (int64_t r = 0; r < k; ++r) {
      const T *h = hf + r * k;
      T acc[8] = {};
      int64_t l = 0;
      for (; l + 8 <= k; l += 8)
        for (int u = 0; u < 8; ++u)
          acc[u] += h[l + u] * x[(l + u) * m + j];
      for (; l < k; ++l)
        acc[0] += h[l] * x[l * m + j];
      T sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) +
              ((acc[4] + acc[5]) + (acc[6] + acc[7]));
      scratch[r * m + j] = sum * scale;
    }
  }
  std::copy(scratch, scratch + k * m, x);
}

/// The factor of one online Hadamard of size n = k·m, as both forms need it.
template <typename T> struct HadamardFactor {
  int64_t n = 1, k = 1, m = 1;
  /// H_k row-major (null for k = 1).
  const int8_t *hk = nullptr;
  bool transpose = false;
  /// For k > 1 and m < kHadamardDotBlock: H_k (or its transpose) as T.
  const T *hf = nullptr;
};

/// Whether applyHadamardRow(f) needs f.hf (the dot form).
inline bool usesDotForm(int64_t k, int64_t m) {
  return k > 1 && m < kHadamardDotBlock;
}

/// Fills `hf` (k·k values) with H_k, or its transpose, converted to T.
template <typename T>
void convertFactor(const int8_t *hk, int64_t k, bool transpose, T *hf) {
  for (int64_t r = 0; r < k; ++r)
    for (int64_t l = 0; l < k; ++l)
      hf[r * k + l] = static_cast<T>(transpose ? hk[l * k + r] : hk[r * k + l]);
}

/// x ← 𝓗x (𝓗ᵀx with f.transpose) for one row of f.n values; `scratch`
/// holds n values (unused for k = 1).
template <typename T>
void applyHadamardRow(T *x, const HadamardFactor<T> &f, T *scratch) {
  for (int64_t r = 0; r < f.k; ++r)
    fwht(x + r * f.m, f.m);
  const T scale = hadamardScale<T>(f.n);
  if (f.k == 1) {
    for (int64_t i = 0; i < f.n; ++i)
      x[i] *= scale;
    return;
  }
  if (usesDotForm(f.k, f.m))
    factoredProductDot(x, f.m, f.k, f.hf, scale, scratch);
  else
    factoredProductAxpy(x, f.m, f.k, f.hk, f.transpose, scale, scratch);
}

} // namespace ost::numerics

#endif // OST_NUMERICS_HADAMARDAPPLY_H

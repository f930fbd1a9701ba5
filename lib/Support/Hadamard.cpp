//===- Hadamard.cpp - Hadamard matrices and fast transforms ---------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The online Hadamard 𝓗 = (H_K ⊗ H_{2^m}) / sqrt(n) of Hadamard.h: a fast
// Walsh–Hadamard transform of each length-2^m row of the K × 2^m view of x,
// then the dense K × K ±1 product, then the 1/sqrt(n) scale. The K × K
// factors come from HadamardConstructions.cpp and are built once, on first
// use, under std::call_once.
//
//===----------------------------------------------------------------------===//

#include "ost/Support/Hadamard.h"

#include "HadamardConstructions.h"
#include "ost/Support/HadamardSizes.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <mutex>
#include <optional>

namespace mlir::ost {

namespace {

/// One lazily built factor H_K.
struct FactorSlot {
  std::once_flag once;
  std::vector<int8_t> matrix;
};

/// Capacity of the factor cache; getKnownHadamardOrders() must not list more
/// orders than this.
constexpr size_t kMaxCachedOrders = 32;

bool isPowerOfTwo(int64_t n) {
  return n > 0 && llvm::isPowerOf2_64(static_cast<uint64_t>(n));
}

template <typename T> void fwhtImpl(T *x, int64_t n) {
  for (int64_t half = 1; half < n; half *= 2)
    for (int64_t base = 0; base < n; base += 2 * half)
      for (int64_t i = base; i < base + half; ++i) {
        T a = x[i], b = x[i + half];
        x[i] = a + b;
        x[i + half] = a - b;
      }
}

/// x ← 𝓗·x (𝓗ᵀ·x with `transpose`) for a supported n with factor k and the
/// k × k matrix hk (null when k = 1). `scratch` holds n elements.
template <typename T>
void applyFactored(T *x, int64_t n, int64_t k, const int8_t *hk, bool transpose,
                   T *scratch) {
  int64_t m = n / k;
  for (int64_t r = 0; r < k; ++r)
    fwhtImpl(x + r * m, m);
  const T scale = static_cast<T>(1.0 / std::sqrt(static_cast<double>(n)));
  if (k == 1) {
    for (int64_t i = 0; i < n; ++i)
      x[i] *= scale;
    return;
  }
  // Row r of the result is Σ_l H[r][l]·X[l] (H[l][r] for the transpose).
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
  for (int64_t i = 0; i < n; ++i)
    x[i] = scratch[i] * scale;
}

/// Blocks of the Sylvester part shorter than this use applyFactoredDot.
constexpr int64_t kDotPathMaxBlock = 8;

/// x ← (H ⊗ H_m)·x / sqrt(n) for one row, with `hf` the K×K factor already
/// converted (and transposed when needed): row r of the result block column
/// j is Σ_l hf[r][l]·X[l][j], summed with 8 independent accumulators.
template <typename T>
void applyFactoredDot(T *x, int64_t m, int64_t k, const T *hf, T scale,
                      T *scratch) {
  for (int64_t r = 0; r < k; ++r)
    fwhtImpl(x + r * m, m);
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

/// Looks up the factor of n. Returns false if n is unsupported; otherwise
/// sets k and hk (null for k = 1).
bool lookupFactor(int64_t n, int64_t &k, const int8_t *&hk) {
  std::optional<int64_t> factor = getHadamardFactor(n);
  if (!factor)
    return false;
  k = *factor;
  hk = nullptr;
  if (k == 1)
    return true;
  const std::vector<int8_t> &matrix = getCachedHadamardMatrix(k);
  if (matrix.empty())
    return false;
  hk = matrix.data();
  return true;
}

template <typename T>
bool applyRowsImpl(T *x, int64_t rows, int64_t n, bool transpose) {
  int64_t k;
  const int8_t *hk;
  if (rows < 0 || !lookupFactor(n, k, hk))
    return false;
  std::vector<T> scratch(k > 1 ? n : 0);
  int64_t m = n / k;
  if (k > 1 && m < kDotPathMaxBlock && rows > 0) {
    // Small Sylvester blocks (n = K or 2K, e.g. MLP 172): the K×K product is
    // K dot products of length K per block column. Convert H to T once per
    // call and sum with independent accumulators (the axpy form below would
    // be one serial chain per output).
    std::vector<T> hf(static_cast<size_t>(k) * k);
    for (int64_t r = 0; r < k; ++r)
      for (int64_t l = 0; l < k; ++l)
        hf[r * k + l] = static_cast<T>(transpose ? hk[l * k + r] : hk[r * k + l]);
    const T scale = static_cast<T>(1.0 / std::sqrt(static_cast<double>(n)));
    for (int64_t row = 0; row < rows; ++row)
      applyFactoredDot(x + row * n, m, k, hf.data(), scale, scratch.data());
    return true;
  }
  for (int64_t row = 0; row < rows; ++row)
    applyFactored(x + row * n, n, k, hk, transpose, scratch.data());
  return true;
}

} // namespace

const std::vector<int8_t> &getCachedHadamardMatrix(int64_t k) {
  static const std::vector<int8_t> kOne = {1};
  static const std::vector<int8_t> kEmpty;
  static FactorSlot slots[kMaxCachedOrders];
  if (k == 1)
    return kOne;
  llvm::ArrayRef<int64_t> orders = getKnownHadamardOrders();
  assert(orders.size() <= kMaxCachedOrders && "grow kMaxCachedOrders");
  for (size_t i = 0, e = std::min(orders.size(), kMaxCachedOrders); i < e;
       ++i) {
    if (orders[i] != k)
      continue;
    FactorSlot &slot = slots[i];
    std::call_once(slot.once, [&slot, k] {
      std::vector<int8_t> h = detail::buildKnownHadamard(k);
      // Verified once per process (≈ k³/2 ops, about a millisecond for 172):
      // a wrong factor would silently break the equivalence W𝓗ᵀ·𝓗x = Wx, so
      // it rather stays empty and the order reads as unsupported.
      if (detail::isHadamard(h, k))
        slot.matrix = std::move(h);
      assert(!slot.matrix.empty() && "construction is not a Hadamard matrix");
    });
    return slot.matrix;
  }
  return kEmpty;
}

std::vector<int8_t> getHadamardMatrix(int64_t k) {
  if (k < 1)
    return {};
  if (isPowerOfTwo(k))
    return detail::buildSylvester(k);
  std::optional<int64_t> factor = getHadamardFactor(k);
  if (!factor)
    return {};
  const std::vector<int8_t> &base = getCachedHadamardMatrix(*factor);
  if (base.empty())
    return {};
  if (*factor == k)
    return base;
  int64_t m = k / *factor;
  return detail::buildKronecker(base, *factor, detail::buildSylvester(m), m);
}

void fwhtInPlace(float *x, int64_t n) {
  assert((n <= 1 || isPowerOfTwo(n)) && "FWHT length must be a power of two");
  if (n > 1 && isPowerOfTwo(n))
    fwhtImpl(x, n);
}

void fwhtInPlace(double *x, int64_t n) {
  assert((n <= 1 || isPowerOfTwo(n)) && "FWHT length must be a power of two");
  if (n > 1 && isPowerOfTwo(n))
    fwhtImpl(x, n);
}

bool applyHadamard(float *x, int64_t n, bool transpose) {
  return applyRowsImpl(x, 1, n, transpose);
}

bool applyHadamard(double *x, int64_t n, bool transpose) {
  return applyRowsImpl(x, 1, n, transpose);
}

bool applyHadamardToRows(float *x, int64_t rows, int64_t n, bool transpose) {
  return applyRowsImpl(x, rows, n, transpose);
}

bool applyHadamardToRows(double *x, int64_t rows, int64_t n, bool transpose) {
  return applyRowsImpl(x, rows, n, transpose);
}

std::vector<double> getNormalizedHadamard(int64_t n) {
  int64_t k;
  const int8_t *hk;
  if (!lookupFactor(n, k, hk))
    return {};
  static const int8_t kOne = 1;
  if (!hk)
    hk = &kOne;
  int64_t m = n / k;
  const double scale = 1.0 / std::sqrt(static_cast<double>(n));
  // Entry (a·m + i, b·m + j) of (H_K ⊗ H_m)/sqrt(n) is
  // H_K[a][b]·(-1)^popcount(i & j)/sqrt(n).
  std::vector<double> result(static_cast<size_t>(n) * n);
  for (int64_t a = 0; a < k; ++a)
    for (int64_t i = 0; i < m; ++i) {
      double *row = &result[static_cast<size_t>(a * m + i) * n];
      for (int64_t b = 0; b < k; ++b) {
        double s = hk[a * k + b] * scale;
        for (int64_t j = 0; j < m; ++j)
          row[b * m + j] =
              (llvm::popcount(static_cast<uint64_t>(i & j)) & 1) ? -s : s;
      }
    }
  return result;
}

} // namespace mlir::ost

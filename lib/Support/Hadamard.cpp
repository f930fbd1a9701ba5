//===- Hadamard.cpp - Hadamard matrices and fast transforms ---------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The online Hadamard 𝓗 = (H_K ⊗ H_{2^m}) / sqrt(n) of Hadamard.h. Its
// float operations (the FWHT of each length-2^m row of the K × 2^m view of
// x, the K × K ±1 product, the 1/sqrt(n) scale) are
// ost/Numerics/HadamardApply.h, shared with the CPU runtime; this file owns
// the K × K factors, built by HadamardConstructions.cpp once, on first use,
// under std::call_once.
//
//===----------------------------------------------------------------------===//

#include "ost/Support/Hadamard.h"

#include "HadamardConstructions.h"
#include "ost/Support/HadamardSizes.h"

#include "ost/Numerics/HadamardApply.h"

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
  ::ost::numerics::HadamardFactor<T> f;
  if (rows < 0 || !lookupFactor(n, f.k, f.hk))
    return false;
  f.n = n;
  f.m = n / f.k;
  f.transpose = transpose;
  std::vector<T> scratch(f.k > 1 ? n : 0);
  // Small Sylvester blocks (n = K or 2K, e.g. MLP 172) take the dot form:
  // H converted to T once per call, summed with independent accumulators
  // (the axpy form would be one serial chain per output).
  std::vector<T> hf;
  if (::ost::numerics::usesDotForm(f.k, f.m) && rows > 0) {
    hf.resize(static_cast<size_t>(f.k) * f.k);
    ::ost::numerics::convertFactor(f.hk, f.k, transpose, hf.data());
    f.hf = hf.data();
  }
  for (int64_t row = 0; row < rows; ++row)
    ::ost::numerics::applyHadamardRow(x + row * n, f, scratch.data());
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
    ::ost::numerics::fwht(x, n);
}

void fwhtInPlace(double *x, int64_t n) {
  assert((n <= 1 || isPowerOfTwo(n)) && "FWHT length must be a power of two");
  if (n > 1 && isPowerOfTwo(n))
    ::ost::numerics::fwht(x, n);
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

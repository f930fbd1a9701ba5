//===- Hadamard.h - Hadamard matrices and fast transforms -------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The online Hadamard of size n = K·2^m is
//
//   𝓗 = (H_K ⊗ H_{2^m}) / sqrt(n)
//
// with H_{2^m} the Sylvester matrix (H[i][j] = (-1)^popcount(i&j)) and H_K a
// ±1 Hadamard matrix of order K (getHadamardFactor() in HadamardSizes.h says
// which K). A vector x of length n is viewed as a K × 2^m row-major matrix X
// (element k·2^m + j is X[k][j]); then 𝓗·x = H_K · X · H_{2^m} / sqrt(n):
// a fast Walsh–Hadamard transform of every row, then the K × K product.
//
//===----------------------------------------------------------------------===//

#ifndef OST_SUPPORT_HADAMARD_H
#define OST_SUPPORT_HADAMARD_H

#include <cstdint>
#include <vector>

namespace mlir::ost {

/// The unnormalized ±1 Hadamard matrix of order k (row-major, k*k entries):
/// Sylvester for powers of two, the known constructions for the orders of
/// getKnownHadamardOrders(), and H_K ⊗ H_{2^m} for any other k = K·2^m with a
/// Hadamard factorization (so getNormalizedHadamard(k) is exactly this matrix
/// over sqrt(k)). Empty if no matrix of order k is known.
std::vector<int8_t> getHadamardMatrix(int64_t k);

/// Unnormalized fast Walsh–Hadamard transform (Sylvester order) of a vector
/// of length n (a power of two), in place.
void fwhtInPlace(float *x, int64_t n);
void fwhtInPlace(double *x, int64_t n);

/// x ← 𝓗·x (or 𝓗ᵀ·x with `transpose`) for a vector of length n, in place.
/// n must have a Hadamard factorization (getHadamardFactor). Returns false
/// (and leaves x untouched) otherwise.
bool applyHadamard(float *x, int64_t n, bool transpose = false);
bool applyHadamard(double *x, int64_t n, bool transpose = false);

/// The dense normalized 𝓗 (n × n, row-major). Empty if n is unsupported.
std::vector<double> getNormalizedHadamard(int64_t n);

/// The ±1 factor H_K that applyHadamard() uses, for K = 1 or an order of
/// getKnownHadamardOrders(): the same matrix as getHadamardMatrix(K), built on
/// first use and cached (thread-safe), returned without a copy. The reference
/// stays valid for the whole program. Empty for any other K.
const std::vector<int8_t> &getCachedHadamardMatrix(int64_t k);

/// applyHadamard() on each row of a rows × n row-major matrix: X ← X·𝓗ᵀ
/// (or X·𝓗 with `transpose`). Returns false (and leaves x untouched) if n is
/// unsupported.
bool applyHadamardToRows(float *x, int64_t rows, int64_t n,
                         bool transpose = false);
bool applyHadamardToRows(double *x, int64_t rows, int64_t n,
                         bool transpose = false);

} // namespace mlir::ost

#endif // OST_SUPPORT_HADAMARD_H

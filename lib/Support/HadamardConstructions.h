//===- HadamardConstructions.h - Hadamard matrix constructions --*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Internal to OSTSupport: the classical constructions behind
// getHadamardMatrix(). Every function returns a row-major ±1 matrix H of the
// stated order with H·Hᵀ = order·I, or an empty vector when its
// preconditions do not hold. Nothing here caches; Hadamard.cpp does.
//
//===----------------------------------------------------------------------===//

#ifndef OST_LIB_SUPPORT_HADAMARDCONSTRUCTIONS_H
#define OST_LIB_SUPPORT_HADAMARDCONSTRUCTIONS_H

#include <cstdint>
#include <vector>

namespace mlir::ost::detail {

/// Sylvester's matrix of order n (a power of two): H[i][j] =
/// (-1)^popcount(i & j).
std::vector<int8_t> buildSylvester(int64_t n);

/// Paley's first construction of order q + 1 for a prime power q ≡ 3 mod 4.
std::vector<int8_t> buildPaleyI(int64_t q);

/// Paley's second construction of order 2(q + 1) for a prime power
/// q ≡ 1 mod 4.
std::vector<int8_t> buildPaleyII(int64_t q);

/// [[H, H], [H, -H]] for a ±1 matrix H of order k.
std::vector<int8_t> buildDoubling(const std::vector<int8_t> &h, int64_t k);

/// The Kronecker product A ⊗ B of ±1 matrices of orders ka and kb (entry
/// (i·kb + p, j·kb + q) is A[i][j]·B[p][q]).
std::vector<int8_t> buildKronecker(const std::vector<int8_t> &a, int64_t ka,
                                   const std::vector<int8_t> &b, int64_t kb);

/// The Goethals–Seidel array of order 4n filled with the circulants of four
/// ±1 sequences of length n whose periodic autocorrelations sum to zero at
/// every nonzero shift. Empty if the sequences do not satisfy that.
std::vector<int8_t> buildGoethalsSeidel(const std::vector<int8_t> &a,
                                        const std::vector<int8_t> &b,
                                        const std::vector<int8_t> &c,
                                        const std::vector<int8_t> &d);

/// The four first rows used for the Goethals–Seidel orders 4·39 = 156 and
/// 4·43 = 172 (see HadamardConstructions.cpp for how they were found).
/// Empty for other n.
std::vector<std::vector<int8_t>> getGoethalsSeidelRows(int64_t n);

/// The matrix for one order of getKnownHadamardOrders() (or any other
/// order this file knows how to build); empty if none.
std::vector<int8_t> buildKnownHadamard(int64_t k);

/// True iff h (k × k, row-major) has ±1 entries and h·hᵀ = k·I.
bool isHadamard(const std::vector<int8_t> &h, int64_t k);

} // namespace mlir::ost::detail

#endif // OST_LIB_SUPPORT_HADAMARDCONSTRUCTIONS_H

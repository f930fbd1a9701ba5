//===- HadamardSizes.h - which sizes have a known Hadamard ------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// An online Hadamard of size n is (H_K ⊗ H_{2^m})/sqrt(n) with H_{2^m} the
// Sylvester matrix and H_K one of a fixed set of known Hadamard matrices.
// This header answers which n are supported, without building matrices.
//
//===----------------------------------------------------------------------===//

#ifndef OST_SUPPORT_HADAMARDSIZES_H
#define OST_SUPPORT_HADAMARDSIZES_H

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir::ost {

/// The orders K > 2 of the non-Sylvester Hadamard factors ost supports, in
/// the order they are tried (largest first, so n = K·2^m uses the largest K).
llvm::ArrayRef<int64_t> getKnownHadamardOrders();

/// The supported orders as text for diagnostics: "1, 12, 20, ..." (1 means
/// a plain power of two).
std::string formatKnownHadamardOrders();

/// Returns K such that n = K·2^m with K = 1 (n a power of two) or K one of
/// getKnownHadamardOrders(); std::nullopt if n has no such factorization.
std::optional<int64_t> getHadamardFactor(int64_t n);

} // namespace mlir::ost

#endif // OST_SUPPORT_HADAMARDSIZES_H

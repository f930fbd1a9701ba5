//===- Rounding.h - round half to even without libm ------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The one rounding every quantizer of ost uses (torch.round: nearest, ties
// to even), as two IEEE float32 operations: x + 1.5·2^23 rounds x to an
// integer in the default rounding mode, subtracting 1.5·2^23 again is exact.
// Magnitudes of 2^22 and more are already integers and are returned as they
// are, and so is NaN. The executor, lib/Quant, the CPU runtime (scalar and
// vector paths) and the NVVM prologue (W4A4Prologue.cpp, checked by
// unittests/Conversion) all perform exactly these operations.
//
// Header-only, plain C++17, no MLIR or LLVM dependency: the runtime archives
// and the compiler libraries include it alike.
//
//===----------------------------------------------------------------------===//

#ifndef OST_NUMERICS_ROUNDING_H
#define OST_NUMERICS_ROUNDING_H

#include <cmath>

namespace ost::numerics {

/// 1.5·2^23: adding it pushes the fraction bits of |x| < 2^22 out of a float.
inline constexpr float kRoundMagic = 12582912.0f;
/// 2^22: from here on every float is an integer (and the magic would no
/// longer round correctly).
inline constexpr float kRoundExactBound = 4194304.0f;

/// Rounds to the nearest integer, ties to even. Needs the default rounding
/// mode and no fast-math (the sum must not be folded away).
inline float roundHalfEven(float x) {
  if (!(std::fabs(x) < kRoundExactBound))
    return x;
  return (x + kRoundMagic) - kRoundMagic;
}

} // namespace ost::numerics

#endif // OST_NUMERICS_ROUNDING_H

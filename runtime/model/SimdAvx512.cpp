//===- SimdAvx512.cpp - model kernel loops, avx512 path -------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// SimdKernels.inc with 16-lane AVX-512 loops, compiled with target
// attributes only; called after a run-time CPU check.
//
//===----------------------------------------------------------------------===//

#include "SimdKernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace ost::runtime::simd {

#if defined(__x86_64__)

#define OST_SIMD_FN OST_AVX512_TARGET

namespace avx512 {
using V = Avx512Vec;
#include "SimdKernels.inc"
} // namespace avx512

const SimdKernels &getAvx512Kernels() { return avx512::kKernels; }

#else

const SimdKernels &getAvx512Kernels() { return getScalarKernels(); }

#endif

} // namespace ost::runtime::simd

//===- SimdAvx2.cpp - model kernel loops, avx2 path -----------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// SimdKernels.inc with 8-lane AVX2 + FMA loops, compiled with target
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

#define OST_SIMD_FN OST_AVX2_TARGET

namespace avx2 {
using V = Avx2Vec;
#include "SimdKernels.inc"
} // namespace avx2

const SimdKernels &getAvx2Kernels() { return avx2::kKernels; }

#else

const SimdKernels &getAvx2Kernels() { return getScalarKernels(); }

#endif

} // namespace ost::runtime::simd

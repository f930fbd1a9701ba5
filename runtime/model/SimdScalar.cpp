//===- SimdScalar.cpp - model kernel loops, scalar path -------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// SimdKernels.inc with portable loops, the path of CPUs without AVX2 (and of
// non-x86 hosts).
//
//===----------------------------------------------------------------------===//

#include "SimdKernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#define OST_SIMD_FN

namespace ost::runtime::simd {

namespace scalar {
using V = ScalarVec;
#include "SimdKernels.inc"
} // namespace scalar

const SimdKernels &getScalarKernels() { return scalar::kKernels; }

} // namespace ost::runtime::simd

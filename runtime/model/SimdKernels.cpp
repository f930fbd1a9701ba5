//===- SimdKernels.cpp - run-time choice of the model kernel loops --------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "SimdKernels.h"

namespace ost::runtime::simd {

const SimdKernels &getSimdKernels(kernels::Isa isa) {
  if (isa == kernels::Isa::Auto || !kernels::isIsaSupported(isa))
    isa = kernels::getBestIsa();
  switch (isa) {
  case kernels::Isa::Avx512:
    return getAvx512Kernels();
  case kernels::Isa::Avx2:
    return getAvx2Kernels();
  case kernels::Isa::Auto:
  case kernels::Isa::Scalar:
    break;
  }
  return getScalarKernels();
}

} // namespace ost::runtime::simd

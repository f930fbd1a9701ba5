//===- CpuFeatures.cpp - run-time choice of the kernels' ISA path ---------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/runtime/kernels/Int4Kernels.h"

namespace ost::runtime::kernels {

const char *getIsaName(Isa isa) {
  switch (isa) {
  case Isa::Auto:
    return "auto";
  case Isa::Scalar:
    return "scalar";
  case Isa::Avx2:
    return "avx2";
  case Isa::Avx512:
    return "avx512";
  }
  return "unknown";
}

bool isIsaSupported(Isa isa) {
  switch (isa) {
  case Isa::Auto:
  case Isa::Scalar:
    return true;
  case Isa::Avx2:
#if defined(__x86_64__) || defined(__i386__)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
  case Isa::Avx512:
#if defined(__x86_64__) || defined(__i386__)
    return __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512vnni") &&
           __builtin_cpu_supports("fma");
#else
    return false;
#endif
  }
  return false;
}

Isa getBestIsa() {
  static const Isa best = isIsaSupported(Isa::Avx512) ? Isa::Avx512
                          : isIsaSupported(Isa::Avx2) ? Isa::Avx2
                                                      : Isa::Scalar;
  return best;
}

} // namespace ost::runtime::kernels

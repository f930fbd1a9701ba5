//===- QuantGrid.h - the runtime's view of the quantizer grid ---*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The model kernels quantize with ost/Numerics/QuantGrid.h, the definition
// the executor and lib/Quant use too, so scales, zero points, levels and
// dequantized values are bit-identical. This header only adapts the ABI's
// (bits, symmetric, clip) arguments to it.
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_MODEL_QUANTGRID_H
#define OST_RUNTIME_MODEL_QUANTGRID_H

#include "ost/Numerics/QuantGrid.h"

#include <cstdint>

namespace ost::runtime {

using ::ost::numerics::GridSpec;
using ::ost::numerics::QuantGrid;

/// The grid spec of a quantizer of the ABI: bits (2..8, checked by the
/// callers), symmetric or not, clip ratio.
inline GridSpec makeGridSpec(int64_t bits, bool symmetric, float clip) {
  GridSpec spec;
  spec.bits = static_cast<unsigned>(bits);
  spec.symmetric = symmetric;
  spec.clipRatio = clip;
  return spec;
}

} // namespace ost::runtime

#endif // OST_RUNTIME_MODEL_QUANTGRID_H

//===- ExecutorQuantParams.h - weight options as executor specs -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The executor's QuantParams of a WeightQuantOptions, for code that checks
// the weight quantizers against mlir::ost::fakeQuant (the tests). Header-only
// and inline so that OSTQuant itself does not depend on the executor: include
// it only where the executor is linked anyway.
//
//===----------------------------------------------------------------------===//

#ifndef OST_QUANT_EXECUTORQUANTPARAMS_H
#define OST_QUANT_EXECUTORQUANTPARAMS_H

#include "ost/Executor/Kernels.h"
#include "ost/Quant/WeightQuantizer.h"

namespace ost::quant {

/// per_channel on axis 0 with the options' group size and clip search, clip
/// ratio 1: fakeQuant with them equals quantizeRTN's dequantized weight.
inline mlir::ost::QuantParams toQuantParams(const WeightQuantOptions &options) {
  mlir::ost::QuantParams params;
  static_cast<::ost::numerics::QuantizerSpec &>(params) =
      toQuantizerSpec(options);
  params.granularity = mlir::ost::Granularity::PerChannel;
  params.axis = 0;
  params.groupSize = options.groupSize;
  return params;
}

} // namespace ost::quant

#endif // OST_QUANT_EXECUTORQUANTPARAMS_H

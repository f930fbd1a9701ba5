//===- WeightQuantization.h - linears to packed qlinears --------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The IR side of weight quantization shared by ost-quantize-weights (RTN)
// and ost-gptq: which linears are quantized, how their float weight is read,
// and the rewrite of an `ost.linear` into an `ost.qlinear` holding the
// packed levels of a ::ost::quant::QuantizedWeight.
//
//===----------------------------------------------------------------------===//

#ifndef OST_DIALECT_OST_TRANSFORMS_WEIGHTQUANTIZATION_H
#define OST_DIALECT_OST_TRANSFORMS_WEIGHTQUANTIZATION_H

#include "ost/Dialect/OST/IR/OSTOps.h"
#include "ost/Quant/WeightQuantizer.h"

#include "mlir/IR/BuiltinOps.h"

#include <vector>

namespace mlir::ost {

/// The linears whose weights are quantized, in IR order: the q/k/v/o
/// projections of every recognized attention block, gate/up/down of every
/// SwiGLU MLP (seen through fake quantizers and online Hadamards), and any
/// other ost.linear carrying a `role`. The embedding and ost.lm_head are
/// never included; an ost.linear that is neither gets a warning and stays in
/// floating point. Fails (with the matcher's error) on an ost.attention that
/// is not in the expected form. `action` names the caller in diagnostics
/// ("quantize weights around").
FailureOr<SmallVector<LinearOp>> collectQuantizableLinears(ModuleOp module,
                                                           StringRef action);

/// The f32 weight [N, K] of `linear` when it is a constant (`dense` or
/// `dense_resource`), seen through a weight fake quantizer (the W4A16
/// training form, superseded by real quantization). Otherwise emits an error
/// on the linear ("... run ost-fold-transforms first") and fails.
FailureOr<std::vector<float>> getConstantWeight(LinearOp linear);

/// The weight spec of `options`: `#ost.qspec<bits, sym|asym, per_channel>`
/// with `group` when options.groupSize > 0.
QuantSpecAttr getWeightSpec(MLIRContext *context,
                            const ::ost::quant::WeightQuantOptions &options);

/// Replaces `linear` by an `ost.qlinear` (same input, bias, role and layer)
/// whose weight is `weight` packed with ::ost::quant::packLevels, with scales
/// `[N, G] f32` and, for asymmetric options, zero points `[N, G] i8` as
/// constants (`dense_resource` blobs above WeightConstants' size threshold).
///
/// With `foldActivationQuantizer`, an input produced by a per_token
/// `ost.fake_quant` without a clip search becomes the qlinear's `act_spec`
/// (the qlinear reads the quantizer's input and quantizes it the same way,
/// so the result is bit-identical); the fake_quant is erased once nothing
/// reads it. The old weight chain (a weight fake quantizer, the constant) is
/// erased when unused. Blobs are named `<blobPrefix>layers.<L>.<role>.qweight`
/// (`.scales`, `.zero_points`); a scratch copy of a module should use its own
/// prefix, since blob names are unique per context. Fails with an error on
/// the linear if `weight` does not match its shape or cannot be packed.
FailureOr<QLinearOp>
replaceWithQLinear(LinearOp linear, const ::ost::quant::QuantizedWeight &weight,
                   const ::ost::quant::WeightQuantOptions &options,
                   bool foldActivationQuantizer = true,
                   StringRef blobPrefix = "");

} // namespace mlir::ost

#endif // OST_DIALECT_OST_TRANSFORMS_WEIGHTQUANTIZATION_H

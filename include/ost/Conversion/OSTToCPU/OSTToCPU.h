//===- OSTToCPU.h - the model function as the CPU runtime step -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The pieces of convert-ost-to-cpu, for a pass that lowers a model with its
// own patterns besides ost's (a new op, another kernel for one of them):
//
//   FailureOr<std::unique_ptr<OSTToCPULowering>> lowering =
//       OSTToCPULowering::prepare(module, "forward");
//   RewritePatternSet patterns(ctx);
//   (*lowering)->populatePatterns(patterns);   // populateOSTToCPUPatterns
//   patterns.add<MyPattern>((*lowering)->getTypeConverter(), ctx);
//   ConversionTarget target(*ctx);
//   (*lowering)->configureTarget(target);
//   if (failed(applyFullConversion((*lowering)->getStep(), target,
//                                  std::move(patterns))) ||
//       failed((*lowering)->finish()))
//     ...
//
// prepare checks that the function has a form the runtime runs (the
// diagnostics name the op) and moves its body into the step of
// runtime/include/ost/runtime/ModelABI.h,
//
//   func.func @ost_step(%ctx: !llvm.ptr, %ids: memref<?xi64>, %pos: i64,
//                       %logits: memref<?x?xf32>)
//
// the patterns convert it to memref/vector/scf code and runtime kernel calls,
// and finish records the model's sizes as `ost.model_info`.
//
//===----------------------------------------------------------------------===//

#ifndef OST_CONVERSION_OSTTOCPU_OSTTOCPU_H
#define OST_CONVERSION_OSTTOCPU_OSTTOCPU_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

#include <memory>

namespace mlir {
namespace func {
class FuncOp;
} // namespace func

namespace ost {

/// One model function being lowered into the CPU step.
class OSTToCPULowering {
public:
  /// Name of the step function (ModelABI.h).
  static constexpr StringLiteral kStepName = "ost_step";

  /// Checks function `entry` of `module` and moves its body into the step
  /// (`entry` is erased). Fails with diagnostics, leaving the module as it
  /// was, when the function is missing, the module already has a step, or
  /// an op has no form the runtime runs.
  static FailureOr<std::unique_ptr<OSTToCPULowering>>
  prepare(ModuleOp module, StringRef entry);
  ~OSTToCPULowering();

  /// The step the patterns convert.
  func::FuncOp getStep() const;
  /// Ranked tensors → identity-layout memrefs of the same shape.
  const TypeConverter &getTypeConverter() const;
  /// Adds the patterns of every OST op and of the tensor ops models use
  /// (populateOSTToCPUPatterns).
  void populatePatterns(RewritePatternSet &patterns);
  /// Marks what the converted step may contain (arith, memref, scf, vector,
  /// math, func; no OST or tensor ops, no tensor constants).
  void configureTarget(ConversionTarget &target) const;
  /// After the conversion: a vectorizable approximation of math.exp (SiLU)
  /// and the module's `ost.model_info`.
  LogicalResult finish();

private:
  struct Impl;
  explicit OSTToCPULowering(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl;
};

/// Adds the patterns of `lowering` to `patterns`.
inline void populateOSTToCPUPatterns(OSTToCPULowering &lowering,
                                     RewritePatternSet &patterns) {
  lowering.populatePatterns(patterns);
}

} // namespace ost
} // namespace mlir

#endif // OST_CONVERSION_OSTTOCPU_OSTTOCPU_H

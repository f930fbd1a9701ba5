//===- Passes.h - OST dialect passes ----------------------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OST_DIALECT_OST_TRANSFORMS_PASSES_H
#define OST_DIALECT_OST_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::ost {

#define GEN_PASS_DECL
#include "ost/Dialect/OST/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "ost/Dialect/OST/Transforms/Passes.h.inc"

/// Options of the `ost-transform-pipeline` pipeline (the options of the
/// passes it runs).
struct TransformPipelineOptions
    : public PassPipelineOptions<TransformPipelineOptions> {
  ListOption<std::string> pairs{
      *this, "pairs",
      llvm::cl::desc("Pairs to insert: res, attn, ffn, qk, ov, ud, all "
                     "(default) or none")};
  Option<bool> downHadamard{
      *this, "down-hadamard", llvm::cl::init(true),
      llvm::cl::desc("Online Hadamard before every down_proj")};
  Option<bool> qkHadamard{
      *this, "qk-hadamard", llvm::cl::init(false),
      llvm::cl::desc("Online Hadamard on Q and K after RoPE")};
  Option<std::string> method{
      *this, "method", llvm::cl::init("hadamard"),
      llvm::cl::desc("Rotation init: identity, hadamard, random-orthogonal "
                     "or womi")};
  Option<std::string> scales{*this, "scales", llvm::cl::init("ones"),
                             llvm::cl::desc("Scale init: ones or random")};
  Option<uint64_t> seed{*this, "seed", llvm::cl::init(0),
                        llvm::cl::desc("Seed of the random inits")};
};

/// fold-norm-weights → insert-transforms → verify-transform-pairs →
/// init-transforms → fold-transforms.
void buildTransformPipeline(OpPassManager &pm,
                            const TransformPipelineOptions &options);

/// Registers the named pipelines (ost-transform-pipeline).
void registerOSTPipelines();

} // namespace mlir::ost

#endif // OST_DIALECT_OST_TRANSFORMS_PASSES_H

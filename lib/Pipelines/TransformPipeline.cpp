//===- TransformPipeline.cpp - ost-transform-pipeline ---------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/Transforms/Passes.h"
#include "ost/Pipelines/NamedPipelines.h"

using namespace mlir;
using namespace mlir::ost;

void mlir::ost::buildTransformPipeline(OpPassManager &pm,
                                       const TransformPipelineOptions &options) {
  pm.addPass(createOSTFoldNormWeightsPass());
  OSTInsertTransformsPassOptions insert;
  insert.pairs = llvm::to_vector(options.pairs);
  insert.downHadamard = options.downHadamard;
  insert.qkHadamard = options.qkHadamard;
  pm.addPass(createOSTInsertTransformsPass(insert));
  pm.addPass(createOSTVerifyTransformPairsPass());
  OSTInitTransformsPassOptions init;
  init.method = options.method;
  init.scales = options.scales;
  init.seed = options.seed;
  pm.addPass(createOSTInitTransformsPass(init));
  pm.addPass(createOSTFoldTransformsPass());
}

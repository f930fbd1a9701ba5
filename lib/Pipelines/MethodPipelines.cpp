//===- MethodPipelines.cpp - quantization methods as pass pipelines -------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The `quantized` phase: one builder per method family, all made of the
// same steps (fold norms, insert and initialize transforms, calibrate
// them, insert quantizers, quantize the weights).
//
//===----------------------------------------------------------------------===//

#include "ost/Pipelines/Pipelines.h"

#include "ost/Calibration/Passes.h"
#include "ost/Dialect/OST/Transforms/Passes.h"
#include "ost/Support/QuantConfig.h"

#include "mlir/Pass/PassManager.h"

using namespace mlir;
using namespace mlir::ost;

namespace {

/// Builds one method's passes from the options and their bit configuration.
class MethodBuilder {
public:
  MethodBuilder(OpPassManager &pm, const CompileOptions &options)
      : pm(pm), o(options) {
    llvm::Expected<QuantConfig> parsed = parseQuantConfig(o.bits);
    if (!parsed)
      llvm::report_fatal_error(llvm::Twine("ost: unverified bits '") +
                               o.bits + "': " +
                               llvm::toString(parsed.takeError()));
    config = *parsed;
  }

  void build();

private:
  bool weights() const { return config.quantizesWeights(); }
  bool acts() const { return config.quantizesActivations(); }
  bool kv() const { return config.kvBits < QuantConfig::kFloatBits; }

  /// The calibration data options shared by the data-driven passes.
  template <typename PassOptions>
  void setData(PassOptions &p) const {
    p.calib = o.calib;
    p.tokenizer = o.tokenizer;
    p.function = o.function;
    p.docs = o.docs;
    p.seqLen = o.seqLen;
    p.seed = o.seed;
    p.threads = o.threads;
  }

  void addTransforms(llvm::ArrayRef<std::string> pairs, RotationInit init);
  void addCalibration(const OSTCalibratePassOptions &method);
  void addQuantizers(bool useGPTQ);
  void addSmoothQuant();

  OpPassManager &pm;
  const CompileOptions &o;
  QuantConfig config;
};

/// Rotations (or smoothing scales) as transform pairs with their initial
/// values; online Hadamards before down_proj, and on Q/K when the KV cache
/// is quantized.
void MethodBuilder::addTransforms(llvm::ArrayRef<std::string> pairs,
                                  RotationInit init) {
  OSTInsertTransformsPassOptions insert;
  insert.pairs = llvm::to_vector(pairs);
  insert.downHadamard = true;
  insert.qkHadamard = kv();
  pm.addPass(createOSTInsertTransformsPass(insert));
  pm.addPass(createOSTVerifyTransformPairsPass());
  OSTInitTransformsPassOptions initOptions;
  initOptions.method = init;
  initOptions.seed = o.seed;
  pm.addPass(createOSTInitTransformsPass(initOptions));
}

/// Learns the transforms against training-time quantizers (activations
/// only when they are quantized, since GPTQ follows; fake-quantized weights
/// for weight-only configurations), then folds them.
void MethodBuilder::addCalibration(const OSTCalibratePassOptions &method) {
  OSTInsertQuantizersPassOptions train;
  train.bits = config.str();
  train.weights = weights() && !acts();
  pm.addPass(createOSTInsertQuantizersPass(train));
  OSTCalibratePassOptions calibrate = method;
  setData(calibrate);
  calibrate.steps = o.steps;
  calibrate.batch = o.batch;
  calibrate.progress = o.progress;
  calibrate.checkpoint = o.checkpoint;
  calibrate.resume = !o.checkpoint.empty() && o.resume;
  // A given learning rate replaces the method's.
  if (o.rotationLr > 0.0)
    calibrate.rotationLr = o.rotationLr;
  if (o.scaleLr > 0.0)
    calibrate.scaleLr = o.scaleLr;
  pm.addPass(createOSTCalibratePass(calibrate));
  pm.addPass(createOSTStripFakeQuantPass());
  pm.addPass(createOSTFoldTransformsPass());
}

/// The runtime quantizers, then the weights: GPTQ or round-to-nearest.
void MethodBuilder::addQuantizers(bool useGPTQ) {
  OSTInsertQuantizersPassOptions quantizers;
  quantizers.bits = config.str();
  pm.addPass(createOSTInsertQuantizersPass(quantizers));
  if (!weights())
    return;
  if (!useGPTQ) {
    OSTQuantizeWeightsPassOptions rtn;
    rtn.bits = config.weightBits;
    pm.addPass(createOSTQuantizeWeightsPass(rtn));
    return;
  }
  OSTGPTQPassOptions gptq;
  gptq.bits = config.weightBits;
  gptq.samples = o.samples;
  gptq.progress = o.progress;
  setData(gptq);
  pm.addPass(createOSTGPTQPass(gptq));
}

/// attn/ffn scales set from activation statistics and folded.
void MethodBuilder::addSmoothQuant() {
  OSTInsertTransformsPassOptions insert;
  insert.pairs = {"attn", "ffn"};
  insert.downHadamard = false;
  insert.qkHadamard = false;
  pm.addPass(createOSTInsertTransformsPass(insert));
  pm.addPass(createOSTVerifyTransformPairsPass());
  OSTInitTransformsPassOptions init;
  init.method = RotationInit::Identity;
  pm.addPass(createOSTInitTransformsPass(init));
  OSTSmoothScalesPassOptions smooth;
  smooth.samples = o.samples;
  setData(smooth);
  pm.addPass(createOSTSmoothScalesPass(smooth));
  pm.addPass(createOSTFoldTransformsPass());
}

void MethodBuilder::build() {
  if (o.method == Method::None)
    return; // The float model as imported (ost's FP32 build).
  // RMSNorm weights into the following linears: every method needs plain
  // norms (transforms commute with them only without γ).
  pm.addPass(createOSTFoldNormWeightsPass());
  switch (o.method) {
  case Method::None:
    return;
  case Method::RTN:
  case Method::GPTQ:
    addQuantizers(/*useGPTQ=*/o.method == Method::GPTQ);
    return;
  case Method::SmoothQuant:
    addSmoothQuant();
    addQuantizers(/*useGPTQ=*/false);
    return;
  case Method::QuaRot:
  case Method::QuaRotRTN:
    addTransforms({"res", "ov"}, RotationInit::Hadamard);
    pm.addPass(createOSTFoldTransformsPass());
    addQuantizers(/*useGPTQ=*/o.method == Method::QuaRot);
    return;
  case Method::SpinQuant: {
    addTransforms({"res", "ov"}, RotationInit::Hadamard);
    OSTCalibratePassOptions spin;
    spin.loss = ::ost::optim::LossKind::CrossEntropy;
    spin.optimizer = RotationOptimizer::CayleySGD;
    spin.rotationLr = 1.5;
    spin.schedule = LearningRateSchedule::Cosine;
    spin.tieBlocks = true;
    addCalibration(spin);
    addQuantizers(/*useGPTQ=*/true);
    return;
  }
  case Method::OSTQuant: {
    addTransforms({"all"},
                  acts() ? RotationInit::Womi : RotationInit::Hadamard);
    OSTCalibratePassOptions ost;
    ost.loss = ::ost::optim::LossKind::KLTop;
    ost.optimizer = RotationOptimizer::RiemannianAdam;
    addCalibration(ost);
    addQuantizers(/*useGPTQ=*/true);
    return;
  }
  }
}

} // namespace

void mlir::ost::buildMethodPipeline(OpPassManager &pm,
                                    const CompileOptions &options) {
  MethodBuilder(pm, options).build();
}

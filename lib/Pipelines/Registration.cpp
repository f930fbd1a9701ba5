//===- Registration.cpp - ost-opt's named pipelines -----------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// ost-transform-pipeline, ost-qlinear-to-nvvm-pipeline, and one
// ost-method-<name> per method, registered from the same builder
// ost-compile runs; a method pipeline's options are the method settings of
// CompileOptions, checked by verifyMethodOptions when the pipeline is parsed.
//
//===----------------------------------------------------------------------===//

#include "ost/Pipelines/NamedPipelines.h"
#include "ost/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;
using namespace mlir::ost;

namespace {

/// The options of an `ost-method-<name>` pipeline.
struct MethodPipelineOptions
    : public PassPipelineOptions<MethodPipelineOptions> {
  Option<std::string> bits{*this, "bits", llvm::cl::init("W4A4KV4"),
                           llvm::cl::desc("W<b>A<b>[KV<b>]")};
  Option<std::string> calib{*this, "calib",
                            llvm::cl::desc("Calibration text file")};
  Option<std::string> docs{*this, "docs",
                           llvm::cl::desc("Documents A:B of the text")};
  Option<std::string> tokenizer{*this, "tokenizer",
                                llvm::cl::desc("Tokenizer file")};
  Option<std::string> function{*this, "function", llvm::cl::init("forward"),
                               llvm::cl::desc("The model function")};
  Option<int64_t> steps{*this, "steps", llvm::cl::init(100),
                        llvm::cl::desc("Calibration steps")};
  Option<int64_t> batch{*this, "batch", llvm::cl::init(4),
                        llvm::cl::desc("Sequences per step")};
  Option<int64_t> seqLen{*this, "seq-len", llvm::cl::init(256),
                         llvm::cl::desc("Tokens per sequence")};
  Option<double> rotationLr{
      *this, "rotation-lr", llvm::cl::init(0.0),
      llvm::cl::desc("Rotation learning rate (0: the method's)")};
  Option<double> scaleLr{
      *this, "scale-lr", llvm::cl::init(0.0),
      llvm::cl::desc("Scale learning rate (0: the method's)")};
  Option<uint64_t> seed{*this, "seed", llvm::cl::init(42),
                        llvm::cl::desc("Seed")};
  Option<int64_t> samples{*this, "samples", llvm::cl::init(128),
                          llvm::cl::desc("Blocks for GPTQ / SmoothQuant")};
  Option<std::string> checkpoint{*this, "checkpoint",
                                 llvm::cl::desc("Calibration checkpoint")};
  Option<bool> resume{*this, "resume", llvm::cl::init(false),
                      llvm::cl::desc("Resume from the checkpoint")};
  Option<unsigned> threads{*this, "threads", llvm::cl::init(0),
                           llvm::cl::desc("Executor threads (0: all)")};
  Option<bool> progress{*this, "progress", llvm::cl::init(true),
                        llvm::cl::desc("Print progress to stderr")};

  CompileOptions toCompileOptions(Method method) const {
    CompileOptions o;
    o.method = method;
    o.bits = bits;
    o.calib = calib;
    o.docs = docs;
    o.tokenizer = tokenizer;
    o.function = function;
    o.steps = steps;
    o.batch = batch;
    o.seqLen = seqLen;
    o.rotationLr = rotationLr;
    o.scaleLr = scaleLr;
    o.seed = seed;
    o.samples = samples;
    o.checkpoint = checkpoint;
    o.resume = resume;
    o.threads = threads;
    o.progress = progress;
    return o;
  }
};

} // namespace

void mlir::ost::registerOSTMethodPipelines() {
  for (Method method : getMethods()) {
    std::string name = ("ost-method-" + getMethodName(method)).str();
    std::string description =
        ("The " + getMethodName(method) + " method (docs/Calibration.md)")
            .str();
    // PassPipelineRegistration's builders cannot fail; this one parses the
    // options itself so that invalid ones are an error of the pipeline
    // string, reported before anything runs.
    auto build = [method, name](OpPassManager &pm, StringRef text,
                                function_ref<LogicalResult(const Twine &)>
                                    errorHandler) -> LogicalResult {
      std::unique_ptr<MethodPipelineOptions> options =
          MethodPipelineOptions::createFromString(text);
      if (!options)
        return failure();
      CompileOptions o = options->toCompileOptions(method);
      if (llvm::Error error = verifyMethodOptions(o))
        return errorHandler(name + ": " + llvm::toString(std::move(error)));
      buildMethodPipeline(pm, o);
      return success();
    };
    registerPassPipeline(name, description, build,
                         [](function_ref<void(const detail::PassOptions &)> print) {
                           print(MethodPipelineOptions());
                         });
  }
}

void mlir::ost::registerOSTPipelines() {
  PassPipelineRegistration<TransformPipelineOptions>(
      "ost-transform-pipeline",
      "Fold norms, insert the OSTQuant transform pairs, initialize them and "
      "fold them into the weights (with method=hadamard: QuaRot-style "
      "rotation; the float model stays equivalent)",
      buildTransformPipeline);
  PassPipelineRegistration<QLinearToNVVMPipelineOptions>(
      "ost-qlinear-to-nvvm-pipeline",
      "generate the quantized linears' NVVM kernels and serialize them to "
      "PTX or cubins",
      buildQLinearToNVVMPipeline);
  registerOSTMethodPipelines();
}

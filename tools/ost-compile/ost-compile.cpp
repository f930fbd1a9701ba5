//===- ost-compile.cpp - ahead-of-time quantizing compiler ----------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Compiles a model (ONNX or OST IR) with one quantization method:
//
//   ost-compile model.onnx --method=ostquant --bits=W4A4KV4 \
//       --calib=text.txt --calib-docs=0:250 --tokenizer=tok.bin \
//       --compile-to=quantized -o out.mlir
//
// `--compile-to=quantized` stops after weight quantization: the output is
// OST IR with packed `ost.qlinear` weights and the runtime activation/KV
// quantizers, which `ost-run perplexity` evaluates. The method is a pass
// pipeline (include/ost/Calibration/MethodPipelines.h);
// `--print-pipeline` prints it for replay with `ost-opt --pass-pipeline`.
//
//===----------------------------------------------------------------------===//

#include "ost/Calibration/MethodPipelines.h"
#include "ost/InitAll.h"
#include "ost/Tools/ModelLoader.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory category("ost-compile options");

static cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                                      cl::desc("<model.onnx|model.mlir>"),
                                      cl::cat(category));
static cl::opt<std::string> outputPath("o", cl::desc("Output file"),
                                       cl::value_desc("file"), cl::init("-"),
                                       cl::cat(category));
static cl::opt<std::string>
    method("method",
           cl::desc("rtn, smoothquant, gptq, quarot, spinquant or ostquant"),
           cl::init("ostquant"), cl::cat(category));
static cl::opt<std::string>
    bits("bits", cl::desc("W<b>A<b>[KV<b>]: W4A16KV16, W4A4KV16, W4A4KV4, …"),
         cl::init("W4A4KV4"), cl::cat(category));
static cl::opt<std::string> compileTo("compile-to",
                                      cl::desc("Stop after: quantized"),
                                      cl::init("quantized"), cl::cat(category));
static cl::opt<std::string> calib("calib", cl::desc("Calibration text file"),
                                  cl::cat(category));
static cl::opt<std::string>
    calibDocs("calib-docs", cl::desc("Documents A:B of the calibration text"),
              cl::cat(category));
static cl::opt<std::string> tokenizer("tokenizer", cl::desc("Tokenizer file"),
                                      cl::cat(category));
static cl::opt<int64_t> steps("steps", cl::desc("Calibration steps"),
                              cl::init(100), cl::cat(category));
static cl::opt<int64_t> batch("batch", cl::desc("Sequences per step"),
                              cl::init(4), cl::cat(category));
static cl::opt<int64_t> seqLen("seq-len", cl::desc("Tokens per sequence"),
                               cl::init(256), cl::cat(category));
static cl::opt<double>
    rotationLr("rotation-lr",
               cl::desc("Rotation learning rate (default: the method's)"),
               cl::init(0.0), cl::cat(category));
static cl::opt<double> scaleLr("scale-lr",
                               cl::desc("Scale learning rate (default: the "
                                        "method's)"),
                               cl::init(0.0), cl::cat(category));
static cl::opt<uint64_t> seed("seed", cl::desc("Seed"), cl::init(42),
                              cl::cat(category));
static cl::opt<int64_t>
    samples("samples", cl::desc("Calibration blocks for GPTQ/SmoothQuant"),
            cl::init(128), cl::cat(category));
static cl::opt<std::string>
    checkpoint("checkpoint", cl::desc("Calibration checkpoint file"),
               cl::cat(category));
static cl::opt<bool> resume("resume",
                            cl::desc("Resume calibration from --checkpoint"),
                            cl::cat(category));
static cl::opt<unsigned> threads("num-threads",
                                 cl::desc("Executor threads (0: all cores)"),
                                 cl::init(0), cl::cat(category));
static cl::opt<bool> quiet("quiet", cl::desc("No progress output"),
                           cl::cat(category));
static cl::opt<bool> printPipeline(
    "print-pipeline", cl::desc("Print the pass pipeline and exit"),
    cl::cat(category));
static cl::opt<bool> emitBytecode("emit-bytecode",
                                  cl::desc("Write MLIR bytecode"),
                                  cl::cat(category));

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  // The method pipelines parse pass names and options from text.
  mlir::ost::registerAllPasses();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "ost ahead-of-time compiler\n");

  if (compileTo != "quantized") {
    llvm::errs() << "ost-compile: --compile-to=" << compileTo
                 << " is not supported (supported: quantized)\n";
    return 1;
  }
  if (resume && checkpoint.empty()) {
    llvm::errs() << "ost-compile: --resume needs --checkpoint\n";
    return 1;
  }
  mlir::ost::MethodSettings settings;
  settings.method = method;
  settings.bits = bits;
  settings.calib = calib;
  settings.docs = calibDocs;
  settings.tokenizer = tokenizer;
  settings.steps = steps;
  settings.batch = batch;
  settings.seqLen = seqLen;
  settings.seed = seed;
  settings.rotationLr = rotationLr;
  settings.scaleLr = scaleLr;
  settings.samples = samples;
  settings.checkpoint = checkpoint;
  settings.resume = resume;
  settings.threads = threads;
  settings.progress = !quiet;
  llvm::Expected<std::string> pipeline =
      mlir::ost::buildMethodPipeline(settings);
  if (!pipeline) {
    llvm::errs() << "ost-compile: " << llvm::toString(pipeline.takeError())
                 << "\n";
    return 1;
  }
  if (printPipeline) {
    llvm::outs() << *pipeline << "\n";
    return 0;
  }

  DialectRegistry registry;
  mlir::ost::registerAllDialects(registry);
  MLIRContext context(registry);
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);

  // Open the output first so a bad path fails before minutes of work.
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputPath, &error);
  if (!output) {
    llvm::errs() << "ost-compile: " << error << "\n";
    return 1;
  }
  OwningOpRef<ModuleOp> module = mlir::ost::loadModel(inputPath, context);
  if (!module)
    return 1;

  std::string parseErrors;
  llvm::raw_string_ostream errs(parseErrors);
  FailureOr<OpPassManager> parsed = parsePassPipeline(*pipeline, errs);
  if (failed(parsed)) {
    llvm::errs() << "ost-compile: internal error: invalid pipeline '"
                 << *pipeline << "': " << parseErrors << "\n";
    return 1;
  }
  PassManager pm(&context, ModuleOp::getOperationName());
  static_cast<OpPassManager &>(pm) = std::move(*parsed);
  auto start = std::chrono::steady_clock::now();
  if (failed(pm.run(*module))) {
    llvm::errs() << "ost-compile: method '" << method << "' failed on "
                 << inputPath << "; no output written\n";
    return 1;
  }
  double secs = std::chrono::duration<double>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  if (emitBytecode) {
    if (failed(writeBytecodeToFile(*module, output->os()))) {
      llvm::errs() << "ost-compile: cannot write bytecode\n";
      return 1;
    }
  } else {
    module->print(output->os());
    output->os() << "\n";
  }
  output->keep();
  if (!quiet)
    llvm::errs() << "ost-compile: " << method << " " << bits << " in "
                 << llvm::format("%.1f", secs) << " s -> " << outputPath
                 << "\n";
  return 0;
}

//===- ost-compile.cpp - ahead-of-time quantizing compiler ----------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Compiles a model (ONNX or OST IR) with one quantization method:
//
//   ost-compile model.onnx --method=ostquant --bits=W4A4KV4 \
//       --calib=text.txt --calib-docs=0:250 --tokenizer=tok.bin \
//       --compile-to=quantized -o out.mlir
//   ost-compile model.onnx --method=ostquant ... --target=cpu -o NAME
//
// `--compile-to=quantized` stops after weight quantization: the output is
// OST IR with packed `ost.qlinear` weights and the runtime activation/KV
// quantizers, which `ost-run perplexity` evaluates. The method is a pass
// pipeline (include/ost/Calibration/MethodPipelines.h);
// `--print-pipeline` prints it for replay with `ost-opt --pass-pipeline`.
//
// `--target=cpu` goes on (docs/Codegen.md): convert-ost-to-cpu (phase
// `cpu`), the LLVM dialect (`llvm`), LLVM IR with the model's C API
// (`llvmir`), an object file (`object`, emitted in process), and by default
// the executable NAME (`binary`; with `--emit=shared` also libNAME.so and
// NAME.h).
//
//===----------------------------------------------------------------------===//

#include "ost/Calibration/MethodPipelines.h"
#include "ost/InitAll.h"
#include "ost/Target/CPU/CPUBackend.h"
#include "ost/Tools/ModelLoader.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/InitAllPasses.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
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
           cl::desc("rtn, smoothquant, gptq, quarot, quarot-rtn, spinquant, "
                    "ostquant, or none (the float model; --bits is ignored)"),
           cl::init("ostquant"), cl::cat(category));
static cl::opt<std::string>
    bits("bits", cl::desc("W<b>A<b>[KV<b>]: W4A16KV16, W4A4KV16, W4A4KV4, …"),
         cl::init("W4A4KV4"), cl::cat(category));
static cl::opt<std::string> compileTo(
    "compile-to",
    cl::desc("Stop after: quantized (OST IR; the default without --target), "
             "cpu (the step on memrefs), llvm (LLVM dialect), llvmir (LLVM "
             "IR), object, binary (the default with --target=cpu)"),
    cl::cat(category));
static cl::opt<std::string>
    target("target", cl::desc("Code generation target: cpu"),
           cl::cat(category));
static cl::opt<std::string>
    emitKind("emit",
             cl::desc("With --target=cpu: exe (the executable NAME) or shared "
                      "(also libNAME.so and NAME.h)"),
             cl::init("exe"), cl::cat(category));
static cl::opt<std::string>
    cpuName("cpu",
            cl::desc("CPU to generate code for: native (default) or an LLVM "
                     "CPU name such as x86-64-v3"),
            cl::init("native"), cl::cat(category));
static cl::opt<std::string>
    symbolPrefix("prefix",
                 cl::desc("Prefix of the shared library's C API (default: "
                          "NAME as a C identifier)"),
                 cl::cat(category));
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

namespace {

/// How far ost-compile goes, in order.
enum class Phase { Quantized, CPU, LLVM, LLVMIR, Object, Binary };

std::optional<Phase> parsePhase(llvm::StringRef name) {
  return llvm::StringSwitch<std::optional<Phase>>(name)
      .Case("quantized", Phase::Quantized)
      .Case("cpu", Phase::CPU)
      .Case("llvm", Phase::LLVM)
      .Case("llvmir", Phase::LLVMIR)
      .Case("object", Phase::Object)
      .Case("binary", Phase::Binary)
      .Default(std::nullopt);
}

int fail(const llvm::Twine &message) {
  llvm::errs() << "ost-compile: " << message << "\n";
  return 1;
}

/// Runs a textual pass pipeline (without the builtin.module anchor).
LogicalResult runPipeline(ModuleOp module, llvm::StringRef text) {
  PassManager pm(module.getContext(), ModuleOp::getOperationName());
  std::string errors;
  llvm::raw_string_ostream os(errors);
  if (failed(parsePassPipeline(text, pm, os))) {
    llvm::errs() << "ost-compile: internal error: invalid pipeline '" << text
                 << "': " << errors << "\n";
    return failure();
  }
  return pm.run(module);
}

/// NAME as a C identifier (letters, digits, '_'; not starting with a digit).
std::string toIdentifier(llvm::StringRef name) {
  std::string id;
  for (char c : name)
    id += llvm::isAlnum(c) ? c : '_';
  if (id.empty() || llvm::isDigit(id[0]))
    id = "m_" + id;
  return id;
}

/// Writes `text` to `path` through a temporary file (all or nothing).
bool writeFileAtomically(const std::string &path, llvm::StringRef text) {
  std::string error;
  auto file = openOutputFile(path, &error);
  if (!file) {
    llvm::errs() << "ost-compile: " << error << "\n";
    return false;
  }
  file->os() << text;
  file->keep();
  return true;
}

/// Object, link and rename for --compile-to=object/binary: nothing is left
/// at the output paths unless every step succeeded.
int emitBinaries(llvm::Module &llvmModule, Phase phase,
                 const mlir::ost::CPUBackendOptions &options) {
  std::string error;
  llvm::SmallString<128> objectPath;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("ost-model", "o", objectPath))
    return fail("cannot create a temporary object file: " + ec.message());
  llvm::scope_exit removeObject([&] { llvm::sys::fs::remove(objectPath); });
  if (!mlir::ost::emitObjectFile(llvmModule, options, objectPath.str().str(),
                                 error))
    return fail(error);
  // 0, or 1 after a message.
  auto moveInto = [&](llvm::StringRef from, const std::string &to) -> int {
    if (!llvm::sys::fs::rename(from, to))
      return 0;
    // Another file system: copy instead.
    if (std::error_code ec = llvm::sys::fs::copy_file(from, to))
      return fail("cannot write " + to + ": " + ec.message());
    llvm::sys::fs::remove(from);
    return 0;
  };
  if (phase == Phase::Object)
    return moveInto(objectPath, outputPath);

  // Link next to the output, then rename.
  std::string exeTemp = outputPath + ".tmp-link";
  if (!mlir::ost::linkModel(objectPath.str().str(), exeTemp, /*shared=*/false,
                            error)) {
    llvm::sys::fs::remove(exeTemp);
    return fail(error);
  }
  if (emitKind == "shared") {
    llvm::SmallString<256> libPath(llvm::sys::path::parent_path(outputPath));
    llvm::sys::path::append(
        libPath, "lib" + llvm::sys::path::filename(outputPath) + ".so");
    std::string libTemp = libPath.str().str() + ".tmp-link";
    if (!mlir::ost::linkModel(objectPath.str().str(), libTemp,
                              /*shared=*/true, error)) {
      llvm::sys::fs::remove(libTemp);
      llvm::sys::fs::remove(exeTemp);
      return fail(error);
    }
    if (!writeFileAtomically(outputPath + ".h",
                             mlir::ost::getCAPIHeader(options.symbolPrefix,
                                                      options.description)) ||
        moveInto(libTemp, libPath.str().str()) != 0)
      return 1;
  }
  return moveInto(exeTemp, outputPath);
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  // The method pipelines and the lowering to LLVM parse pass names and
  // options from text.
  mlir::ost::registerAllPasses();
  mlir::registerAllPasses();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "ost ahead-of-time compiler\n");

  if (!target.empty() && target != "cpu")
    return fail("--target=" + target + " is not supported (supported: cpu)");
  std::string phaseName =
      compileTo.empty() ? (target.empty() ? "quantized" : "binary")
                        : compileTo.getValue();
  std::optional<Phase> phase = parsePhase(phaseName);
  if (!phase)
    return fail("--compile-to=" + phaseName +
                " is not a phase (quantized, cpu, llvm, llvmir, object, "
                "binary)");
  if (*phase > Phase::Quantized && target.empty())
    return fail("--compile-to=" + phaseName + " needs --target=cpu");
  if (emitKind != "exe" && emitKind != "shared")
    return fail("--emit=" + emitKind + " is not exe or shared");
  if (*phase >= Phase::Object && outputPath == "-")
    return fail("--compile-to=" + phaseName + " needs -o FILE");
  if (*phase == Phase::Binary) {
    llvm::StringRef dir = llvm::sys::path::parent_path(outputPath);
    if (!dir.empty() && !llvm::sys::fs::is_directory(dir))
      return fail("the output directory " + dir + " does not exist");
  }
  if (resume && checkpoint.empty())
    return fail("--resume needs --checkpoint");
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
  if (!pipeline)
    return fail(llvm::toString(pipeline.takeError()));
  if (printPipeline) {
    llvm::outs() << *pipeline << "\n";
    if (*phase >= Phase::CPU)
      llvm::outs() << "builtin.module(convert-ost-to-cpu)\n";
    if (*phase >= Phase::LLVM)
      llvm::outs() << "builtin.module("
                   << mlir::ost::getCPUToLLVMPipelineText() << ")\n";
    return 0;
  }

  DialectRegistry registry;
  mlir::ost::registerAllDialects(registry);
  MLIRContext context(registry);
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);

  // Open a text output first so a bad path fails before minutes of work.
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> output;
  if (*phase <= Phase::LLVMIR) {
    output = openOutputFile(outputPath, &error);
    if (!output)
      return fail(error);
  }
  OwningOpRef<ModuleOp> module = mlir::ost::loadModel(inputPath, context);
  if (!module)
    return 1;

  std::string parseErrors;
  llvm::raw_string_ostream errs(parseErrors);
  FailureOr<OpPassManager> parsed = parsePassPipeline(*pipeline, errs);
  if (failed(parsed))
    return fail("internal error: invalid pipeline '" + *pipeline +
                "': " + parseErrors);
  PassManager pm(&context, ModuleOp::getOperationName());
  static_cast<OpPassManager &>(pm) = std::move(*parsed);
  auto start = std::chrono::steady_clock::now();
  if (failed(pm.run(*module)))
    return fail("method '" + method + "' failed on " + inputPath +
                "; no output written");
  // What the model is: recorded in quantized modules, so compiling one again
  // (--method=none) keeps its name.
  std::string description =
      method == "none" ? std::string("none FP32") : method + " " + bits;
  if (auto recorded =
          (*module)->getAttrOfType<StringAttr>("ost.quantization")) {
    if (method == "none")
      description = recorded.str();
  } else if (method != "none") {
    (*module)->setAttr("ost.quantization",
                       StringAttr::get(&context, description));
  }
  if (*phase >= Phase::CPU &&
      failed(runPipeline(*module, "convert-ost-to-cpu")))
    return fail("cannot lower " + inputPath +
                " for the cpu target; no output written");
  if (*phase >= Phase::LLVM &&
      failed(runPipeline(*module, mlir::ost::getCPUToLLVMPipelineText())))
    return fail("lowering to the LLVM dialect failed; no output written");

  if (*phase <= Phase::LLVM) {
    if (emitBytecode) {
      if (failed(writeBytecodeToFile(*module, output->os())))
        return fail("cannot write bytecode");
    } else {
      module->print(output->os());
      output->os() << "\n";
    }
    output->keep();
  } else {
    mlir::ost::CPUBackendOptions options;
    options.cpu = cpuName;
    options.description = description;
    options.symbolPrefix =
        symbolPrefix.empty()
            ? toIdentifier(llvm::sys::path::stem(outputPath))
            : symbolPrefix.getValue();
    if (toIdentifier(options.symbolPrefix) != options.symbolPrefix)
      return fail("--prefix=" + options.symbolPrefix +
                  " is not a C identifier");
    llvm::LLVMContext llvmContext;
    std::unique_ptr<llvm::Module> llvmModule =
        mlir::ost::translateCPUModel(*module, llvmContext, options);
    if (!llvmModule)
      return fail("translation to LLVM IR failed; no output written");
    // The MLIR module (and its weights) is no longer needed.
    module = nullptr;
    if (*phase == Phase::LLVMIR) {
      llvmModule->print(output->os(), nullptr);
      output->keep();
    } else if (int rc = emitBinaries(*llvmModule, *phase, options)) {
      return rc;
    }
  }
  double secs = std::chrono::duration<double>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  if (!quiet)
    llvm::errs() << "ost-compile: " << description << " in "
                 << llvm::format("%.1f", secs) << " s -> " << outputPath
                 << "\n";
  return 0;
}

//===- ost-compile.cpp - ahead-of-time quantizing compiler ----------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Compiles a model (ONNX, OST IR, or a Hugging Face directory / GGUF file,
// exported first by `python -m ost.export.hf` and cached in OUTPUT.hf/, see
// HFInput.h) with one quantization method:
//
//   ost-compile model.onnx --method=ostquant --bits=W4A4KV4 \
//       --calib=text.txt --calib-docs=0:250 --tokenizer=tok.bin \
//       --compile-to=quantized -o out.mlir
//   ost-compile model.onnx --method=ostquant ... --target=cpu -o NAME
//   ost-compile model.onnx --method=quarot --bits=W4A16KV16 --target=onnx \
//       -o m.onnx
//
// `--compile-to=quantized` stops after weight quantization: the output is
// OST IR with packed `ost.qlinear` weights and the runtime activation/KV
// quantizers, which `ost-run perplexity` evaluates. The flags fill one
// CompileOptions; every phase's passes come from the typed builders of
// include/ost/Pipelines/Pipelines.h, and `--print-pipeline` prints the pass
// manager of all phases for replay with `ost-opt --pass-pipeline`.
//
// `--target=cpu` goes on (docs/Codegen.md): convert-ost-to-cpu (phase
// `cpu`), the LLVM dialect (`llvm`), LLVM IR with the model's C API
// (`llvmir`), an object file (`object`, emitted in process), and by default
// the executable NAME (`binary`; with `--emit=shared` also libNAME.so and
// NAME.h). `--target=onnx` writes the quantized module as an ONNX model
// (MatMulNBits or QDQ weights; include/ost/Target/ONNX/ONNXExport.h).
//
//===----------------------------------------------------------------------===//

#include "HFInput.h"

#include "ost/InitAll.h"
#include "ost/Pipelines/Pipelines.h"
#include "ost/Target/CPU/CPUBackend.h"
#include "ost/Target/ONNX/ONNXExport.h"
#include "ost/Tools/ModelLoader.h"
#include "ost/Tools/OutputFile.h"

#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace mlir;
using mlir::ost::CompileOptions;
using mlir::ost::EmitKind;
using mlir::ost::Method;
using mlir::ost::Phase;
namespace cl = llvm::cl;

static cl::OptionCategory category("ost-compile options");

static cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                                      cl::desc("<model.onnx|.mlir|HF dir|.gguf>"),
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
             "IR), object, binary (the default with --target=cpu); onnx is "
             "--target=onnx"),
    cl::cat(category));
static cl::opt<std::string>
    target("target",
           cl::desc("Code generation target: cpu (executables) or onnx (a "
                    "quantized ONNX model)"),
           cl::cat(category));
static cl::opt<std::string> onnxWeights(
    "onnx-weights",
    cl::desc("With --target=onnx: matmulnbits (com.microsoft.MatMulNBits, "
             "the default) or qdq (INT4 DequantizeLinear + MatMul)"),
    cl::init("matmulnbits"), cl::cat(category));
static cl::opt<int64_t> onnxBlockSize(
    "onnx-block-size",
    cl::desc("With --target=onnx: MatMulNBits block size of per-channel "
             "weights (0: the smallest power of two >= K, 16 to 128)"),
    cl::init(0), cl::cat(category));
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

int fail(const llvm::Twine &message) {
  llvm::errs() << "ost-compile: " << message << "\n";
  return 1;
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
  if (llvm::Error err =
          mlir::ost::writeOutputFile(path, [&](llvm::raw_ostream &os) {
            os << text;
            return llvm::Error::success();
          })) {
    llvm::errs() << "ost-compile: " << llvm::toString(std::move(err)) << "\n";
    return false;
  }
  return true;
}

/// Object, link and rename for --compile-to=object/binary: nothing is left
/// at the output paths unless every step succeeded.
int emitBinaries(llvm::Module &llvmModule, Phase phase, EmitKind emit,
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
  if (emit == EmitKind::Shared) {
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

/// Maps the flags onto `o`; 0, or 1 after a message.
int getCompileOptions(CompileOptions &o) {
  std::string targetName = target;
  std::string compileToName = compileTo;
  // --compile-to=onnx is --target=onnx.
  if (compileToName == "onnx") {
    if (!targetName.empty() && targetName != "onnx")
      return fail("--compile-to=onnx needs --target=onnx, not --target=" +
                  targetName);
    targetName = "onnx";
    compileToName.clear();
  }
  if (!targetName.empty() && targetName != "cpu" && targetName != "onnx")
    return fail("--target=" + targetName +
                " is not supported (supported: cpu, onnx)");
  o.target = targetName.empty()     ? mlir::ost::Target::None
             : targetName == "onnx" ? mlir::ost::Target::ONNX
                                    : mlir::ost::Target::CPU;
  if (o.target == mlir::ost::Target::ONNX) {
    if (!compileToName.empty())
      return fail("--compile-to=" + compileToName +
                  " does not apply to --target=onnx (it writes the quantized "
                  "model as ONNX)");
    if (onnxWeights != "matmulnbits" && onnxWeights != "qdq")
      return fail("--onnx-weights=" + onnxWeights +
                  " is not matmulnbits or qdq");
  }
  std::string phaseName =
      compileToName.empty()
          ? (targetName.empty() || targetName == "onnx" ? "quantized"
                                                        : "binary")
          : compileToName;
  std::optional<Phase> phase = mlir::ost::parsePhase(phaseName);
  if (!phase)
    return fail("--compile-to=" + phaseName +
                " is not a phase (quantized, cpu, llvm, llvmir, object, "
                "binary)");
  o.phase = *phase;
  if (emitKind != "exe" && emitKind != "shared")
    return fail("--emit=" + emitKind + " is not exe or shared");
  o.emit = emitKind == "shared" ? EmitKind::Shared : EmitKind::Executable;
  std::optional<Method> m = mlir::ost::parseMethod(method);
  if (!m) {
    llvm::SmallVector<llvm::StringRef> names;
    for (Method each : mlir::ost::getMethods())
      names.push_back(mlir::ost::getMethodName(each));
    return fail("unknown method '" + method + "' (expected " +
                llvm::join(names, ", ") + ")");
  }
  o.method = *m;
  o.bits = bits;
  o.calib = calib;
  o.docs = calibDocs;
  o.tokenizer = tokenizer;
  // A Hugging Face / GGUF source brings its tokenizer (written by the export).
  if (o.tokenizer.empty() && ::ost::compile::getHFSourceKind(inputPath) !=
                                 ::ost::compile::HFSourceKind::None)
    o.tokenizer =
        ::ost::compile::getHFCacheDir(outputPath) + "/tokenizer.json";
  o.steps = steps;
  o.batch = batch;
  o.seqLen = seqLen;
  o.seed = seed;
  o.rotationLr = rotationLr;
  o.scaleLr = scaleLr;
  o.samples = samples;
  o.checkpoint = checkpoint;
  o.resume = resume;
  o.threads = threads;
  o.progress = !quiet;
  o.cpu = cpuName;
  o.symbolPrefix = symbolPrefix;
  if (llvm::Error error = mlir::ost::verifyCompileOptions(o))
    return fail(llvm::toString(std::move(error)));
  return 0;
}

/// Runs the passes of `phase` on `module`.
LogicalResult runPhase(ModuleOp module, const CompileOptions &options,
                       Phase phase) {
  PassManager pm(module.getContext(), ModuleOp::getOperationName());
  mlir::ost::buildPhasePipeline(pm, options, phase);
  return pm.run(module);
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "ost ahead-of-time compiler\n");

  CompileOptions options;
  if (int rc = getCompileOptions(options))
    return rc;
  Phase phase = options.phase;
  // Output checks that need no model.
  if (phase >= Phase::Object && outputPath == "-")
    return fail("--compile-to=" + mlir::ost::getPhaseName(phase) +
                " needs -o FILE");
  if (phase == Phase::Binary) {
    llvm::StringRef dir = llvm::sys::path::parent_path(outputPath);
    if (!dir.empty() && !llvm::sys::fs::is_directory(dir))
      return fail("the output directory " + dir + " does not exist");
  }
  if (printPipeline) {
    OpPassManager pm(ModuleOp::getOperationName());
    mlir::ost::buildCompilePipeline(pm, options);
    pm.printAsTextualPipeline(llvm::outs());
    llvm::outs() << "\n";
    return 0;
  }
  DialectRegistry registry;
  mlir::ost::registerAllDialects(registry);
  MLIRContext context(registry);
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);

  // Check a text output first so a bad path fails before minutes of work
  // (it is written all or nothing at the end: OutputFile.h).
  if (phase <= Phase::LLVMIR)
    if (llvm::Error err = mlir::ost::checkOutputWritable(outputPath))
      return fail(llvm::toString(std::move(err)));
  std::string modelPath = inputPath;
  if (::ost::compile::getHFSourceKind(inputPath) !=
      ::ost::compile::HFSourceKind::None) {
    if (outputPath == "-")
      return fail(inputPath + " is a Hugging Face model: it needs -o FILE "
                  "(its ONNX export is cached in FILE.hf/)");
    llvm::Expected<std::string> exported = ::ost::compile::exportHFSource(
        inputPath, ::ost::compile::getHFCacheDir(outputPath), quiet);
    if (!exported)
      return fail(llvm::toString(exported.takeError()));
    modelPath = *exported;
  }
  OwningOpRef<ModuleOp> module = mlir::ost::loadModel(modelPath, context);
  if (!module)
    return 1;

  auto start = std::chrono::steady_clock::now();
  if (failed(runPhase(*module, options, Phase::Quantized)))
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
  if (options.target == mlir::ost::Target::ONNX) {
    mlir::ost::ONNXExportOptions onnxOptions;
    onnxOptions.weightFormat = onnxWeights == "qdq"
                                   ? mlir::ost::ONNXWeightFormat::QDQ
                                   : mlir::ost::ONNXWeightFormat::MatMulNBits;
    onnxOptions.blockSize = onnxBlockSize;
    onnxOptions.description = description;
    std::string bytes;
    if (failed(mlir::ost::exportONNXModel(*module, onnxOptions, bytes)))
      return fail("cannot export " + inputPath + " as ONNX; no output written");
    if (!writeFileAtomically(outputPath, bytes))
      return 1;
    if (!quiet)
      llvm::errs() << "ost-compile: " << description << " -> " << outputPath
                   << " (ONNX, " << bytes.size() << " bytes)\n";
    return 0;
  }
  if (phase >= Phase::CPU && failed(runPhase(*module, options, Phase::CPU)))
    return fail("cannot lower " + inputPath +
                " for the cpu target; no output written");
  if (phase >= Phase::LLVM && failed(runPhase(*module, options, Phase::LLVM)))
    return fail("lowering to the LLVM dialect failed; no output written");

  if (phase <= Phase::LLVM) {
    if (llvm::Error err = mlir::ost::writeOutputFile(
            outputPath, [&](llvm::raw_ostream &os) -> llvm::Error {
              if (!emitBytecode) {
                module->print(os);
                os << "\n";
              } else if (failed(writeBytecodeToFile(*module, os))) {
                return llvm::createStringError("cannot write bytecode");
              }
              return llvm::Error::success();
            }))
      return fail(llvm::toString(std::move(err)) + "; no output written");
  } else {
    mlir::ost::CPUBackendOptions backend;
    backend.cpu = options.cpu;
    backend.description = description;
    backend.symbolPrefix =
        options.symbolPrefix.empty()
            ? toIdentifier(llvm::sys::path::stem(outputPath))
            : options.symbolPrefix;
    if (toIdentifier(backend.symbolPrefix) != backend.symbolPrefix)
      return fail("--prefix=" + backend.symbolPrefix +
                  " is not a C identifier");
    llvm::LLVMContext llvmContext;
    std::unique_ptr<llvm::Module> llvmModule =
        mlir::ost::translateCPUModel(*module, llvmContext, backend);
    if (!llvmModule)
      return fail("translation to LLVM IR failed; no output written");
    // The MLIR module (and its weights) is no longer needed.
    module = nullptr;
    if (phase == Phase::LLVMIR) {
      if (llvm::Error err = mlir::ost::writeOutputFile(
              outputPath, [&](llvm::raw_ostream &os) {
                llvmModule->print(os, nullptr);
                return llvm::Error::success();
              }))
        return fail(llvm::toString(std::move(err)) + "; no output written");
    } else if (int rc = emitBinaries(*llvmModule, phase, options.emit, backend)) {
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

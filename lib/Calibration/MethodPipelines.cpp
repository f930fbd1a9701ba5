//===- MethodPipelines.cpp - quantization methods as pass pipelines -------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Calibration/MethodPipelines.h"

#include "ost/Calibration/Passes.h"
#include "ost/Support/QuantConfig.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::ost;

static constexpr llvm::StringRef kMethods[] = {
    "none",   "rtn",       "smoothquant", "gptq",
    "quarot", "quarot-rtn", "spinquant",  "ostquant"};

llvm::ArrayRef<llvm::StringRef> mlir::ost::getMethodNames() { return kMethods; }

bool mlir::ost::methodNeedsCalibrationData(llvm::StringRef method) {
  return method != "none" && method != "rtn" && method != "quarot-rtn";
}

namespace {

llvm::Error settingError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Quotes a pass-option value (file names may hold spaces).
std::string quoted(llvm::StringRef value) {
  return ("\"" + value + "\"").str();
}

/// A double as text that parses back to the same value.
std::string exactDouble(double v) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::format("%.17g", v);
  return text;
}

/// Builds the pipeline text pass by pass.
class PipelineText {
public:
  void add(llvm::StringRef pass, llvm::StringRef options = "") {
    if (!text.empty())
      text += ",";
    text += pass.str();
    if (!options.empty())
      text += "{" + options.str() + "}";
  }
  std::string str() const { return "builtin.module(" + text + ")"; }

private:
  std::string text;
};

} // namespace

llvm::Expected<std::string>
mlir::ost::buildMethodPipeline(const MethodSettings &s) {
  if (!llvm::is_contained(kMethods, llvm::StringRef(s.method)))
    return settingError("unknown method '" + s.method + "' (expected " +
                        llvm::join(getMethodNames(), ", ") + ")");
  llvm::Expected<QuantConfig> config = parseQuantConfig(s.bits);
  if (!config)
    return config.takeError();
  if (methodNeedsCalibrationData(s.method) &&
      (s.calib.empty() || s.tokenizer.empty()))
    return settingError("method '" + s.method +
                        "' needs calibration text and a tokenizer "
                        "(--calib, --tokenizer)");
  if (s.rotationLr < 0.0 || s.scaleLr < 0.0 || s.steps < 0 || s.batch <= 0 ||
      s.seqLen <= 1 || s.samples < 0)
    return settingError("learning rates and steps must be >= 0, batch > 0, "
                        "seq-len > 1 and samples >= 0");
  bool weights = config->weightBits < 16, acts = config->actBits < 16,
       kv = config->kvBits < 16;
  std::string data;
  if (methodNeedsCalibrationData(s.method)) {
    data = "calib=" + quoted(s.calib) + " tokenizer=" + quoted(s.tokenizer) +
           " function=" + s.function;
    if (!s.docs.empty())
      data += " docs=" + s.docs;
    data += llvm::formatv(" seq-len={0} seed={1} threads={2}", s.seqLen,
                          s.seed, s.threads)
                .str();
  }
  std::string bitsOpt = "bits=" + config->str();
  std::string wbits = llvm::formatv("bits={0}", config->weightBits).str();
  std::string gptq = wbits +
                     llvm::formatv(" samples={0} progress={1} ", s.samples,
                                   s.progress ? "true" : "false")
                         .str() +
                     data;
  std::string qkHadamard = kv ? "true" : "false";

  PipelineText p;
  llvm::StringRef m = s.method;
  if (m != "none")
    p.add("ost-fold-norm-weights");
  auto addTransforms = [&](llvm::StringRef pairs, llvm::StringRef init) {
    p.add("ost-insert-transforms",
          ("pairs=" + pairs + " down-hadamard=true qk-hadamard=" + qkHadamard)
              .str());
    p.add("ost-verify-transform-pairs");
    p.add("ost-init-transforms",
          ("method=" + init + llvm::formatv(" seed={0}", s.seed).str()).str());
  };
  // Training-time quantizers: activations only when they are quantized
  // (GPTQ follows), weights (fake, clip search) for weight-only configs.
  auto addCalibration = [&](llvm::StringRef extra) {
    std::string trainQuant = bitsOpt;
    if (weights && !acts)
      trainQuant += " weights=true";
    p.add("ost-insert-quantizers", trainQuant);
    std::string opts =
        data + llvm::formatv(" steps={0} batch={1} progress={2}", s.steps,
                             s.batch, s.progress ? "true" : "false")
                   .str();
    if (!s.checkpoint.empty())
      opts += " checkpoint=" + quoted(s.checkpoint) +
              (s.resume ? " resume=true" : "");
    std::string methodOpts = extra.str();
    // A given learning rate replaces the method's (later options win).
    if (s.rotationLr > 0.0)
      methodOpts += " rotation-lr=" + exactDouble(s.rotationLr);
    if (s.scaleLr > 0.0)
      methodOpts += " scale-lr=" + exactDouble(s.scaleLr);
    p.add("ost-calibrate", opts + " " + methodOpts);
    p.add("ost-strip-fake-quant");
    p.add("ost-fold-transforms");
  };
  auto addQuantizers = [&](bool useGPTQ) {
    p.add("ost-insert-quantizers", bitsOpt);
    if (!weights)
      return;
    if (useGPTQ)
      p.add("ost-gptq", gptq);
    else
      p.add("ost-quantize-weights", wbits);
  };

  if (m == "none") {
    // The float model as imported (ost's FP32 build).
  } else if (m == "rtn" || m == "gptq") {
    addQuantizers(m == "gptq");
  } else if (m == "smoothquant") {
    p.add("ost-insert-transforms",
          "pairs=attn,ffn down-hadamard=false qk-hadamard=false");
    p.add("ost-verify-transform-pairs");
    p.add("ost-init-transforms", "method=identity");
    p.add("ost-smooth-scales",
          (llvm::formatv("samples={0} ", s.samples).str() + data));
    p.add("ost-fold-transforms");
    addQuantizers(/*useGPTQ=*/false);
  } else if (m == "quarot" || m == "quarot-rtn") {
    addTransforms("res,ov", "hadamard");
    p.add("ost-fold-transforms");
    addQuantizers(/*useGPTQ=*/m == "quarot");
  } else if (m == "spinquant") {
    addTransforms("res,ov", "hadamard");
    addCalibration("loss=ce optimizer=cayley-sgd rotation-lr=1.5 "
                   "schedule=cosine tie-blocks=true");
    addQuantizers(/*useGPTQ=*/true);
  } else {
    addTransforms("all", acts ? "womi" : "hadamard");
    addCalibration("loss=kl-top optimizer=radam");
    addQuantizers(/*useGPTQ=*/true);
  }
  return p.str();
}

//===----------------------------------------------------------------------===//
// ost-opt registration
//===----------------------------------------------------------------------===//

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

  MethodSettings toSettings(llvm::StringRef method) const {
    MethodSettings s;
    s.method = method.str();
    s.bits = bits;
    s.calib = calib;
    s.docs = docs;
    s.tokenizer = tokenizer;
    s.function = function;
    s.steps = steps;
    s.batch = batch;
    s.seqLen = seqLen;
    s.seed = seed;
    s.samples = samples;
    s.checkpoint = checkpoint;
    s.resume = resume;
    s.threads = threads;
    return s;
  }
};

/// Fails with `message` when run: how a pipeline whose options are invalid
/// reports it at run time (pipeline builders cannot fail).
struct FailPass : public PassWrapper<FailPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(FailPass)
  explicit FailPass(std::string message) : message(std::move(message)) {}
  StringRef getArgument() const override { return "ost-method-error"; }
  void runOnOperation() override {
    emitError(getOperation().getLoc()) << message;
    signalPassFailure();
  }
  std::string message;
};

} // namespace

void mlir::ost::registerOSTMethodPipelines() {
  for (llvm::StringRef method : kMethods) {
    std::string name = ("ost-method-" + method).str();
    std::string description =
        ("The " + method + " method (docs/Calibration.md)").str();
    PassPipelineRegistration<MethodPipelineOptions>(
        name, description,
        [method](OpPassManager &pm, const MethodPipelineOptions &options) {
          llvm::Expected<std::string> text =
              buildMethodPipeline(options.toSettings(method));
          std::string error;
          if (!text) {
            error = llvm::toString(text.takeError());
          } else {
            // The text names a builtin.module pipeline; add its passes.
            std::string inner = *text;
            inner = inner.substr(std::string("builtin.module(").size());
            inner.pop_back();
            llvm::raw_string_ostream os(error);
            if (succeeded(parsePassPipeline(inner, pm, os)))
              return;
          }
          pm.addPass(std::make_unique<FailPass>(
              ("ost-method-" + method + ": " + error).str()));
        });
  }
}

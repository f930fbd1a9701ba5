//===- ost-run.cpp - run OST models: perplexity and generation -------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Runs a model function (`forward(ids: tensor<1x?xi64>) -> tensor<1x?xVxf32>`)
// with the reference executor:
//
//   ost-run model.mlir --tokenizer tok.bin --text stories.txt [--first N]
//       perplexity over the documents of a text file (PROVENANCE protocol)
//   ost-run model.mlir --tokenizer tok.bin --generate "Once upon a time"
//       greedy generation
//
// A model given as .onnx is imported first (ONNX importer, default options).
//
//===----------------------------------------------------------------------===//

#include "ost/Executor/Executor.h"
#include "ost/InitAll.h"
#include "ost/Tools/ModelLoader.h"
#include "ost/runtime/Corpus.h"
#include "ost/runtime/Tokenizer.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace mlir;
namespace cl = llvm::cl;
namespace rt = ::ost::runtime;

static cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                                      cl::desc("<model.mlir | model.onnx>"));
static cl::opt<std::string> entry("entry", cl::init("forward"),
                                  cl::desc("Function to run (default forward)"));
static cl::opt<std::string> tokenizerPath("tokenizer", cl::Required,
                                          cl::desc("llama2.c tokenizer.bin"));
static cl::opt<std::string> textPath("text",
                                     cl::desc("Evaluate perplexity on this file "
                                              "(documents separated by "
                                              "<|endoftext|>)"));
static cl::opt<unsigned> skipDocs("skip", cl::init(0),
                                  cl::desc("Skip this many documents first"));
static cl::opt<unsigned> firstDocs("first", cl::init(0),
                                   cl::desc("Use this many documents (0: all)"));
static cl::opt<int64_t> contextLen("context", cl::init(512),
                                cl::desc("Predictions per window (default 512)"));
static cl::opt<std::string> prompt("generate",
                                   cl::desc("Greedy generation from this prompt"));
static cl::opt<unsigned> steps("steps", cl::init(64),
                               cl::desc("Tokens to generate (default 64)"));
static cl::opt<unsigned> threads("num-threads", cl::init(0),
                                 cl::desc("Executor threads (0: all cores)"));
static cl::opt<bool> checkFinite("check-finite", cl::init(false),
                                 cl::desc("Stop at the first op producing NaN/Inf"));
static cl::opt<bool> quiet("quiet", cl::init(false),
                           cl::desc("No progress output on stderr"));

namespace {

/// Runs the model on `ids` (one sequence) and returns logits [T, V].
FailureOr<mlir::ost::Tensor> forward(mlir::ost::Executor &exec,
                                     llvm::ArrayRef<int32_t> ids) {
  llvm::SmallVector<int64_t> values(ids.begin(), ids.end());
  mlir::ost::Tensor input = mlir::ost::Tensor::fromInts(
      {1, static_cast<int64_t>(ids.size())}, values);
  FailureOr<SmallVector<mlir::ost::Tensor>> out = exec.run(entry, {input});
  if (failed(out))
    return failure();
  if (out->size() != 1 || !(*out)[0].isFloat() || (*out)[0].getRank() != 3 ||
      (*out)[0].getDimSize(1) != static_cast<int64_t>(ids.size())) {
    llvm::errs() << "ost-run: '" << entry
                 << "' must return one float tensor [1, T, vocab]\n";
    return failure();
  }
  return std::move((*out)[0]);
}

int evaluatePerplexity(mlir::ost::Executor &exec, const rt::Tokenizer &tok) {
  std::string text, error;
  if (!rt::readTextFile(textPath, text, error)) {
    llvm::errs() << "ost-run: " << error << "\n";
    return 1;
  }
  std::vector<std::string> docs = rt::splitDocuments(text, skipDocs, firstDocs);
  if (docs.empty()) {
    llvm::errs() << "ost-run: " << textPath << ": no documents selected\n";
    return 1;
  }
  rt::NllAccumulator acc;
  auto start = std::chrono::steady_clock::now();
  for (size_t d = 0; d < docs.size(); ++d) {
    for (const rt::Window &w : rt::makeWindows(tok.encode(docs[d], true), contextLen)) {
      FailureOr<mlir::ost::Tensor> logits = forward(exec, w.inputs);
      if (failed(logits))
        return 1;
      int64_t vocab = logits->getDimSize(2);
      for (size_t t = 0; t < w.targets.size(); ++t)
        if (!acc.add(logits->getFloatData() + t * vocab, vocab, w.targets[t])) {
          llvm::errs() << "ost-run: document " << skipDocs + d << ", position "
                       << t << ": logits are not finite or the target "
                       << w.targets[t] << " is outside the vocabulary ("
                       << vocab << ")\n";
          return 1;
        }
    }
    if (!quiet) {
      double secs = std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - start)
                        .count();
      llvm::errs() << llvm::format("\r[%zu/%zu] ppl %.4f  %.0f tok/s", d + 1,
                                   docs.size(), acc.perplexity(),
                                   acc.count() / std::max(secs, 1e-9));
    }
  }
  if (!quiet)
    llvm::errs() << "\n";
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  llvm::outs() << llvm::format("documents: %zu\ntokens: %lld\nmean_nll: %.6f\n"
                               "perplexity: %.6f\nseconds: %.2f\n",
                               docs.size(), static_cast<long long>(acc.count()),
                               acc.meanNll(), acc.perplexity(), secs);
  return 0;
}

int generate(mlir::ost::Executor &exec, const rt::Tokenizer &tok) {
  std::vector<int32_t> ids = tok.encode(prompt, true);
  std::string out;
  for (size_t i = 1; i < ids.size(); ++i)
    out += tok.decode(ids[i - 1], ids[i]);
  for (unsigned s = 0; s < steps && static_cast<int64_t>(ids.size()) < contextLen;
       ++s) {
    FailureOr<mlir::ost::Tensor> logits = forward(exec, ids);
    if (failed(logits))
      return 1;
    int64_t vocab = logits->getDimSize(2);
    const float *row = logits->getFloatData() + (ids.size() - 1) * vocab;
    int32_t best = 0;
    for (int64_t v = 1; v < vocab; ++v)
      if (row[v] > row[best])
        best = static_cast<int32_t>(v);
    if (best == rt::kBosId || best == rt::kEosId)
      break;
    out += tok.decode(ids.back(), best);
    ids.push_back(best);
  }
  llvm::outs() << out << "\n";
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "ost reference runner\n");
  if (textPath.empty() == prompt.empty()) {
    llvm::errs() << "ost-run: give exactly one of --text or --generate\n";
    return 1;
  }
  DialectRegistry registry;
  mlir::ost::registerAllDialects(registry);
  MLIRContext context(registry);
  // Print diagnostics as file:line:col with the source line.
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = mlir::ost::loadModel(modelPath, context);
  if (!module)
    return 1;

  rt::Tokenizer tok;
  std::string error;
  if (!tok.load(tokenizerPath, error)) {
    llvm::errs() << "ost-run: " << error << "\n";
    return 1;
  }
  mlir::ost::ExecutorOptions options;
  options.numThreads = threads;
  options.checkFinite = checkFinite;
  mlir::ost::Executor exec(*module, options);
  return textPath.empty() ? generate(exec, tok) : evaluatePerplexity(exec, tok);
}

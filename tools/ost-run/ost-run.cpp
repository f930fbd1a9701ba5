//===- ost-run.cpp - run OST models: perplexity and generation -------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Runs a model function (`forward(ids: tensor<1x?xi64>) -> tensor<1x?xVxf32>`)
// with the reference executor:
//
//   ost-run perplexity --model M --tokenizer TOK --text FILE [--docs A:B]
//       perplexity over the documents of a text file (PROVENANCE protocol);
//       the last line is `perplexity: <value> tokens: <count>`
//   ost-run generate --model M --tokenizer TOK --prompt "..." --max-tokens N
//       greedy generation
//   ost-run logits --model M --tokens 1,403,407 [--out logits.bin]
//       the logits of one sequence (shape, checksum, raw float32 dump)
//   ost-run compare --model AFTER --reference BEFORE --tokens ... [--tolerance]
//       max relative logit difference (max|a-b| / max|b|): the equivalence
//       check of a transformation pipeline; exit 1 above the tolerance
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

#include <algorithm>
#include <chrono>

using namespace mlir;
namespace cl = llvm::cl;
namespace rt = ::ost::runtime;

static cl::SubCommand perplexityCmd(
    "perplexity", "Perplexity over the documents of a text file");
static cl::SubCommand generateCmd("generate", "Greedy generation from a prompt");
static cl::SubCommand logitsCmd("logits",
                                "Dump the logits of one token sequence");
static cl::SubCommand compareCmd(
    "compare", "Max relative logit difference of --model against --reference "
               "on the same tokens (equivalence check of a transformation)");

static cl::opt<std::string> modelPath("model", cl::Required,
                                      cl::desc("Model: .mlir or .onnx"),
                                      cl::sub(perplexityCmd), cl::sub(generateCmd),
                                      cl::sub(logitsCmd), cl::sub(compareCmd));
static cl::opt<std::string>
    referencePath("reference", cl::Required,
                  cl::desc("Reference model (.mlir or .onnx), e.g. the model "
                           "before a pass pipeline"),
                  cl::sub(compareCmd));
static cl::opt<double>
    tolerance("tolerance", cl::init(1e-4),
              cl::desc("Fail when the max relative difference exceeds this "
                       "(default 1e-4)"),
              cl::sub(compareCmd));
static cl::opt<std::string> entry("entry", cl::init("forward"),
                                  cl::desc("Function to run (default forward)"),
                                  cl::sub(perplexityCmd), cl::sub(generateCmd),
                                  cl::sub(logitsCmd), cl::sub(compareCmd));
static cl::opt<std::string>
    tokenizerPath("tokenizer",
                  cl::desc("llama2.c tokenizer.bin or SentencePiece .model"),
                  cl::sub(perplexityCmd), cl::sub(generateCmd),
                  cl::sub(logitsCmd), cl::sub(compareCmd));
static cl::opt<std::string>
    textPath("text", cl::Required,
             cl::desc("Text file; documents are separated by <|endoftext|> "
                      "(a file without separators is one document)"),
             cl::sub(perplexityCmd));
static cl::opt<std::string> docRange("docs",
                                     cl::desc("Documents A:B (A..B-1); A: or "
                                              ":B are open ranges"),
                                     cl::sub(perplexityCmd));
static cl::opt<int64_t> contextLen("context", cl::init(512),
                                   cl::desc("Context length: predictions per "
                                            "window (default 512)"),
                                   cl::sub(perplexityCmd), cl::sub(generateCmd));
static cl::opt<std::string> prompt("prompt", cl::desc("Prompt text"),
                                   cl::sub(generateCmd), cl::sub(logitsCmd), cl::sub(compareCmd));
static cl::opt<unsigned> maxTokens("max-tokens", cl::init(64),
                                   cl::desc("Tokens to generate (default 64)"),
                                   cl::sub(generateCmd));
static cl::opt<std::string>
    tokenList("tokens", cl::desc("Comma-separated token ids (instead of --prompt)"),
              cl::sub(logitsCmd), cl::sub(compareCmd));
static cl::opt<std::string> outPath("out",
                                    cl::desc("Write the logits as raw float32 "
                                             "[T x vocab] to this file"),
                                    cl::sub(logitsCmd));
static cl::opt<unsigned> threads("num-threads", cl::init(0),
                                 cl::desc("Executor threads (0: all cores)"),
                                 cl::sub(perplexityCmd), cl::sub(generateCmd),
                                 cl::sub(logitsCmd), cl::sub(compareCmd));
static cl::opt<bool> checkFinite("check-finite", cl::init(false),
                                 cl::desc("Stop at the first op producing NaN/Inf"),
                                 cl::sub(perplexityCmd), cl::sub(generateCmd),
                                 cl::sub(logitsCmd), cl::sub(compareCmd));
static cl::opt<bool> quiet("quiet", cl::init(false),
                           cl::desc("No progress display on stderr"),
                           cl::sub(perplexityCmd));

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

/// Parses "A:B", "A:", ":B" or "" into [skip, skip + count) (count 0: all).
bool parseDocRange(llvm::StringRef spec, size_t &skip, size_t &count) {
  skip = 0;
  count = 0;
  if (spec.empty())
    return true;
  auto [a, b] = spec.split(':');
  if (spec.find(':') == llvm::StringRef::npos)
    return false;
  unsigned long long lo = 0, hi = 0;
  if (!a.empty() && a.getAsInteger(10, lo))
    return false;
  if (!b.empty()) {
    if (b.getAsInteger(10, hi) || hi <= lo)
      return false;
    count = static_cast<size_t>(hi - lo);
  }
  skip = static_cast<size_t>(lo);
  return true;
}

int evaluatePerplexity(mlir::ost::Executor &exec, const rt::Tokenizer &tok) {
  size_t skipDocs = 0, numDocs = 0;
  if (!parseDocRange(docRange, skipDocs, numDocs)) {
    llvm::errs() << "ost-run: --docs must be A:B with A < B, got '" << docRange
                 << "'\n";
    return 1;
  }
  std::string text, error;
  if (!rt::readTextFile(textPath, text, error)) {
    llvm::errs() << "ost-run: " << error << "\n";
    return 1;
  }
  std::vector<std::string> docs = rt::splitDocuments(text, skipDocs, numDocs);
  if (docs.empty()) {
    llvm::errs() << "ost-run: " << textPath << ": no documents selected\n";
    return 1;
  }
  rt::NllAccumulator acc;
  auto start = std::chrono::steady_clock::now();
  for (size_t d = 0; d < docs.size(); ++d) {
    for (const rt::Window &w :
         rt::makeWindows(tok.encode(docs[d], true), contextLen)) {
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
    // Live on a terminal; otherwise (logs, pipes) a line every 10%.
    bool tty = llvm::errs().is_displayed();
    size_t step = std::max<size_t>(1, docs.size() / 10);
    if (!quiet && (tty || (d + 1) % step == 0 || d + 1 == docs.size())) {
      double secs = std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - start)
                        .count();
      double rate = acc.count() / std::max(secs, 1e-9);
      double eta = secs / (d + 1) * (docs.size() - d - 1);
      llvm::errs() << llvm::format("%s[%zu/%zu] ppl %.4f  %.0f tok/s  ETA %.0f s%s",
                                   tty ? "\r" : "", d + 1, docs.size(),
                                   acc.perplexity(), rate, eta,
                                   tty ? "" : "\n");
    }
  }
  if (!quiet && llvm::errs().is_displayed())
    llvm::errs() << "\n";
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  llvm::outs() << llvm::format("documents: %zu\nmean_nll: %.6f\nseconds: %.2f\n"
                               "perplexity: %.6f tokens: %lld\n",
                               docs.size(), acc.meanNll(), secs,
                               acc.perplexity(),
                               static_cast<long long>(acc.count()));
  return 0;
}

int generate(mlir::ost::Executor &exec, const rt::Tokenizer &tok) {
  std::vector<int32_t> ids = tok.encode(prompt, true);
  for (unsigned s = 0;
       s < maxTokens && static_cast<int64_t>(ids.size()) < contextLen; ++s) {
    FailureOr<mlir::ost::Tensor> logits = forward(exec, ids);
    if (failed(logits))
      return 1;
    int64_t vocab = logits->getDimSize(2);
    const float *row = logits->getFloatData() + (ids.size() - 1) * vocab;
    int32_t best = 0;
    for (int64_t v = 1; v < vocab; ++v)
      if (row[v] > row[best])
        best = static_cast<int32_t>(v);
    if (best == tok.bosId() || best == tok.eosId())
      break;
    ids.push_back(best);
  }
  llvm::outs() << tok.decode(ids) << "\n";
  return 0;
}

/// The token ids of --tokens, or --prompt encoded (BOS first); empty after
/// an error message.
std::vector<int32_t> getInputIds(const rt::Tokenizer *tok) {
  std::vector<int32_t> ids;
  if (!tokenList.empty()) {
    llvm::SmallVector<llvm::StringRef> parts;
    llvm::StringRef(tokenList).split(parts, ',', -1, false);
    for (llvm::StringRef p : parts) {
      int32_t id = 0;
      if (p.trim().getAsInteger(10, id) || id < 0) {
        llvm::errs() << "ost-run: --tokens: '" << p << "' is not a token id\n";
        return {};
      }
      ids.push_back(id);
    }
  } else if (tok) {
    ids = tok->encode(prompt, true);
  }
  if (ids.empty())
    llvm::errs() << "ost-run: give --tokens, or --prompt with --tokenizer\n";
  return ids;
}

int compareModels(mlir::ost::Executor &exec, mlir::ost::Executor &reference,
                  const rt::Tokenizer *tok) {
  std::vector<int32_t> ids = getInputIds(tok);
  if (ids.empty())
    return 1;
  FailureOr<mlir::ost::Tensor> a = forward(exec, ids);
  if (failed(a))
    return 1;
  FailureOr<mlir::ost::Tensor> b = forward(reference, ids);
  if (failed(b))
    return 1;
  if (a->getShape() != b->getShape()) {
    llvm::errs() << "ost-run: the models' logits have different shapes\n";
    return 1;
  }
  const float *pa = a->getFloatData(), *pb = b->getFloatData();
  double maxAbs = 0, maxRef = 0;
  int64_t vocab = a->getDimSize(2), agree = 0, rows = a->getNumRows();
  for (int64_t i = 0, e = a->getNumElements(); i < e; ++i) {
    maxAbs = std::max(maxAbs, std::abs(static_cast<double>(pa[i]) - pb[i]));
    maxRef = std::max(maxRef, std::abs(static_cast<double>(pb[i])));
  }
  for (int64_t r = 0; r < rows; ++r)
    agree += std::max_element(pa + r * vocab, pa + (r + 1) * vocab) -
                 (pa + r * vocab) ==
             std::max_element(pb + r * vocab, pb + (r + 1) * vocab) -
                 (pb + r * vocab);
  double rel = maxRef > 0 ? maxAbs / maxRef : maxAbs;
  llvm::outs() << llvm::format("max_abs_logit_diff: %.3e\n", maxAbs)
               << llvm::format("max_rel_logit_diff: %.3e\n", rel)
               << "argmax_agree: " << agree << "/" << rows << "\n";
  if (!(rel <= tolerance)) {
    llvm::errs() << llvm::format("ost-run: not equivalent: max relative logit "
                                 "difference %.3e > tolerance %.1e\n",
                                 rel, static_cast<double>(tolerance));
    return 1;
  }
  return 0;
}

int dumpLogits(mlir::ost::Executor &exec, const rt::Tokenizer *tok) {
  std::vector<int32_t> ids = getInputIds(tok);
  if (ids.empty())
    return 1;
  FailureOr<mlir::ost::Tensor> logits = forward(exec, ids);
  if (failed(logits))
    return 1;
  int64_t vocab = logits->getDimSize(2);
  const float *data = logits->getFloatData();
  double sum = 0;
  for (int64_t i = 0, e = logits->getNumElements(); i < e; ++i)
    sum += data[i];
  const float *last = data + (ids.size() - 1) * vocab;
  int64_t argmax = std::max_element(last, last + vocab) - last;
  llvm::outs() << "shape: " << ids.size() << "x" << vocab << "\n"
               << llvm::format("sum: %.6f\n", sum) << "argmax_last: " << argmax
               << "\n";
  if (!outPath.empty()) {
    std::error_code ec;
    llvm::raw_fd_ostream out(outPath, ec);
    if (ec) {
      llvm::errs() << "ost-run: " << outPath << ": " << ec.message() << "\n";
      return 1;
    }
    out.write(reinterpret_cast<const char *>(data),
              logits->getNumElements() * sizeof(float));
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "ost reference runner\n");
  bool tokenInput = logitsCmd || compareCmd;
  bool wantsTokenizer = !tokenInput || (tokenList.empty() && !prompt.empty());
  if (!perplexityCmd && !generateCmd && !logitsCmd && !compareCmd) {
    llvm::errs() << "ost-run: give a subcommand: perplexity, generate, logits "
                    "or compare (see --help)\n";
    return 1;
  }
  if (wantsTokenizer && tokenizerPath.empty()) {
    llvm::errs() << "ost-run: --tokenizer is required\n";
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

  std::unique_ptr<rt::Tokenizer> tok;
  if (wantsTokenizer) {
    std::string error;
    tok = rt::loadTokenizer(tokenizerPath, error);
    if (!tok) {
      llvm::errs() << "ost-run: " << error << "\n";
      return 1;
    }
  }
  mlir::ost::ExecutorOptions options;
  options.numThreads = threads;
  options.checkFinite = checkFinite;
  mlir::ost::Executor exec(*module, options);
  if (perplexityCmd)
    return evaluatePerplexity(exec, *tok);
  if (generateCmd)
    return generate(exec, *tok);
  if (compareCmd) {
    OwningOpRef<ModuleOp> refModule =
        mlir::ost::loadModel(referencePath, context);
    if (!refModule)
      return 1;
    mlir::ost::Executor reference(*refModule, options);
    return compareModels(exec, reference, tok.get());
  }
  return dumpLogits(exec, tok.get());
}

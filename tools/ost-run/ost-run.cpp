//===- ost-run.cpp - run OST models: perplexity, generation, analyses -----===//
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
//   ost-run compare --model AFTER --reference BEFORE --tokenizer TOK
//       --text FILE [--docs A:B] [--context N] [--tolerance]
//       max relative logit difference (max|a-b| / max|b|, per window, the
//       largest over the windows of the text): the equivalence check of a
//       transformation pipeline; the last line is `max_rel_logit_diff: <v>`;
//       exit 1 above the tolerance
//   ost-run qsur --model M --tokenizer TOK --text FILE [--docs A:B]
//       [--context N] --out report.json
//       [--variant NAME=PIPELINE|NAME=@MODEL]... [--seed S]
//       QSUR of every linear input (and of its weights) for each variant of
//       the model (default: original, hadamard, womi); JSON report plus a
//       table on stdout (docs/QSUR.md)
//
// A model given as .onnx is imported first (ONNX importer, default options).
//
//===----------------------------------------------------------------------===//

#include "Tokenize.h"

#include "ost/Analysis/QSURReport.h"
#include "ost/Analysis/QSURVariants.h"
#include "ost/Calibration/ModelLimits.h"
#include "ost/Executor/Executor.h"
#include "ost/InitAll.h"
#include "ost/Tools/ModelLoader.h"
#include "ost/Tools/OutputFile.h"
#include "ost/runtime/Corpus.h"
#include "ost/runtime/Tokenizer.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <cmath>

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
               "on the same tokens or text (equivalence check of a "
               "transformation)");
static cl::SubCommand qsurCmd(
    "qsur", "QSUR of the linear layers' inputs and weights for variants of "
            "the model (docs/QSUR.md)");

static cl::opt<std::string>
    modelPath("model", cl::Required, cl::desc("Model: .mlir or .onnx"),
              cl::sub(perplexityCmd), cl::sub(generateCmd), cl::sub(logitsCmd),
              cl::sub(compareCmd), cl::sub(qsurCmd));
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
static cl::opt<std::string>
    entry("entry", cl::init("forward"),
          cl::desc("Function to run (default forward)"), cl::sub(perplexityCmd),
          cl::sub(generateCmd), cl::sub(logitsCmd), cl::sub(compareCmd),
          cl::sub(qsurCmd));
static cl::opt<std::string>
    tokenizerPath("tokenizer",
                  cl::desc("llama2.c tokenizer.bin, SentencePiece .model or "
                           "Hugging Face tokenizer.json"),
                  cl::sub(perplexityCmd), cl::sub(generateCmd),
                  cl::sub(logitsCmd), cl::sub(compareCmd), cl::sub(qsurCmd));
static cl::opt<std::string>
    textPath("text",
             cl::desc("Text file; documents are separated by <|endoftext|> "
                      "(a file without separators is one document)"),
             cl::sub(perplexityCmd), cl::sub(compareCmd), cl::sub(qsurCmd));
static cl::opt<std::string> docRange("docs",
                                     cl::desc("Documents A:B (A..B-1); A: or "
                                              ":B are open ranges"),
                                     cl::sub(perplexityCmd),
                                     cl::sub(compareCmd), cl::sub(qsurCmd));
static cl::opt<int64_t>
    contextLen("context", cl::init(512),
               cl::desc("Context length: predictions per window (default "
                        "512)"),
               cl::sub(perplexityCmd), cl::sub(generateCmd),
               cl::sub(compareCmd), cl::sub(qsurCmd));
static cl::opt<std::string> prompt("prompt", cl::desc("Prompt text"),
                                   cl::sub(generateCmd), cl::sub(logitsCmd),
                                   cl::sub(compareCmd));
static cl::opt<unsigned> maxTokens("max-tokens", cl::init(64),
                                   cl::desc("Tokens to generate (default 64)"),
                                   cl::sub(generateCmd));
static cl::opt<std::string>
    tokenList("tokens", cl::desc("Comma-separated token ids (instead of --prompt)"),
              cl::sub(logitsCmd), cl::sub(compareCmd));
static cl::opt<std::string>
    outPath("out",
            cl::desc("logits: write the logits as raw float32 [T x vocab] to "
                     "this file; qsur: the JSON report"),
            cl::sub(logitsCmd), cl::sub(qsurCmd));
static cl::list<std::string> variantSpecs(
    "variant",
    cl::desc("NAME=PIPELINE (a pass pipeline run on a copy of --model; empty "
             "for none) or NAME=@MODEL (an already transformed model); "
             "repeatable; default: original, hadamard, womi"),
    cl::sub(qsurCmd));
static cl::opt<uint64_t>
    seed("seed", cl::init(0),
         cl::desc("Seed of the default variants' random Hadamards (default 0)"),
         cl::sub(qsurCmd));
static cl::opt<unsigned> threads("num-threads", cl::init(0),
                                 cl::desc("Executor threads (0: all cores)"),
                                 cl::sub(perplexityCmd), cl::sub(generateCmd),
                                 cl::sub(logitsCmd), cl::sub(compareCmd),
                                 cl::sub(qsurCmd));
static cl::opt<bool> checkFinite("check-finite", cl::init(false),
                                 cl::desc("Stop at the first op producing NaN/Inf"),
                                 cl::sub(perplexityCmd), cl::sub(generateCmd),
                                 cl::sub(logitsCmd), cl::sub(compareCmd),
                                 cl::sub(qsurCmd));
static cl::opt<bool> quiet("quiet", cl::init(false),
                           cl::desc("No progress display on stderr"),
                           cl::sub(perplexityCmd), cl::sub(qsurCmd));

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

/// The documents of --text selected by --docs; false after an error. `skip`
/// is the index of the first one.
bool readDocuments(std::vector<std::string> &docs, size_t &skip) {
  size_t count = 0;
  if (!rt::parseDocumentSelection(docRange.getValue(), skip, count)) {
    llvm::errs() << "ost-run: --docs must be A:B with A < B, got '" << docRange
                 << "'\n";
    return false;
  }
  std::string text, error;
  if (!rt::readTextFile(textPath, text, error)) {
    llvm::errs() << "ost-run: " << error << "\n";
    return false;
  }
  docs = rt::splitDocuments(text, skip, count);
  if (docs.empty()) {
    llvm::errs() << "ost-run: " << textPath << ": no documents selected\n";
    return false;
  }
  return true;
}

/// Every window of the documents of --text (the perplexity protocol); empty
/// after an error.
std::vector<rt::Window> readWindows(const rt::Tokenizer &tok) {
  std::vector<std::string> docs;
  size_t skip = 0;
  if (!readDocuments(docs, skip))
    return {};
  std::vector<rt::Window> windows;
  for (const std::string &doc : docs)
    for (rt::Window &w : rt::makeWindows(tok.encode(doc, true), contextLen))
      windows.push_back(std::move(w));
  if (windows.empty())
    llvm::errs() << "ost-run: " << textPath << ": the documents hold no "
                 << "predictions\n";
  return windows;
}

int evaluatePerplexity(mlir::ost::Executor &exec, const rt::Tokenizer &tok) {
  std::vector<std::string> docs;
  size_t skipDocs = 0;
  if (!readDocuments(docs, skipDocs))
    return 1;
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
                       << t << ": "
                       << rt::describeBadPrediction(
                              logits->getFloatData() + t * vocab, vocab,
                              w.targets[t])
                       << "\n";
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
  if (std::string none = rt::checkHasPredictions(acc.count(), docs.size());
      !none.empty()) {
    llvm::errs() << "ost-run: " << none << "\n";
    return 1;
  }
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

/// The longest sequence the model accepts (the rows of its RoPE tables),
/// when known; set by applyModelLimits.
std::optional<int64_t> modelMaxSeq;

/// Fits --context to the model: a default context longer than the model's
/// RoPE tables is shortened to them; an explicit one is refused, naming both.
bool applyModelLimits(ModuleOp module) {
  if (contextLen < 1) {
    llvm::errs() << "ost-run: --context must be at least 1, got " << contextLen
                 << "\n";
    return false;
  }
  modelMaxSeq = mlir::ost::getMaxSequenceLength(module);
  if (!modelMaxSeq || contextLen <= *modelMaxSeq)
    return true;
  if (contextLen.getNumOccurrences() == 0) {
    contextLen = *modelMaxSeq;
    return true;
  }
  llvm::errs() << "ost-run: --context " << contextLen
               << " exceeds the model's maximum sequence length "
               << *modelMaxSeq << " (the rows of its RoPE tables)\n";
  return false;
}

/// False (after a message) when `tok` has more tokens than the vocabulary of
/// the model's entry function (the last dimension of its logits, when
/// static): it is another model's tokenizer.
bool tokenizerFitsModel(ModuleOp module, const rt::Tokenizer &tok) {
  auto fn = module.lookupSymbol<FunctionOpInterface>(entry);
  if (!fn || fn.getResultTypes().empty())
    return true;
  auto logits = dyn_cast<RankedTensorType>(fn.getResultTypes().front());
  if (!logits || logits.getRank() == 0 || logits.isDynamicDim(logits.getRank() - 1))
    return true;
  std::string misfit = rt::checkTokenizerFitsModel(tok, tokenizerPath,
                                                   logits.getShape().back());
  if (misfit.empty())
    return true;
  llvm::errs() << "ost-run: " << misfit << "\n";
  return false;
}

/// False (after a message) when `n` tokens do not fit the model.
bool fitsModel(size_t n, llvm::StringRef what) {
  if (!modelMaxSeq || static_cast<int64_t>(n) <= *modelMaxSeq)
    return true;
  llvm::errs() << "ost-run: " << what << " has " << n
               << " tokens, more than the model's maximum sequence length "
               << *modelMaxSeq << " (the rows of its RoPE tables)\n";
  return false;
}

int generate(mlir::ost::Executor &exec, const rt::Tokenizer &tok) {
  std::vector<int32_t> ids = tok.encode(prompt, true);
  if (std::string empty = rt::checkPromptEncodes(ids, prompt); !empty.empty()) {
    llvm::errs() << "ost-run: " << empty << "\n";
    return 1;
  }
  if (!fitsModel(ids.size(), "--prompt"))
    return 1;
  for (unsigned s = 0;
       s < maxTokens && static_cast<int64_t>(ids.size()) < contextLen; ++s) {
    FailureOr<mlir::ost::Tensor> logits = forward(exec, ids);
    if (failed(logits))
      return 1;
    int64_t vocab = logits->getDimSize(2);
    const float *row = logits->getFloatData() + (ids.size() - 1) * vocab;
    std::string bad = rt::describeNonFinite(row, vocab);
    if (!bad.empty()) {
      llvm::errs() << "ost-run: generation step " << s << ": " << bad << "\n";
      return 1;
    }
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
  else if (!fitsModel(ids.size(), tokenList.empty() ? "--prompt" : "--tokens"))
    return {};
  return ids;
}

/// The largest logit differences of --model against --reference.
struct LogitDiff {
  double maxAbs = 0, maxRel = 0;
  int64_t agree = 0, rows = 0;

  /// Adds one window: logits `a` of the model and `b` of the reference. The
  /// window's relative difference is max|a-b| / max|b| (max|a-b| if b is
  /// all zero); a non-finite difference counts as infinite.
  void add(const mlir::ost::Tensor &a, const mlir::ost::Tensor &b) {
    const float *pa = a.getFloatData(), *pb = b.getFloatData();
    double windowAbs = 0, windowRef = 0;
    for (int64_t i = 0, e = a.getNumElements(); i < e; ++i) {
      double diff = std::abs(static_cast<double>(pa[i]) - pb[i]);
      windowAbs = std::max(windowAbs, std::isfinite(diff) ? diff : HUGE_VAL);
      windowRef = std::max(windowRef, std::abs(static_cast<double>(pb[i])));
    }
    int64_t vocab = a.getDimSize(2), numRows = a.getNumRows();
    for (int64_t r = 0; r < numRows; ++r)
      agree += std::max_element(pa + r * vocab, pa + (r + 1) * vocab) -
                   (pa + r * vocab) ==
               std::max_element(pb + r * vocab, pb + (r + 1) * vocab) -
                   (pb + r * vocab);
    rows += numRows;
    maxAbs = std::max(maxAbs, windowAbs);
    maxRel =
        std::max(maxRel, windowRef > 0 ? windowAbs / windowRef : windowAbs);
  }
};

/// Checks that exactly one input of compare was given.
bool checkCompareInputs() {
  int given = !tokenList.empty() + !textPath.empty() + !prompt.empty();
  if (given > 1) {
    llvm::errs() << "ost-run: compare takes one of --tokens, --text or "
                    "--prompt, not several\n";
    return false;
  }
  if (given == 0) {
    llvm::errs() << "ost-run: compare needs --tokens, or --text with "
                    "--tokenizer\n";
    return false;
  }
  if (textPath.empty() &&
      (!docRange.empty() || contextLen.getNumOccurrences() > 0)) {
    llvm::errs() << "ost-run: --docs and --context select windows of --text; "
                    "give --text\n";
    return false;
  }
  return true;
}

int compareModels(mlir::ost::Executor &exec, mlir::ost::Executor &reference,
                  const rt::Tokenizer *tok) {
  std::vector<rt::Window> windows;
  if (!textPath.empty()) {
    windows = readWindows(*tok);
  } else {
    rt::Window w;
    w.inputs = getInputIds(tok);
    if (!w.inputs.empty())
      windows.push_back(std::move(w));
  }
  if (windows.empty())
    return 1;
  LogitDiff diff;
  for (const rt::Window &w : windows) {
    FailureOr<mlir::ost::Tensor> a = forward(exec, w.inputs);
    if (failed(a))
      return 1;
    FailureOr<mlir::ost::Tensor> b = forward(reference, w.inputs);
    if (failed(b))
      return 1;
    if (a->getShape() != b->getShape()) {
      llvm::errs() << "ost-run: the models' logits have different shapes "
                   << a->getShapeString() << " and " << b->getShapeString()
                   << "\n";
      return 1;
    }
    diff.add(*a, *b);
  }
  llvm::outs() << "windows: " << windows.size() << "\ntokens: " << diff.rows
               << "\n"
               << llvm::format("max_abs_logit_diff: %.3e\n", diff.maxAbs)
               << "argmax_agree: " << diff.agree << "/" << diff.rows << "\n"
               << llvm::format("max_rel_logit_diff: %.3e\n", diff.maxRel);
  if (!(diff.maxRel <= tolerance)) {
    llvm::errs() << llvm::format("ost-run: not equivalent: max relative logit "
                                 "difference %.3e > tolerance %.1e\n",
                                 diff.maxRel, static_cast<double>(tolerance));
    return 1;
  }
  return 0;
}

/// The variants of --variant, or the defaults; empty after an error.
std::vector<mlir::ost::QSURVariant> getQSURVariants() {
  if (variantSpecs.empty())
    return mlir::ost::getDefaultQSURVariants(seed);
  std::vector<mlir::ost::QSURVariant> variants;
  for (const std::string &spec : variantSpecs) {
    llvm::Expected<mlir::ost::QSURVariant> v =
        mlir::ost::parseQSURVariant(spec);
    if (!v) {
      llvm::errs() << "ost-run: " << llvm::toString(v.takeError()) << "\n";
      return {};
    }
    if (llvm::any_of(variants, [&](const mlir::ost::QSURVariant &other) {
          return other.name == v->name;
        })) {
      llvm::errs() << "ost-run: --variant " << v->name << " is given twice\n";
      return {};
    }
    variants.push_back(std::move(*v));
  }
  return variants;
}

int analyzeQSUR(ModuleOp model,
                llvm::ArrayRef<mlir::ost::QSURVariant> variants,
                const std::vector<rt::Window> &windows) {
  std::vector<std::vector<int32_t>> inputs;
  int64_t tokens = 0;
  for (const rt::Window &w : windows) {
    inputs.push_back(w.inputs);
    tokens += static_cast<int64_t>(w.inputs.size());
  }
  mlir::ost::QSURAnalysisOptions options;
  options.entry = entry;
  options.executor.numThreads = threads;
  options.executor.checkFinite = checkFinite;
  mlir::ost::QSURReport report(modelPath, tokens,
                               static_cast<int64_t>(windows.size()));
  for (const mlir::ost::QSURVariant &variant : variants) {
    auto start = std::chrono::steady_clock::now();
    llvm::Expected<OwningOpRef<ModuleOp>> module =
        mlir::ost::buildQSURVariant(model, variant);
    if (!module) {
      llvm::errs() << "ost-run: " << llvm::toString(module.takeError()) << "\n";
      return 1;
    }
    FailureOr<std::vector<mlir::ost::QSURSiteStats>> stats =
        mlir::ost::analyzeQSUR(**module, inputs, options);
    if (failed(stats)) {
      llvm::errs() << "ost-run: variant '" << variant.name
                   << "': the model run failed\n";
      return 1;
    }
    for (const mlir::ost::QSURSiteStats &s : *stats)
      if (!s.error.empty())
        llvm::errs() << "ost-run: warning: variant '" << variant.name
                     << "', layer " << s.site.layer << " site '" << s.site.name
                     << "': " << s.error << "\n";
    std::string description = variant.modelPath.empty()
                                  ? variant.pipeline
                                  : "@" + variant.modelPath;
    if (llvm::Error err =
            report.addVariant(variant.name, description, std::move(*stats))) {
      llvm::errs() << "ost-run: " << llvm::toString(std::move(err)) << "\n";
      return 1;
    }
    if (!quiet)
      llvm::errs() << llvm::format(
          "qsur: %s: %zu windows, %lld tokens, %.1f s\n", variant.name.c_str(),
          windows.size(), static_cast<long long>(tokens),
          std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                        start)
              .count());
  }
  if (llvm::Error err =
          mlir::ost::writeOutputFile(outPath, [&](llvm::raw_ostream &out) {
            out << llvm::formatv("{0:2}", report.toJSON()) << "\n";
            return llvm::Error::success();
          })) {
    llvm::errs() << "ost-run: " << llvm::toString(std::move(err)) << "\n";
    return 1;
  }
  report.printTable(llvm::outs());
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
  if (!outPath.empty())
    if (llvm::Error err = mlir::ost::writeOutputFile(
            outPath, [&](llvm::raw_ostream &out) {
              out.write(reinterpret_cast<const char *>(data),
                        logits->getNumElements() * sizeof(float));
              return llvm::Error::success();
            })) {
      llvm::errs() << "ost-run: " << llvm::toString(std::move(err)) << "\n";
      return 1;
    }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  // Pipelines of `qsur` variants: ost's passes and the generic ones
  // (canonicalize, cse, ...).
  mlir::ost::registerAllPasses();
  mlir::registerTransformsPasses();
  cl::ParseCommandLineOptions(argc, argv, "ost reference runner\n");
  if (isTokenizeCommand())
    return runTokenize();
  if (!perplexityCmd && !generateCmd && !logitsCmd && !compareCmd &&
      !qsurCmd) {
    llvm::errs() << "ost-run: give a subcommand: perplexity, generate, logits, "
                    "compare, qsur or tokenize (see --help)\n";
    return 1;
  }
  if ((perplexityCmd || qsurCmd) && textPath.empty()) {
    llvm::errs() << "ost-run: --text is required\n";
    return 1;
  }
  if (compareCmd && !checkCompareInputs())
    return 1;
  bool tokenInput = logitsCmd || compareCmd;
  bool wantsTokenizer = !tokenInput || !textPath.empty() ||
                        (tokenList.empty() && !prompt.empty());
  if (wantsTokenizer && tokenizerPath.empty()) {
    llvm::errs() << "ost-run: --tokenizer is required\n";
    return 1;
  }
  std::vector<mlir::ost::QSURVariant> variants;
  if (qsurCmd) {
    variants = getQSURVariants();
    if (variants.empty())
      return 1;
    if (outPath.empty()) {
      llvm::errs() << "ost-run: qsur needs --out for the JSON report\n";
      return 1;
    }
    // Written all or nothing at the end; a bad path fails now.
    if (llvm::Error err = mlir::ost::checkOutputWritable(outPath)) {
      llvm::errs() << "ost-run: " << llvm::toString(std::move(err)) << "\n";
      return 1;
    }
  }

  DialectRegistry registry;
  mlir::ost::registerAllDialects(registry);
  MLIRContext context(registry);
  // A failing pass of a qsur variant would otherwise print the whole model.
  context.printOpOnDiagnostic(false);
  // Print diagnostics as file:line:col with the source line.
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = mlir::ost::loadModel(modelPath, context);
  if (!module || !applyModelLimits(*module))
    return 1;

  std::unique_ptr<rt::Tokenizer> tok;
  if (wantsTokenizer) {
    std::string error;
    tok = rt::loadTokenizer(tokenizerPath, error);
    if (!tok) {
      llvm::errs() << "ost-run: " << error << "\n";
      return 1;
    }
    if (!tokenizerFitsModel(*module, *tok))
      return 1;
  }
  if (qsurCmd) {
    std::vector<rt::Window> windows = readWindows(*tok);
    if (windows.empty())
      return 1;
    return analyzeQSUR(*module, variants, windows);
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

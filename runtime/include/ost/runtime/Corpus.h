//===- Corpus.h - evaluation text and perplexity windows --------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The evaluation protocol of ../shared/data/PROVENANCE.md: a text file holds
// documents separated by `<|endoftext|>`; each is whitespace-trimmed,
// encoded (BOS first) and cut into consecutive non-overlapping windows of at
// most `context` predictions; only the first window holds BOS. Perplexity is
// exp(mean NLL over every predicted token).
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_CORPUS_H
#define OST_RUNTIME_CORPUS_H

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ost::runtime {

/// Separator line between documents.
inline constexpr std::string_view kDocumentSeparator = "<|endoftext|>";

/// Splits `text` at every `<|endoftext|>`, trims ASCII whitespace and drops
/// empty documents. Returns documents [skip, skip + count) (count 0: all).
std::vector<std::string> splitDocuments(std::string_view text, size_t skip = 0,
                                        size_t count = 0);

/// Parses a document selection "A:B" (documents A..B-1, A < B), "A:" (from
/// A), ":B" (the first B) or "" (all) into the `skip`, `count` of
/// splitDocuments (count 0: all). False for anything else.
bool parseDocumentSelection(std::string_view spec, size_t &skip,
                            size_t &count);

/// Reads `path` into `text`; false with `error` naming the file otherwise.
bool readTextFile(const std::string &path, std::string &text,
                  std::string &error);

/// One forward pass: `inputs[i]` predicts `targets[i]`.
struct Window {
  std::vector<int32_t> inputs;
  std::vector<int32_t> targets;
};

/// Cuts one document's token stream (BOS first) into windows of at most
/// `context` predictions: window w feeds tokens[w·c, w·c + n) and predicts
/// tokens[w·c + 1, w·c + n + 1).
std::vector<Window> makeWindows(const std::vector<int32_t> &tokens,
                                int64_t context);

/// Accumulates negative log-likelihoods in double precision.
class NllAccumulator {
public:
  /// Adds the NLL of `target` under the logits row `logits[0, vocab)`
  /// (log-sum-exp minus the target logit, computed stably). Returns false if
  /// the row holds a NaN or infinity or the target is out of range.
  bool add(const float *logits, int64_t vocab, int32_t target);

  int64_t count() const { return tokens; }
  double meanNll() const { return tokens ? total / tokens : 0.0; }
  double perplexity() const;

private:
  double total = 0.0;
  int64_t tokens = 0;
};

/// "" if every value of the logits row `logits[0, vocab)` is finite;
/// otherwise what is wrong, e.g. "the logits are not finite (NaN at class 3
/// of 512)": a model that produced NaN or infinity.
std::string describeNonFinite(const float *logits, int64_t vocab);

/// "" when `predictions` > 0; otherwise that the `documents` selected give
/// nothing to predict (no perplexity).
std::string checkHasPredictions(int64_t predictions, size_t documents);

/// Why NllAccumulator::add refused (`target` out of range, or
/// describeNonFinite's message).
std::string describeBadPrediction(const float *logits, int64_t vocab,
                                  int32_t target);

} // namespace ost::runtime

#endif // OST_RUNTIME_CORPUS_H

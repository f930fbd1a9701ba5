//===- CalibrationData.cpp - token blocks for calibration and GPTQ --------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Calibration/CalibrationData.h"

#include "ost/Support/Linalg.h"
#include "ost/runtime/Corpus.h"
#include "ost/runtime/Tokenizer.h"

#include "llvm/ADT/Twine.h"

#include <numeric>

using namespace mlir::ost;
namespace rt = ost::runtime;

static llvm::Error dataError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Error mlir::ost::parseDocumentRange(llvm::StringRef text, size_t &begin,
                                          size_t &end) {
  auto [a, b] = text.split(':');
  unsigned long long lo = 0, hi = 0;
  if (text.find(':') == llvm::StringRef::npos || a.getAsInteger(10, lo) ||
      b.getAsInteger(10, hi) || hi <= lo)
    return dataError("document range must be A:B with A < B, got '" + text +
                     "'");
  begin = static_cast<size_t>(lo);
  end = static_cast<size_t>(hi);
  return llvm::Error::success();
}

llvm::Expected<std::vector<TokenBlock>>
mlir::ost::loadCalibrationBlocks(const CalibrationDataOptions &options) {
  if (options.seqLen <= 0)
    return dataError("calibration sequence length must be positive, got " +
                     llvm::Twine(options.seqLen));
  if (options.docEnd != 0 && options.docEnd <= options.docBegin)
    return dataError("empty calibration document range " +
                     llvm::Twine(options.docBegin) + ":" +
                     llvm::Twine(options.docEnd));
  std::string text, error;
  if (!rt::readTextFile(options.textPath, text, error))
    return dataError(error);
  std::unique_ptr<rt::Tokenizer> tokenizer =
      rt::loadTokenizer(options.tokenizerPath, error);
  if (!tokenizer)
    return dataError(error);
  size_t count = options.docEnd ? options.docEnd - options.docBegin : 0;
  std::vector<std::string> docs =
      rt::splitDocuments(text, options.docBegin, count);
  if (docs.empty())
    return dataError(options.textPath + ": no documents selected");
  std::vector<int32_t> tokens;
  for (const std::string &doc : docs) {
    std::vector<int32_t> ids = tokenizer->encode(doc, /*bos=*/true);
    tokens.insert(tokens.end(), ids.begin(), ids.end());
  }
  int64_t numBlocks = static_cast<int64_t>(tokens.size()) / options.seqLen;
  if (numBlocks == 0)
    return dataError(options.textPath + ": the " + llvm::Twine(docs.size()) +
                     " selected documents hold " + llvm::Twine(tokens.size()) +
                     " tokens, fewer than one block of " +
                     llvm::Twine(options.seqLen));
  std::vector<TokenBlock> blocks;
  blocks.reserve(numBlocks);
  for (int64_t b = 0; b < numBlocks; ++b)
    blocks.emplace_back(tokens.begin() + b * options.seqLen,
                        tokens.begin() + (b + 1) * options.seqLen);
  return blocks;
}

std::vector<size_t> mlir::ost::shuffledOrder(size_t n, uint64_t seed,
                                             llvm::StringRef key) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t(0));
  RandomStream rng(deriveSeed(seed, key));
  for (size_t i = n; i > 1; --i) {
    size_t j = static_cast<size_t>(rng.uniform() * static_cast<double>(i));
    std::swap(order[i - 1], order[std::min(j, i - 1)]);
  }
  return order;
}

std::vector<TokenBlock>
mlir::ost::sampleBlocks(const std::vector<TokenBlock> &blocks, size_t count,
                        uint64_t seed) {
  std::vector<size_t> order =
      shuffledOrder(blocks.size(), seed, "calibration-blocks");
  if (count == 0 || count > order.size())
    count = order.size();
  std::vector<TokenBlock> result;
  result.reserve(count);
  for (size_t i = 0; i < count; ++i)
    result.push_back(blocks[order[i]]);
  return result;
}

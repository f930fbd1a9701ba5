//===- CalibrationData.h - token blocks for calibration and GPTQ -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Calibration text in the evaluation format of ../shared/data/PROVENANCE.md
// (documents separated by `<|endoftext|>`): the selected documents are each
// encoded with BOS, concatenated and cut into consecutive blocks of
// `seqLen` tokens; the remainder is dropped (METHOD §5.5 applied to
// document-structured text). Rotation training and GPTQ both draw their
// sequences from these blocks.
//
//===----------------------------------------------------------------------===//

#ifndef OST_CALIBRATION_CALIBRATIONDATA_H
#define OST_CALIBRATION_CALIBRATIONDATA_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::ost {

/// Where the calibration tokens come from.
struct CalibrationDataOptions {
  /// Text file with `<|endoftext|>`-separated documents.
  std::string textPath;
  /// llama2.c tokenizer.bin or SentencePiece .model.
  std::string tokenizerPath;
  /// Documents [docBegin, docEnd) of the file; docEnd == 0 means all.
  size_t docBegin = 0, docEnd = 0;
  /// Tokens per block.
  int64_t seqLen = 256;
};

/// One sequence of token ids.
using TokenBlock = std::vector<int32_t>;

/// Parses "A:B" (A < B) into [begin, end); fails with a message naming the
/// text otherwise.
llvm::Error parseDocumentRange(llvm::StringRef text, size_t &begin,
                               size_t &end);

/// Reads, tokenizes and cuts the calibration text. Fails with a message
/// naming the file when it or the tokenizer cannot be read, when no document
/// is selected, or when the documents hold fewer than `seqLen` tokens.
llvm::Expected<std::vector<TokenBlock>>
loadCalibrationBlocks(const CalibrationDataOptions &options);

/// A permutation of [0, n) drawn by a Fisher–Yates shuffle from the stream
/// deriveSeed(seed, key): it depends only on n, the seed and the key.
std::vector<size_t> shuffledOrder(size_t n, uint64_t seed,
                                  llvm::StringRef key);

/// `count` blocks drawn without replacement by a shuffle seeded with `seed`
/// (all blocks, shuffled, when count is 0 or exceeds their number).
std::vector<TokenBlock> sampleBlocks(const std::vector<TokenBlock> &blocks,
                                     size_t count, uint64_t seed);

} // namespace mlir::ost

#endif // OST_CALIBRATION_CALIBRATIONDATA_H

//===- Packing.cpp - low-bit weight packing -------------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The byte layout of `ost.qlinear` weights, the inverse of
// mlir::ost::unpackWeight: 8/bits levels per byte along the row, element
// k·(8/bits) + e in bits [e·bits, (e+1)·bits) of byte k of its row. Levels
// are stored in `bits`-bit two's complement for a symmetric grid and as
// unsigned values for an asymmetric one.
//
//===----------------------------------------------------------------------===//

#include "ost/Quant/WeightQuantizer.h"

#include "ost/Numerics/QuantGrid.h"

#include "llvm/ADT/Twine.h"

using namespace ost::quant;

llvm::Expected<std::vector<int8_t>>
ost::quant::packLevels(const QuantizedWeight &q, unsigned bits) {
  auto error = [](const llvm::Twine &message) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "pack: " + message);
  };
  if (bits != 2 && bits != 4 && bits != 8)
    return error("packed weights need bits dividing 8 (2, 4 or 8), got " +
                 llvm::Twine(bits));
  if (q.rows < 0 || q.cols < 0 ||
      q.levels.size() != static_cast<size_t>(q.rows) * q.cols)
    return error("the weight holds " + llvm::Twine(q.levels.size()) +
                 " levels for a shape [" + llvm::Twine(q.rows) + ", " +
                 llvm::Twine(q.cols) + "]");
  if (q.cols * bits % 8 != 0)
    return error(llvm::Twine(q.cols) + " columns of " + llvm::Twine(bits) +
                 " bits do not fill whole bytes");
  bool symmetric = q.zeroPoints.empty();
  int64_t lo = ::ost::numerics::getQMin(bits, symmetric);
  int64_t hi = ::ost::numerics::getQMax(bits, symmetric);
  int64_t perByte = 8 / bits;
  int64_t bytesPerRow = q.cols / perByte;
  unsigned mask = (1u << bits) - 1u;
  std::vector<int8_t> packed(static_cast<size_t>(q.rows) * bytesPerRow, 0);
  for (int64_t r = 0; r < q.rows; ++r)
    for (int64_t c = 0; c < q.cols; ++c) {
      int8_t stored = q.levels[r * q.cols + c];
      int64_t level =
          symmetric ? int64_t(stored) : int64_t(static_cast<uint8_t>(stored));
      if (level < lo || level > hi)
        return error("level " + llvm::Twine(level) + " at (" + llvm::Twine(r) +
                     ", " + llvm::Twine(c) + ") does not fit in " +
                     llvm::Twine(bits) + " bits (" +
                     (symmetric ? "symmetric" : "asymmetric") + " range [" +
                     llvm::Twine(lo) + ", " + llvm::Twine(hi) + "])");
      unsigned bitsOfLevel = static_cast<unsigned>(level) & mask;
      uint8_t &byte =
          reinterpret_cast<uint8_t &>(packed[r * bytesPerRow + c / perByte]);
      byte |= static_cast<uint8_t>(bitsOfLevel << ((c % perByte) * bits));
    }
  return packed;
}

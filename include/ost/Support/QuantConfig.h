//===- QuantConfig.h - W<b>A<b>KV<b> configurations -------------*- C++ -*-===//
//-*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// A quantization configuration names the bit widths of the three kinds of
// quantized tensors of METHOD §6 in the paper's notation: `W4A4KV4` is 4-bit
// linear weights, 4-bit linear-input activations and a 4-bit KV cache.
//
// Grammar (case-insensitive): `W<b>A<b>[KV<b>]` with every `b` in 2..8
// (integer quantization) or 16 (left in floating point). The KV part defaults
// to 16 when omitted, so `W8A8` is `W8A8KV16`. Examples: `W4A16KV16` (the
// weight-only recipe), `W4A4KV16`, `W4A4KV4`, `W4A8KV4`, `W16A16` (float).
//
//===----------------------------------------------------------------------===//

#ifndef OST_SUPPORT_QUANTCONFIG_H
#define OST_SUPPORT_QUANTCONFIG_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace mlir::ost {

/// Bit widths of a quantization configuration; 16 means "not quantized".
struct QuantConfig {
  /// The bit width that stands for floating point.
  static constexpr unsigned kFloatBits = 16;

  /// Linear weights (q/k/v/o/gate/up/down; never the embedding or head).
  unsigned weightBits = kFloatBits;
  /// Activations entering those linears.
  unsigned actBits = kFloatBits;
  /// Keys and values of the attention (the KV cache).
  unsigned kvBits = kFloatBits;

  /// True if the linear weights are quantized.
  bool quantizesWeights() const { return weightBits < kFloatBits; }
  /// True if the linear inputs are quantized.
  bool quantizesActivations() const { return actBits < kFloatBits; }
  /// True if the KV cache is quantized.
  bool quantizesKVCache() const { return kvBits < kFloatBits; }
  /// True if nothing is quantized.
  bool isFloat() const {
    return !quantizesWeights() && !quantizesActivations() &&
           !quantizesKVCache();
  }

  /// The canonical spelling, always with the KV part: "W4A4KV16".
  std::string str() const;

  bool operator==(const QuantConfig &other) const {
    return weightBits == other.weightBits && actBits == other.actBits &&
           kvBits == other.kvBits;
  }
  bool operator!=(const QuantConfig &other) const { return !(*this == other); }
};

/// Parses `W<b>A<b>[KV<b>]` (see the file comment). Fails with a message
/// quoting the text and saying what was expected.
llvm::Expected<QuantConfig> parseQuantConfig(llvm::StringRef text);

} // namespace mlir::ost

#endif // OST_SUPPORT_QUANTCONFIG_H

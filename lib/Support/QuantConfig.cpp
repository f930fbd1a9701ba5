//===- QuantConfig.cpp - W<b>A<b>KV<b> quantization configurations --------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Support/QuantConfig.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"

using namespace mlir::ost;

static constexpr const char *kGrammar =
    "expected W<bits>A<bits>[KV<bits>] with bits in 2..8 or 16 (e.g. "
    "W4A16KV16, W4A4KV16, W4A4KV4, W8A8)";

std::string QuantConfig::str() const {
  return ("W" + llvm::Twine(weightBits) + "A" + llvm::Twine(actBits) + "KV" +
          llvm::Twine(kvBits))
      .str();
}

/// Consumes `prefix` and the decimal number after it from `rest`. Returns
/// false (leaving `rest` unspecified) when either is missing.
static bool consumeField(llvm::StringRef &rest, llvm::StringRef prefix,
                         unsigned &bits) {
  if (!rest.consume_front(prefix))
    return false;
  size_t digits = 0;
  while (digits < rest.size() && llvm::isDigit(rest[digits]))
    ++digits;
  // More than three digits cannot be valid and could overflow.
  if (digits == 0 || digits > 3)
    return false;
  rest.substr(0, digits).getAsInteger(10, bits);
  rest = rest.drop_front(digits);
  return true;
}

llvm::Expected<QuantConfig> mlir::ost::parseQuantConfig(llvm::StringRef text) {
  auto fail = [&](const llvm::Twine &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "invalid quantization config '" + text +
                                       "': " + why);
  };
  std::string upper = text.trim().upper();
  llvm::StringRef rest = upper;
  QuantConfig config;
  if (!consumeField(rest, "W", config.weightBits) ||
      !consumeField(rest, "A", config.actBits))
    return fail(kGrammar);
  if (!rest.empty() && !consumeField(rest, "KV", config.kvBits))
    return fail(kGrammar);
  if (!rest.empty())
    return fail(kGrammar);
  auto valid = [](unsigned bits) {
    return (bits >= 2 && bits <= 8) || bits == QuantConfig::kFloatBits;
  };
  for (auto [bits, what] : {std::pair{config.weightBits, "weight"},
                            std::pair{config.actBits, "activation"},
                            std::pair{config.kvBits, "KV-cache"}})
    if (!valid(bits))
      return fail(llvm::Twine(what) + " bits must be 2..8 or 16, got " +
                  llvm::Twine(bits));
  return config;
}

//===- HadamardSizes.cpp - which sizes have a known Hadamard --------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Support/HadamardSizes.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::ost {

llvm::ArrayRef<int64_t> getKnownHadamardOrders() {
  // Orders that cover real models' MLP sizes (METHOD.md §8.1): 172 (LLaMA-2
  // 7B, 11008), 108 (13B), 140 (30B), 28 (LLaMA-3), 44 (TinyLlama-1.1B,
  // 5632), and the rest of the classic table. Tried largest first.
  static const int64_t kOrders[] = {172, 156, 140, 108, 60, 52,
                                    44,  40,  36,  28,  20,  12};
  return kOrders;
}

std::string formatKnownHadamardOrders() {
  llvm::SmallVector<int64_t> orders(getKnownHadamardOrders());
  llvm::sort(orders);
  std::string text = "1";
  for (int64_t k : orders)
    text += ", " + std::to_string(k);
  return text;
}

std::optional<int64_t> getHadamardFactor(int64_t n) {
  if (n <= 0)
    return std::nullopt;
  if (llvm::isPowerOf2_64(static_cast<uint64_t>(n)))
    return 1;
  for (int64_t k : getKnownHadamardOrders())
    if (n % k == 0 && llvm::isPowerOf2_64(static_cast<uint64_t>(n / k)))
      return k;
  return std::nullopt;
}

} // namespace mlir::ost

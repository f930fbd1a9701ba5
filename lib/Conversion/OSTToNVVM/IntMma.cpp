//===- IntMma.cpp - the integer tensor-core step, per architecture --------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// One m16n8k64 int4 tile product on the chip's integer tensor cores:
//
//   sm_80..sm_89: nvvm.mma.sync s4 × s4 m16n8k64
//     (PTX mma.sync.aligned.m16n8k64.row.col.satfinite.s32.s4.s4.s32)
//   sm_90a: Hopper has no int4 MMA. Each 32-bit word of 8 nibbles becomes
//     two words of 4 bytes, 16·nibble each, without any sign extension:
//       lo = (w << 4) & 0xF0F0F0F0   (nibbles 0, 2, 4, 6)
//       hi =  w       & 0xF0F0F0F0   (nibbles 1, 3, 5, 7)
//     then two nvvm.mma.sync s8 × s8 m16n8k32 on (lo, lo) and (hi, hi).
//     A and B are widened the same way, so nibble i of an A word still
//     meets nibble i of the B word it met in the int4 instruction, and the
//     sum is 256× the int4 one (exact: |256·Σ q·w| ≤ K·2^14 < 2^31 for
//     K ≤ 2^17); the epilogue shifts it back.
//
// Both instructions read the fragments in the same k order relative to each
// other (A's and B's words of a lane always cover the same k), which is all
// a dot product needs: the kernel may therefore feed any consistent
// permutation of K, and does (see W4A4Gemm.cpp).
//
//===----------------------------------------------------------------------===//

#include "NVVMLowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

using namespace mlir;
using namespace mlir::ost::nvvm;

namespace {

/// Issues one nvvm.mma.sync with i32 operands and returns the four results.
SmallVector<Value, 4> emitMmaSync(KernelBuilder &kb, ArrayRef<int64_t> shape,
                                  NVVM::MMATypes type, ArrayRef<Value> a,
                                  ArrayRef<Value> b, ArrayRef<Value> c) {
  OpBuilder &builder = kb.b;
  Type i32 = builder.getI32Type();
  auto resultType = LLVM::LLVMStructType::getLiteral(
      builder.getContext(), {i32, i32, i32, i32});
  auto mma = NVVM::MmaOp::create(
      builder, kb.loc, resultType, a, b, c, shape, std::nullopt,
      NVVM::MMAIntOverflow::satfinite,
      std::array<NVVM::MMATypes, 2>{type, type},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  SmallVector<Value, 4> results;
  for (int64_t i = 0; i < 4; ++i)
    results.push_back(
        LLVM::ExtractValueOp::create(builder, kb.loc, mma.getResult(), i));
  return results;
}

/// The low (even) or high (odd) nibbles of `word` as bytes, 16·nibble each.
Value widenNibbles(KernelBuilder &kb, Value word, bool high) {
  Value mask = kb.i32(static_cast<int32_t>(0xF0F0F0F0u));
  if (!high)
    word = arith::ShLIOp::create(kb.b, kb.loc, word, kb.i32(4));
  return arith::AndIOp::create(kb.b, kb.loc, word, mask);
}

} // namespace

int64_t mlir::ost::nvvm::getIntMmaShift(const TargetInfo &target) {
  return target.getIntMma() == IntMma::S8M16N8K32 ? 8 : 0;
}

SmallVector<Value, 4> mlir::ost::nvvm::emitIntMma(KernelBuilder &kb,
                                                  const TargetInfo &target,
                                                  ArrayRef<Value> a,
                                                  ArrayRef<Value> b,
                                                  ArrayRef<Value> c) {
  assert(a.size() == 4 && b.size() == 2 && c.size() == 4 && "bad fragments");
  if (target.getIntMma() == IntMma::S4M16N8K64)
    return emitMmaSync(kb, {16, 8, 64}, NVVM::MMATypes::s4, a, b, c);
  SmallVector<Value, 4> acc(c.begin(), c.end());
  for (bool high : {false, true}) {
    SmallVector<Value, 4> a8;
    for (Value word : a)
      a8.push_back(widenNibbles(kb, word, high));
    SmallVector<Value, 2> b8;
    for (Value word : b)
      b8.push_back(widenNibbles(kb, word, high));
    acc = emitMmaSync(kb, {16, 8, 32}, NVVM::MMATypes::s8, a8, b8, acc);
  }
  return acc;
}

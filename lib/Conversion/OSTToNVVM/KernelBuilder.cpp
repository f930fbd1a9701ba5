//===- KernelBuilder.cpp - helpers for kernel bodies ----------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Dynamic shared memory is one `llvm.mlir.global external` zero-length
// array in address space 3, which the NVPTX back end prints as
// `.extern .shared .align 16 .b8 ost_dynamic_smem[];`. (gpu.dynamic_shared_memory
// is avoided: its internal zero-length global is demoted to a 1-byte
// `.shared` scalar by LLVM 22's NVPTX back end.)
//
//===----------------------------------------------------------------------===//

#include "NVVMLowering.h"

#include "ost/Numerics/Rounding.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::ost::nvvm;

Value KernelBuilder::index(int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value KernelBuilder::i32(int64_t v) {
  return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
}

Value KernelBuilder::f32(double v) {
  return arith::ConstantFloatOp::create(b, loc, b.getF32Type(),
                                        APFloat(static_cast<float>(v)));
}

Value KernelBuilder::add(Value x, Value y) {
  if (isa<FloatType>(getElementTypeOrSelf(x.getType())))
    return arith::AddFOp::create(b, loc, x, y);
  return arith::AddIOp::create(b, loc, x, y);
}

Value KernelBuilder::sub(Value x, Value y) {
  if (isa<FloatType>(getElementTypeOrSelf(x.getType())))
    return arith::SubFOp::create(b, loc, x, y);
  return arith::SubIOp::create(b, loc, x, y);
}

Value KernelBuilder::mul(Value x, Value y) {
  if (isa<FloatType>(getElementTypeOrSelf(x.getType())))
    return arith::MulFOp::create(b, loc, x, y);
  return arith::MulIOp::create(b, loc, x, y);
}

Value KernelBuilder::minIndex(Value x, Value y) {
  return arith::MinSIOp::create(b, loc, x, y);
}

Value KernelBuilder::threadId() {
  return gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
}

Value KernelBuilder::blockId(gpu::Dimension dim) {
  return gpu::BlockIdOp::create(b, loc, dim);
}

Value KernelBuilder::sharedPtr(Value offset) {
  auto ptrType = LLVM::LLVMPointerType::get(b.getContext(), 3);
  Value base =
      LLVM::AddressOfOp::create(b, loc, ptrType, kSharedMemoryName.str());
  Value offset64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), offset);
  return LLVM::GEPOp::create(b, loc, ptrType, b.getI8Type(), base,
                             ValueRange{offset64});
}

Value KernelBuilder::sharedLoad(Type type, Value offset, int64_t alignment) {
  return LLVM::LoadOp::create(b, loc, type, sharedPtr(offset), alignment);
}

void KernelBuilder::sharedStore(Value value, Value offset, int64_t alignment) {
  LLVM::StoreOp::create(b, loc, value, sharedPtr(offset), alignment);
}

void KernelBuilder::barrier() { gpu::BarrierOp::create(b, loc); }

Value KernelBuilder::warpReduce(Value x,
                                function_ref<Value(Value, Value)> combine) {
  Value width = i32(32);
  for (int64_t mask = 16; mask >= 1; mask /= 2) {
    auto shuffle = gpu::ShuffleOp::create(b, loc, x, i32(mask), width,
                                          gpu::ShuffleMode::XOR);
    x = combine(x, shuffle.getShuffleResult());
  }
  return x;
}

Value KernelBuilder::loadWords(Value memref, Value offset) {
  return vector::LoadOp::create(b, loc, VectorType::get({4}, b.getI32Type()),
                                memref, ValueRange{offset},
                                /*nontemporal=*/false, llvm::MaybeAlign(16));
}

Value KernelBuilder::roundHalfEven(Value x) {
  Type type = x.getType();
  // ost/Numerics/Rounding.h's x + 1.5·2^23 − 1.5·2^23. The |x| < 2^22 guard
  // is not needed here: zp = −xmin/scale <= qmax and levels are clamped.
  TypedAttr magic = b.getF32FloatAttr(::ost::numerics::kRoundMagic);
  if (auto vectorType = dyn_cast<VectorType>(type))
    magic = DenseElementsAttr::get(vectorType, magic);
  Value c = arith::ConstantOp::create(b, loc, magic);
  return arith::SubFOp::create(b, loc, arith::AddFOp::create(b, loc, x, c),
                               c);
}

Value KernelBuilder::loadAsF32(Value memref, Value offset, int64_t count) {
  Type elementType = cast<MemRefType>(memref.getType()).getElementType();
  auto vectorType = VectorType::get({count}, elementType);
  // Callers pass offsets that are multiples of `count`: the vector's
  // natural alignment lets NVPTX emit 16-byte loads.
  Value v = vector::LoadOp::create(
      b, loc, vectorType, memref, ValueRange{offset}, /*nontemporal=*/false,
      llvm::MaybeAlign(count * elementType.getIntOrFloatBitWidth() / 8));
  if (elementType.isF32())
    return v;
  return arith::ExtFOp::create(b, loc, VectorType::get({count}, b.getF32Type()),
                               v);
}

void KernelBuilder::storeFromF32(Value values, Value memref, Value offset) {
  Type elementType = cast<MemRefType>(memref.getType()).getElementType();
  auto vectorType = cast<VectorType>(values.getType());
  if (!elementType.isF32())
    values = arith::TruncFOp::create(
        b, loc, VectorType::get(vectorType.getShape(), elementType), values);
  int64_t bytes = vectorType.getNumElements() *
                  elementType.getIntOrFloatBitWidth() / 8;
  vector::StoreOp::create(b, loc, values, memref, ValueRange{offset},
                          /*nontemporal=*/false, llvm::MaybeAlign(bytes));
}

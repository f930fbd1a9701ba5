//===- W4A16Gemv.cpp - the W4A16 decode GEMV kernel -----------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//   gpu.func @<name>(%x: memref<?xT>,      // activations [M, K], M small
//                    %w: memref<?xi32>,    // packed int4 weight [N, K/2] bytes
//                    %sw: memref<?xf32>,   // per-channel scales [N]
//                    [%bias: memref<?xf32>,]
//                    %out: memref<?xT>,    // [M, N]
//                    %m: index) kernel
//
// Grid (ceil(N/4), ceil(M/4)), 128 threads, no shared memory. Decode is
// bound by reading the weight once, so one warp streams one weight row
// (output column n): each lane loads 16 bytes (32 nibbles) per step, the
// warp 512 contiguous bytes, and the nibbles are dequantized in registers
// (sign-extending shifts, int→float) and multiplied into float32 partial
// sums for the CTA's 4 token rows (rows past M repeat row M−1 and are not
// stored). The partial sums are reduced over the warp with shuffles;
// lane 0 applies the channel scale (Σ x·w·s = s·Σ x·w) and the bias.
//
// K must be a multiple of 32 (checked by the caller).
//
//===----------------------------------------------------------------------===//

#include "NVVMLowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::ost::nvvm;

namespace {

/// The 8 signed nibbles of `word` as a vector<8xf32> (element i from bits
/// 4i..4i+3): (word << (28 − 4i)) >> 28, arithmetic.
Value dequantizeWord(KernelBuilder &kb, Value word) {
  SmallVector<Value, 8> values;
  for (int64_t i = 0; i < 8; ++i) {
    Value v = arith::ShLIOp::create(kb.b, kb.loc, word, kb.i32(28 - 4 * i));
    v = arith::ShRSIOp::create(kb.b, kb.loc, v, kb.i32(28));
    values.push_back(
        arith::SIToFPOp::create(kb.b, kb.loc, kb.b.getF32Type(), v));
  }
  return vector::FromElementsOp::create(
      kb.b, kb.loc, VectorType::get({8}, kb.b.getF32Type()), values);
}

} // namespace

gpu::GPUFuncOp mlir::ost::nvvm::emitW4A16Gemv(OpBuilder &b, Location loc,
                                              StringRef name,
                                              const W4A16GemvConfig &config) {
  MLIRContext *ctx = b.getContext();
  auto dyn = [&](Type t) { return MemRefType::get({ShapedType::kDynamic}, t); };
  SmallVector<Type> argTypes = {dyn(config.elementType), dyn(b.getI32Type()),
                                dyn(b.getF32Type())};
  if (config.bias)
    argTypes.push_back(dyn(b.getF32Type()));
  argTypes.push_back(dyn(config.elementType));
  argTypes.push_back(b.getIndexType());
  auto func = gpu::GPUFuncOp::create(b, loc, name,
                                     FunctionType::get(ctx, argTypes, {}));
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  func.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr({kThreads, 1, 1}));
  func->setAttr("ost.dynamic_smem", b.getI64IntegerAttr(0));
  func->setAttr("ost.tile", b.getDenseI64ArrayAttr({kGemvRows, kWarps}));

  OpBuilder::InsertionGuard guard(b);
  Block &entry = func.getBody().front();
  b.setInsertionPointToStart(&entry);
  KernelBuilder kb(b, loc);
  unsigned argNo = 0;
  Value x = entry.getArgument(argNo++), w = entry.getArgument(argNo++),
        sw = entry.getArgument(argNo++);
  Value bias = config.bias ? entry.getArgument(argNo++) : Value();
  Value out = entry.getArgument(argNo++), m = entry.getArgument(argNo++);

  Value tid = kb.threadId();
  Value lane = arith::RemUIOp::create(b, loc, tid, kb.index(32));
  Value warp = arith::DivUIOp::create(b, loc, tid, kb.index(32));
  Value n = kb.add(kb.mul(kb.blockId(gpu::Dimension::x), kb.index(kWarps)),
                   warp);
  Value m0 = kb.mul(kb.blockId(gpu::Dimension::y), kb.index(kGemvRows));
  Value valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, n,
                                      kb.index(config.n));
  scf::IfOp::create(b, loc, valid, [&](OpBuilder &, Location) {
    const int64_t k = config.k, rowWords = k / 8;
    SmallVector<Value> rowBase;
    for (int64_t r = 0; r < kGemvRows; ++r) {
      Value row = kb.minIndex(kb.add(m0, kb.index(r)), kb.sub(m, kb.index(1)));
      rowBase.push_back(kb.mul(row, kb.index(k)));
    }
    auto vec8 = VectorType::get({8}, b.getF32Type());
    Value zero = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(vec8, b.getF32FloatAttr(0.0f)));
    SmallVector<Value> init(kGemvRows, zero);
    Value wRow = kb.mul(n, kb.index(rowWords));
    auto loop = scf::ForOp::create(
        b, loc, kb.mul(lane, kb.index(4)), kb.index(rowWords),
        kb.index(32 * 4), init,
        [&](OpBuilder &, Location, Value word, ValueRange accIn) {
          SmallVector<Value> acc(accIn.begin(), accIn.end());
          Value packed = kb.loadWords(w, kb.add(wRow, word));
          Value col = kb.mul(word, kb.index(8));
          for (int64_t j = 0; j < 4; ++j) {
            Value wv = dequantizeWord(
                kb, vector::ExtractOp::create(b, loc, packed, j));
            for (int64_t r = 0; r < kGemvRows; ++r) {
              Value xv = kb.loadAsF32(
                  x, kb.add(rowBase[r], kb.add(col, kb.index(8 * j))), 8);
              acc[r] = vector::FMAOp::create(b, loc, xv, wv, acc[r]);
            }
          }
          scf::YieldOp::create(b, loc, acc);
        });
    Value scale = memref::LoadOp::create(b, loc, sw, ValueRange{n});
    Value biasN = bias ? Value(memref::LoadOp::create(b, loc, bias,
                                                      ValueRange{n}))
                       : Value();
    Value isLane0 = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                          lane, kb.index(0));
    auto addF = [&](Value p, Value q) { return kb.add(p, q); };
    for (int64_t r = 0; r < kGemvRows; ++r) {
      Value sum;
      for (int64_t i = 0; i < 8; ++i) {
        Value e = vector::ExtractOp::create(b, loc, loop.getResult(r), i);
        sum = sum ? kb.add(sum, e) : e;
      }
      sum = kb.warpReduce(sum, addF);
      Value row = kb.add(m0, kb.index(r));
      Value store = arith::AndIOp::create(
          b, loc, isLane0,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, m));
      scf::IfOp::create(b, loc, store, [&](OpBuilder &, Location) {
        Value y = kb.mul(sum, scale);
        if (biasN)
          y = kb.add(y, biasN);
        Value v = vector::FromElementsOp::create(
            b, loc, VectorType::get({1}, b.getF32Type()), ValueRange{y});
        kb.storeFromF32(v, out, kb.add(kb.mul(row, kb.index(config.n)), n));
        scf::YieldOp::create(b, loc);
      });
    }
    scf::YieldOp::create(b, loc);
  });
  gpu::ReturnOp::create(b, loc);
  return func;
}

//===- W4A4Gemm.cpp - the fused W4A4 GEMM kernel --------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//   gpu.func @<name>(%x: memref<?xT>,      // activations [M, K], row-major
//                    %w: memref<?xi32>,    // the qlinear's packed weight
//                                          //   [N, K/2] bytes, as words
//                    %sw: memref<?xf32>,   // per-channel weight scales [N]
//                    [%bias: memref<?xf32>,]
//                    %out: memref<?xT>,    // [M, N]
//                    %m: index) kernel
//
// Grid (ceil(N/128), ceil(M/rows)), 128 threads, dynamic shared memory
// `ost.dynamic_smem` bytes (both recorded on the kernel). One CTA computes a
// rows × 128 output tile:
//
//   prologue  (W4A4Prologue.cpp) its rows of x, Hadamard-transformed when
//             fused, quantized per token into a shared-memory int4 strip;
//   main loop each warp owns 32 columns (4 MMA n-tiles) and all the rows
//             (rows/16 m-tiles); per 128-wide k step a lane loads one
//             16-byte weight vector per n-tile straight from global memory
//             and one 16-byte strip vector per m-tile half, and issues two
//             int4 k-blocks of MMAs (emitIntMma). The vectors hold words
//             4t..4t+3 of a 64-byte row segment; k-block h uses words 4t+2h
//             (as the fragment's first k-word) and 4t+2h+1 (its second) of
//             both A and B: a permutation of K applied to both operands, so
//             the dot products are unchanged. One extra MMA per n-tile with
//             A = all ones sums the weights (Σ_k w[n, k]) for the zero-point
//             correction; nothing is precomputed on the host;
//   epilogue  acc' = acc + (8 − zp_t)·Σw_n (the prologue stored q − 8),
//             y = float(acc')·s_t·sw_n (+ bias_n), written as T; the int32
//             accumulators never leave registers.
//
// K must be a multiple of 128 and N of 8 (checked by the caller).
//
//===----------------------------------------------------------------------===//

#include "NVVMLowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::ost::nvvm;

GemmSharedLayout
mlir::ost::nvvm::getGemmSharedLayout(const W4A4GemmConfig &config) {
  GemmSharedLayout layout;
  layout.rowBytes = config.k / 2 + kRowPadBytes;
  layout.scales = config.rows * layout.rowBytes;
  layout.zeroPoints = layout.scales + 4 * config.rows;
  layout.reduction = layout.zeroPoints + 4 * config.rows;
  layout.hadamard = llvm::alignTo(layout.reduction + 8 * kWarps, 16);
  layout.total = layout.hadamard + (config.hadamard ? 4 * config.k : 0);
  return layout;
}

int64_t mlir::ost::nvvm::chooseGemmRows(W4A4GemmConfig config,
                                        const TargetInfo &target) {
  for (int64_t rows : {64, 32, 16}) {
    config.rows = rows;
    if (getGemmSharedLayout(config).total <= target.getMaxDynamicSharedMemory())
      return rows;
  }
  return 0;
}

namespace {

/// The four words of a vector<4xi32>.
SmallVector<Value, 4> splitWords(KernelBuilder &kb, Value v) {
  SmallVector<Value, 4> words;
  for (int64_t i = 0; i < 4; ++i)
    words.push_back(vector::ExtractOp::create(kb.b, kb.loc, v, i));
  return words;
}

/// The epilogue of one n-tile of one warp: columns col0 + 2t + {0, 1}.
void emitEpilogue(KernelBuilder &kb, const W4A4GemmConfig &config,
                  const GemmSharedLayout &layout, const TargetInfo &target,
                  ArrayRef<Value> acc, ArrayRef<Value> sums, Value col,
                  Value g, Value m, Value m0, Value sw, Value bias,
                  Value out) {
  OpBuilder &b = kb.b;
  Location loc = kb.loc;
  int64_t mTiles = config.rows / 16;
  Value shift = kb.i32(getIntMmaShift(target));
  auto shr = [&](Value v) -> Value {
    return arith::ShRSIOp::create(b, loc, v, shift);
  };
  // Σw of the two columns (every row of the sums tile holds them).
  Value wsum[2] = {shr(sums[0]), shr(sums[1])};
  Value scaleW[2], biasW[2];
  for (int64_t e = 0; e < 2; ++e) {
    Value c = kb.add(col, kb.index(e));
    scaleW[e] = memref::LoadOp::create(b, loc, sw, ValueRange{c});
    biasW[e] = bias ? Value(memref::LoadOp::create(b, loc, bias, ValueRange{c}))
                    : Value();
  }
  auto pairType = VectorType::get({2}, b.getF32Type());
  for (int64_t i = 0; i < mTiles; ++i)
    for (int64_t half = 0; half < 2; ++half) {
      Value local = kb.add(g, kb.index(16 * i + 8 * half));
      Value row = kb.add(m0, local);
      Value inBounds =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, m);
      scf::IfOp::create(b, loc, inBounds, [&](OpBuilder &nb, Location nloc) {
        Value four = kb.index(4);
        Value scale = kb.sharedLoad(
            nb.getF32Type(), kb.add(kb.index(layout.scales), kb.mul(local, four)),
            4);
        Value zp = kb.sharedLoad(
            nb.getI32Type(),
            kb.add(kb.index(layout.zeroPoints), kb.mul(local, four)), 4);
        Value correction = kb.sub(kb.i32(8), zp);
        SmallVector<Value, 2> ys;
        for (int64_t e = 0; e < 2; ++e) {
          Value a = acc[(i * 4) + half * 2 + e];
          Value exact = kb.add(shr(a), kb.mul(correction, wsum[e]));
          Value y = arith::SIToFPOp::create(nb, nloc, nb.getF32Type(), exact);
          y = kb.mul(kb.mul(y, scale), scaleW[e]);
          if (biasW[e])
            y = kb.add(y, biasW[e]);
          ys.push_back(y);
        }
        Value pair = vector::FromElementsOp::create(nb, nloc, pairType, ys);
        kb.storeFromF32(pair, out,
                        kb.add(kb.mul(row, kb.index(config.n)), col));
        scf::YieldOp::create(nb, nloc);
      });
    }
}

} // namespace

gpu::GPUFuncOp mlir::ost::nvvm::emitW4A4Gemm(OpBuilder &b, Location loc,
                                             StringRef name,
                                             const W4A4GemmConfig &config,
                                             const TargetInfo &target) {
  MLIRContext *ctx = b.getContext();
  Type elementType = config.elementType;
  auto dyn = [&](Type t) { return MemRefType::get({ShapedType::kDynamic}, t); };
  SmallVector<Type> argTypes = {dyn(elementType), dyn(b.getI32Type()),
                                dyn(b.getF32Type())};
  if (config.bias)
    argTypes.push_back(dyn(b.getF32Type()));
  argTypes.push_back(dyn(elementType));
  argTypes.push_back(b.getIndexType());
  auto func = gpu::GPUFuncOp::create(b, loc, name,
                                     FunctionType::get(ctx, argTypes, {}));
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  func.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr({kThreads, 1, 1}));
  GemmSharedLayout layout = getGemmSharedLayout(config);
  func->setAttr("ost.dynamic_smem", b.getI64IntegerAttr(layout.total));
  func->setAttr("ost.tile",
                b.getDenseI64ArrayAttr({config.rows, kGemmColumns}));

  OpBuilder::InsertionGuard guard(b);
  Block &entry = func.getBody().front();
  b.setInsertionPointToStart(&entry);
  KernelBuilder kb(b, loc);
  unsigned argNo = 0;
  Value x = entry.getArgument(argNo++), w = entry.getArgument(argNo++),
        sw = entry.getArgument(argNo++);
  Value bias = config.bias ? entry.getArgument(argNo++) : Value();
  Value out = entry.getArgument(argNo++), m = entry.getArgument(argNo++);

  Value m0 = kb.mul(kb.blockId(gpu::Dimension::y), kb.index(config.rows));
  emitQuantizePrologue(kb, config, layout, x, m, m0);

  // Lane coordinates of the MMA fragments.
  Value tid = kb.threadId();
  Value lane = arith::RemUIOp::create(b, loc, tid, kb.index(32));
  Value warp = arith::DivUIOp::create(b, loc, tid, kb.index(32));
  Value g = arith::DivUIOp::create(b, loc, lane, kb.index(4));
  Value t = arith::RemUIOp::create(b, loc, lane, kb.index(4));
  Value n0 = kb.add(kb.mul(kb.blockId(gpu::Dimension::x),
                           kb.index(kGemmColumns)),
                    kb.mul(warp, kb.index(kNTiles * 8)));

  // Word offsets of this lane's weight rows (clamped to N−1) and byte
  // offsets of its strip rows g and g+8 of m-tile 0.
  const int64_t rowWords = config.k / 8;
  SmallVector<Value> wBase;
  for (int64_t j = 0; j < kNTiles; ++j) {
    Value n = kb.minIndex(kb.add(n0, kb.add(g, kb.index(8 * j))),
                          kb.index(config.n - 1));
    wBase.push_back(kb.add(kb.mul(n, kb.index(rowWords)),
                           kb.mul(t, kb.index(4))));
  }
  Value aBase = kb.add(kb.mul(g, kb.index(layout.rowBytes)),
                       kb.mul(t, kb.index(16)));

  const int64_t mTiles = config.rows / 16;
  const int64_t numAcc = mTiles * kNTiles * 4;
  SmallVector<Value> init(numAcc + kNTiles * 4, kb.i32(0));
  Value ones = kb.i32(0x11111111);
  auto vec4 = VectorType::get({4}, b.getI32Type());
  auto loop = scf::ForOp::create(
      b, loc, kb.index(0), kb.index(config.k / kGemmKStep), kb.index(1), init,
      [&](OpBuilder &, Location, Value kk, ValueRange accIn) {
        SmallVector<Value> acc(accIn.begin(), accIn.end());
        Value wOff = kb.mul(kk, kb.index(kGemmKStep / 8));
        Value aOff = kb.mul(kk, kb.index(kGemmKStep / 2));
        SmallVector<SmallVector<Value, 4>> bWords, aLo, aHi;
        for (int64_t j = 0; j < kNTiles; ++j)
          bWords.push_back(
              splitWords(kb, kb.loadWords(w, kb.add(wBase[j], wOff))));
        for (int64_t i = 0; i < mTiles; ++i) {
          Value off = kb.add(kb.add(aBase, aOff),
                             kb.index(16 * i * layout.rowBytes));
          aLo.push_back(splitWords(kb, kb.sharedLoad(vec4, off, 16)));
          aHi.push_back(splitWords(
              kb, kb.sharedLoad(vec4,
                                kb.add(off, kb.index(8 * layout.rowBytes)),
                                16)));
        }
        for (int64_t h = 0; h < 2; ++h)
          for (int64_t j = 0; j < kNTiles; ++j) {
            Value bFrag[2] = {bWords[j][2 * h], bWords[j][2 * h + 1]};
            for (int64_t i = 0; i < mTiles; ++i) {
              Value aFrag[4] = {aLo[i][2 * h], aHi[i][2 * h],
                                aLo[i][2 * h + 1], aHi[i][2 * h + 1]};
              MutableArrayRef<Value> c(&acc[(i * kNTiles + j) * 4], 4);
              SmallVector<Value, 4> d = emitIntMma(kb, target, aFrag, bFrag, c);
              llvm::copy(d, c.begin());
            }
            Value onesFrag[4] = {ones, ones, ones, ones};
            MutableArrayRef<Value> s(&acc[numAcc + j * 4], 4);
            SmallVector<Value, 4> d = emitIntMma(kb, target, onesFrag, bFrag, s);
            llvm::copy(d, s.begin());
          }
        scf::YieldOp::create(b, loc, acc);
      });

  // Epilogue per n-tile (skipped past N: N is a multiple of 8).
  for (int64_t j = 0; j < kNTiles; ++j) {
    Value tileCol = kb.add(n0, kb.index(8 * j));
    Value valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                        tileCol, kb.index(config.n));
    scf::IfOp::create(b, loc, valid, [&](OpBuilder &nb, Location nloc) {
      SmallVector<Value> acc;
      for (int64_t i = 0; i < mTiles; ++i)
        for (int64_t e = 0; e < 4; ++e)
          acc.push_back(loop.getResult((i * kNTiles + j) * 4 + e));
      Value sums[2] = {loop.getResult(numAcc + j * 4),
                       loop.getResult(numAcc + j * 4 + 1)};
      Value col = kb.add(tileCol, kb.mul(t, kb.index(2)));
      emitEpilogue(kb, config, layout, target, acc, sums, col, g, m, m0, sw,
                   bias, out);
      scf::YieldOp::create(nb, nloc);
    });
  }
  gpu::ReturnOp::create(b, loc);
  return func;
}

//===- W4A4Prologue.cpp - fused Hadamard + per-token int4 quantization ----===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The W4A4 kernel's prologue quantizes the CTA's `rows` activation rows
// into shared memory, so quantized activations never touch global memory.
// The whole CTA works on one row at a time:
//
//   1. (fused Hadamard) the row is copied to a float32 buffer and
//      transformed in place by a fast Walsh–Hadamard transform, one
//      butterfly stage h = 1, 2, 4, … per barrier; values are then read
//      times 1/sqrt(K), the operations of the CPU runtime's ostrt_hadamard;
//   2. min / max over the row: 8 elements per thread per step, warp
//      butterflies, then the four warps' partials through shared memory;
//   3. the grid of ost/Numerics/QuantGrid.h (asymmetric, 4 bits, clip):
//        xmax = max(hi, 1e-6)·clip, xmin = min(lo, 0)·clip,
//        scale = (xmax − xmin)/15, zp = round(−xmin/scale),
//        q = clamp(round(x/scale) + zp, 0, 15),
//      with the header's constants; unittests/Conversion/
//      W4A4PrologueGridTest.cpp checks the emitted steps against it;
//   4. the levels are stored as signed int4 q − 8 (the MMA operand), 8 per
//      32-bit word, element i in bits 4i..4i+3 (the IR's nibble order); the
//      epilogue adds back 8·Σw. Thread 0 stores scale and zp.
//
// Rows past M repeat row M−1 (their outputs are never stored).
//
//===----------------------------------------------------------------------===//

#include "NVVMLowering.h"

#include "ost/Numerics/QuantGrid.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::ost::nvvm;
namespace numerics = ::ost::numerics;

namespace {

/// Elements one thread handles per step, and the step of the CTA.
constexpr int64_t kVector = 8;
constexpr int64_t kCtaStep = kThreads * kVector;

/// for (k = tid·8; k < K; k += 1024) body(k)
void forEachVector(KernelBuilder &kb, int64_t k,
                   function_ref<void(Value)> body) {
  Value start = kb.mul(kb.threadId(), kb.index(kVector));
  scf::ForOp::create(kb.b, kb.loc, start, kb.index(k), kb.index(kCtaStep),
                     ValueRange{},
                     [&](OpBuilder &b, Location loc, Value iv, ValueRange) {
                       body(iv);
                       scf::YieldOp::create(b, loc);
                     });
}

/// In-place fast Walsh–Hadamard transform of the float32 row at byte
/// `buffer` of shared memory (k a power of two), one stage per barrier.
void emitWalshHadamard(KernelBuilder &kb, int64_t k, int64_t buffer) {
  OpBuilder &b = kb.b;
  Location loc = kb.loc;
  Value start = kb.threadId();
  Value bufferBase = kb.index(buffer);
  for (int64_t h = 1; h < k; h *= 2) {
    int64_t logH = llvm::Log2_64(h);
    scf::ForOp::create(
        b, loc, start, kb.index(k / 2), kb.index(kThreads), ValueRange{},
        [&](OpBuilder &nb, Location nloc, Value p, ValueRange) {
          // i = (p / h)·2h + p % h, j = i + h.
          Value high = arith::ShLIOp::create(
              nb, nloc, arith::ShRUIOp::create(nb, nloc, p, kb.index(logH)),
              kb.index(logH + 1));
          Value low = arith::AndIOp::create(nb, nloc, p, kb.index(h - 1));
          Value i = arith::OrIOp::create(nb, nloc, high, low);
          Value offI = kb.add(bufferBase, kb.mul(i, kb.index(4)));
          Value offJ = kb.add(offI, kb.index(4 * h));
          Value x = kb.sharedLoad(nb.getF32Type(), offI, 4);
          Value y = kb.sharedLoad(nb.getF32Type(), offJ, 4);
          kb.sharedStore(kb.add(x, y), offI, 4);
          kb.sharedStore(kb.sub(x, y), offJ, 4);
          scf::YieldOp::create(nb, nloc);
        });
    kb.barrier();
  }
}

/// Element-wise min or max of a vector<8xf32>, then over its lanes.
Value reduceVector(KernelBuilder &kb, Value v, bool isMax) {
  Value r;
  for (int64_t i = 0; i < kVector; ++i) {
    Value e = vector::ExtractOp::create(kb.b, kb.loc, v, i);
    r = !r ? e
           : isMax ? Value(arith::MaxNumFOp::create(kb.b, kb.loc, r, e))
                   : Value(arith::MinNumFOp::create(kb.b, kb.loc, r, e));
  }
  return r;
}

} // namespace

void mlir::ost::nvvm::emitQuantizePrologue(KernelBuilder &kb,
                                           const W4A4GemmConfig &config,
                                           const GemmSharedLayout &layout,
                                           Value x, Value m, Value m0) {
  OpBuilder &b = kb.b;
  Location loc = kb.loc;
  const int64_t k = config.k;
  Type f32 = b.getF32Type();
  auto vecType = VectorType::get({kVector}, f32);

  scf::ForOp::create(
      b, loc, kb.index(0), kb.index(config.rows), kb.index(1), ValueRange{},
      [&](OpBuilder &, Location, Value r, ValueRange) {
        Value lastRow = kb.sub(m, kb.index(1));
        Value row = kb.minIndex(kb.add(m0, r), lastRow);
        Value rowBase = kb.mul(row, kb.index(k));

        // The row's values 8 at a time, as float32.
        std::function<Value(Value)> load = [&](Value col) {
          return kb.loadAsF32(x, kb.add(rowBase, col), kVector);
        };
        if (config.hadamard) {
          forEachVector(kb, k, [&](Value col) {
            kb.sharedStore(load(col),
                           kb.add(kb.index(layout.hadamard),
                                  kb.mul(col, kb.index(4))),
                           16);
          });
          kb.barrier();
          emitWalshHadamard(kb, k, layout.hadamard);
          Value inv = vector::BroadcastOp::create(
              b, loc, vecType, kb.f32(1.0 / std::sqrt(static_cast<double>(k))));
          load = [&, inv](Value col) {
            Value v = kb.sharedLoad(
                vecType,
                kb.add(kb.index(layout.hadamard), kb.mul(col, kb.index(4))),
                16);
            return kb.mul(v, inv);
          };
        }

        // Min / max: per thread, per warp, then over the warps.
        Value inf = kb.f32(INFINITY), negInf = kb.f32(-INFINITY);
        Value start = kb.mul(kb.threadId(), kb.index(kVector));
        auto minMax = scf::ForOp::create(
            b, loc, start, kb.index(k), kb.index(kCtaStep),
            ValueRange{inf, negInf},
            [&](OpBuilder &nb, Location nloc, Value col, ValueRange acc) {
              Value v = load(col);
              Value lo = arith::MinNumFOp::create(
                  nb, nloc, acc[0], reduceVector(kb, v, false));
              Value hi = arith::MaxNumFOp::create(
                  nb, nloc, acc[1], reduceVector(kb, v, true));
              scf::YieldOp::create(nb, nloc, ValueRange{lo, hi});
            });
        auto minF = [&](Value p, Value q) -> Value {
          return arith::MinNumFOp::create(b, loc, p, q);
        };
        auto maxF = [&](Value p, Value q) -> Value {
          return arith::MaxNumFOp::create(b, loc, p, q);
        };
        Value lo = kb.warpReduce(minMax.getResult(0), minF);
        Value hi = kb.warpReduce(minMax.getResult(1), maxF);
        Value tid = kb.threadId();
        Value lane = arith::RemUIOp::create(b, loc, tid, kb.index(32));
        Value warp = arith::DivUIOp::create(b, loc, tid, kb.index(32));
        Value isLane0 = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                              lane, kb.index(0));
        scf::IfOp::create(b, loc, isLane0, [&](OpBuilder &nb, Location nloc) {
          Value off = kb.add(kb.index(layout.reduction),
                             kb.mul(warp, kb.index(4)));
          kb.sharedStore(lo, off, 4);
          kb.sharedStore(hi, kb.add(off, kb.index(4 * kWarps)), 4);
          scf::YieldOp::create(nb, nloc);
        });
        kb.barrier();
        lo = hi = nullptr;
        for (int64_t w = 0; w < kWarps; ++w) {
          Value wl = kb.sharedLoad(f32, kb.index(layout.reduction + 4 * w), 4);
          Value wh = kb.sharedLoad(
              f32, kb.index(layout.reduction + 4 * (kWarps + w)), 4);
          lo = lo ? minF(lo, wl) : wl;
          hi = hi ? maxF(hi, wh) : wh;
        }

        // The grid (numerics::QuantGrid::compute, asymmetric, 4 bits).
        const float qmin = static_cast<float>(numerics::getQMin(4, false));
        const float qmax = static_cast<float>(numerics::getQMax(4, false));
        Value clip = kb.f32(config.clip);
        Value xmax = kb.mul(maxF(hi, kb.f32(numerics::kRangeFloor)), clip);
        Value xmin = kb.mul(minF(lo, kb.f32(0.0)), clip);
        Value scale =
            arith::DivFOp::create(b, loc, kb.sub(xmax, xmin), kb.f32(qmax));
        Value negMin = arith::NegFOp::create(b, loc, xmin);
        Value zp =
            kb.roundHalfEven(arith::DivFOp::create(b, loc, negMin, scale));

        // Levels q − 8 as int4, 8 per word, into the strip.
        Value scaleVec = vector::BroadcastOp::create(b, loc, vecType, scale);
        Value zpVec = vector::BroadcastOp::create(b, loc, vecType, zp);
        Value strip = kb.mul(r, kb.index(layout.rowBytes));
        forEachVector(kb, k, [&](Value col) {
          Value v = arith::DivFOp::create(b, loc, load(col), scaleVec);
          Value level = kb.add(kb.roundHalfEven(v), zpVec);
          level = arith::MaxNumFOp::create(
              b, loc, level,
              vector::BroadcastOp::create(b, loc, vecType, kb.f32(qmin)));
          level = arith::MinNumFOp::create(
              b, loc, level,
              vector::BroadcastOp::create(b, loc, vecType, kb.f32(qmax)));
          auto i32Vec = VectorType::get({kVector}, b.getI32Type());
          Value ints = arith::FPToSIOp::create(b, loc, i32Vec, level);
          Value word = kb.i32(0);
          for (int64_t i = 0; i < kVector; ++i) {
            Value e = vector::ExtractOp::create(b, loc, ints, i);
            e = arith::AndIOp::create(b, loc, kb.sub(e, kb.i32(8)),
                                      kb.i32(0xF));
            e = arith::ShLIOp::create(b, loc, e, kb.i32(4 * i));
            word = arith::OrIOp::create(b, loc, word, e);
          }
          Value off = kb.add(strip, arith::DivUIOp::create(b, loc, col,
                                                           kb.index(2)));
          kb.sharedStore(word, off, 4);
        });
        Value isThread0 = arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::eq, tid, kb.index(0));
        scf::IfOp::create(b, loc, isThread0, [&](OpBuilder &nb, Location nloc) {
          Value four = kb.index(4);
          kb.sharedStore(scale, kb.add(kb.index(layout.scales), kb.mul(r, four)),
                         4);
          Value zpInt = arith::FPToSIOp::create(nb, nloc, nb.getI32Type(), zp);
          kb.sharedStore(zpInt,
                         kb.add(kb.index(layout.zeroPoints), kb.mul(r, four)),
                         4);
          scf::YieldOp::create(nb, nloc);
        });
        // The reduction slots and the Hadamard buffer are reused next row.
        kb.barrier();
        scf::YieldOp::create(b, loc);
      });
}

//===- ElementwisePatterns.cpp - add, mul, SiLU as vector loops ------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Elementwise ops run over their flattened buffers in 16-lane vectors with
// a scalar loop for the remainder:
//
//   %n   = memref.dim %flat, 0
//   %end = %n - %n mod 16
//   scf.for %i = 0 to %end step 16 {
//     %a = vector.load %x[%i] : memref<?xf32>, vector<16xf32>  ...
//     vector.store (f %a ...), %out[%i]
//   }
//   scf.for %i = %end to %n step 1 { scalar f }
//
// SiLU is x / (1 + exp(−x)); the pass later replaces math.exp by its
// polynomial approximation so the loop stays vectorized.
//
//===----------------------------------------------------------------------===//

#include "CPULowering.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::cpu;

namespace {

/// Lanes of the vector loop (one AVX-512 register of f32).
constexpr int64_t kLanes = 16;

/// Computes the result from operand values of `type` (f32 or a vector).
using ElementFn =
    function_ref<Value(OpBuilder &, Location, Type, ValueRange)>;

/// out[i] = fn(inputs[i]...) over flat buffers.
void emitElementwiseLoops(OpBuilder &b, Location loc, ValueRange inputs,
                          Value out, ElementFn fn) {
  Type elementType = cast<MemRefType>(out.getType()).getElementType();
  auto vectorType = VectorType::get({kLanes}, elementType);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value lanes = arith::ConstantIndexOp::create(b, loc, kLanes);
  Value n = memref::DimOp::create(b, loc, out, 0);
  Value rem = arith::RemUIOp::create(b, loc, n, lanes);
  Value end = arith::SubIOp::create(b, loc, n, rem);
  scf::ForOp::create(
      b, loc, zero, end, lanes, ValueRange{},
      [&](OpBuilder &nb, Location nloc, Value i, ValueRange) {
        SmallVector<Value> values;
        for (Value in : inputs)
          values.push_back(
              vector::LoadOp::create(nb, nloc, vectorType, in, ValueRange{i}));
        Value r = fn(nb, nloc, vectorType, values);
        vector::StoreOp::create(nb, nloc, r, out, ValueRange{i});
        scf::YieldOp::create(nb, nloc);
      });
  scf::ForOp::create(
      b, loc, end, n, one, ValueRange{},
      [&](OpBuilder &nb, Location nloc, Value i, ValueRange) {
        SmallVector<Value> values;
        for (Value in : inputs)
          values.push_back(memref::LoadOp::create(nb, nloc, in, ValueRange{i}));
        Value r = fn(nb, nloc, elementType, values);
        memref::StoreOp::create(nb, nloc, r, out, ValueRange{i});
        scf::YieldOp::create(nb, nloc);
      });
}

/// A splat (for vectors) or scalar float constant of `type`.
Value floatConstant(OpBuilder &b, Location loc, Type type, double value) {
  Type element = getElementTypeOrSelf(type);
  auto attr = b.getFloatAttr(element, value);
  if (auto vector = dyn_cast<VectorType>(type))
    return arith::ConstantOp::create(b, loc, vector,
                                     DenseElementsAttr::get(vector, attr));
  return arith::ConstantOp::create(b, loc, element, attr);
}

template <typename OpTy>
struct ElementwiseLowering : CPUPattern<OpTy> {
  using CPUPattern<OpTy>::CPUPattern;

  /// The result from the operand values.
  virtual Value compute(OpBuilder &b, Location loc, Type type,
                        ValueRange operands) const = 0;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = this->getMemRefType(op.getResult());
    if (!type.getElementType().isF32())
      return op.emitOpError("the cpu target runs f32 elementwise ops only");
    Value first = adaptor.getOperands()[0];
    Value out = allocLike(rewriter, loc, type, first);
    SmallVector<Value> flat;
    for (Value operand : adaptor.getOperands())
      flat.push_back(flatten(rewriter, loc, operand));
    emitElementwiseLoops(
        rewriter, loc, flat, flatten(rewriter, loc, out),
        [&](OpBuilder &b, Location l, Type t, ValueRange v) {
          return compute(b, l, t, v);
        });
    rewriter.replaceOp(op, out);
    return success();
  }
};

struct AddLowering : ElementwiseLowering<AddOp> {
  using ElementwiseLowering::ElementwiseLowering;
  Value compute(OpBuilder &b, Location loc, Type, ValueRange v) const override {
    return arith::AddFOp::create(b, loc, v[0], v[1]);
  }
};

struct MulLowering : ElementwiseLowering<MulOp> {
  using ElementwiseLowering::ElementwiseLowering;
  Value compute(OpBuilder &b, Location loc, Type, ValueRange v) const override {
    return arith::MulFOp::create(b, loc, v[0], v[1]);
  }
};

/// silu(x) = x / (1 + exp(−x)).
struct SiLULowering : ElementwiseLowering<SiLUOp> {
  using ElementwiseLowering::ElementwiseLowering;
  Value compute(OpBuilder &b, Location loc, Type type,
                ValueRange v) const override {
    Value negated = arith::NegFOp::create(b, loc, v[0]);
    Value e = math::ExpOp::create(b, loc, negated);
    Value denominator =
        arith::AddFOp::create(b, loc, floatConstant(b, loc, type, 1.0), e);
    return arith::DivFOp::create(b, loc, v[0], denominator);
  }
};

} // namespace

void cpu::populateElementwisePatterns(CPUTypeConverter &converter,
                                      LoweringState &state,
                                      RewritePatternSet &patterns) {
  patterns.add<AddLowering, MulLowering, SiLULowering>(converter, state);
}

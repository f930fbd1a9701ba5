//===- CPULowering.h - shared state of convert-ost-to-cpu -------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Internal to the conversion: the type converter (ranked tensors become
// identity-layout memrefs), the state the patterns share while lowering one
// model function into the runtime step (ModelABI.h), helpers that declare
// and call runtime kernels, allocate results and turn constants into
// globals, and the pattern populate functions, one per op family.
//
//===----------------------------------------------------------------------===//

#ifndef OST_LIB_CONVERSION_OSTTOCPU_CPULOWERING_H
#define OST_LIB_CONVERSION_OSTTOCPU_CPULOWERING_H

#include "ost/Dialect/OST/IR/OSTOps.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/DialectConversion.h"

#include "llvm/ADT/DenseMap.h"

namespace mlir::ost::cpu {

/// Ranked tensors become memrefs of the same shape with the identity layout;
/// every other type is kept.
class CPUTypeConverter : public TypeConverter {
public:
  CPUTypeConverter();
};

/// A dynamically quantized activation (ostrt_quantize_act's outputs).
struct QuantizedActivation {
  Value levels, scales, zeroPoints;
};

/// What the patterns share while lowering the model function into the step.
struct LoweringState {
  ModuleOp module;
  /// The step's arguments (ModelABI.h).
  Value ctx, pos, logits;
  /// Cache layer of every ost.attention, in program order.
  llvm::DenseMap<Operation *, int64_t> layerOf;
  /// Activations already quantized, by (original input value, act spec):
  /// linears reading the same input share one quantization.
  llvm::DenseMap<std::pair<Value, Attribute>, QuantizedActivation> quantized;
  /// Names of the globals created so far (for unique names).
  int64_t nextGlobal = 0;
};

//===----------------------------------------------------------------------===//
// Helpers (RuntimeCalls.cpp)
//===----------------------------------------------------------------------===//

/// The memref type runtime kernels take for `type`: same element type and
/// rank, every size, stride and the offset dynamic.
MemRefType getABIType(MemRefType type);

/// Casts `value` (a memref) to getABIType.
Value toABI(OpBuilder &b, Location loc, Value value);

/// Collapses an identity memref of rank >= 2 to [prod(leading), last], and
/// one of rank 1 to itself; then toABI.
Value toABIRows(OpBuilder &b, Location loc, Value value);

/// Collapses an identity memref [1, T, ...] (batch 1) to [T, ...]; then
/// toABI.
Value toABIDropBatch(OpBuilder &b, Location loc, Value value);

/// Collapses an identity memref to rank 1.
Value flatten(OpBuilder &b, Location loc, Value value);

/// The last `count` rows of `rows2d` ([T, D], identity layout): a view of
/// rows [T − count, T), the ones the step's logits ask for.
Value getTrailingRows(OpBuilder &b, Location loc, Value rows2d, Value count);

/// An uninitialized buffer of `type` whose dynamic sizes are those of `like`
/// (a memref of the same rank) at the same positions.
Value allocLike(OpBuilder &b, Location loc, MemRefType type, Value like);

/// An empty (0-element) ABI memref of rank `rank`: an absent operand.
Value absentOperand(OpBuilder &b, Location loc, Type elementType,
                    int64_t rank);

Value createI64(OpBuilder &b, Location loc, int64_t value);
Value createF32(OpBuilder &b, Location loc, double value);

/// The type of runtime kernel `name` ("ostrt_embedding", ...) from
/// ModelABI.def; null for a name the ABI does not have.
FunctionType getRuntimeKernelType(MLIRContext *context, StringRef name);

/// Calls runtime kernel `name`, declared on first use as a private function
/// with `llvm.emit_c_interface` and ModelABI.def's type. A name the ABI does
/// not have, or operands of other types, are a compiler bug: fatal, naming
/// the kernel and both types.
void callRuntime(OpBuilder &b, Location loc, ModuleOp module, StringRef name,
                 ValueRange args);

/// The common shape of a row-wise kernel call: allocates the result (type
/// `resultType`, dynamic sizes of `input`) and calls
/// `name(ctx, rows(input), args..., rows(result))` with both viewed as
/// [rows, features]. Returns the result.
Value callRowsKernel(OpBuilder &b, Location loc, const LoweringState &state,
                     StringRef name, MemRefType resultType, Value input,
                     ValueRange args);

/// A read-only global holding `bytes` as `type` (element type of `type`, any
/// shape), read back as an identity memref of that shape.
Value createGlobalConstant(OpBuilder &b, Location loc, LoweringState &state,
                           StringRef hint, MemRefType type,
                           ArrayRef<char> bytes);

/// Like createGlobalConstant for an elements attribute (dense or
/// dense_resource); failure for other attributes.
FailureOr<Value> createGlobalConstant(OpBuilder &b, Location loc,
                                      LoweringState &state, StringRef hint,
                                      ElementsAttr value);

/// The raw bytes of a dense or dense_resource elements attribute (splats
/// expanded); failure otherwise.
FailureOr<std::vector<char>> getElementBytes(ElementsAttr attr);

/// The constant elements defining `value` (arith.constant), or null.
ElementsAttr getConstantElements(Value value);

/// The ±1 Hadamard factor H_K of an online Hadamard of size n as an i8
/// global [K, K] (1×1 {1} for powers of two); failure if n is unsupported.
FailureOr<Value> createHadamardFactor(OpBuilder &b, Location loc,
                                      LoweringState &state, int64_t n);

//===----------------------------------------------------------------------===//
// Shared decisions (used by more than one pattern)
//===----------------------------------------------------------------------===//

/// True for an activation spec the int4 kernels run: 4 bits, asymmetric,
/// per token (optionally per group).
bool isInt4ActivationSpec(QuantSpecAttr spec);

/// True if every user of `op` is an ost.qlinear whose input it is and whose
/// activation spec isInt4ActivationSpec: the Hadamard is then fused into the
/// activation quantization.
bool isFusedIntoQuantization(OnlineHadamardOp op);

/// Checks that `op` has a form the CPU kernels run (4-bit symmetric
/// per-channel constant weights with one f32 scale per channel, a per-token
/// activation spec if any); the diagnostic names the op otherwise.
/// convert-ost-to-cpu checks every op before rewriting, so the patterns
/// assume these forms.
LogicalResult checkQLinearForCPU(QLinearOp op);

/// Checks that `op` is a KV cache quantizer or a per-token activation
/// quantizer without clip search.
LogicalResult checkFakeQuantForCPU(FakeQuantOp op);

/// True if `op` quantizes keys or values for ost.attention only (per token,
/// asymmetric, no groups or clip search): it becomes the KV cache quantizer.
bool isKVCacheQuantizer(FakeQuantOp op);

//===----------------------------------------------------------------------===//
// Patterns, by op family
//===----------------------------------------------------------------------===//

/// Constants, tensor.dim/expand_shape/collapse_shape/extract_slice (RoPE
/// tables), bufferization.to_tensor and func.return.
void populateShapePatterns(CPUTypeConverter &converter, LoweringState &state,
                           RewritePatternSet &patterns);
/// ost.linear, ost.qlinear, ost.lm_head, ost.online_hadamard,
/// ost.fake_quant.
void populateLinearPatterns(CPUTypeConverter &converter, LoweringState &state,
                            RewritePatternSet &patterns);
/// ost.embedding, ost.rms_norm, ost.rope, ost.attention.
void populateModelPatterns(CPUTypeConverter &converter, LoweringState &state,
                           RewritePatternSet &patterns);
/// ost.add, ost.mul, ost.silu as vector loops.
void populateElementwisePatterns(CPUTypeConverter &converter,
                                 LoweringState &state,
                                 RewritePatternSet &patterns);

/// Base of the patterns: an OpConversionPattern with the shared state.
template <typename OpTy>
struct CPUPattern : public OpConversionPattern<OpTy> {
  CPUPattern(CPUTypeConverter &converter, LoweringState &state)
      : OpConversionPattern<OpTy>(converter, state.module.getContext()),
        state(state) {}

  /// The converted (memref) type of `value`.
  MemRefType getMemRefType(Value value) const {
    return cast<MemRefType>(this->getTypeConverter()->convertType(
        value.getType()));
  }

  LoweringState &state;
};

} // namespace mlir::ost::cpu

#endif // OST_LIB_CONVERSION_OSTTOCPU_CPULOWERING_H

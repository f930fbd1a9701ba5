//===- Kernels.h - reference CPU kernels of the OST executor ----*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// One function per op semantics, taking and returning Tensors, with no
// global state: the executor maps IR ops onto them, and the calibration
// (reverse-mode) code and the tests call them directly. Kernels validate
// their operands' shapes (dynamic dimensions are only known here) and return
// an llvm::Error with a lowercase message on a mismatch; the executor prefixes
// it with the op name and location.
//
// Conventions (see the .td descriptions of the ops): activations are row
// vectors with features in the last dimension; a linear layer is Y = X·Wᵀ with
// W : [out, in]. Matrix products go through OpenBLAS, called single-threaded
// on fixed-size tiles that are spread over KernelContext::numThreads threads,
// so results are bit-identical for any thread count. (Executor::run sets
// OpenBLAS to one thread per call for the duration of a run; code that calls
// these kernels directly should do the same to keep that guarantee.)
//
//===----------------------------------------------------------------------===//

#ifndef OST_EXECUTOR_KERNELS_H
#define OST_EXECUTOR_KERNELS_H

#include "ost/Dialect/OST/IR/OSTAttrs.h"
#include "ost/Executor/Tensor.h"
#include "ost/Numerics/ClipSearch.h"
#include "ost/Numerics/QuantGrid.h"

#include "llvm/Support/Error.h"

namespace mlir::ost {

/// Execution settings shared by every kernel.
struct KernelContext {
  /// Number of threads a kernel may use (>= 1).
  unsigned numThreads = 1;
};

/// A kernel's output, or the reason it could not be computed.
using KernelResult = llvm::Expected<Tensor>;

//===----------------------------------------------------------------------===//
// Model kernels (ModelKernels.cpp)
//===----------------------------------------------------------------------===//

/// Rows of `table : [V, D]` gathered by integer `ids`; the result has shape
/// ids.shape + [D]. Fails on an id outside [0, V).
KernelResult embedding(const Tensor &table, const Tensor &ids,
                       const KernelContext &ctx);

/// y = x / sqrt(mean(x², -1) + epsilon) ⊙ weight, over the last dimension;
/// `weight` (length D) may be null (unit weight).
KernelResult rmsNorm(const Tensor &x, const Tensor *weight, double epsilon,
                     const KernelContext &ctx);

/// Y = X·Wᵀ (+ bias) with X : [..., K], W : [N, K], bias : [N] or null.
KernelResult linear(const Tensor &x, const Tensor &weight, const Tensor *bias,
                    const KernelContext &ctx);

/// Rotary embedding of x : [B, T, H, Dh] with cos, sin : [T, Dh/2] or
/// [B, T, Dh/2]. For each pair (a, b) with angle index i:
/// a' = a·cos_i − b·sin_i, b' = b·cos_i + a·sin_i. `layout` pairs channel i
/// with i + Dh/2 (rotate_half) or 2i with 2i+1 (interleaved).
KernelResult rope(const Tensor &x, const Tensor &cos, const Tensor &sin,
                  RopeLayout layout, const KernelContext &ctx);

/// softmax(Q·Kᵀ·scale + mask)·V per head, q : [B, T, Hq, Dh],
/// k, v : [B, S, Hkv, Dh], query head h reading KV head h / (Hq/Hkv). With
/// `causal`, query t sees keys s <= t + (S − T). `mask` (null, [T, S] or
/// [B, 1, T, S]) is added to the scores. A query that sees no key at all gets
/// a zero output (instead of NaN).
KernelResult attention(const Tensor &q, const Tensor &k, const Tensor &v,
                       const Tensor *mask, double scale, bool causal,
                       const KernelContext &ctx);

/// Elementwise unary functions.
enum class UnaryOp { Neg, Sqrt, Rsqrt, Exp, SiLU };
/// Elementwise binary functions (operands of the same shape, no broadcast).
enum class BinaryOp { Add, Sub, Mul, Div };

/// f(x) elementwise on a float tensor.
KernelResult unary(UnaryOp op, const Tensor &x, const KernelContext &ctx);
/// f(a, b) elementwise on float tensors of equal shape.
KernelResult binary(BinaryOp op, const Tensor &a, const Tensor &b,
                    const KernelContext &ctx);

/// result.shape[i] = x.shape[perm[i]] (float or integer tensors).
KernelResult transpose(const Tensor &x, llvm::ArrayRef<int64_t> perm,
                       const KernelContext &ctx);

/// The strided slice x[offsets + i·strides] for i < sizes (same rank).
KernelResult extractSlice(const Tensor &x, llvm::ArrayRef<int64_t> offsets,
                          llvm::ArrayRef<int64_t> sizes,
                          llvm::ArrayRef<int64_t> strides);

/// Concatenation along `dim` of tensors of the same rank and dtype.
KernelResult concat(llvm::ArrayRef<const Tensor *> inputs, int64_t dim);

//===----------------------------------------------------------------------===//
// Transform kernels (TransformKernels.cpp)
//===----------------------------------------------------------------------===//

/// The kinds of transform types of the dialect.
enum class TransformKind { Rotation, BlockRotation, Scale, Hadamard };

/// A runtime transform: the value of an `ost.param` or `ost.hadamard`.
struct Transform {
  TransformKind kind = TransformKind::Scale;
  /// The size of the dimension it acts on.
  int64_t dim = 0;
  /// Block layout of a block rotation (blocks · blockSize == dim).
  int64_t blocks = 1;
  int64_t blockSize = 0;
  /// The stored parameters: [d, d] (rotation), [blocks, bs, bs] (block
  /// rotation) or [d] (scale); unused for a Hadamard.
  Tensor value;
};

/// result = x·T (or x·T⁻¹ with `inverse`) along the last dimension:
/// rotation x·R (x·Rᵀ), block rotation blockwise, scale x⊙s (x⊘s), Hadamard
/// 𝓗x per row (𝓗ᵀx). Rotations are orthogonal, so T⁻¹ = Tᵀ.
KernelResult applyTransform(const Tensor &x, const Transform &t, bool inverse,
                            const KernelContext &ctx);

/// The weight side of a transform pair, computed in float64 and rounded to
/// float32 once. `side = Input` (W : [N, K], K = dim): W·T⁻ᵀ, or W·Tᵀ with
/// `inverse`. `side = Output` (W : [N, K] or a bias [N], N = dim): Tᵀ·W, or
/// T⁻ᵀ·W with `inverse`.
KernelResult transformWeight(const Tensor &weight, const Transform &t,
                             WeightSide side, bool inverse,
                             const KernelContext &ctx);

/// Repeats each head block (`headDim` entries of a scale, or one block of a
/// block rotation) `repeats` times consecutively: KV head h covers query
/// heads h·repeats … h·repeats + repeats − 1 (ost.repeat_heads).
llvm::Expected<Transform> repeatHeads(const Transform &t, int64_t headDim,
                                      int64_t repeats);

/// 𝓗·x per row of the last dimension (𝓗ᵀ·x with `transpose`), in float32.
KernelResult onlineHadamard(const Tensor &x, bool transpose,
                            const KernelContext &ctx);

//===----------------------------------------------------------------------===//
// Quantization kernels (QuantKernels.cpp)
//===----------------------------------------------------------------------===//

/// A uniform quantizer (#ost.qspec) in plain form: the grid and clip search
/// of ost/Numerics (bits, symmetric, clipRatio, clipSearchNorm,
/// clipSearchSteps; getQMin/getQMax) plus where its scale groups lie.
struct QuantParams : ::ost::numerics::QuantizerSpec {
  Granularity granularity = Granularity::PerTensor;
  int64_t axis = 0;
  /// Contiguous elements of the last dimension sharing a scale; 0: none.
  int64_t groupSize = 0;

  /// The parameters of a #ost.qspec attribute.
  static QuantParams fromAttr(QuantSpecAttr spec);
};

/// The grid of one scale group (ost/Numerics/QuantGrid.h, METHOD §6):
/// QuantGrid::compute(lo, hi, params), quantize, dequantize.
using ::ost::numerics::QuantGrid;

/// The grid of one scale group of `n` contiguous values, with the clip
/// search of params.clipSearchNorm (ost/Numerics/ClipSearch.h).
using ::ost::numerics::searchClipGrid;

/// Quantize-dequantize with scales computed from `x` itself, for every
/// granularity: per_tensor, per_token (rows of the last dimension),
/// per_channel (one scale per index along `axis`), each optionally split in
/// groups of the last dimension.
KernelResult fakeQuant(const Tensor &x, const QuantParams &params,
                       const KernelContext &ctx);

/// Storage of an integer result: dtype and IR bit width.
struct IntFormat {
  DType dtype = DType::I8;
  unsigned width = 8;
};

/// The outputs of dynamicQuantize.
struct QuantizedTensor {
  /// Integer levels, x's shape.
  Tensor levels;
  /// Scales, x.shape[:-1] + [groups].
  Tensor scales;
  /// Zero points (asymmetric only), the scales' shape.
  Tensor zeroPoints;
};

/// Runtime per-token (optionally grouped) quantization; `params` must be
/// per_token. dequantize(dynamicQuantize(x)) == fakeQuant(x) bit-exactly.
llvm::Expected<QuantizedTensor>
dynamicQuantize(const Tensor &x, const QuantParams &params,
                IntFormat levelsFormat, IntFormat zeroPointFormat,
                const KernelContext &ctx);

/// (level − zero_point)·scale per scale group of a per_token spec;
/// `zeroPoints` is null for symmetric specs.
KernelResult dequantize(const Tensor &levels, const Tensor &scales,
                        const Tensor *zeroPoints, const QuantParams &params,
                        const KernelContext &ctx);

/// The float weight Ŵ : [N, K] of packed low-bit levels `packed : [N, K·b/8]`
/// (little end first; two's complement for sym, unsigned for asym) with
/// `scales : [N, G]` and `zeroPoints : [N, G]` (asym) or null.
KernelResult unpackWeight(const Tensor &packed, const Tensor &scales,
                          const Tensor *zeroPoints,
                          const QuantParams &weightParams,
                          const KernelContext &ctx);

/// Y = X̂·Ŵᵀ (+ bias) with Ŵ = unpackWeight(...) and X̂ = fakeQuant(X,
/// *actParams) when `actParams` is given, X otherwise.
KernelResult qlinear(const Tensor &x, const Tensor &packed,
                     const Tensor &scales, const Tensor *zeroPoints,
                     const Tensor *bias, const QuantParams &weightParams,
                     const QuantParams *actParams, const KernelContext &ctx);

} // namespace mlir::ost

#endif // OST_EXECUTOR_KERNELS_H

//===- Gradients.h - vector-Jacobian products of the kernels ----*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Reverse-mode rules of the forward kernels of Kernels.h: given the gradient
// `dy` of a scalar loss with respect to a kernel's result, each function
// returns the gradients with respect to the operands (a vector-Jacobian
// product). The executor's backward pass (Executor::backward) calls them; the
// calibration code and the tests may call them directly. See docs/Autodiff.md.
//
// Conventions:
// * A gradient has the shape of the operand it belongs to; the gradient of a
//   transform has the shape of its stored parameters (Transform::value).
// * Operands whose gradient is not requested may be passed as null when the
//   rule does not need them (each function says which tensor a gradient
//   needs), so a caller keeps only what the requested gradients read.
// * Like the forward kernels, the rules validate shapes and return an
//   llvm::Error with a lowercase message on a mismatch, use OpenBLAS on fixed
//   tiles and parallelFor chunks whose boundaries do not depend on the thread
//   count, and reduce in a fixed order: results are bit-identical for any
//   KernelContext::numThreads.
// * Differentiation is of the function the forward kernel computes: a
//   rotation's inverse is its transpose (x·Rᵀ), whatever R holds.
//
//===----------------------------------------------------------------------===//

#ifndef OST_EXECUTOR_GRADIENTS_H
#define OST_EXECUTOR_GRADIENTS_H

#include "ost/Executor/Kernels.h"

#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace mlir::ost {

//===----------------------------------------------------------------------===//
// Model rules (ModelGradients.cpp)
//===----------------------------------------------------------------------===//

/// d/dtable of embedding(table, ids) for a table of `vocab` rows: the rows of
/// `dy : ids.shape + [D]` added at their ids (zero for unused rows).
KernelResult embeddingBackward(const Tensor &dy, const Tensor &ids,
                               int64_t vocab, const KernelContext &ctx);

/// Gradients of rmsNorm(x, weight, epsilon).
struct RMSNormGradients {
  Tensor input;
  /// Only when requested (and a weight exists).
  std::optional<Tensor> weight;
};
/// With s = 1/sqrt(mean(x²) + ε) per row and a = dy ⊙ weight:
/// dx = s·a − x·s³·Σ(a ⊙ x)/D, dweight = Σ_rows dy ⊙ x·s. Row terms are
/// computed in float64.
llvm::Expected<RMSNormGradients>
rmsNormBackward(const Tensor &dy, const Tensor &x, const Tensor *weight,
                double epsilon, bool weightGradient, const KernelContext &ctx);

/// Gradients of linear(x, weight, bias); absent when not requested.
struct LinearGradients {
  std::optional<Tensor> input, weight, bias;
};
/// For Y = X·Wᵀ + b: dX = dY·W (computed iff `weight` is given), dW = dYᵀ·X
/// (iff `x` is given), db = Σ_rows dY (iff `biasGradient`).
llvm::Expected<LinearGradients>
linearBackward(const Tensor &dy, const Tensor *x, const Tensor *weight,
               bool biasGradient, const KernelContext &ctx);

/// d/dx of rope(x, cos, sin, layout): each pair is rotated back,
/// da = ga·cos + gb·sin, db = gb·cos − ga·sin.
KernelResult ropeBackward(const Tensor &dy, const Tensor &cos,
                          const Tensor &sin, RopeLayout layout,
                          const KernelContext &ctx);

/// Gradients of attention(q, k, v, ...).
struct AttentionGradients {
  Tensor query, key, value;
};
/// Recomputes the softmax P of each head in blocks of 64 queries (at most
/// 64 × S scores of one head per thread at a time), then
/// dV += Pᵀ·dO, dS = P ⊙ (dO·Vᵀ − rowsum(P ⊙ dO·Vᵀ)), dQ = scale·dS·K,
/// dK += scale·dSᵀ·Q. Key and value gradients of a KV head sum over the
/// query heads of its group.
llvm::Expected<AttentionGradients>
attentionBackward(const Tensor &dy, const Tensor &q, const Tensor &k,
                  const Tensor &v, const Tensor *mask, double scale,
                  bool causal, const KernelContext &ctx);

/// d/dx of unary(op, x).
KernelResult unaryBackward(UnaryOp op, const Tensor &dy, const Tensor &x,
                           const KernelContext &ctx);

/// Gradients of binary(op, a, b); absent when not requested.
struct BinaryGradients {
  std::optional<Tensor> lhs, rhs;
};
/// Add/Sub need neither operand; Mul needs `b` for da and `a` for db; Div
/// needs `b` for da and both for db. A needed operand that is null is an
/// error.
llvm::Expected<BinaryGradients>
binaryBackward(BinaryOp op, const Tensor &dy, const Tensor *a, const Tensor *b,
               bool lhsGradient, bool rhsGradient, const KernelContext &ctx);

/// d/dx of transpose(x, perm): dy transposed by the inverse permutation.
KernelResult transposeBackward(const Tensor &dy, llvm::ArrayRef<int64_t> perm,
                               const KernelContext &ctx);

/// d/dx of extractSlice(x, offsets, sizes, strides) for x of shape
/// `sourceShape`: zeros with `dy` (any shape of the slice's element count,
/// so rank-reduced slices work) scattered into the slice.
KernelResult extractSliceBackward(const Tensor &dy,
                                  llvm::ArrayRef<int64_t> sourceShape,
                                  llvm::ArrayRef<int64_t> offsets,
                                  llvm::ArrayRef<int64_t> sizes,
                                  llvm::ArrayRef<int64_t> strides);

/// d/dinputs of concat(inputs, dim), where input i has size `sizes[i]` along
/// `dim`: the pieces of `dy`.
llvm::Expected<llvm::SmallVector<Tensor>>
concatBackward(const Tensor &dy, llvm::ArrayRef<int64_t> sizes, int64_t dim);

//===----------------------------------------------------------------------===//
// Transform rules (TransformGradients.cpp)
//===----------------------------------------------------------------------===//

/// Gradients of a transform kernel; absent when not requested.
struct TransformGradients {
  /// The gradient of the transformed activation or weight.
  std::optional<Tensor> input;
  /// In the shape of the transform's stored parameters (never set for a
  /// Hadamard, which has none).
  std::optional<Tensor> transform;
};

/// Gradients of applyTransform(x, t, inverse). dx (iff `inputGradient`):
/// dy·Tᵀ (rotation, blockwise for block rotations; dy·T with `inverse`),
/// dy ⊙ s (dy ⊘ s), 𝓗ᵀ·dy per row (𝓗·dy). dT (iff `x` is given and t is
/// learnable): xᵀ·dy (dyᵀ·x with `inverse`) per block, Σ_rows dy ⊙ x
/// (−Σ_rows dy ⊙ x ⊘ s²) for a scale.
llvm::Expected<TransformGradients>
applyTransformBackward(const Tensor &dy, const Tensor *x, const Transform &t,
                       bool inverse, bool inputGradient,
                       const KernelContext &ctx);

/// Gradients of transformWeight(weight, t, side, inverse), in float64 like
/// the forward and rounded to float32 once. dW iff `weightGradient`; dT iff
/// `weight` is given and t is learnable. E.g. input side (W·R): dW = dY·Rᵀ,
/// dR = Wᵀ·dY; output side (Rᵀ·W): dW = R·dY, dR = W·dYᵀ.
llvm::Expected<TransformGradients>
transformWeightBackward(const Tensor &dy, const Tensor *weight,
                        const Transform &t, WeightSide side, bool inverse,
                        bool weightGradient, const KernelContext &ctx);

/// d/dt.value of repeatHeads(t, headDim, repeats): `dRepeated` (the shape of
/// the repeated transform's parameters) summed over the repeats of each head.
KernelResult repeatHeadsBackward(const Tensor &dRepeated, const Transform &t,
                                 int64_t headDim, int64_t repeats);

/// d/dx of onlineHadamard(x, transpose): 𝓗ᵀ·dy per row (𝓗·dy with
/// `transpose`), the map of onlineHadamard(dy, !transpose), computed as one
/// GEMM with the dense 𝓗 when its K×K factor dominates (e.g. n = 172).
KernelResult onlineHadamardBackward(const Tensor &dy, bool transpose,
                                    const KernelContext &ctx);

//===----------------------------------------------------------------------===//
// Quantization rules (QuantGradients.cpp)
//===----------------------------------------------------------------------===//

/// d/dx of fakeQuant(x, params), the straight-through rule of METHOD §5.6.
/// Per scale group, with the forward's grid (scale s, zero point zp) and
/// u = x/s:
/// * rounding passes the gradient: dx̂/dx = 1 where round(u) + zp lies in
///   [qmin, qmax], 0 where the level is clamped;
/// * without a clip search (params.clipSearchNorm == 0) the scale also
///   receives ∂L/∂s = Σ dy·(round(u) − u) inside the range and Σ dy·(q − zp)
///   where clamped (zp is rounded: no gradient), which flows to the group's
///   first maximum through xmax = max(hi, 1e-6)·clip and to its first
///   minimum through xmin = min(lo, 0)·clip (for a symmetric grid only
///   through the active term of the max; on a tie, the xmin term);
/// * with a clip search the chosen scale is detached (pure STE).
KernelResult fakeQuantBackward(const Tensor &dy, const Tensor &x,
                               const QuantParams &params,
                               const KernelContext &ctx);

} // namespace mlir::ost

#endif // OST_EXECUTOR_GRADIENTS_H

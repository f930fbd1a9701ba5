//===- SimdKernels.h - per-ISA inner loops of the model kernels -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The row-level work of the model kernels, compiled once per instruction
// set from SimdKernels.inc (SimdScalar.cpp, SimdAvx2.cpp, SimdAvx512.cpp)
// and picked at run time with getSimdKernels(). The ABI entry points
// (Attention.cpp, Hadamard.cpp, ...) validate operands and split rows over
// the thread pool; these functions only compute.
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_MODEL_SIMDKERNELS_H
#define OST_RUNTIME_MODEL_SIMDKERNELS_H

#include "KVCache.h"
#include "QuantGrid.h"
#include "Simd.h"

#include "ost/Numerics/HadamardApply.h"

#include "ost/runtime/kernels/Int4Kernels.h"

#include <cstdint>

namespace ost::runtime::simd {

/// An online Hadamard of size n = k·m (m a power of two) with the ±1
/// factor H_k: the operations of ost/Numerics/HadamardApply.h
/// applyHadamardRow, vectorized.
struct HadamardPlan {
  int64_t n = 1, k = 1, m = 1;
  /// H_k, row-major k × k (unused for k = 1).
  const int8_t *factor = nullptr;
  bool transpose = false;
  /// float(1/sqrt(n)).
  float scale = 1.0f;
  /// For k > 1: H_k (or its transpose) as floats, k × k.
  const float *factorFloats = nullptr;
};

/// Sylvester blocks shorter than this use the dot-product form of the K×K
/// product (ost/Numerics/HadamardApply.h).
using ::ost::numerics::kHadamardDotBlock;

/// One attention task: query rows [t0, t1) of the query heads
/// h0 .. h0 + groupHeads − 1, which all read KV head `kvHead`.
struct AttentionTask {
  const KVCache *cache;
  int64_t layer, kvHead;
  /// q and out [T, Hq, headDim] (row stride Hq·headDim).
  const float *q;
  float *out;
  int64_t queryStride;
  int64_t t0, t1, h0, groupHeads;
  /// Position of query row 0; row t sees cache positions 0..pos+t.
  int64_t pos;
  float scale;
  /// Scratch: (t1−t0)·groupHeads queries × roundup(pos+t1, 32) scores
  /// and the queries' paddedHeadDim accumulators.
  float *scores, *accumulators;
};

struct SimdKernels {
  /// x ← 𝓗x (𝓗ᵀx) for one row, in place; scratch holds n floats.
  void (*hadamardRow)(float *x, const HadamardPlan &plan, float *scratch);
  /// The minimum and maximum of x[0..n) (n >= 1).
  void (*minMax)(const float *x, int64_t n, float &lo, float &hi);
  /// levels[i] = grid.quantize(x[i]) (levels 0..255).
  void (*quantize)(const float *x, int64_t n, const QuantGrid &grid,
                   uint8_t *levels);
  /// out[i] = grid.dequantize(grid.quantize(x[i])); out may equal x.
  void (*fakeQuantize)(const float *x, int64_t n, const QuantGrid &grid,
                       float *out);
  /// out = x / sqrt(mean(x²) + eps) (· weight), the sum of squares in
  /// float64; out may equal x; weight may be null.
  void (*rmsNormRow)(const float *x, int64_t n, const float *weight, double eps,
                     float *out);
  /// RoPE of `heads` rows of headDim with one position's cos/sin row.
  void (*ropeRow)(const float *x, int64_t heads, int64_t headDim,
                  const float *cos, const float *sin, bool interleaved,
                  float *out);
  void (*attention)(const AttentionTask &task);
  /// y[j] = Σ_k w[j·k + k']·x[k'] for the `rows` rows of w ([rows, k],
  /// row-major): a float32 matrix-vector product (decode-time linears),
  /// four rows at a time with vector partial sums.
  void (*gemv)(const float *w, int64_t rows, int64_t k, const float *x,
               float *y);
};

/// The kernels of `isa` (Auto: the best this CPU runs; an unsupported one
/// falls back to the best).
const SimdKernels &getSimdKernels(kernels::Isa isa);

const SimdKernels &getScalarKernels();
const SimdKernels &getAvx2Kernels();
const SimdKernels &getAvx512Kernels();

} // namespace ost::runtime::simd

#endif // OST_RUNTIME_MODEL_SIMDKERNELS_H

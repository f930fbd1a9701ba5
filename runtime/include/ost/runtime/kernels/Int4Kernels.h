//===- Int4Kernels.h - CPU int4 kernels for quantized linears ---*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// MLIR-free kernels that compiled ost models call for `ost.qlinear` on the
// CPU (see docs/Kernels.md):
//  - quantizePerTokenAsym4: the dynamic per-token asymmetric 4-bit activation
//    quantizer, bit-identical to the executor's dynamicQuantize;
//  - qgemmW4A4: int4 activations × int4 weights with exact int32
//    accumulation and a float epilogue;
//  - qgemmW4A16: float activations × int4 weights (dequantized in registers).
// Weights are symmetric int4 per output channel, given as the IR stores them
// (packed [N, K/2] bytes, element 2j in the low nibble of byte j, two's
// complement; scales [N]) and re-laid out once into a PackedWeight.
//
// Every kernel has an AVX-512 (VNNI for W4A4), an AVX2 and a scalar path,
// chosen at run time (Isa::Auto) or forced. Work is cut into fixed column
// chunks handed to a ParallelFor (Parallel.h), so results do not depend on
// the thread count.
//
// Two forms of the GEMMs: the original ones on an owning PackedWeight with
// per-row activation scales and `numThreads` threads created per call, and
// the general ones on a PackedWeightView (raw buffers, e.g. a compiled
// model's constants) with grouped activation scales, an optional bias and
// the caller's ParallelFor.
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_KERNELS_INT4KERNELS_H
#define OST_RUNTIME_KERNELS_INT4KERNELS_H

#include "ost/runtime/kernels/Parallel.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ost::runtime::kernels {

/// The outcome of a kernel call: success, or a lowercase message.
struct [[nodiscard]] Status {
  std::string error;
  bool ok() const { return error.empty(); }
  static Status success() { return {}; }
  static Status failure(std::string message) { return {std::move(message)}; }
};

/// An instruction set path of the kernels.
enum class Isa {
  /// The best path the CPU supports.
  Auto,
  Scalar,
  /// AVX2 + FMA.
  Avx2,
  /// AVX-512 F/BW/DQ/VL + VNNI.
  Avx512,
};

/// The name of an Isa ("auto", "scalar", "avx2", "avx512").
const char *getIsaName(Isa isa);
/// True when this CPU can run `isa` for every kernel (Auto, Scalar: always;
/// Avx512 needs AVX-512 F/BW/DQ/VL and VNNI).
bool isIsaSupported(Isa isa);
/// The path Isa::Auto picks on this CPU.
Isa getBestIsa();

/// Number of input features per re-laid-out block.
inline constexpr int64_t kBlockK = 128;

struct PackedWeightView;

/// An int4 weight [N, K] in the kernels' layout. K is padded to a multiple of
/// kBlockK; within each block of 128 features, byte j (0..63) holds feature
/// j in its low nibble and feature j + 64 in its high nibble, each stored as
/// w + 8 (0..15; padding holds 8, i.e. w = 0).
struct PackedWeight {
  int64_t n = 0, k = 0;
  /// k rounded up to a multiple of kBlockK.
  int64_t paddedK = 0;
  /// [n, paddedK / 2] bytes.
  std::vector<uint8_t> data;
  /// Per output channel scale, [n].
  std::vector<float> scales;
  /// Σ_k w[n, k] (the integer levels), [n].
  std::vector<int32_t> rowSums;

  int64_t getRowBytes() const { return paddedK / 2; }
  /// A view of this weight with its row sums (groupSize 0).
  PackedWeightView getView() const;
};

/// A weight in the PackedWeight layout whose buffers live elsewhere (a
/// compiled model's constants): pointers and sizes, nothing owned.
struct PackedWeightView {
  /// [n, paddedK / 2] bytes, PackedWeight's layout.
  const uint8_t *data = nullptr;
  /// Per output channel scale, [n].
  const float *scales = nullptr;
  /// Σ_{k∈g} w[n, k] (the integer levels) per group of `groupSize` input
  /// features, [n, k / groupSize]; the row sums [n] when groupSize is 0.
  const int32_t *groupSums = nullptr;
  int64_t n = 0, k = 0;
  /// k rounded up to a multiple of kBlockK.
  int64_t paddedK = 0;
  /// The group of groupSums (0: whole rows).
  int64_t groupSize = 0;

  int64_t getRowBytes() const { return paddedK / 2; }
  int64_t getNumGroups() const {
    return groupSize > 0 && groupSize < k ? k / groupSize : 1;
  }
};

inline PackedWeightView PackedWeight::getView() const {
  PackedWeightView view;
  view.data = data.data();
  view.scales = scales.data();
  view.groupSums = rowSums.data();
  view.n = n;
  view.k = k;
  view.paddedK = paddedK;
  return view;
}

/// Builds `out` from the IR's packed int4 weight `packed` ([n, k/2] bytes)
/// and `scales` ([n]). Fails unless n >= 1 and k is even and >= 2.
Status packWeightInt4(const uint8_t *packed, const float *scales, int64_t n,
                      int64_t k, PackedWeight &out);

/// The group sums of `w` for groups of `groupSize` input features
/// ([n, k / groupSize], row-major; the row sums when groupSize is 0), as a
/// PackedWeightView with that groupSize needs them. Fails unless groupSize
/// is 0 or divides k.
Status computeGroupSums(const PackedWeight &w, int64_t groupSize,
                        std::vector<int32_t> &sums);

/// Quantizes each of the `rows` rows of x ([rows, k] floats) to 4-bit levels
/// q ([rows, k], 0..15) with its scale and zero point (METHOD §6, asym,
/// per token, float32): xmax = max(max(x), 1e-6), xmin = min(min(x), 0),
/// scale = (xmax − xmin)/15, zp = round(−xmin/scale),
/// q = clamp(round(x/scale) + zp, 0, 15), rounding half to even.
Status quantizePerTokenAsym4(const float *x, int64_t rows, int64_t k,
                             uint8_t *q, float *scales, int32_t *zeroPoints);

/// y[t, n] = Σ_k (q[t, k] − zp_t)·s_t · w[n, k]·sw_n for levels `q`
/// ([rows, w.k], 0..15) with per-row `scales` and `zeroPoints`; y is
/// [rows, w.n]. The sum is an exact int32 sum, scaled as float(acc)·s_t·sw_n.
Status qgemmW4A4(const uint8_t *q, const float *scales,
                 const int32_t *zeroPoints, int64_t rows, const PackedWeight &w,
                 float *y, unsigned numThreads = 1, Isa isa = Isa::Auto);

/// y[t, n] = Σ_k x[t, k]·w[n, k] · sw_n for float x ([rows, w.k]); y is
/// [rows, w.n]. Accumulates in float32 (per-lane partial sums, so paths
/// differ from each other by rounding only).
Status qgemmW4A16(const float *x, int64_t rows, const PackedWeight &w, float *y,
                  unsigned numThreads = 1, Isa isa = Isa::Auto);

//===----------------------------------------------------------------------===//
// General forms: weight views, grouped activations, bias, a ParallelFor
//===----------------------------------------------------------------------===//

/// 4-bit activation levels as quantizePerTokenAsym4 (groupSize 0) or the
/// model runtime's grouped quantizer makes them.
struct QuantizedActivations {
  /// [rows, k], 0..15.
  const uint8_t *levels = nullptr;
  /// Per (row, group): [rows, groups], groups = k / groupSize (or 1).
  const float *scales = nullptr;
  const int32_t *zeroPoints = nullptr;
  int64_t rows = 0, k = 0;
  /// Input features per scale group; 0 (or k): one group per row.
  int64_t groupSize = 0;
};

/// y[t, n] = (Σ_g float(acc_g)·s[t,g]) · sw[n] (+ bias[n]) with the exact
/// int32 group sums acc_g = Σ_{k∈g} (q[t,k] − zp[t,g])·w[n,k]; the float sum
/// runs over the groups in order (one group: float(acc)·s_t·sw_n). y is
/// [a.rows, w.n]; bias [w.n] or null. The activation group must equal the
/// weight view's (both 0 or k for whole rows). Groups that are a multiple of
/// 64 run on the integer paths; other groups (tiny models) dequantize the
/// activations and run qgemmW4A16. Chunks of columns go to `parallel`.
Status qgemmW4A4(const QuantizedActivations &a, const PackedWeightView &w,
                 const float *bias, float *y, ParallelFor parallel,
                 Isa isa = Isa::Auto);

/// y[t, n] = (Σ_k x[t, k]·w[n, k]) · sw_n (+ bias[n]) for float x
/// ([rows, w.k]); y is [rows, w.n], bias [w.n] or null.
Status qgemmW4A16(const float *x, int64_t rows, const PackedWeightView &w,
                  const float *bias, float *y, ParallelFor parallel,
                  Isa isa = Isa::Auto);

} // namespace ost::runtime::kernels

#endif // OST_RUNTIME_KERNELS_INT4KERNELS_H

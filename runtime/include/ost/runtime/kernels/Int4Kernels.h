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
// chosen at run time (Isa::Auto) or forced. Work is split over threads in
// fixed column tiles, so results do not depend on the thread count.
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_KERNELS_INT4KERNELS_H
#define OST_RUNTIME_KERNELS_INT4KERNELS_H

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
  /// AVX-512 F/BW, plus VNNI for qgemmW4A4.
  Avx512,
};

/// The name of an Isa ("auto", "scalar", "avx2", "avx512").
const char *getIsaName(Isa isa);
/// True when this CPU can run `isa` for every kernel (Auto, Scalar: always).
bool isIsaSupported(Isa isa);
/// The path Isa::Auto picks on this CPU.
Isa getBestIsa();

/// Number of input features per re-laid-out block.
inline constexpr int64_t kBlockK = 128;

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
};

/// Builds `out` from the IR's packed int4 weight `packed` ([n, k/2] bytes)
/// and `scales` ([n]). Fails unless n >= 1 and k is even and >= 2.
Status packWeightInt4(const uint8_t *packed, const float *scales, int64_t n,
                      int64_t k, PackedWeight &out);

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

} // namespace ost::runtime::kernels

#endif // OST_RUNTIME_KERNELS_INT4KERNELS_H

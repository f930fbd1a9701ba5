//===- Quantize.cpp - ostrt_quantize_act, ostrt_fake_quant ----------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Dynamic per-token (per-group) quantization with the executor's grid
// (QuantGrid.h): levels, scales and zero points are bit-identical to the
// executor's dynamicQuantize, and fake-quantized values to its fakeQuant,
// on the same floats. ostrt_quantize_act first applies the online Hadamard
// (Hadamard.cpp) to a copy of the row, exactly as ost.online_hadamard.
//
//===----------------------------------------------------------------------===//

#include "KernelUtils.h"

#include <cmath>
#include <cstring>

using namespace ost::runtime;
using namespace ost::runtime::detail;

namespace {

/// Checks bits, clip and group against a row of k channels; returns the
/// number of groups (0 after an error).
int64_t checkQuantizer(ostrt_context *ctx, const char *kernel, int64_t k,
                       int64_t bits, int64_t group, float clip) {
  if (bits < 2 || bits > 8) {
    fail(ctx, kernel, "bits must be in 2..8, got " + std::to_string(bits));
    return 0;
  }
  if (!(clip > 0.0f) || !std::isfinite(clip)) {
    fail(ctx, kernel,
         "the clip ratio must be positive, got " + std::to_string(clip));
    return 0;
  }
  if (group < 0 || (group > 0 && (k % group != 0 || group > k))) {
    fail(ctx, kernel,
         "group " + std::to_string(group) + " does not divide the row size " +
             std::to_string(k));
    return 0;
  }
  return group > 0 ? k / group : 1;
}

} // namespace

extern "C" {

void _mlir_ciface_ostrt_quantize_act(ostrt_context *ctx, MemRef<float, 2> *x,
                                     MemRef<int8_t, 2> *factor,
                                     int64_t transpose, int64_t bits,
                                     int64_t group, float clip,
                                     MemRef<uint8_t, 2> *levels,
                                     MemRef<float, 2> *scales,
                                     MemRef<int32_t, 2> *zeroPoints) {
  static const char *const kName = "ostrt_quantize_act";
  if (ostrt_failed(ctx))
    return;
  if (!checkMemRef(ctx, kName, "x", x) ||
      !checkMemRef(ctx, kName, "levels", levels) ||
      !checkMemRef(ctx, kName, "scales", scales) ||
      !checkMemRef(ctx, kName, "zeroPoints", zeroPoints))
    return;
  const int64_t rows = x->sizes[0], k = x->sizes[1];
  const int64_t groups = checkQuantizer(ctx, kName, k, bits, group, clip);
  if (!groups)
    return;
  if (!checkSizes(ctx, kName, "levels", *levels, {rows, k}) ||
      !checkSizes(ctx, kName, "scales", *scales, {rows, groups}) ||
      !checkSizes(ctx, kName, "zeroPoints", *zeroPoints, {rows, groups}))
    return;
  simd::HadamardPlan plan;
  std::vector<float> factorFloats;
  const bool rotate = !isAbsent(factor);
  if (rotate &&
      !makeHadamardPlan(ctx, kName, k, factor, transpose, plan, factorFloats))
    return;
  const int64_t len = k / groups;
  const GridSpec spec = makeGridSpec(bits, /*symmetric=*/false, clip);
  const float *in = x->data();
  uint8_t *lv = levels->data();
  float *sc = scales->data();
  int32_t *zp = zeroPoints->data();
  const simd::SimdKernels &kern = getKernels(ctx);
  getParallel(
      ctx)(rows, rowGrain(rotate ? k * 8 : k), [&](int64_t begin, int64_t end) {
    static thread_local std::vector<float> buffer;
    if (rotate)
      buffer.resize(static_cast<size_t>(2 * k));
    for (int64_t r = begin; r < end; ++r) {
      const float *row = in + r * k;
      if (rotate) {
        std::memcpy(buffer.data(), row, static_cast<size_t>(k) * sizeof(float));
        kern.hadamardRow(buffer.data(), plan, buffer.data() + k);
        row = buffer.data();
      }
      for (int64_t g = 0; g < groups; ++g) {
        float lo, hi;
        kern.minMax(row + g * len, len, lo, hi);
        QuantGrid grid = QuantGrid::compute(lo, hi, spec);
        kern.quantize(row + g * len, len, grid, lv + r * k + g * len);
        sc[r * groups + g] = grid.scale;
        zp[r * groups + g] = static_cast<int32_t>(grid.zeroPoint);
      }
    }
  });
}

void _mlir_ciface_ostrt_fake_quant(ostrt_context *ctx, MemRef<float, 2> *x,
                                   int64_t bits, int64_t symmetric,
                                   int64_t group, float clip,
                                   MemRef<float, 2> *out) {
  static const char *const kName = "ostrt_fake_quant";
  if (ostrt_failed(ctx))
    return;
  if (!checkMemRef(ctx, kName, "x", x) || !checkMemRef(ctx, kName, "out", out))
    return;
  const int64_t rows = x->sizes[0], k = x->sizes[1];
  const int64_t groups = checkQuantizer(ctx, kName, k, bits, group, clip);
  if (!groups || !checkSizes(ctx, kName, "out", *out, {rows, k}))
    return;
  const int64_t len = k / groups;
  const GridSpec spec = makeGridSpec(bits, symmetric != 0, clip);
  const float *in = x->data();
  float *res = out->data();
  const simd::SimdKernels &kern = getKernels(ctx);
  getParallel(ctx)(
      rows * groups, rowGrain(len), [&](int64_t begin, int64_t end) {
        for (int64_t s = begin; s < end; ++s) {
          float lo, hi;
          kern.minMax(in + s * len, len, lo, hi);
          kern.fakeQuantize(in + s * len, len, QuantGrid::compute(lo, hi, spec),
                            res + s * len);
        }
      });
}

} // extern "C"

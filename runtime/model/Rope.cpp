//===- Rope.cpp - ostrt_rope ----------------------------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The executor's rope (lib/Executor/ModelKernels.cpp) for positions
// pos..pos+T−1 of the model's full cos/sin tables: a' = a·cos − b·sin,
// b' = b·cos + a·sin in float32, pairs (i, i + Dh/2) or (2i, 2i+1).
//
//===----------------------------------------------------------------------===//

#include "KernelUtils.h"

#include <cinttypes>

using namespace ost::runtime;
using namespace ost::runtime::detail;

extern "C" void _mlir_ciface_ostrt_rope(ostrt_context *ctx, MemRef<float, 3> *x,
                                        MemRef<float, 2> *cos,
                                        MemRef<float, 2> *sin, int64_t pos,
                                        int64_t interleaved,
                                        MemRef<float, 3> *out) {
  static const char *const kName = "ostrt_rope";
  if (ostrt_failed(ctx))
    return;
  if (!checkMemRef(ctx, kName, "x", x) ||
      !checkMemRef(ctx, kName, "cos", cos) ||
      !checkMemRef(ctx, kName, "sin", sin) ||
      !checkMemRef(ctx, kName, "out", out))
    return;
  const int64_t seq = x->sizes[0], heads = x->sizes[1], headDim = x->sizes[2];
  if (headDim % 2 != 0) {
    fail(ctx, kName, "head_dim must be even, got x " + formatSizes(*x));
    return;
  }
  const int64_t half = headDim / 2, positions = cos->sizes[0];
  if (!checkSizes(ctx, kName, "out", *out, {seq, heads, headDim}) ||
      !checkSizes(ctx, kName, "cos", *cos, {positions, half}) ||
      !checkSizes(ctx, kName, "sin", *sin, {positions, half}))
    return;
  if (pos < 0 || pos + seq > positions) {
    ostrt_fail(ctx,
               "%s: positions %" PRId64 "..%" PRId64
               " are outside the tables' %" PRId64 " positions",
               kName, pos, pos + seq - 1, positions);
    return;
  }
  const float *in = x->data(), *c = cos->data(), *s = sin->data();
  float *res = out->data();
  const int64_t row = heads * headDim;
  const simd::SimdKernels &k = getKernels(ctx);
  getParallel(ctx)(seq, rowGrain(row * 3), [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t)
      k.ropeRow(in + t * row, heads, headDim, c + (pos + t) * half,
                s + (pos + t) * half, interleaved != 0, res + t * row);
  });
}

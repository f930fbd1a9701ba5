//===- Normalization.cpp - ostrt_rms_norm ---------------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The executor's rmsNorm (lib/Executor/ModelKernels.cpp): the sum of
// squares in float64 (exact products, summed in vector lanes), then
// inv = float(1/sqrt(mean + eps)) and out = (x·inv)·weight in float32.
//
//===----------------------------------------------------------------------===//

#include "KernelUtils.h"

using namespace ost::runtime;
using namespace ost::runtime::detail;

extern "C" void _mlir_ciface_ostrt_rms_norm(ostrt_context *ctx,
                                            MemRef<float, 2> *x,
                                            MemRef<float, 1> *weight, float eps,
                                            MemRef<float, 2> *out) {
  static const char *const kName = "ostrt_rms_norm";
  if (ostrt_failed(ctx))
    return;
  if (!checkMemRef(ctx, kName, "x", x) || !checkMemRef(ctx, kName, "out", out))
    return;
  const int64_t rows = x->sizes[0], dim = x->sizes[1];
  if (!checkSizes(ctx, kName, "out", *out, {rows, dim}))
    return;
  const float *w = nullptr;
  if (!isAbsent(weight)) {
    if (!checkMemRef(ctx, kName, "weight", weight) ||
        !checkSizes(ctx, kName, "weight", *weight, {dim}))
      return;
    w = weight->data();
  }
  const float *in = x->data();
  float *res = out->data();
  const simd::SimdKernels &k = getKernels(ctx);
  getParallel(ctx)(rows, rowGrain(dim), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r)
      k.rmsNormRow(in + r * dim, dim, w, static_cast<double>(eps),
                   res + r * dim);
  });
}

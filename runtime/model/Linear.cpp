//===- Linear.cpp - ostrt_linear_f32, ostrt_qgemm_w4a4, ostrt_qgemm_w4a16 -===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Float linears run OpenBLAS single-threaded (set once per process) on
// fixed 256-column slices spread over the session's pool, so there is one
// set of threads and results do not depend on their number. The int4
// linears run the int4 kernels (Int4Kernels.h) on the weight buffers the
// compiler packed, through the same pool.
//
//===----------------------------------------------------------------------===//

#include "KernelUtils.h"
#include "SimdKernels.h"

#include <cblas.h>

#include <mutex>

using namespace ost::runtime;
using namespace ost::runtime::detail;

namespace {

/// Output columns per OpenBLAS call.
constexpr int64_t kLinearColumns = 256;
/// Up to this many rows run as matrix-vector products.
constexpr int64_t kGemvRows = 4;

void useSingleThreadedBlas() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

/// k rounded up to the int4 kernels' block.
int64_t paddedInputSize(int64_t k) {
  return (k + ost::runtime::kernels::kBlockK - 1) /
         ost::runtime::kernels::kBlockK * ost::runtime::kernels::kBlockK;
}

/// Checks a packed weight [n, paddedK/2] and its scales [n]; fills `view`.
bool checkPackedWeight(ostrt_context *ctx, const char *kernel, int64_t k,
                       MemRef<uint8_t, 2> *weight, MemRef<float, 1> *wscales,
                       kernels::PackedWeightView &view) {
  if (!checkMemRef(ctx, kernel, "weight", weight) ||
      !checkMemRef(ctx, kernel, "wscales", wscales))
    return false;
  int64_t n = weight->sizes[0], paddedK = paddedInputSize(k);
  if (k < 1) {
    fail(ctx, kernel, "the input size must be >= 1, got " + std::to_string(k));
    return false;
  }
  if (!checkSizes(ctx, kernel, "weight", *weight, {n, paddedK / 2}) ||
      !checkSizes(ctx, kernel, "wscales", *wscales, {n}))
    return false;
  view.data = weight->data();
  view.scales = wscales->data();
  view.n = n;
  view.k = k;
  view.paddedK = paddedK;
  return true;
}

/// The bias [n] or null when absent; false after an error.
bool getBias(ostrt_context *ctx, const char *kernel, MemRef<float, 1> *bias,
             int64_t n, const float *&data) {
  data = nullptr;
  if (isAbsent(bias))
    return true;
  if (!checkMemRef(ctx, kernel, "bias", bias) ||
      !checkSizes(ctx, kernel, "bias", *bias, {n}))
    return false;
  data = bias->data();
  return true;
}

} // namespace

extern "C" {

void _mlir_ciface_ostrt_linear_f32(ostrt_context *ctx, MemRef<float, 2> *x,
                                   MemRef<float, 2> *w, MemRef<float, 1> *bias,
                                   MemRef<float, 2> *out) {
  static const char *const kName = "ostrt_linear_f32";
  if (ostrt_failed(ctx))
    return;
  if (!checkMemRef(ctx, kName, "x", x) || !checkMemRef(ctx, kName, "w", w) ||
      !checkMemRef(ctx, kName, "out", out))
    return;
  const int64_t rows = x->sizes[0], k = x->sizes[1], n = w->sizes[0];
  const float *b;
  if (!checkSizes(ctx, kName, "w", *w, {n, k}) ||
      !checkSizes(ctx, kName, "out", *out, {rows, n}) ||
      !getBias(ctx, kName, bias, n, b))
    return;
  if (rows == 0 || n == 0)
    return;
  useSingleThreadedBlas();
  const float *xd = x->data(), *wd = w->data();
  float *y = out->data();
  auto gemv = simd::getSimdKernels(getIsa(ctx)).gemv;
  getParallel(ctx)(n, kLinearColumns, [&](int64_t n0, int64_t n1) {
    int cols = static_cast<int>(n1 - n0);
    if (k == 0) {
      for (int64_t r = 0; r < rows; ++r)
        std::fill(y + r * n + n0, y + r * n + n1, 0.0f);
    } else if (rows <= kGemvRows) {
      // Decode: memory-bound; OpenBLAS called from several of our threads
      // at once serializes on its buffers, so the SIMD table's GEMV runs.
      for (int64_t r = 0; r < rows; ++r)
        gemv(wd + n0 * k, cols, k, xd + r * k, y + r * n + n0);
    } else {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans,
                  static_cast<int>(rows), cols, static_cast<int>(k), 1.0f, xd,
                  static_cast<int>(k), wd + n0 * k, static_cast<int>(k), 0.0f,
                  y + n0, static_cast<int>(n));
    }
    if (b)
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = n0; j < n1; ++j)
          y[r * n + j] += b[j];
  });
}

void _mlir_ciface_ostrt_qgemm_w4a4(
    ostrt_context *ctx, MemRef<uint8_t, 2> *levels, MemRef<float, 2> *scales,
    MemRef<int32_t, 2> *zeroPoints, int64_t group, MemRef<uint8_t, 2> *weight,
    MemRef<float, 1> *wscales, MemRef<int32_t, 2> *groupSums,
    MemRef<float, 1> *bias, MemRef<float, 2> *out) {
  static const char *const kName = "ostrt_qgemm_w4a4";
  if (ostrt_failed(ctx))
    return;
  if (!checkMemRef(ctx, kName, "levels", levels) ||
      !checkMemRef(ctx, kName, "scales", scales) ||
      !checkMemRef(ctx, kName, "zeroPoints", zeroPoints) ||
      !checkMemRef(ctx, kName, "groupSums", groupSums) ||
      !checkMemRef(ctx, kName, "out", out))
    return;
  const int64_t rows = levels->sizes[0], k = levels->sizes[1];
  if (group < 0 || (group > 0 && (k % group != 0 || group > k))) {
    fail(ctx, kName,
         "group " + std::to_string(group) + " does not divide the input size " +
             std::to_string(k));
    return;
  }
  const int64_t groups = group > 0 ? k / group : 1;
  kernels::PackedWeightView view;
  if (!checkPackedWeight(ctx, kName, k, weight, wscales, view))
    return;
  const int64_t n = view.n;
  const float *b;
  if (!checkSizes(ctx, kName, "scales", *scales, {rows, groups}) ||
      !checkSizes(ctx, kName, "zeroPoints", *zeroPoints, {rows, groups}) ||
      !checkSizes(ctx, kName, "groupSums", *groupSums, {n, groups}) ||
      !checkSizes(ctx, kName, "out", *out, {rows, n}) ||
      !getBias(ctx, kName, bias, n, b))
    return;
  view.groupSums = groupSums->data();
  view.groupSize = groups > 1 ? group : 0;
  kernels::QuantizedActivations a;
  a.levels = levels->data();
  a.scales = scales->data();
  a.zeroPoints = zeroPoints->data();
  a.rows = rows;
  a.k = k;
  a.groupSize = view.groupSize;
  kernels::Status status = kernels::qgemmW4A4(a, view, b, out->data(),
                                              getParallel(ctx), getIsa(ctx));
  if (!status.ok())
    fail(ctx, kName, status.error);
}

void _mlir_ciface_ostrt_qgemm_w4a16(ostrt_context *ctx, MemRef<float, 2> *x,
                                    MemRef<uint8_t, 2> *weight,
                                    MemRef<float, 1> *wscales,
                                    MemRef<float, 1> *bias,
                                    MemRef<float, 2> *out) {
  static const char *const kName = "ostrt_qgemm_w4a16";
  if (ostrt_failed(ctx))
    return;
  if (!checkMemRef(ctx, kName, "x", x) || !checkMemRef(ctx, kName, "out", out))
    return;
  const int64_t rows = x->sizes[0], k = x->sizes[1];
  kernels::PackedWeightView view;
  if (!checkPackedWeight(ctx, kName, k, weight, wscales, view))
    return;
  const float *b;
  if (!checkSizes(ctx, kName, "out", *out, {rows, view.n}) ||
      !getBias(ctx, kName, bias, view.n, b))
    return;
  kernels::Status status = kernels::qgemmW4A16(
      x->data(), rows, view, b, out->data(), getParallel(ctx), getIsa(ctx));
  if (!status.ok())
    fail(ctx, kName, status.error);
}

} // extern "C"

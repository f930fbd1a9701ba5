//===- Embedding.cpp - ostrt_embedding ------------------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "KernelUtils.h"

#include <cinttypes>
#include <cstring>

using namespace ost::runtime;
using namespace ost::runtime::detail;

extern "C" void _mlir_ciface_ostrt_embedding(ostrt_context *ctx,
                                             MemRef<float, 2> *table,
                                             MemRef<int64_t, 1> *ids,
                                             MemRef<float, 2> *out) {
  static const char *const kName = "ostrt_embedding";
  if (ostrt_failed(ctx))
    return;
  if (!checkMemRef(ctx, kName, "table", table) ||
      !checkMemRef(ctx, kName, "ids", ids) ||
      !checkMemRef(ctx, kName, "out", out))
    return;
  const int64_t vocab = table->sizes[0], dim = table->sizes[1];
  const int64_t rows = ids->sizes[0];
  if (!checkSizes(ctx, kName, "out", *out, {rows, dim}))
    return;
  const int64_t *idData = ids->data();
  for (int64_t t = 0; t < rows; ++t)
    if (idData[t] < 0 || idData[t] >= vocab) {
      ostrt_fail(ctx,
                 "%s: token id %" PRId64 " at index %" PRId64
                 " is out of range [0, %" PRId64 ")",
                 kName, idData[t], t, vocab);
      return;
    }
  const float *src = table->data();
  float *dst = out->data();
  getParallel(ctx)(rows, rowGrain(dim), [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t)
      std::memcpy(dst + t * dim, src + idData[t] * dim,
                  static_cast<size_t>(dim) * sizeof(float));
  });
}

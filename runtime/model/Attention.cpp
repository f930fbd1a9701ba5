//===- Attention.cpp - ostrt_attention with the KV cache ------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// 1. The step's keys and values [T, Hkv, Dh] go into the cache at positions
//    pos..pos+T−1, each (position, KV head) row quantized with the
//    executor's per-token asymmetric grid (k_bits/v_bits, k_clip/v_clip),
//    so the cache holds exactly ost.fake_quant's values; float32 for 16
//    bits. One task per KV head (two positions' key nibbles share a byte).
// 2. Causal attention of the executor (lib/Executor/ModelKernels.cpp):
//    query row t (position pos + t) and head h attend over cache positions
//    0..pos+t of KV head h / (Hq/Hkv); scores scaled by `scale`, softmax
//    with the maximum subtracted, float exp, the sum in float64, then a
//    division. Tasks are (block of query rows, KV head) with all the query
//    heads of that KV head, so each key and value is decoded once per task.
//    Quantized keys never get dequantized: score = s·Σ_d q_d·(lv − zp)
//    with lv − zp exact (SimdKernels.inc).
//
//===----------------------------------------------------------------------===//

#include "KernelUtils.h"

#include <cinttypes>

using namespace ost::runtime;
using namespace ost::runtime::detail;

namespace {

/// Queries (rows × heads of one KV head) per attention task, about.
constexpr int64_t kQueriesPerTask = 16;

/// Writes rows [0, seq) of KV head `head` of `src` [seq, Hkv, Dh] to the
/// cache at positions pos.., quantized (keys when `keys`).
void storeRows(KVCache &cache, const simd::SimdKernels &kern, int64_t layer,
               int64_t head, const float *src, int64_t seq, int64_t pos,
               bool keys) {
  const int64_t heads = cache.getNumKvHeads(), dim = cache.getHeadDim();
  const bool quantized =
      keys ? cache.hasQuantizedKeys() : cache.hasQuantizedValues();
  const GridSpec spec = makeGridSpec(
      keys ? cache.getKeyBits() : cache.getValueBits(),
      /*symmetric=*/false, keys ? cache.getKeyClip() : cache.getValueClip());
  static thread_local std::vector<uint8_t> levels;
  levels.resize(static_cast<size_t>(dim));
  for (int64_t t = 0; t < seq; ++t) {
    const float *row = src + (t * heads + head) * dim;
    if (!quantized) {
      if (keys)
        cache.writeKeyFloats(layer, head, pos + t, row);
      else
        cache.writeValueFloats(layer, head, pos + t, row);
      continue;
    }
    float lo, hi;
    kern.minMax(row, dim, lo, hi);
    QuantGrid grid = QuantGrid::compute(lo, hi, spec);
    kern.quantize(row, dim, grid, levels.data());
    if (keys)
      cache.writeKeyLevels(layer, head, pos + t, levels.data(), grid.scale,
                           grid.zeroPoint);
    else
      cache.writeValueLevels(layer, head, pos + t, levels.data(), grid.scale,
                             grid.zeroPoint);
  }
}

} // namespace

extern "C" void _mlir_ciface_ostrt_attention(
    ostrt_context *ctx, int64_t layer, MemRef<float, 3> *q, MemRef<float, 3> *k,
    MemRef<float, 3> *v, int64_t pos, float scale, MemRef<float, 3> *out) {
  static const char *const kName = "ostrt_attention";
  if (ostrt_failed(ctx))
    return;
  if (!checkMemRef(ctx, kName, "q", q) || !checkMemRef(ctx, kName, "k", k) ||
      !checkMemRef(ctx, kName, "v", v) || !checkMemRef(ctx, kName, "out", out))
    return;
  KVCache &cache = ctx->cache;
  if (!cache.isInitialized()) {
    fail(ctx, kName, "the KV cache is not initialized");
    return;
  }
  const int64_t seq = q->sizes[0], headsQ = q->sizes[1], dim = q->sizes[2];
  const int64_t headsKV = cache.getNumKvHeads();
  if (layer < 0 || layer >= cache.getNumLayers()) {
    ostrt_fail(ctx, "%s: layer %" PRId64 " is outside [0, %" PRId64 ")", kName,
               layer, cache.getNumLayers());
    return;
  }
  if (dim != cache.getHeadDim() || headsQ < 1 || headsQ % headsKV != 0) {
    fail(ctx, kName,
         "q " + formatSizes(*q) + " does not fit the cache's " +
             std::to_string(headsKV) + " KV heads of dimension " +
             std::to_string(cache.getHeadDim()) +
             " (query heads must be a multiple of the KV heads)");
    return;
  }
  if (!checkSizes(ctx, kName, "k", *k, {seq, headsKV, dim}) ||
      !checkSizes(ctx, kName, "v", *v, {seq, headsKV, dim}) ||
      !checkSizes(ctx, kName, "out", *out, {seq, headsQ, dim}))
    return;
  if (pos < 0 || pos + seq > cache.getCapacity()) {
    ostrt_fail(ctx,
               "%s: positions %" PRId64 "..%" PRId64
               " are outside the KV cache's %" PRId64 " positions",
               kName, pos, pos + seq - 1, cache.getCapacity());
    return;
  }
  if (seq == 0)
    return;
  const simd::SimdKernels &kern = getKernels(ctx);
  PoolParallel parallel = getParallel(ctx);

  // 1. Cache the new keys and values.
  const float *kd = k->data(), *vd = v->data();
  parallel(headsKV, 1, [&](int64_t begin, int64_t end) {
    for (int64_t h = begin; h < end; ++h) {
      storeRows(cache, kern, layer, h, kd, seq, pos, /*keys=*/true);
      storeRows(cache, kern, layer, h, vd, seq, pos, /*keys=*/false);
    }
  });

  // 2. Attend.
  const int64_t group = headsQ / headsKV;
  const int64_t rowsPerTask = std::max<int64_t>(1, kQueriesPerTask / group);
  const int64_t rowBlocks = (seq + rowsPerTask - 1) / rowsPerTask;
  const int64_t dpad = cache.getPaddedHeadDim();
  const float *qd = q->data();
  float *od = out->data();
  parallel(rowBlocks * headsKV, 1, [&](int64_t begin, int64_t end) {
    static thread_local std::vector<float> scratch;
    for (int64_t task = begin; task < end; ++task) {
      simd::AttentionTask t;
      t.cache = &cache;
      t.layer = layer;
      t.kvHead = task % headsKV;
      t.q = qd;
      t.out = od;
      t.queryStride = headsQ * dim;
      t.t0 = (task / headsKV) * rowsPerTask;
      t.t1 = std::min(seq, t.t0 + rowsPerTask);
      t.h0 = t.kvHead * group;
      t.groupHeads = group;
      t.pos = pos;
      t.scale = scale;
      int64_t queries = (t.t1 - t.t0) * group;
      int64_t spad = (pos + t.t1 + kKeyBlock - 1) / kKeyBlock * kKeyBlock;
      size_t need = static_cast<size_t>(queries * spad + queries * dpad);
      if (scratch.size() < need)
        scratch.resize(need);
      t.scores = scratch.data();
      t.accumulators = t.scores + queries * spad;
      kern.attention(t);
    }
  });
}

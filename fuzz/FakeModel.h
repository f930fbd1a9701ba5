//===- FakeModel.h - a model for fuzzing the executables' inputs -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The fuzz targets of the compiled executables' model-independent parts
// (command lines, token files, the session C API) need a model, but not a
// trained one. This one is an ostrt_model_info with a step that runs the
// real runtime attention over the session's 4-bit KV cache (one layer, 2
// query heads, 1 KV head of dimension 4), so cache positions, resets and
// the step's error path are real, and returns logits that depend on every
// token seen. The last vocabulary id makes its row's logits NaN, so the
// non-finite checks of the commands are reached too.
//
//===----------------------------------------------------------------------===//

#ifndef OST_FUZZ_FAKEMODEL_H
#define OST_FUZZ_FAKEMODEL_H

#include "ost/runtime/ModelABI.h"

#include <cmath>
#include <vector>

namespace ost::fuzz {

inline constexpr int64_t kFakeVocab = 512;
inline constexpr int64_t kFakePositions = 64;
inline constexpr int64_t kFakeHeads = 2, kFakeDim = 4;

inline void fakeStep(ostrt_context *ctx, runtime::MemRef<int64_t, 1> *ids,
                     int64_t pos, runtime::MemRef<float, 2> *logits) {
  using runtime::MemRef;
  const int64_t n = ids->sizes[0];
  std::vector<float> q(n * kFakeHeads * kFakeDim), k(n * kFakeDim),
      v(n * kFakeDim), out(q.size());
  for (int64_t t = 0; t < n; ++t) {
    int64_t id = ids->data()[t];
    for (int64_t d = 0; d < kFakeDim; ++d) {
      k[t * kFakeDim + d] = std::sin(0.1f * static_cast<float>(id + d));
      v[t * kFakeDim + d] = std::cos(0.07f * static_cast<float>(id * d + 1));
      for (int64_t h = 0; h < kFakeHeads; ++h)
        q[(t * kFakeHeads + h) * kFakeDim + d] =
            0.5f * static_cast<float>(h + 1) * k[t * kFakeDim + d];
    }
  }
  MemRef<float, 3> qRef{q.data(), q.data(), 0, {n, kFakeHeads, kFakeDim},
                        {kFakeHeads * kFakeDim, kFakeDim, 1}};
  MemRef<float, 3> kRef{k.data(), k.data(), 0, {n, 1, kFakeDim},
                        {kFakeDim, kFakeDim, 1}};
  MemRef<float, 3> vRef{v.data(), v.data(), 0, {n, 1, kFakeDim},
                        {kFakeDim, kFakeDim, 1}};
  MemRef<float, 3> outRef{out.data(), out.data(), 0, {n, kFakeHeads, kFakeDim},
                          {kFakeHeads * kFakeDim, kFakeDim, 1}};
  _mlir_ciface_ostrt_attention(ctx, 0, &qRef, &kRef, &vRef, pos, 0.5f,
                               &outRef);
  if (ostrt_failed(ctx))
    return;
  const int64_t rows = logits->sizes[0], vocab = logits->sizes[1];
  if (rows < 1 || rows > n || vocab != kFakeVocab) {
    ostrt_fail(ctx, "fake step: logits of %lld rows for %lld tokens",
               static_cast<long long>(rows), static_cast<long long>(n));
    return;
  }
  for (int64_t r = 0; r < rows; ++r) {
    int64_t t = n - rows + r;
    const float *o = out.data() + t * kFakeHeads * kFakeDim;
    float *row = logits->data() + r * logits->strides[0];
    bool poison = ids->data()[t] == kFakeVocab - 1;
    for (int64_t j = 0; j < vocab; ++j) {
      float x = o[j % (kFakeHeads * kFakeDim)] * static_cast<float>(j % 7);
      row[j] = poison ? NAN : x + 0.001f * static_cast<float>(j % 13);
    }
  }
}

inline const ostrt_model_info &getFakeModel() {
  static const ostrt_model_info info = [] {
    ostrt_model_info m{};
    m.abi_version = kOstrtAbiVersion;
    m.vocab_size = kFakeVocab;
    m.num_layers = 1;
    m.num_kv_heads = 1;
    m.head_dim = kFakeDim;
    m.max_positions = kFakePositions;
    m.k_bits = 4;
    m.v_bits = 4;
    m.k_clip = 1.0f;
    m.v_clip = 0.95f;
    m.step = fakeStep;
    m.description = "fuzzing model (attention over a 4-bit KV cache)";
    m.weight_bytes = 0;
    return m;
  }();
  return info;
}

} // namespace ost::fuzz

#endif // OST_FUZZ_FAKEMODEL_H

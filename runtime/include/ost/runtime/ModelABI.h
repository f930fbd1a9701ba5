//===- ModelABI.h - the ABI between compiled models and the runtime -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// `convert-ost-to-cpu` lowers a model to one function, the *step*:
//
//   void _mlir_ciface_ost_step(ostrt_context *ctx, MemRef<int64_t,1> *ids,
//                              int64_t pos, MemRef<float,2> *logits);
//
// which runs the decoder on the T tokens `ids` placed at positions
// [pos, pos + T) after the KV cache's first `pos` positions, appends their
// keys and values to the cache, and writes the logits of the last R tokens
// to `logits` ([R, vocab], R = 1 or T). The step calls the kernels below
// (their C names are `_mlir_ciface_<name>`, MLIR's C interface: every memref
// argument is a pointer to a descriptor). Kernels report errors through the
// context (ostrt_fail); after an error every kernel returns at once and the
// session returns the message.
//
// Every tensor argument is a row-major (identity layout) memref; `strides`
// are given but kernels may assume the innermost stride is 1 and rows are
// contiguous (the lowering only passes such buffers). An "absent" optional
// operand is a memref with 0 elements.
//
// The model's constants come with the step in an `ostrt_model_info`
// (emitted by ost-compile next to the step; see Session.h).
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_MODELABI_H
#define OST_RUNTIME_MODELABI_H

#include <cstdint>

namespace ost::runtime {

/// MLIR's memref descriptor (the LLVM lowering's layout).
template <typename T, int N> struct MemRef {
  T *allocated;
  T *aligned;
  int64_t offset;
  int64_t sizes[N];
  int64_t strides[N];

  T *data() const { return aligned + offset; }
  int64_t numElements() const {
    int64_t n = 1;
    for (int i = 0; i < N; ++i)
      n *= sizes[i];
    return n;
  }
};

namespace abi {
/// The type of an ostrt_model_info field (a macro argument may hold commas
/// only inside parentheses, hence the indirection).
template <typename T> struct FieldType { using type = T; };
template <typename T> using Field = typename FieldType<T>::type;
} // namespace abi

} // namespace ost::runtime

/// The per-session state handed to every kernel: KV cache, threads, error.
struct ostrt_context;

/// Sizes of the model a step belongs to. Version 1. The fields, their
/// order and their documentation are ModelABI.def's OSTRT_INFO_FIELD list.
struct ostrt_model_info {
#define OSTRT_INFO_I64 int64_t
#define OSTRT_INFO_F32 float
#define OSTRT_INFO_STEP                                                        \
  void (*)(ostrt_context * ctx, ost::runtime::MemRef<int64_t, 1> * ids,       \
           int64_t pos, ost::runtime::MemRef<float, 2> * logits)
#define OSTRT_INFO_STRING const char *
#define OSTRT_INFO_FIELD(NAME, TYPE, SOURCE)                                   \
  ost::runtime::abi::Field<OSTRT_INFO_##TYPE> NAME;
#include "ost/runtime/ModelABI.def"
#undef OSTRT_INFO_I64
#undef OSTRT_INFO_F32
#undef OSTRT_INFO_STEP
#undef OSTRT_INFO_STRING
};

inline constexpr int64_t kOstrtAbiVersion = 1;

extern "C" {

/// Records the first error of the step (printf-style); later kernels return
/// at once. Returns nothing; safe from any thread.
void ostrt_fail(ostrt_context *ctx, const char *format, ...);
/// True after an error.
bool ostrt_failed(const ostrt_context *ctx);

//===----------------------------------------------------------------------===//
// Kernels called by compiled steps. R = rows (tokens), in order.
//===----------------------------------------------------------------------===//

using ost::runtime::MemRef;

/// out[t, :] = table[ids[t], :]. An id outside [0, V) is an error naming it.
void _mlir_ciface_ostrt_embedding(ostrt_context *ctx, MemRef<float, 2> *table,
                                  MemRef<int64_t, 1> *ids,
                                  MemRef<float, 2> *out);

/// out = x / sqrt(mean(x²) + eps) (· weight), per row of x [R, D]; weight
/// [D] or absent. Same formula as the executor's rmsNorm.
void _mlir_ciface_ostrt_rms_norm(ostrt_context *ctx, MemRef<float, 2> *x,
                                 MemRef<float, 1> *weight, float eps,
                                 MemRef<float, 2> *out);

/// out = x · wᵀ (+ bias): x [R, K], w [N, K] float32, bias [N] or absent,
/// out [R, N].
void _mlir_ciface_ostrt_linear_f32(ostrt_context *ctx, MemRef<float, 2> *x,
                                   MemRef<float, 2> *w, MemRef<float, 1> *bias,
                                   MemRef<float, 2> *out);

/// The online Hadamard of ost.online_hadamard on every row of x [R, n]:
/// n = K·2^m; `factor` is the ±1 matrix H_K [K, K] (1×1 {1} for powers of
/// two); out = row·𝓗ᵀ, or row·𝓗 with `transpose` != 0. out may equal x.
void _mlir_ciface_ostrt_hadamard(ostrt_context *ctx, MemRef<float, 2> *x,
                                 MemRef<int8_t, 2> *factor, int64_t transpose,
                                 MemRef<float, 2> *out);

/// Dynamic activation quantization, fused with an optional online Hadamard:
/// each row of x [R, K] is first transformed (when `factor` is not absent,
/// as ostrt_hadamard) and then quantized asymmetrically per group of
/// `group` channels (0: the whole row) with clip ratio `clip` to `bits`
/// bits (METHOD §6, the executor's QuantGrid): levels [R, K] (0..2^bits−1),
/// scales and zeroPoints [R, G], G = K/group (or 1).
void _mlir_ciface_ostrt_quantize_act(
    ostrt_context *ctx, MemRef<float, 2> *x, MemRef<int8_t, 2> *factor,
    int64_t transpose, int64_t bits, int64_t group, float clip,
    MemRef<uint8_t, 2> *levels, MemRef<float, 2> *scales,
    MemRef<int32_t, 2> *zeroPoints);

/// W4A4: out[t, n] = Σ_g s[t,g]·sw[n]·(Σ_{k∈g} lv[t,k]·w[n,k] − zp[t,g]·Σ_{k∈g} w[n,k])
/// (+ bias[n]) with exact int32 group sums. levels/scales/zeroPoints as
/// ostrt_quantize_act made them (4 bits); `group` as there (0: whole row).
/// The weight is in the kernels' layout (Int4Kernels.h PackedWeight, K
/// padded to 128): weight [N, paddedK/2] bytes, wscales [N], groupSums
/// [N, G] = Σ_{k∈g} w[n, k] (the integer levels).
void _mlir_ciface_ostrt_qgemm_w4a4(
    ostrt_context *ctx, MemRef<uint8_t, 2> *levels, MemRef<float, 2> *scales,
    MemRef<int32_t, 2> *zeroPoints, int64_t group, MemRef<uint8_t, 2> *weight,
    MemRef<float, 1> *wscales, MemRef<int32_t, 2> *groupSums,
    MemRef<float, 1> *bias, MemRef<float, 2> *out);

/// W4A16: out = x · Ŵᵀ (+ bias) with Ŵ[n,k] = w[n,k]·sw[n] from the same
/// weight layout as ostrt_qgemm_w4a4; x [R, K] float, out [R, N].
void _mlir_ciface_ostrt_qgemm_w4a16(ostrt_context *ctx, MemRef<float, 2> *x,
                                    MemRef<uint8_t, 2> *weight,
                                    MemRef<float, 1> *wscales,
                                    MemRef<float, 1> *bias,
                                    MemRef<float, 2> *out);

/// Quantize-dequantize (ost.fake_quant, per_token) of x [R, K] per group of
/// `group` channels (0: whole row), `bits`, symmetric when `symmetric` != 0,
/// clip ratio `clip`; out may equal x.
void _mlir_ciface_ostrt_fake_quant(ostrt_context *ctx, MemRef<float, 2> *x,
                                   int64_t bits, int64_t symmetric,
                                   int64_t group, float clip,
                                   MemRef<float, 2> *out);

/// RoPE of x [T, H, Dh] for positions pos..pos+T−1: cos, sin are the
/// model's full tables [P, Dh/2] (row p = position p); `interleaved` != 0
/// pairs (2i, 2i+1), otherwise (i, i + Dh/2). Positions ≥ P are an error.
void _mlir_ciface_ostrt_rope(ostrt_context *ctx, MemRef<float, 3> *x,
                             MemRef<float, 2> *cos, MemRef<float, 2> *sin,
                             int64_t pos, int64_t interleaved,
                             MemRef<float, 3> *out);

/// Causal grouped attention with the KV cache of `layer`: stores k, v
/// [T, Hkv, Dh] at positions pos..pos+T−1 (quantized per token and head to
/// the model's k_bits / v_bits, asymmetric, with k_clip / v_clip, exactly as
/// ost.fake_quant per_token would round them; float32 when 16), then for
/// every query row t (position pos + t) and head h attends over cache
/// positions 0..pos+t of KV head h / (Hq/Hkv): out[t, h] =
/// softmax(q·Kᵀ·scale)·V, with the cached (dequantized) keys and values.
/// q, out [T, Hq, Dh]. A position beyond max_positions is an error.
void _mlir_ciface_ostrt_attention(ostrt_context *ctx, int64_t layer,
                                  MemRef<float, 3> *q, MemRef<float, 3> *k,
                                  MemRef<float, 3> *v, int64_t pos,
                                  float scale, MemRef<float, 3> *out);

} // extern "C"

//===----------------------------------------------------------------------===//
// Every prototype above is checked against ModelABI.def's signature.
//===----------------------------------------------------------------------===//

namespace ost::runtime::abi {

template <typename T> struct ElementName;
template <> struct ElementName<float> { static constexpr const char *v = "f32"; };
template <> struct ElementName<int64_t> { static constexpr const char *v = "i64"; };
template <> struct ElementName<int32_t> { static constexpr const char *v = "i32"; };
template <> struct ElementName<int8_t> { static constexpr const char *v = "i8"; };
template <> struct ElementName<uint8_t> { static constexpr const char *v = "u8"; };

/// How one argument is spelled in a signature: rank -1 ctx, 0 a scalar.
struct ArgSpelling {
  const char *name;
  int rank;
};
template <typename T> struct Arg {
  static constexpr ArgSpelling v{ElementName<T>::v, 0};
};
template <> struct Arg<ostrt_context *> {
  static constexpr ArgSpelling v{"ctx", -1};
};
template <typename E, int N> struct Arg<MemRef<E, N> *> {
  static constexpr ArgSpelling v{ElementName<E>::v, N};
};

/// Consumes the next signature token at `p` if it spells `a`.
constexpr bool matchArg(const char *&p, ArgSpelling a) {
  while (*p == ' ')
    ++p;
  if (a.rank > 0) {
    if (p[0] != 'm' || p[1] != '0' + a.rank)
      return false;
    p += 2;
  }
  for (const char *s = a.name; *s; ++s, ++p)
    if (*p != *s)
      return false;
  return *p == ' ' || *p == '\0';
}

template <typename F> struct Signature;
template <typename... A> struct Signature<void(A...)> {
  static constexpr bool matches(const char *signature) {
    const char *p = signature;
    bool ok = true;
    ((ok = ok && matchArg(p, Arg<A>::v)), ...);
    while (ok && *p == ' ')
      ++p;
    return ok && *p == '\0';
  }
};

#define OSTRT_KERNEL(NAME, SIGNATURE)                                          \
  static_assert(                                                               \
      Signature<decltype(_mlir_ciface_ostrt_##NAME)>::matches(SIGNATURE),      \
      "ModelABI.h: the prototype of _mlir_ciface_ostrt_" #NAME                 \
      " differs from ModelABI.def's signature " SIGNATURE);
#include "ost/runtime/ModelABI.def"

} // namespace ost::runtime::abi

#endif // OST_RUNTIME_MODELABI_H

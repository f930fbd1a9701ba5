//===- Simd.h - vector traits of the model kernels --------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The model kernels' loops are written once (the Simd*.inc files) against a
// traits type V with W float lanes and compiled three times: ScalarVec
// (W = 1, portable), Avx2Vec (W = 8) and Avx512Vec (W = 16). The x86 traits
// carry target attributes, so the library needs no -march flag and the
// entry points are chosen at run time (SimdKernels.h).
//
// Operations that the reference executor performs in float32 (quantizer
// grids, Hadamard butterflies, RoPE, norms) use the same IEEE operations
// per element in every traits type (add, sub, mul, div, min, max with
// std::min/std::max's operand order), so every path gives the executor's
// bits. Only fmadd, exp and the reductions differ from the scalar path by
// rounding.
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_MODEL_SIMD_H
#define OST_RUNTIME_MODEL_SIMD_H

#include "ost/Numerics/QuantGrid.h"
#include "ost/Numerics/Rounding.h"

#include <cmath>
#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define OST_AVX2_TARGET __attribute__((target("avx2,fma")))
#define OST_AVX512_TARGET                                                      \
  __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")))
#define OST_AVX2_INLINE OST_AVX2_TARGET __attribute__((always_inline)) inline
#define OST_AVX512_INLINE                                                      \
  OST_AVX512_TARGET __attribute__((always_inline)) inline

namespace ost::runtime::simd {

/// The quantizers' rounding (ost/Numerics/Rounding.h): the scalar path and
/// the tails of the vector loops call it; the vector roundMagic below is the
/// same two operations per lane.
using ::ost::numerics::roundHalfEven;

/// One lane: the portable path.
struct ScalarVec {
  using F = float;
  static constexpr int W = 1;
  /// Queries per register tile of the attention score and value loops.
  static constexpr int kScoreQueries = 1, kValueQueries = 1;

  static F zero() { return 0.0f; }
  static F set1(float x) { return x; }
  static F load(const float *p) { return *p; }
  static void store(float *p, F v) { *p = v; }
  static F add(F a, F b) { return a + b; }
  static F sub(F a, F b) { return a - b; }
  static F mul(F a, F b) { return a * b; }
  static F div(F a, F b) { return a / b; }
  static F fmadd(F a, F b, F c) { return a * b + c; }
  /// a < b ? a : b and a > b ? a : b (x86 minps/maxps).
  static F min(F a, F b) { return a < b ? a : b; }
  static F max(F a, F b) { return a > b ? a : b; }
  static float reduceMin(F v) { return v; }
  static float reduceMax(F v) { return v; }
  static float reduceAdd(F v) { return v; }
  /// Lanes at or past `valid` replaced by `fill`.
  static F maskTail(F v, int valid, float fill) { return valid > 0 ? v : fill; }
  /// (x + 1.5·2^23) − 1.5·2^23: round half to even for |x| < 2^22 (larger
  /// magnitudes are clamped by every caller, so the result there does not
  /// matter).
  static F roundMagic(F x) { return roundHalfEven(x); }
  static F loadU8(const uint8_t *p) { return static_cast<float>(*p); }
  /// Stores an integer-valued float in 0..255 as a byte (NaN as 0, like
  /// the vector conversions).
  static void storeU8(uint8_t *p, F v) {
    *p = ::ost::numerics::levelToInt<uint8_t>(v);
  }
  /// The low and high nibbles of one byte, as floats.
  static void nibbles(const uint8_t *p, F &lo, F &hi) {
    lo = static_cast<float>(*p & 0xF);
    hi = static_cast<float>(*p >> 4);
  }
  /// 2^23 + level for the nibbles of one byte / one byte: subtracting
  /// 2^23 + zp then gives level − zp exactly.
  static void biasedNibbles(const uint8_t *p, F &lo, F &hi) {
    lo = 8388608.0f + static_cast<float>(*p & 0xF);
    hi = 8388608.0f + static_cast<float>(*p >> 4);
  }
  static F biasedU8(const uint8_t *p) {
    return 8388608.0f + static_cast<float>(*p);
  }
  static F exp(F x) { return std::exp(x); }
  /// The in-vector stages of a fast Walsh–Hadamard transform (none).
  static F fwhtInVector(F v) { return v; }
  /// Pair operations of the interleaved RoPE (unused with one lane).
  static F dupPairs(const float *p) { return *p; }
  static F swapPairs(F v) { return v; }
  static F blendOdd(F even, F odd) { return even; }

  /// A float64 accumulator of float lanes (clear() before use).
  struct DSum {
    double sum;
    void clear() { sum = 0.0; }
    void add(F v) { sum += static_cast<double>(v); }
    void addSquares(F v) { sum += double(v) * double(v); }
    double total() const { return sum; }
  };
};

#if defined(__x86_64__)

/// AVX2 + FMA, 8 lanes.
struct Avx2Vec {
  using F = __m256;
  static constexpr int W = 8;
  static constexpr int kScoreQueries = 2, kValueQueries = 2;

  OST_AVX2_INLINE static F zero() { return _mm256_setzero_ps(); }
  OST_AVX2_INLINE static F set1(float x) { return _mm256_set1_ps(x); }
  OST_AVX2_INLINE static F load(const float *p) { return _mm256_loadu_ps(p); }
  OST_AVX2_INLINE static void store(float *p, F v) { _mm256_storeu_ps(p, v); }
  OST_AVX2_INLINE static F add(F a, F b) { return _mm256_add_ps(a, b); }
  OST_AVX2_INLINE static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  OST_AVX2_INLINE static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  OST_AVX2_INLINE static F div(F a, F b) { return _mm256_div_ps(a, b); }
  OST_AVX2_INLINE static F fmadd(F a, F b, F c) {
    return _mm256_fmadd_ps(a, b, c);
  }
  OST_AVX2_INLINE static F min(F a, F b) { return _mm256_min_ps(a, b); }
  OST_AVX2_INLINE static F max(F a, F b) { return _mm256_max_ps(a, b); }
  OST_AVX2_INLINE static float reduceMin(F v) {
    __m128 m =
        _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_min_ps(m, _mm_movehl_ps(m, m));
    m = _mm_min_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
  }
  OST_AVX2_INLINE static float reduceMax(F v) {
    __m128 m =
        _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
  }
  OST_AVX2_INLINE static float reduceAdd(F v) {
    __m128 s =
        _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  OST_AVX2_INLINE static F maskTail(F v, int valid, float fill) {
    __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i keep = _mm256_cmpgt_epi32(_mm256_set1_epi32(valid), lane);
    return _mm256_blendv_ps(_mm256_set1_ps(fill), v, _mm256_castsi256_ps(keep));
  }
  OST_AVX2_INLINE static F roundMagic(F x) {
    const F magic = _mm256_set1_ps(::ost::numerics::kRoundMagic);
    return _mm256_sub_ps(_mm256_add_ps(x, magic), magic);
  }
  OST_AVX2_INLINE static F loadU8(const uint8_t *p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(
        _mm_loadl_epi64(reinterpret_cast<const __m128i *>(p))));
  }
  OST_AVX2_INLINE static void storeU8(uint8_t *p, F v) {
    __m256i i = _mm256_cvttps_epi32(v);
    __m256i w = _mm256_packus_epi32(i, i);
    __m256i b = _mm256_packus_epi16(w, w);
    __m128i bytes = _mm_unpacklo_epi32(_mm256_castsi256_si128(b),
                                       _mm256_extracti128_si256(b, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i *>(p), bytes);
  }
  OST_AVX2_INLINE static void nibbles(const uint8_t *p, F &lo, F &hi) {
    __m256i b = _mm256_cvtepu8_epi32(
        _mm_loadl_epi64(reinterpret_cast<const __m128i *>(p)));
    lo = _mm256_cvtepi32_ps(_mm256_and_si256(b, _mm256_set1_epi32(0xF)));
    hi = _mm256_cvtepi32_ps(_mm256_srli_epi32(b, 4));
  }
  OST_AVX2_INLINE static void biasedNibbles(const uint8_t *p, F &lo, F &hi) {
    const __m256i magic = _mm256_set1_epi32(0x4B000000);
    __m256i b = _mm256_cvtepu8_epi32(
        _mm_loadl_epi64(reinterpret_cast<const __m128i *>(p)));
    lo = _mm256_castsi256_ps(
        _mm256_or_si256(_mm256_and_si256(b, _mm256_set1_epi32(0xF)), magic));
    hi = _mm256_castsi256_ps(_mm256_or_si256(_mm256_srli_epi32(b, 4), magic));
  }
  OST_AVX2_INLINE static F biasedU8(const uint8_t *p) {
    __m256i b = _mm256_cvtepu8_epi32(
        _mm_loadl_epi64(reinterpret_cast<const __m128i *>(p)));
    return _mm256_castsi256_ps(
        _mm256_or_si256(b, _mm256_set1_epi32(0x4B000000)));
  }
  OST_AVX2_INLINE static F exp(F x) {
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.33654f));
    x = _mm256_min_ps(x, _mm256_set1_ps(88.37626f));
    F n =
        _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    F r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    F p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    F y = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r),
                          _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(
        _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
  }
  /// Butterflies of distance 1, 2 and 4 inside the vector: lane i with bit
  /// h clear gets x[i] + x[i+h], lane i + h gets x[i] − x[i+h].
  OST_AVX2_INLINE static F fwhtInVector(F v) {
    F p = _mm256_permute_ps(v, 0xB1);
    v = _mm256_blend_ps(_mm256_add_ps(v, p), _mm256_sub_ps(p, v), 0xAA);
    p = _mm256_permute_ps(v, 0x4E);
    v = _mm256_blend_ps(_mm256_add_ps(v, p), _mm256_sub_ps(p, v), 0xCC);
    p = _mm256_permute2f128_ps(v, v, 1);
    v = _mm256_blend_ps(_mm256_add_ps(v, p), _mm256_sub_ps(p, v), 0xF0);
    return v;
  }
  /// [p0, p0, p1, p1, ...] from W/2 floats.
  OST_AVX2_INLINE static F dupPairs(const float *p) {
    return _mm256_permutevar8x32_ps(_mm256_castps128_ps256(_mm_loadu_ps(p)),
                                    _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3));
  }
  /// [v1, v0, v3, v2, ...].
  OST_AVX2_INLINE static F swapPairs(F v) { return _mm256_permute_ps(v, 0xB1); }
  /// Even lanes of `even`, odd lanes of `odd`.
  OST_AVX2_INLINE static F blendOdd(F even, F odd) {
    return _mm256_blend_ps(even, odd, 0xAA);
  }

  struct DSum {
    __m256d a, b;
    OST_AVX2_INLINE void clear() { a = b = _mm256_setzero_pd(); }
    OST_AVX2_INLINE void add(F v) {
      a = _mm256_add_pd(a, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
      b = _mm256_add_pd(b, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
    }
    OST_AVX2_INLINE void addSquares(F v) {
      __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
      __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
      a = _mm256_fmadd_pd(lo, lo, a);
      b = _mm256_fmadd_pd(hi, hi, b);
    }
    OST_AVX2_INLINE double total() const {
      __m256d s = _mm256_add_pd(a, b);
      __m128d t =
          _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
      return _mm_cvtsd_f64(_mm_add_sd(t, _mm_unpackhi_pd(t, t)));
    }
  };
};

/// AVX-512 F/BW/DQ/VL, 16 lanes.
struct Avx512Vec {
  using F = __m512;
  static constexpr int W = 16;
  static constexpr int kScoreQueries = 8, kValueQueries = 8;

  OST_AVX512_INLINE static F zero() { return _mm512_setzero_ps(); }
  OST_AVX512_INLINE static F set1(float x) { return _mm512_set1_ps(x); }
  OST_AVX512_INLINE static F load(const float *p) { return _mm512_loadu_ps(p); }
  OST_AVX512_INLINE static void store(float *p, F v) { _mm512_storeu_ps(p, v); }
  OST_AVX512_INLINE static F add(F a, F b) { return _mm512_add_ps(a, b); }
  OST_AVX512_INLINE static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
  OST_AVX512_INLINE static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  OST_AVX512_INLINE static F div(F a, F b) { return _mm512_div_ps(a, b); }
  OST_AVX512_INLINE static F fmadd(F a, F b, F c) {
    return _mm512_fmadd_ps(a, b, c);
  }
  OST_AVX512_INLINE static F min(F a, F b) { return _mm512_min_ps(a, b); }
  OST_AVX512_INLINE static F max(F a, F b) { return _mm512_max_ps(a, b); }
  OST_AVX512_INLINE static float reduceMin(F v) {
    return _mm512_reduce_min_ps(v);
  }
  OST_AVX512_INLINE static float reduceMax(F v) {
    return _mm512_reduce_max_ps(v);
  }
  OST_AVX512_INLINE static float reduceAdd(F v) {
    return _mm512_reduce_add_ps(v);
  }
  OST_AVX512_INLINE static F maskTail(F v, int valid, float fill) {
    __mmask16 keep = valid >= 16  ? __mmask16(0xFFFF)
                     : valid <= 0 ? __mmask16(0)
                                  : __mmask16((1u << valid) - 1u);
    return _mm512_mask_mov_ps(_mm512_set1_ps(fill), keep, v);
  }
  OST_AVX512_INLINE static F roundMagic(F x) {
    const F magic = _mm512_set1_ps(::ost::numerics::kRoundMagic);
    return _mm512_sub_ps(_mm512_add_ps(x, magic), magic);
  }
  OST_AVX512_INLINE static F loadU8(const uint8_t *p) {
    return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(
        _mm_loadu_si128(reinterpret_cast<const __m128i *>(p))));
  }
  OST_AVX512_INLINE static void storeU8(uint8_t *p, F v) {
    _mm_storeu_si128(reinterpret_cast<__m128i *>(p),
                     _mm512_cvtepi32_epi8(_mm512_cvttps_epi32(v)));
  }
  OST_AVX512_INLINE static void nibbles(const uint8_t *p, F &lo, F &hi) {
    __m512i b = _mm512_cvtepu8_epi32(
        _mm_loadu_si128(reinterpret_cast<const __m128i *>(p)));
    lo = _mm512_cvtepi32_ps(_mm512_and_si512(b, _mm512_set1_epi32(0xF)));
    hi = _mm512_cvtepi32_ps(_mm512_srli_epi32(b, 4));
  }
  OST_AVX512_INLINE static void biasedNibbles(const uint8_t *p, F &lo, F &hi) {
    const __m512i magic = _mm512_set1_epi32(0x4B000000);
    __m512i b = _mm512_cvtepu8_epi32(
        _mm_loadu_si128(reinterpret_cast<const __m128i *>(p)));
    // (b & 0xF) | magic in one instruction.
    lo = _mm512_castsi512_ps(
        _mm512_ternarylogic_epi32(b, _mm512_set1_epi32(0xF), magic, 0xEA));
    hi = _mm512_castsi512_ps(_mm512_or_si512(_mm512_srli_epi32(b, 4), magic));
  }
  OST_AVX512_INLINE static F biasedU8(const uint8_t *p) {
    __m512i b = _mm512_cvtepu8_epi32(
        _mm_loadu_si128(reinterpret_cast<const __m128i *>(p)));
    return _mm512_castsi512_ps(
        _mm512_or_si512(b, _mm512_set1_epi32(0x4B000000)));
  }
  OST_AVX512_INLINE static F exp(F x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.33654f));
    x = _mm512_min_ps(x, _mm512_set1_ps(88.37626f));
    F n = _mm512_roundscale_ps(
        _mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    F r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    F p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    F y = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r),
                          _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    __m512i e = _mm512_slli_epi32(
        _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(y, _mm512_castsi512_ps(e));
  }
  /// Butterflies of distance 1, 2, 4 and 8 inside the vector.
  OST_AVX512_INLINE static F fwhtInVector(F v) {
    F p = _mm512_permute_ps(v, 0xB1);
    v = _mm512_mask_blend_ps(0xAAAA, _mm512_add_ps(v, p), _mm512_sub_ps(p, v));
    p = _mm512_permute_ps(v, 0x4E);
    v = _mm512_mask_blend_ps(0xCCCC, _mm512_add_ps(v, p), _mm512_sub_ps(p, v));
    p = _mm512_shuffle_f32x4(v, v, 0xB1);
    v = _mm512_mask_blend_ps(0xF0F0, _mm512_add_ps(v, p), _mm512_sub_ps(p, v));
    p = _mm512_shuffle_f32x4(v, v, 0x4E);
    v = _mm512_mask_blend_ps(0xFF00, _mm512_add_ps(v, p), _mm512_sub_ps(p, v));
    return v;
  }
  OST_AVX512_INLINE static F dupPairs(const float *p) {
    return _mm512_permutexvar_ps(
        _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7),
        _mm512_castps256_ps512(_mm256_loadu_ps(p)));
  }
  OST_AVX512_INLINE static F swapPairs(F v) {
    return _mm512_permute_ps(v, 0xB1);
  }
  OST_AVX512_INLINE static F blendOdd(F even, F odd) {
    return _mm512_mask_blend_ps(0xAAAA, even, odd);
  }

  struct DSum {
    __m512d a, b;
    OST_AVX512_INLINE void clear() { a = b = _mm512_setzero_pd(); }
    OST_AVX512_INLINE void add(F v) {
      a = _mm512_add_pd(a, _mm512_cvtps_pd(_mm512_castps512_ps256(v)));
      b = _mm512_add_pd(b, _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)));
    }
    OST_AVX512_INLINE void addSquares(F v) {
      __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
      __m512d hi = _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1));
      a = _mm512_fmadd_pd(lo, lo, a);
      b = _mm512_fmadd_pd(hi, hi, b);
    }
    OST_AVX512_INLINE double total() const {
      return _mm512_reduce_add_pd(_mm512_add_pd(a, b));
    }
  };
};

#endif // __x86_64__

} // namespace ost::runtime::simd

#endif // OST_RUNTIME_MODEL_SIMD_H

//===- Int4GemmAvx2.cpp - AVX2 int4 microkernels --------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Compiled with target attributes only; called after a run-time CPU check.
// W4A4 multiplies u8 levels (0..15) by biased weights w + 8 (0..15) with
// vpmaddubsw: a pair sums to at most 2·15·15 = 450 and four pairs, added
// in int16 before widening with vpmaddwd, to 1800, far from saturation.
//
//===----------------------------------------------------------------------===//

#include "Int4GemmImpl.h"

#if defined(__x86_64__)
#include <algorithm>
#include <immintrin.h>

#define OST_AVX2 __attribute__((target("avx2,fma"), always_inline)) inline

namespace ost::runtime::kernels::detail {

namespace {

OST_AVX2 int32_t sumLanes(__m256i v) {
  __m128i s =
      _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  return _mm_cvtsi128_si32(s);
}

OST_AVX2 float sumLanes(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

template <int RT, int NT>
OST_AVX2 void w4a4Tile(const W4A4Args &a, int64_t r0, int64_t rEnd, int64_t c0,
                       int64_t cEnd) {
  const PackedWeight &w = *a.w;
  const uint8_t *wrow[NT];
  const uint8_t *act[RT];
  for (int c = 0; c < NT; ++c)
    wrow[c] = w.data.data() + clampIndex(c0 + c, cEnd - 1) * w.getRowBytes();
  for (int r = 0; r < RT; ++r)
    act[r] = a.act + clampIndex(r0 + r, rEnd - 1) * w.paddedK;
  __m256i acc[RT][NT];
  for (int r = 0; r < RT; ++r)
    for (int c = 0; c < NT; ++c)
      acc[r][c] = _mm256_setzero_si256();
  const __m256i mask = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
  for (int64_t kb = 0; kb < w.paddedK; kb += kBlockK) {
    // Features 0..31, 32..63 (low nibbles), 64..95, 96..127 (high).
    __m256i wv[NT][4];
    for (int c = 0; c < NT; ++c) {
      const auto *p = reinterpret_cast<const __m256i *>(wrow[c] + kb / 2);
      __m256i b0 = _mm256_loadu_si256(p), b1 = _mm256_loadu_si256(p + 1);
      wv[c][0] = _mm256_and_si256(b0, mask);
      wv[c][1] = _mm256_and_si256(b1, mask);
      wv[c][2] = _mm256_and_si256(_mm256_srli_epi16(b0, 4), mask);
      wv[c][3] = _mm256_and_si256(_mm256_srli_epi16(b1, 4), mask);
    }
    for (int r = 0; r < RT; ++r) {
      const auto *p = reinterpret_cast<const __m256i *>(act[r] + kb);
      __m256i av[4];
      for (int i = 0; i < 4; ++i)
        av[i] = _mm256_loadu_si256(p + i);
      for (int c = 0; c < NT; ++c) {
        __m256i s = _mm256_maddubs_epi16(av[0], wv[c][0]);
        for (int i = 1; i < 4; ++i)
          s = _mm256_add_epi16(s, _mm256_maddubs_epi16(av[i], wv[c][i]));
        acc[r][c] = _mm256_add_epi32(acc[r][c], _mm256_madd_epi16(s, ones));
      }
    }
  }
  for (int r = 0; r < RT && r0 + r < rEnd; ++r)
    for (int c = 0; c < NT && c0 + c < cEnd; ++c)
      a.y[(r0 + r) * w.n + c0 + c] =
          w4a4Output(a, r0 + r, c0 + c, sumLanes(acc[r][c]));
}

template <int RT, int NT>
OST_AVX2 void w4a16Tile(const W4A16Args &a, int64_t r0, int64_t rEnd,
                        int64_t c0, int64_t cEnd) {
  const PackedWeight &w = *a.w;
  const uint8_t *wrow[NT];
  const float *x[RT];
  for (int c = 0; c < NT; ++c)
    wrow[c] = w.data.data() + clampIndex(c0 + c, cEnd - 1) * w.getRowBytes();
  for (int r = 0; r < RT; ++r)
    x[r] = a.x + clampIndex(r0 + r, rEnd - 1) * w.paddedK;
  __m256 acc[RT][NT];
  for (int r = 0; r < RT; ++r)
    for (int c = 0; c < NT; ++c)
      acc[r][c] = _mm256_setzero_ps();
  const __m128i mask = _mm_set1_epi8(0x0F), eight = _mm_set1_epi8(8);
  for (int64_t kb = 0; kb < w.paddedK; kb += kBlockK) {
    // 8 bytes at a time: features kb + s..s+7 (low) and +64 (high).
    for (int s = 0; s < 64; s += 8) {
      __m256 wl[NT], wh[NT];
      for (int c = 0; c < NT; ++c) {
        __m128i b = _mm_loadl_epi64(
            reinterpret_cast<const __m128i *>(wrow[c] + kb / 2 + s));
        __m128i l = _mm_sub_epi8(_mm_and_si128(b, mask), eight);
        __m128i h =
            _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(b, 4), mask), eight);
        wl[c] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(l));
        wh[c] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(h));
      }
      for (int r = 0; r < RT; ++r) {
        __m256 xl = _mm256_loadu_ps(x[r] + kb + s);
        __m256 xh = _mm256_loadu_ps(x[r] + kb + 64 + s);
        for (int c = 0; c < NT; ++c) {
          acc[r][c] = _mm256_fmadd_ps(xl, wl[c], acc[r][c]);
          acc[r][c] = _mm256_fmadd_ps(xh, wh[c], acc[r][c]);
        }
      }
    }
  }
  for (int r = 0; r < RT && r0 + r < rEnd; ++r)
    for (int c = 0; c < NT && c0 + c < cEnd; ++c)
      a.y[(r0 + r) * w.n + c0 + c] = sumLanes(acc[r][c]) * w.scales[c0 + c];
}

/// Runs Tile over rows × [n0, n1) in RT × NT tiles, blocked by kRowBlock
/// rows so a tile of weight rows stays in cache across a row block.
template <int RT, int NT, typename Args,
          void (*Tile)(const Args &, int64_t, int64_t, int64_t, int64_t)>
OST_AVX2 void runTiles(const Args &a, int64_t n0, int64_t n1) {
  for (int64_t rb = 0; rb < a.rows; rb += kRowBlock) {
    int64_t re = std::min(rb + kRowBlock, a.rows);
    for (int64_t c = n0; c < n1; c += NT)
      for (int64_t r = rb; r < re; r += RT)
        Tile(a, r, re, c, n1);
  }
}

} // namespace

__attribute__((target("avx2,fma"))) void w4a4Avx2(const W4A4Args &a, int64_t n0,
                                                  int64_t n1) {
  if (a.rows < 2)
    runTiles<1, 4, W4A4Args, w4a4Tile<1, 4>>(a, n0, n1);
  else
    runTiles<2, 2, W4A4Args, w4a4Tile<2, 2>>(a, n0, n1);
}

__attribute__((target("avx2,fma"))) void w4a16Avx2(const W4A16Args &a,
                                                   int64_t n0, int64_t n1) {
  if (a.rows < 4)
    runTiles<1, 4, W4A16Args, w4a16Tile<1, 4>>(a, n0, n1);
  else
    runTiles<4, 2, W4A16Args, w4a16Tile<4, 2>>(a, n0, n1);
}

} // namespace ost::runtime::kernels::detail

#else

namespace ost::runtime::kernels::detail {
void w4a4Avx2(const W4A4Args &a, int64_t n0, int64_t n1) {
  w4a4Scalar(a, n0, n1);
}
void w4a16Avx2(const W4A16Args &a, int64_t n0, int64_t n1) {
  w4a16Scalar(a, n0, n1);
}
} // namespace ost::runtime::kernels::detail

#endif

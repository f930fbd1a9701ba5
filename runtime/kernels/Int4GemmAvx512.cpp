//===- Int4GemmAvx512.cpp - AVX-512 (VNNI) int4 microkernels --------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Compiled with target attributes only; called after a run-time CPU check.
// A 64-byte weight load gives 128 features: low nibbles (features 0..63)
// and high nibbles (64..127), each w + 8 in 0..15, so W4A4 feeds them to
// vpdpbusd (u8 levels × s8) without sign extension.
//
//===----------------------------------------------------------------------===//

#include "Int4GemmImpl.h"

#if defined(__x86_64__)
#include <algorithm>
#include <immintrin.h>

#define OST_AVX512                                                             \
  __attribute__((target("avx512f,avx512bw,avx512vnni,fma"),                    \
                 always_inline)) inline

namespace ost::runtime::kernels::detail {

namespace {

template <int RT, int NT>
OST_AVX512 void w4a4Tile(const W4A4Args &a, int64_t r0, int64_t rEnd,
                         int64_t c0, int64_t cEnd) {
  const PackedWeight &w = *a.w;
  const uint8_t *wrow[NT];
  const uint8_t *act[RT];
  for (int c = 0; c < NT; ++c)
    wrow[c] = w.data.data() + clampIndex(c0 + c, cEnd - 1) * w.getRowBytes();
  for (int r = 0; r < RT; ++r)
    act[r] = a.act + clampIndex(r0 + r, rEnd - 1) * w.paddedK;
  __m512i acc[RT][NT];
  for (int r = 0; r < RT; ++r)
    for (int c = 0; c < NT; ++c)
      acc[r][c] = _mm512_setzero_si512();
  const __m512i mask = _mm512_set1_epi8(0x0F);
  for (int64_t kb = 0; kb < w.paddedK; kb += kBlockK) {
    __m512i lo[NT], hi[NT];
    for (int c = 0; c < NT; ++c) {
      __m512i b = _mm512_loadu_si512(wrow[c] + kb / 2);
      lo[c] = _mm512_and_si512(b, mask);
      hi[c] = _mm512_and_si512(_mm512_srli_epi16(b, 4), mask);
    }
    for (int r = 0; r < RT; ++r) {
      __m512i a0 = _mm512_loadu_si512(act[r] + kb);
      __m512i a1 = _mm512_loadu_si512(act[r] + kb + 64);
      for (int c = 0; c < NT; ++c) {
        acc[r][c] = _mm512_dpbusd_epi32(acc[r][c], a0, lo[c]);
        acc[r][c] = _mm512_dpbusd_epi32(acc[r][c], a1, hi[c]);
      }
    }
  }
  for (int r = 0; r < RT && r0 + r < rEnd; ++r)
    for (int c = 0; c < NT && c0 + c < cEnd; ++c)
      a.y[(r0 + r) * w.n + c0 + c] =
          w4a4Output(a, r0 + r, c0 + c, _mm512_reduce_add_epi32(acc[r][c]));
}

template <int RT, int NT>
OST_AVX512 void w4a16Tile(const W4A16Args &a, int64_t r0, int64_t rEnd,
                          int64_t c0, int64_t cEnd) {
  const PackedWeight &w = *a.w;
  const uint8_t *wrow[NT];
  const float *x[RT];
  for (int c = 0; c < NT; ++c)
    wrow[c] = w.data.data() + clampIndex(c0 + c, cEnd - 1) * w.getRowBytes();
  for (int r = 0; r < RT; ++r)
    x[r] = a.x + clampIndex(r0 + r, rEnd - 1) * w.paddedK;
  __m512 acc[RT][NT];
  for (int r = 0; r < RT; ++r)
    for (int c = 0; c < NT; ++c)
      acc[r][c] = _mm512_setzero_ps();
  // A nibble v becomes the float 2^23 + v by or-ing it into the mantissa
  // of 2^23; subtracting 2^23 + 8 then gives w = v − 8 exactly.
  const __m512i nibble = _mm512_set1_epi32(0x0F);
  const __m512i magic = _mm512_set1_epi32(0x4B000000);
  const __m512 bias = _mm512_set1_ps(8388616.0f);
  for (int64_t kb = 0; kb < w.paddedK; kb += kBlockK) {
    // 16 bytes at a time: features kb + s..s+15 (low) and +64 (high).
    for (int s = 0; s < 64; s += 16) {
      __m512 wl[NT], wh[NT];
      for (int c = 0; c < NT; ++c) {
        __m512i b = _mm512_cvtepu8_epi32(_mm_loadu_si128(
            reinterpret_cast<const __m128i *>(wrow[c] + kb / 2 + s)));
        // (b & 0xF) | magic in one instruction.
        __m512i l = _mm512_ternarylogic_epi32(b, nibble, magic, 0xEA);
        __m512i h = _mm512_or_si512(_mm512_srli_epi32(b, 4), magic);
        wl[c] = _mm512_sub_ps(_mm512_castsi512_ps(l), bias);
        wh[c] = _mm512_sub_ps(_mm512_castsi512_ps(h), bias);
      }
      for (int r = 0; r < RT; ++r) {
        __m512 xl = _mm512_loadu_ps(x[r] + kb + s);
        __m512 xh = _mm512_loadu_ps(x[r] + kb + 64 + s);
        for (int c = 0; c < NT; ++c) {
          acc[r][c] = _mm512_fmadd_ps(xl, wl[c], acc[r][c]);
          acc[r][c] = _mm512_fmadd_ps(xh, wh[c], acc[r][c]);
        }
      }
    }
  }
  for (int r = 0; r < RT && r0 + r < rEnd; ++r)
    for (int c = 0; c < NT && c0 + c < cEnd; ++c)
      a.y[(r0 + r) * w.n + c0 + c] =
          _mm512_reduce_add_ps(acc[r][c]) * w.scales[c0 + c];
}

/// Runs Tile over rows × [n0, n1) in RT × NT tiles, blocked by kRowBlock
/// rows so a tile of weight rows stays in cache across a row block.
template <int RT, int NT, typename Args,
          void (*Tile)(const Args &, int64_t, int64_t, int64_t, int64_t)>
OST_AVX512 void runTiles(const Args &a, int64_t n0, int64_t n1) {
  for (int64_t rb = 0; rb < a.rows; rb += kRowBlock) {
    int64_t re = std::min(rb + kRowBlock, a.rows);
    for (int64_t c = n0; c < n1; c += NT)
      for (int64_t r = rb; r < re; r += RT)
        Tile(a, r, re, c, n1);
  }
}

} // namespace

__attribute__((target("avx512f,avx512bw,avx512vnni,fma"))) void
w4a4Avx512(const W4A4Args &a, int64_t n0, int64_t n1) {
  if (a.rows < 4)
    runTiles<1, 4, W4A4Args, w4a4Tile<1, 4>>(a, n0, n1);
  else
    runTiles<4, 4, W4A4Args, w4a4Tile<4, 4>>(a, n0, n1);
}

__attribute__((target("avx512f,avx512bw,avx512vnni,fma"))) void
w4a16Avx512(const W4A16Args &a, int64_t n0, int64_t n1) {
  if (a.rows < 4)
    runTiles<1, 4, W4A16Args, w4a16Tile<1, 4>>(a, n0, n1);
  else
    runTiles<4, 4, W4A16Args, w4a16Tile<4, 4>>(a, n0, n1);
}

} // namespace ost::runtime::kernels::detail

#else

namespace ost::runtime::kernels::detail {
void w4a4Avx512(const W4A4Args &a, int64_t n0, int64_t n1) {
  w4a4Scalar(a, n0, n1);
}
void w4a16Avx512(const W4A16Args &a, int64_t n0, int64_t n1) {
  w4a16Scalar(a, n0, n1);
}
} // namespace ost::runtime::kernels::detail

#endif

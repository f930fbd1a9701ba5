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
  const PackedWeightView &w = *a.w;
  const uint8_t *wrow[NT];
  const uint8_t *act[RT];
  for (int c = 0; c < NT; ++c)
    wrow[c] = w.data + clampIndex(c0 + c, cEnd - 1) * w.getRowBytes();
  for (int r = 0; r < RT; ++r)
    act[r] = a.act + clampIndex(r0 + r, rEnd - 1) * a.actStride;
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

/// Lane i of the result is the sum of the lanes of v[i] (exact int32).
OST_AVX2 __m256i reduce8(const __m256i v[8]) {
  __m256i t0 = _mm256_hadd_epi32(v[0], v[1]),
          t1 = _mm256_hadd_epi32(v[2], v[3]);
  __m256i t2 = _mm256_hadd_epi32(v[4], v[5]),
          t3 = _mm256_hadd_epi32(v[6], v[7]);
  __m256i u0 = _mm256_hadd_epi32(t0, t1), u1 = _mm256_hadd_epi32(t2, t3);
  return _mm256_add_epi32(_mm256_permute2x128_si256(u0, u1, 0x20),
                          _mm256_permute2x128_si256(u0, u1, 0x31));
}

/// acc[r·NT + c] += Σ q·(w + 8) over nibble half `half`.
template <int RT, int NT>
OST_AVX2 void accumulateHalf(__m256i *acc, const uint8_t *const *wrow,
                             const uint8_t *const *act, int64_t half) {
  const __m256i mask = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
  __m256i wv[NT][2];
  for (int c = 0; c < NT; ++c) {
    const auto *p =
        reinterpret_cast<const __m256i *>(wrow[c] + (half >> 1) * kHalfK);
    __m256i b0 = _mm256_loadu_si256(p), b1 = _mm256_loadu_si256(p + 1);
    if (half & 1) {
      b0 = _mm256_srli_epi16(b0, 4);
      b1 = _mm256_srli_epi16(b1, 4);
    }
    wv[c][0] = _mm256_and_si256(b0, mask);
    wv[c][1] = _mm256_and_si256(b1, mask);
  }
  for (int r = 0; r < RT; ++r) {
    const auto *p = reinterpret_cast<const __m256i *>(act[r] + half * kHalfK);
    __m256i a0 = _mm256_loadu_si256(p), a1 = _mm256_loadu_si256(p + 1);
    for (int c = 0; c < NT; ++c) {
      __m256i s = _mm256_add_epi16(_mm256_maddubs_epi16(a0, wv[c][0]),
                                   _mm256_maddubs_epi16(a1, wv[c][1]));
      acc[r * NT + c] =
          _mm256_add_epi32(acc[r * NT + c], _mm256_madd_epi16(s, ones));
    }
  }
}

template <int RT, int NT>
OST_AVX2 __m256i rowLanes(const int32_t *p, __m256i rowIdx) {
  if constexpr (RT == 1)
    return _mm256_set1_epi32(*p);
  else
    return _mm256_permutevar8x32_epi32(
        _mm256_castsi128_si256(
            _mm_loadu_si128(reinterpret_cast<const __m128i *>(p))),
        rowIdx);
}
template <int RT, int NT>
OST_AVX2 __m256 rowLanes(const float *p, __m256i rowIdx) {
  if constexpr (RT == 1)
    return _mm256_set1_ps(*p);
  else
    return _mm256_permutevar8x32_ps(_mm256_castps128_ps256(_mm_loadu_ps(p)),
                                    rowIdx);
}
template <int RT, int NT>
OST_AVX2 __m256 colLanes(const float *p, __m256i colIdx) {
  if constexpr (NT == 8)
    return _mm256_loadu_ps(p);
  else
    return _mm256_permutevar8x32_ps(_mm256_castps128_ps256(_mm_loadu_ps(p)),
                                    colIdx);
}

/// A grouped RT × NT tile (RT·NT = 8, lane l = r·NT + c).
template <int RT, int NT>
OST_AVX2 void w4a4GroupTile(const W4A4Args &a, const ColumnTerms &terms,
                            int64_t chunk0, int64_t r0, int64_t rEnd,
                            int64_t c0, int64_t cEnd) {
  static_assert(RT * NT == 8, "a tile fills one vector of outputs");
  const PackedWeightView &w = *a.w;
  const uint8_t *wrow[NT];
  const uint8_t *act[RT];
  for (int c = 0; c < NT; ++c)
    wrow[c] = w.data + clampIndex(c0 + c, cEnd - 1) * w.getRowBytes();
  for (int r = 0; r < RT; ++r)
    act[r] = a.act + clampIndex(r0 + r, rEnd - 1) * a.actStride;
  alignas(32) int32_t rowIdxArr[8], colIdxArr[8];
  for (int l = 0; l < 8; ++l) {
    rowIdxArr[l] = l / NT;
    colIdxArr[l] = l % NT;
  }
  const __m256i rowIdx =
      _mm256_load_si256(reinterpret_cast<const __m256i *>(rowIdxArr));
  const __m256i colIdx =
      _mm256_load_si256(reinterpret_cast<const __m256i *>(colIdxArr));
  const int64_t col = c0 - chunk0;
  // Offsets of the tile's (clamped) columns in the group sums [n, groups].
  alignas(64) int32_t sumIdxArr[8];
  for (int l = 0; l < 8; ++l)
    sumIdxArr[l] = static_cast<int32_t>(
        (clampIndex(c0 + l % NT, cEnd - 1) - c0) * a.numGroups);
  const __m256i sumIdx =
      _mm256_load_si256(reinterpret_cast<const __m256i *>(sumIdxArr));
  const int32_t *sumsBase = w.groupSums + c0 * a.numGroups;
  __m256 out = _mm256_setzero_ps();
  for (int64_t g = 0; g < a.numGroups; ++g) {
    __m256i acc[8];
    for (int i = 0; i < 8; ++i)
      acc[i] = _mm256_setzero_si256();
    for (int64_t h = g * a.groupHalves; h < (g + 1) * a.groupHalves; ++h)
      accumulateHalf<RT, NT>(acc, wrow, act, h);
    __m256i dot = reduce8(acc);
    int64_t p = g * a.paramStride + r0;
    __m256i corr = rowLanes<RT, NT>(a.rowCorrection + p, rowIdx);
    __m256i zp = rowLanes<RT, NT>(a.rowZeroPoints + p, rowIdx);
    __m256 scale = rowLanes<RT, NT>(a.rowScales + p, rowIdx);
    __m256i sums = _mm256_i32gather_epi32(sumsBase + g, sumIdx, 4);
    __m256i accG = _mm256_sub_epi32(_mm256_sub_epi32(dot, corr),
                                    _mm256_mullo_epi32(zp, sums));
    out = _mm256_add_ps(out, _mm256_mul_ps(_mm256_cvtepi32_ps(accG), scale));
  }
  out = _mm256_mul_ps(out, colLanes<RT, NT>(terms.scales + col, colIdx));
  if (a.bias)
    out = _mm256_add_ps(out, colLanes<RT, NT>(terms.bias + col, colIdx));
  alignas(32) float tile[8];
  _mm256_store_ps(tile, out);
  for (int r = 0; r < RT && r0 + r < rEnd; ++r)
    for (int c = 0; c < NT && c0 + c < cEnd; ++c)
      a.y[(r0 + r) * w.n + c0 + c] = tile[r * NT + c];
}

template <int RT, int NT>
OST_AVX2 void runGroupTiles(const W4A4Args &a, int64_t n0, int64_t n1) {
  ColumnTerms terms;
  for (int64_t chunk0 = n0; chunk0 < n1; chunk0 += kColumnChunk) {
    int64_t chunkEnd = std::min(chunk0 + kColumnChunk, n1);
    stageColumnTerms(a, chunk0, chunkEnd, terms);
    for (int64_t rb = 0; rb < a.rows; rb += kRowBlock) {
      int64_t re = std::min(rb + kRowBlock, a.rows);
      for (int64_t c = chunk0; c < chunkEnd; c += NT)
        for (int64_t r = rb; r < re; r += RT)
          w4a4GroupTile<RT, NT>(a, terms, chunk0, r, re, c, chunkEnd);
    }
  }
}

template <int RT, int NT>
OST_AVX2 void w4a16Tile(const W4A16Args &a, int64_t r0, int64_t rEnd,
                        int64_t c0, int64_t cEnd) {
  const PackedWeightView &w = *a.w;
  const uint8_t *wrow[NT];
  const float *x[RT];
  for (int c = 0; c < NT; ++c)
    wrow[c] = w.data + clampIndex(c0 + c, cEnd - 1) * w.getRowBytes();
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
      a.y[(r0 + r) * w.n + c0 + c] =
          w4a16Output(a, c0 + c, sumLanes(acc[r][c]));
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

__attribute__((target("avx2,fma"))) void
w4a4GroupedAvx2(const W4A4Args &a, int64_t n0, int64_t n1) {
  if (a.rows < 2)
    runGroupTiles<1, 8>(a, n0, n1);
  else
    runGroupTiles<2, 4>(a, n0, n1);
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
void w4a4GroupedAvx2(const W4A4Args &a, int64_t n0, int64_t n1) {
  w4a4GroupedScalar(a, n0, n1);
}
void w4a16Avx2(const W4A16Args &a, int64_t n0, int64_t n1) {
  w4a16Scalar(a, n0, n1);
}
} // namespace ost::runtime::kernels::detail

#endif

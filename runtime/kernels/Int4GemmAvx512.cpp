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

#define OST_AVX512_FEATURES "avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,fma"
#define OST_AVX512                                                             \
  __attribute__((target(OST_AVX512_FEATURES), always_inline)) inline

namespace ost::runtime::kernels::detail {

namespace {

template <int RT, int NT>
OST_AVX512 void w4a4Tile(const W4A4Args &a, int64_t r0, int64_t rEnd,
                         int64_t c0, int64_t cEnd) {
  const PackedWeightView &w = *a.w;
  const uint8_t *wrow[NT];
  const uint8_t *act[RT];
  for (int c = 0; c < NT; ++c)
    wrow[c] = w.data + clampIndex(c0 + c, cEnd - 1) * w.getRowBytes();
  for (int r = 0; r < RT; ++r)
    act[r] = a.act + clampIndex(r0 + r, rEnd - 1) * a.actStride;
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

/// Lane i of the result is the sum of the lanes of v[i] (exact int32).
OST_AVX512 __m512i reduce16(const __m512i v[16]) {
  __m512i t[8], u[4];
  for (int i = 0; i < 8; ++i)
    t[i] = _mm512_add_epi32(_mm512_unpacklo_epi32(v[2 * i], v[2 * i + 1]),
                            _mm512_unpackhi_epi32(v[2 * i], v[2 * i + 1]));
  for (int i = 0; i < 4; ++i)
    u[i] = _mm512_add_epi32(_mm512_unpacklo_epi64(t[2 * i], t[2 * i + 1]),
                            _mm512_unpackhi_epi64(t[2 * i], t[2 * i + 1]));
  // u[j] holds, in each 128-bit lane, partial sums of v[4j..4j+3].
  __m512i p0 = _mm512_add_epi32(_mm512_shuffle_i32x4(u[0], u[1], 0x88),
                                _mm512_shuffle_i32x4(u[0], u[1], 0xDD));
  __m512i p1 = _mm512_add_epi32(_mm512_shuffle_i32x4(u[2], u[3], 0x88),
                                _mm512_shuffle_i32x4(u[2], u[3], 0xDD));
  return _mm512_add_epi32(_mm512_shuffle_i32x4(p0, p1, 0x88),
                          _mm512_shuffle_i32x4(p0, p1, 0xDD));
}

/// acc[r·NT + c] += Σ q·(w + 8) over nibble half `half` (features
/// 64·half .. 64·half + 63).
template <int RT, int NT>
OST_AVX512 void accumulateHalf(__m512i *acc, const uint8_t *const *wrow,
                               const uint8_t *const *act, int64_t half) {
  const __m512i mask = _mm512_set1_epi8(0x0F);
  __m512i wv[NT];
  for (int c = 0; c < NT; ++c) {
    __m512i b = _mm512_loadu_si512(wrow[c] + (half >> 1) * kHalfK);
    wv[c] = (half & 1) ? _mm512_and_si512(_mm512_srli_epi16(b, 4), mask)
                       : _mm512_and_si512(b, mask);
  }
  for (int r = 0; r < RT; ++r) {
    __m512i av = _mm512_loadu_si512(act[r] + half * kHalfK);
    for (int c = 0; c < NT; ++c)
      acc[r * NT + c] = _mm512_dpbusd_epi32(acc[r * NT + c], av, wv[c]);
  }
}

/// Both halves of block `block`, one weight load per column.
template <int RT, int NT>
OST_AVX512 void accumulateBlock(__m512i *acc, const uint8_t *const *wrow,
                                const uint8_t *const *act, int64_t block) {
  const __m512i mask = _mm512_set1_epi8(0x0F);
  __m512i lo[NT], hi[NT];
  for (int c = 0; c < NT; ++c) {
    __m512i b = _mm512_loadu_si512(wrow[c] + block * kHalfK);
    lo[c] = _mm512_and_si512(b, mask);
    hi[c] = _mm512_and_si512(_mm512_srli_epi16(b, 4), mask);
  }
  for (int r = 0; r < RT; ++r) {
    __m512i a0 = _mm512_loadu_si512(act[r] + block * kBlockK);
    __m512i a1 = _mm512_loadu_si512(act[r] + block * kBlockK + kHalfK);
    for (int c = 0; c < NT; ++c) {
      acc[r * NT + c] = _mm512_dpbusd_epi32(acc[r * NT + c], a0, lo[c]);
      acc[r * NT + c] = _mm512_dpbusd_epi32(acc[r * NT + c], a1, hi[c]);
    }
  }
}

/// The 16 row (RT = 4: rows r0..r0+3, each repeated NT times; RT = 1: a
/// broadcast) or column (lane % NT) entries of a tile's lanes.
template <int RT, int NT>
OST_AVX512 __m512i rowLanes(const int32_t *p, __m512i rowIdx) {
  if constexpr (RT == 1)
    return _mm512_set1_epi32(*p);
  else
    return _mm512_permutexvar_epi32(
        rowIdx, _mm512_castsi128_si512(
                    _mm_loadu_si128(reinterpret_cast<const __m128i *>(p))));
}
template <int RT, int NT>
OST_AVX512 __m512 rowLanes(const float *p, __m512i rowIdx) {
  if constexpr (RT == 1)
    return _mm512_set1_ps(*p);
  else
    return _mm512_permutexvar_ps(rowIdx,
                                 _mm512_castps128_ps512(_mm_loadu_ps(p)));
}
template <int RT, int NT>
OST_AVX512 __m512 colLanes(const float *p, __m512i colIdx) {
  if constexpr (NT == 16)
    return _mm512_loadu_ps(p);
  else
    return _mm512_permutexvar_ps(colIdx,
                                 _mm512_castps128_ps512(_mm_loadu_ps(p)));
}

/// A grouped RT × NT tile (RT·NT = 16, lane l = r·NT + c) of columns
/// [c0, c0 + NT) of the chunk starting at `chunk0`.
template <int RT, int NT>
OST_AVX512 void w4a4GroupTile(const W4A4Args &a, const ColumnTerms &terms,
                              int64_t chunk0, int64_t r0, int64_t rEnd,
                              int64_t c0, int64_t cEnd) {
  static_assert(RT * NT == 16, "a tile fills one vector of outputs");
  const PackedWeightView &w = *a.w;
  const uint8_t *wrow[NT];
  const uint8_t *act[RT];
  for (int c = 0; c < NT; ++c)
    wrow[c] = w.data + clampIndex(c0 + c, cEnd - 1) * w.getRowBytes();
  for (int r = 0; r < RT; ++r)
    act[r] = a.act + clampIndex(r0 + r, rEnd - 1) * a.actStride;
  alignas(64) int32_t rowIdxArr[16], colIdxArr[16];
  for (int l = 0; l < 16; ++l) {
    rowIdxArr[l] = l / NT;
    colIdxArr[l] = l % NT;
  }
  const __m512i rowIdx = _mm512_load_si512(rowIdxArr);
  const __m512i colIdx = _mm512_load_si512(colIdxArr);
  const int64_t col = c0 - chunk0;
  // Offsets of the tile's (clamped) columns in the group sums [n, groups].
  alignas(64) int32_t sumIdxArr[16];
  for (int l = 0; l < 16; ++l)
    sumIdxArr[l] = static_cast<int32_t>(
        (clampIndex(c0 + l % NT, cEnd - 1) - c0) * a.numGroups);
  const __m512i sumIdx =
      _mm512_load_si512(reinterpret_cast<const __m512i *>(sumIdxArr));
  const int32_t *sumsBase = w.groupSums + c0 * a.numGroups;
  __m512 out = _mm512_setzero_ps();
  for (int64_t g = 0; g < a.numGroups; ++g) {
    __m512i acc[16];
    for (int i = 0; i < 16; ++i)
      acc[i] = _mm512_setzero_si512();
    int64_t h = g * a.groupHalves, hEnd = h + a.groupHalves;
    if (h & 1)
      accumulateHalf<RT, NT>(acc, wrow, act, h++);
    for (; h + 2 <= hEnd; h += 2)
      accumulateBlock<RT, NT>(acc, wrow, act, h >> 1);
    if (h < hEnd)
      accumulateHalf<RT, NT>(acc, wrow, act, h);
    __m512i dot = reduce16(acc);
    int64_t p = g * a.paramStride + r0;
    __m512i corr = rowLanes<RT, NT>(a.rowCorrection + p, rowIdx);
    __m512i zp = rowLanes<RT, NT>(a.rowZeroPoints + p, rowIdx);
    __m512 scale = rowLanes<RT, NT>(a.rowScales + p, rowIdx);
    __m512i sums;
    if constexpr (NT == 16)
      sums = _mm512_i32gather_epi32(sumIdx, sumsBase + g, 4);
    else
      sums = _mm512_permutexvar_epi32(
          colIdx, _mm512_castsi128_si512(_mm_i32gather_epi32(
                      sumsBase + g, _mm512_castsi512_si128(sumIdx), 4)));
    __m512i accG = _mm512_sub_epi32(_mm512_sub_epi32(dot, corr),
                                    _mm512_mullo_epi32(zp, sums));
    out = _mm512_add_ps(out, _mm512_mul_ps(_mm512_cvtepi32_ps(accG), scale));
  }
  out = _mm512_mul_ps(out, colLanes<RT, NT>(terms.scales + col, colIdx));
  if (a.bias)
    out = _mm512_add_ps(out, colLanes<RT, NT>(terms.bias + col, colIdx));
  alignas(64) float tile[16];
  _mm512_store_ps(tile, out);
  for (int r = 0; r < RT && r0 + r < rEnd; ++r)
    for (int c = 0; c < NT && c0 + c < cEnd; ++c)
      a.y[(r0 + r) * w.n + c0 + c] = tile[r * NT + c];
}

template <int RT, int NT>
OST_AVX512 void runGroupTiles(const W4A4Args &a, int64_t n0, int64_t n1) {
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
OST_AVX512 void w4a16Tile(const W4A16Args &a, int64_t r0, int64_t rEnd,
                          int64_t c0, int64_t cEnd) {
  const PackedWeightView &w = *a.w;
  const uint8_t *wrow[NT];
  const float *x[RT];
  for (int c = 0; c < NT; ++c)
    wrow[c] = w.data + clampIndex(c0 + c, cEnd - 1) * w.getRowBytes();
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
          w4a16Output(a, c0 + c, _mm512_reduce_add_ps(acc[r][c]));
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

__attribute__((target(OST_AVX512_FEATURES))) void
w4a4Avx512(const W4A4Args &a, int64_t n0, int64_t n1) {
  if (a.rows < 4)
    runTiles<1, 4, W4A4Args, w4a4Tile<1, 4>>(a, n0, n1);
  else
    runTiles<4, 4, W4A4Args, w4a4Tile<4, 4>>(a, n0, n1);
}

__attribute__((target(OST_AVX512_FEATURES))) void
w4a4GroupedAvx512(const W4A4Args &a, int64_t n0, int64_t n1) {
  if (a.rows < 4)
    runGroupTiles<1, 16>(a, n0, n1);
  else
    runGroupTiles<4, 4>(a, n0, n1);
}

__attribute__((target(OST_AVX512_FEATURES))) void
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
void w4a4GroupedAvx512(const W4A4Args &a, int64_t n0, int64_t n1) {
  w4a4GroupedScalar(a, n0, n1);
}
void w4a16Avx512(const W4A16Args &a, int64_t n0, int64_t n1) {
  w4a16Scalar(a, n0, n1);
}
} // namespace ost::runtime::kernels::detail

#endif

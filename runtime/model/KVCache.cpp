//===- KVCache.cpp - the keys and values a session has cached -------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "KVCache.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

namespace ost::runtime {

namespace {

constexpr size_t kAlignment = 64;

size_t alignUp(size_t n) {
  return (n + kAlignment - 1) / kAlignment * kAlignment;
}

bool validBits(int64_t bits) { return (bits >= 2 && bits <= 8) || bits == 16; }

/// Bytes per entry group of a key row / per value entry for `bits`.
int64_t keyRowBytesFor(int64_t bits) {
  return bits <= 4 ? kKeyBlock / 2 : bits <= 8 ? kKeyBlock : kKeyBlock * 4;
}

} // namespace

KVCache::~KVCache() { release(); }

void KVCache::release() {
  std::free(allocation);
  allocation = nullptr;
  base = nullptr;
  bytes = 0;
  capacity = paddedCapacity = numBlocks = 0;
}

bool KVCache::init(const ostrt_model_info &info, int64_t positions,
                   std::string &error) {
  release();
  auto fail = [&](std::string message) {
    error = "kv cache: " + std::move(message);
    return false;
  };
  if (info.num_layers < 1 || info.num_kv_heads < 1 || info.head_dim < 2 ||
      info.head_dim % 2 != 0)
    return fail(
        "invalid model sizes: num_layers = " + std::to_string(info.num_layers) +
        ", num_kv_heads = " + std::to_string(info.num_kv_heads) +
        ", head_dim = " + std::to_string(info.head_dim) +
        " (positive, head_dim even)");
  if (positions < 1 || positions > info.max_positions)
    return fail("capacity " + std::to_string(positions) +
                " is outside [1, max_positions = " +
                std::to_string(info.max_positions) + "]");
  if (!validBits(info.k_bits) || !validBits(info.v_bits))
    return fail("k_bits = " + std::to_string(info.k_bits) + " and v_bits = " +
                std::to_string(info.v_bits) + " must be in 2..8 or 16");
  if (!(info.k_clip > 0.0f) || !(info.v_clip > 0.0f) ||
      !std::isfinite(info.k_clip) || !std::isfinite(info.v_clip))
    return fail("clip ratios must be positive and finite, got k_clip = " +
                std::to_string(info.k_clip) +
                ", v_clip = " + std::to_string(info.v_clip));

  numLayers = info.num_layers;
  numKvHeads = info.num_kv_heads;
  headDim = info.head_dim;
  paddedHeadDim = (headDim + 31) / 32 * 32;
  keyBits = info.k_bits;
  valueBits = info.v_bits;
  keyClip = info.k_clip;
  valueClip = info.v_clip;
  numBlocks = (positions + kKeyBlock - 1) / kKeyBlock;
  int64_t padded = numBlocks * kKeyBlock;
  keyRowBytes = keyRowBytesFor(keyBits);
  keyBlockBytes = headDim * keyRowBytes;
  valueRowBytes = valueBits <= 4   ? paddedHeadDim / 2
                  : valueBits <= 8 ? paddedHeadDim
                                   : paddedHeadDim * 4;

  // Sizes in double first: anything near the address space is an error.
  double heads = double(numLayers) * double(numKvHeads);
  double estimate = heads * double(padded) *
                    (double(headDim) * double(keyRowBytes) / kKeyBlock +
                     double(valueRowBytes) + 16.0);
  if (estimate > 1e15)
    return fail("a cache of " + std::to_string(positions) +
                " positions is too large");
  size_t lh = static_cast<size_t>(numLayers * numKvHeads);
  size_t offset = 0;
  keysOffset = offset;
  offset = alignUp(offset + lh * size_t(numBlocks) * size_t(keyBlockBytes));
  keyParamsOffset = offset;
  if (keyBits < 16)
    offset = alignUp(offset + lh * 2 * size_t(padded) * sizeof(float));
  valuesOffset = offset;
  offset = alignUp(offset + lh * size_t(padded) * size_t(valueRowBytes));
  valueParamsOffset = offset;
  if (valueBits < 16)
    offset = alignUp(offset + lh * 2 * size_t(padded) * sizeof(float));

  // calloc hands out zero pages lazily; align by hand.
  allocation = static_cast<uint8_t *>(std::calloc(offset + kAlignment, 1));
  if (!allocation)
    return fail("cannot allocate " + std::to_string(offset) + " bytes for " +
                std::to_string(positions) + " positions");
  uintptr_t address = reinterpret_cast<uintptr_t>(allocation);
  base = allocation + (kAlignment - address % kAlignment) % kAlignment;
  bytes = offset;
  capacity = positions;
  paddedCapacity = padded;
  return true;
}

void KVCache::writeKeyLevels(int64_t layer, int64_t head, int64_t pos,
                             const uint8_t *levels, float scale,
                             float zeroPoint) {
  uint8_t *block = mutableKeyBlock(layer, head, pos / kKeyBlock);
  int64_t slot = pos % kKeyBlock;
  if (keyBits <= 4) {
    int64_t byte = slot % (kKeyBlock / 2);
    unsigned shift = slot < kKeyBlock / 2 ? 0 : 4;
    uint8_t keep = shift ? 0x0F : 0xF0;
    for (int64_t d = 0; d < headDim; ++d) {
      uint8_t &b = block[d * keyRowBytes + byte];
      b = static_cast<uint8_t>((b & keep) | (levels[d] << shift));
    }
  } else {
    for (int64_t d = 0; d < headDim; ++d)
      block[d * keyRowBytes + slot] = levels[d];
  }
  paramsAt(keyParamsOffset, layer, head, 0)[pos] = scale;
  paramsAt(keyParamsOffset, layer, head, 1)[pos] = zeroPoint;
}

void KVCache::writeKeyFloats(int64_t layer, int64_t head, int64_t pos,
                             const float *row) {
  float *block =
      reinterpret_cast<float *>(mutableKeyBlock(layer, head, pos / kKeyBlock));
  int64_t slot = pos % kKeyBlock;
  for (int64_t d = 0; d < headDim; ++d)
    block[d * kKeyBlock + slot] = row[d];
}

void KVCache::writeValueLevels(int64_t layer, int64_t head, int64_t pos,
                               const uint8_t *levels, float scale,
                               float zeroPoint) {
  uint8_t *row = const_cast<uint8_t *>(getValueRow(layer, head, pos));
  if (valueBits <= 4) {
    int64_t half = paddedHeadDim / 2;
    for (int64_t j = 0; j < half; ++j) {
      unsigned lo = j < headDim ? levels[j] : 0;
      unsigned hi = j + half < headDim ? levels[j + half] : 0;
      row[j] = static_cast<uint8_t>(lo | (hi << 4));
    }
  } else {
    std::memcpy(row, levels, static_cast<size_t>(headDim));
  }
  paramsAt(valueParamsOffset, layer, head, 0)[pos] = scale;
  paramsAt(valueParamsOffset, layer, head, 1)[pos] = zeroPoint;
}

void KVCache::writeValueFloats(int64_t layer, int64_t head, int64_t pos,
                               const float *row) {
  std::memcpy(const_cast<uint8_t *>(getValueRow(layer, head, pos)), row,
              static_cast<size_t>(headDim) * sizeof(float));
}

} // namespace ost::runtime

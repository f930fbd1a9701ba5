//===- KVCache.h - the keys and values a session has cached -----*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Storage for the keys and values of every layer and KV head for
// `capacity` positions, written and read by ostrt_attention. With
// k_bits/v_bits < 16 a position's row of head_dim values is kept as levels
// of the asymmetric per-token quantizer (ost.fake_quant per_token with the
// model's bits and clip ratio) plus its scale and zero point, so that
// (level − zp)·scale is exactly the executor's fake-quantized value; with
// 16 bits it is kept as float32.
//
// Layout, per (layer, KV head):
//  - keys in blocks of kKeyBlock = 32 positions, transposed: block b holds,
//    for each channel d, a row of the 32 positions' entries: 16 bytes of
//    nibbles (bits <= 4; byte i = position i in the low nibble, i + 16 in
//    the high one), 32 bytes (bits 5..8) or 32 floats (16 bits), so the
//    scores of 32 positions are 32-lane FMAs over d;
//  - values one row per position of paddedHeadDim (head_dim rounded up to
//    32) entries: nibbles (byte j = channel j low, j + paddedHeadDim/2
//    high), bytes or floats;
//  - quantized keys and values: a scale and a zero point (float holding an
//    integer) per position.
// Storage is zeroed at init; positions are written before they are read,
// so reusing a cache from position 0 needs no clearing.
//
// The session creates it with the context:
//
//   std::string error;
//   if (!ctx->cache.init(*info, capacity, error)) { ... error ... }
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_MODEL_KVCACHE_H
#define OST_RUNTIME_MODEL_KVCACHE_H

#include "ost/runtime/ModelABI.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace ost::runtime {

/// Positions per transposed key block.
inline constexpr int64_t kKeyBlock = 32;

class KVCache {
public:
  KVCache() = default;
  ~KVCache();
  KVCache(const KVCache &) = delete;
  KVCache &operator=(const KVCache &) = delete;

  /// (Re)allocates zeroed storage for `positions` positions of every layer
  /// and KV head of `info` (num_layers, num_kv_heads, head_dim, k_bits,
  /// v_bits, k_clip, v_clip). Returns false, with a message in `error` and
  /// the cache empty, when positions is < 1 or above info.max_positions, a
  /// size is not positive (head_dim must be even), bits are not in 2..8 or
  /// 16, a clip ratio is not in (0, 1], or the memory cannot be allocated.
  bool init(const ostrt_model_info &info, int64_t positions,
            std::string &error);
  /// Frees the storage; the cache is empty until the next init.
  void release();

  bool isInitialized() const { return base != nullptr; }
  /// Positions per layer (0 when empty).
  int64_t getCapacity() const { return capacity; }
  int64_t getNumLayers() const { return numLayers; }
  int64_t getNumKvHeads() const { return numKvHeads; }
  int64_t getHeadDim() const { return headDim; }
  /// head_dim rounded up to a multiple of 32 (the value rows' length).
  int64_t getPaddedHeadDim() const { return paddedHeadDim; }
  int64_t getKeyBits() const { return keyBits; }
  int64_t getValueBits() const { return valueBits; }
  float getKeyClip() const { return keyClip; }
  float getValueClip() const { return valueClip; }
  /// Bytes allocated.
  size_t getSizeInBytes() const { return bytes; }

  /// True when keys (values) are stored as levels, false for float32.
  bool hasQuantizedKeys() const { return keyBits < 16; }
  bool hasQuantizedValues() const { return valueBits < 16; }

  //===--------------------------------------------------------------------===//
  // Writing one (layer, head, position) row (ostrt_attention quantizes it):
  // head_dim levels (0..2^bits−1) with their scale and zero point, or
  // head_dim floats. Positions that share a key block must be written by
  // one thread at a time (two positions' nibbles share a byte).
  //===--------------------------------------------------------------------===//

  void writeKeyLevels(int64_t layer, int64_t head, int64_t pos,
                      const uint8_t *levels, float scale, float zeroPoint);
  void writeKeyFloats(int64_t layer, int64_t head, int64_t pos,
                      const float *row);
  void writeValueLevels(int64_t layer, int64_t head, int64_t pos,
                        const uint8_t *levels, float scale, float zeroPoint);
  void writeValueFloats(int64_t layer, int64_t head, int64_t pos,
                        const float *row);

  //===--------------------------------------------------------------------===//
  // Reading (the layout above).
  //===--------------------------------------------------------------------===//

  /// Bytes of one channel row of a key block: 16, 32 or 128 (floats).
  int64_t getKeyRowBytes() const { return keyRowBytes; }
  /// Key block `block` of (layer, head): headDim rows of getKeyRowBytes().
  const uint8_t *getKeyBlock(int64_t layer, int64_t head, int64_t block) const {
    return base + keysOffset +
           ((layer * numKvHeads + head) * numBlocks + block) * keyBlockBytes;
  }
  /// Bytes of one value row: paddedHeadDim/2, paddedHeadDim or
  /// 4·paddedHeadDim.
  int64_t getValueRowBytes() const { return valueRowBytes; }
  const uint8_t *getValueRow(int64_t layer, int64_t head, int64_t pos) const {
    return base + valuesOffset +
           ((layer * numKvHeads + head) * paddedCapacity + pos) * valueRowBytes;
  }
  /// Per-position scales and zero points of (layer, head) (quantized keys or
  /// values only): paddedCapacity (a multiple of 32) entries each.
  const float *getKeyScales(int64_t layer, int64_t head) const {
    return paramsAt(keyParamsOffset, layer, head, 0);
  }
  const float *getKeyZeroPoints(int64_t layer, int64_t head) const {
    return paramsAt(keyParamsOffset, layer, head, 1);
  }
  const float *getValueScales(int64_t layer, int64_t head) const {
    return paramsAt(valueParamsOffset, layer, head, 0);
  }
  const float *getValueZeroPoints(int64_t layer, int64_t head) const {
    return paramsAt(valueParamsOffset, layer, head, 1);
  }

private:
  float *paramsAt(size_t offset, int64_t layer, int64_t head,
                  int64_t which) const {
    return reinterpret_cast<float *>(base + offset) +
           ((layer * numKvHeads + head) * 2 + which) * paddedCapacity;
  }
  uint8_t *mutableKeyBlock(int64_t layer, int64_t head, int64_t block) {
    return const_cast<uint8_t *>(getKeyBlock(layer, head, block));
  }

  uint8_t *allocation = nullptr;
  uint8_t *base = nullptr;
  size_t bytes = 0;
  int64_t capacity = 0, paddedCapacity = 0, numBlocks = 0;
  int64_t numLayers = 0, numKvHeads = 0, headDim = 0, paddedHeadDim = 0;
  int64_t keyBits = 16, valueBits = 16;
  float keyClip = 1.0f, valueClip = 1.0f;
  int64_t keyRowBytes = 0, keyBlockBytes = 0, valueRowBytes = 0;
  size_t keysOffset = 0, keyParamsOffset = 0, valuesOffset = 0,
         valueParamsOffset = 0;
};

} // namespace ost::runtime

#endif // OST_RUNTIME_MODEL_KVCACHE_H

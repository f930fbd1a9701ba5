//===- Int4Gemm.cpp - W4A4/W4A16 drivers: checks, padding, threads --------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "Int4GemmImpl.h"

#include "ost/Numerics/QuantGrid.h"

#include <algorithm>
#include <cstring>

namespace ost::runtime::kernels {

using namespace detail;

namespace {

/// Resolves Isa::Auto and rejects a path this CPU cannot run.
Status resolveIsa(Isa &isa) {
  if (isa == Isa::Auto)
    isa = getBestIsa();
  if (!isIsaSupported(isa))
    return Status::failure(std::string("this cpu does not support the ") +
                           getIsaName(isa) + " kernels");
  return Status::success();
}

/// Checks an owning weight (the numThreads overloads).
Status checkPackedWeight(const PackedWeight &w) {
  if (w.n < 1 || w.k < 2 || w.paddedK % kBlockK != 0 || w.paddedK < w.k ||
      static_cast<int64_t>(w.data.size()) != w.n * w.getRowBytes() ||
      static_cast<int64_t>(w.scales.size()) != w.n ||
      static_cast<int64_t>(w.rowSums.size()) != w.n)
    return Status::failure("the weight is not a packed int4 weight (build it "
                           "with packWeightInt4)");
  return Status::success();
}

/// Checks a weight view; W4A16 does not read the group sums.
Status checkView(const PackedWeightView &w, bool needSums) {
  if (w.n < 1 || w.k < 1 || w.paddedK % kBlockK != 0 || w.paddedK < w.k ||
      w.paddedK - w.k >= kBlockK)
    return Status::failure(
        "the weight view is not a packed int4 weight: n = " +
        std::to_string(w.n) + ", k = " + std::to_string(w.k) +
        ", paddedK = " + std::to_string(w.paddedK) +
        " (paddedK must be k rounded up to a multiple of 128)");
  if (!w.data || !w.scales || (needSums && !w.groupSums))
    return Status::failure("the weight view needs data, scales and group sums");
  if (w.groupSize < 0 || (w.groupSize > 0 && w.k % w.groupSize != 0))
    return Status::failure("the weight's group size " +
                           std::to_string(w.groupSize) +
                           " does not divide k = " + std::to_string(w.k));
  return Status::success();
}

/// Per-thread buffers of the drivers, reused across calls.
struct Scratch {
  std::vector<uint8_t> levels;
  std::vector<float> floats;
  std::vector<int32_t> corrections, zeroPoints;
  std::vector<float> scales;
  std::vector<int64_t> badRows;
};

Scratch &getScratch() {
  static thread_local Scratch scratch;
  return scratch;
}

/// Rows per chunk of an O(rows·k) preparation pass.
int64_t rowGrain(int64_t k) { return std::max<int64_t>(1, 65536 / k); }

/// The row-level work of qgemmW4A16: pads x when k is not a multiple of
/// 128 and runs the path over column chunks.
void runW4A16(const float *x, int64_t rows, const PackedWeightView &w,
              const float *bias, float *y, ParallelFor parallel, Isa isa,
              std::vector<float> &buffer) {
  const float *padded = x;
  if (w.paddedK != w.k) {
    buffer.resize(static_cast<size_t>(rows * w.paddedK));
    parallel(rows, rowGrain(w.paddedK), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        float *dst = buffer.data() + r * w.paddedK;
        std::memcpy(dst, x + r * w.k, static_cast<size_t>(w.k) * sizeof(float));
        std::fill(dst + w.k, dst + w.paddedK, 0.0f);
      }
    });
    padded = buffer.data();
  }
  W4A16Args args{padded, rows, &w, bias, y};
  void (*kernel)(const W4A16Args &, int64_t, int64_t) =
      isa == Isa::Avx512 ? w4a16Avx512
      : isa == Isa::Avx2 ? w4a16Avx2
                         : w4a16Scalar;
  parallel(w.n, kColumnChunk,
           [&](int64_t n0, int64_t n1) { kernel(args, n0, n1); });
}

} // namespace

Status qgemmW4A4(const QuantizedActivations &a, const PackedWeightView &w,
                 const float *bias, float *y, ParallelFor parallel, Isa isa) {
  if (Status s = checkView(w, /*needSums=*/true); !s.ok())
    return s;
  if (a.rows < 0)
    return Status::failure("the number of rows must be >= 0, got " +
                           std::to_string(a.rows));
  if (a.k != w.k)
    return Status::failure("the activations have k = " + std::to_string(a.k) +
                           " but the weight has k = " + std::to_string(w.k));
  int64_t group = a.groupSize > 0 ? a.groupSize : a.k;
  if (a.groupSize < 0 || a.k % group != 0)
    return Status::failure("the activation group size " +
                           std::to_string(a.groupSize) +
                           " does not divide k = " + std::to_string(a.k));
  int64_t weightGroup = w.groupSize > 0 ? w.groupSize : w.k;
  if (group != weightGroup)
    return Status::failure(
        "the activation group size " + std::to_string(a.groupSize) +
        " differs from the group size of the weight's sums " +
        std::to_string(w.groupSize));
  if (Status s = resolveIsa(isa); !s.ok())
    return s;
  if (a.rows == 0)
    return Status::success();
  if (!a.levels || !a.scales || !a.zeroPoints || !y)
    return Status::failure("w4a4 operands must not be null");

  const int64_t rows = a.rows, k = a.k, groups = k / group;
  Scratch &scratch = getScratch();

  if (groups > 1 && group % kHalfK != 0) {
    // Groups that split a nibble half: dequantize (exactly the
    // fake-quantized values) and run the float-activation path.
    scratch.floats.resize(static_cast<size_t>(rows * k));
    scratch.badRows.assign(static_cast<size_t>(getNumChunks(rows, 1)), -1);
    float *x = scratch.floats.data();
    parallel(rows, rowGrain(k), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r)
        for (int64_t g = 0; g < groups; ++g) {
          float scale = a.scales[r * groups + g];
          float zp = static_cast<float>(a.zeroPoints[r * groups + g]);
          for (int64_t i = g * group; i < (g + 1) * group; ++i) {
            uint8_t level = a.levels[r * k + i];
            if (level > 15)
              scratch.badRows[r] = r;
            x[r * k + i] = ::ost::numerics::dequantizeLevel(
                static_cast<float>(level), zp, scale);
          }
        }
    });
    for (int64_t r = 0; r < rows; ++r)
      if (scratch.badRows[r] >= 0)
        for (int64_t i = 0; i < k; ++i)
          if (a.levels[r * k + i] > 15)
            return Status::failure(
                "activation level " + std::to_string(a.levels[r * k + i]) +
                " at row " + std::to_string(r) + " is outside 0..15");
    std::vector<float> padBuffer;
    runW4A16(x, rows, w, bias, y, parallel, isa, padBuffer);
    return Status::success();
  }

  // Levels (padded with 0 to paddedK unless k is a multiple of 128), and
  // the per (group, row) terms, transposed and padded to a multiple of 4
  // rows (plus 4 entries that tile loads may touch).
  const bool pad = w.paddedK != k;
  const int64_t stride = (rows + 3) / 4 * 4;
  if (pad)
    scratch.levels.resize(static_cast<size_t>(rows * w.paddedK));
  scratch.corrections.resize(static_cast<size_t>(groups * stride + 4));
  scratch.zeroPoints.resize(static_cast<size_t>(groups * stride + 4));
  scratch.scales.resize(static_cast<size_t>(groups * stride + 4));
  const int64_t grain = rowGrain(k);
  scratch.badRows.assign(static_cast<size_t>(getNumChunks(rows, grain)), -1);
  parallel(rows, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const uint8_t *src = a.levels + r * k;
      unsigned maxLevel = 0;
      for (int64_t g = 0; g < groups; ++g) {
        int32_t sum = 0;
        for (int64_t i = g * group; i < (g + 1) * group; ++i) {
          sum += src[i];
          maxLevel = std::max<unsigned>(maxLevel, src[i]);
        }
        scratch.corrections[g * stride + r] = 8 * sum;
        scratch.zeroPoints[g * stride + r] = a.zeroPoints[r * groups + g];
        scratch.scales[g * stride + r] = a.scales[r * groups + g];
      }
      if (maxLevel > 15 && scratch.badRows[begin / grain] < 0)
        scratch.badRows[begin / grain] = r;
      if (pad) {
        uint8_t *dst = scratch.levels.data() + r * w.paddedK;
        std::memcpy(dst, src, static_cast<size_t>(k));
        std::fill(dst + k, dst + w.paddedK, uint8_t(0));
      }
    }
  });
  for (int64_t bad : scratch.badRows) {
    if (bad < 0)
      continue;
    for (int64_t i = 0; i < k; ++i)
      if (a.levels[bad * k + i] > 15)
        return Status::failure(
            "activation level " + std::to_string(a.levels[bad * k + i]) +
            " at row " + std::to_string(bad) + " is outside 0..15");
  }
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t r = rows; r < stride + (g + 1 == groups ? 4 : 0); ++r) {
      scratch.corrections[g * stride + r] =
          scratch.corrections[g * stride + rows - 1];
      scratch.zeroPoints[g * stride + r] =
          scratch.zeroPoints[g * stride + rows - 1];
      scratch.scales[g * stride + r] = scratch.scales[g * stride + rows - 1];
    }

  W4A4Args args;
  args.act = pad ? scratch.levels.data() : a.levels;
  args.actStride = pad ? w.paddedK : k;
  args.rows = rows;
  args.w = &w;
  args.groupHalves = groups > 1 ? group / kHalfK : 0;
  args.numGroups = groups;
  args.paramStride = stride;
  args.rowCorrection = scratch.corrections.data();
  args.rowZeroPoints = scratch.zeroPoints.data();
  args.rowScales = scratch.scales.data();
  args.bias = bias;
  args.y = y;
  void (*kernel)(const W4A4Args &, int64_t, int64_t);
  if (groups > 1)
    kernel = isa == Isa::Avx512 ? w4a4GroupedAvx512
             : isa == Isa::Avx2 ? w4a4GroupedAvx2
                                : w4a4GroupedScalar;
  else
    kernel = isa == Isa::Avx512 ? w4a4Avx512
             : isa == Isa::Avx2 ? w4a4Avx2
                                : w4a4Scalar;
  parallel(w.n, kColumnChunk,
           [&](int64_t n0, int64_t n1) { kernel(args, n0, n1); });
  return Status::success();
}

Status qgemmW4A16(const float *x, int64_t rows, const PackedWeightView &w,
                  const float *bias, float *y, ParallelFor parallel, Isa isa) {
  if (Status s = checkView(w, /*needSums=*/false); !s.ok())
    return s;
  if (rows < 0)
    return Status::failure("the number of rows must be >= 0, got " +
                           std::to_string(rows));
  if (Status s = resolveIsa(isa); !s.ok())
    return s;
  if (rows == 0)
    return Status::success();
  if (!x || !y)
    return Status::failure("gemm operands must not be null");
  runW4A16(x, rows, w, bias, y, parallel, isa, getScratch().floats);
  return Status::success();
}

Status qgemmW4A4(const uint8_t *q, const float *scales,
                 const int32_t *zeroPoints, int64_t rows, const PackedWeight &w,
                 float *y, unsigned numThreads, Isa isa) {
  if (rows < 0)
    return Status::failure("the number of rows must be >= 0, got " +
                           std::to_string(rows));
  if (Status s = checkPackedWeight(w); !s.ok())
    return s;
  if (rows > 0 && (!q || !y))
    return Status::failure("gemm operands must not be null");
  if (Status s = resolveIsa(isa); !s.ok())
    return s;
  if (rows == 0)
    return Status::success();
  if (!scales || !zeroPoints)
    return Status::failure("w4a4 needs per-row scales and zero points");
  QuantizedActivations a;
  a.levels = q;
  a.scales = scales;
  a.zeroPoints = zeroPoints;
  a.rows = rows;
  a.k = w.k;
  return qgemmW4A4(a, w.getView(), nullptr, y,
                   NewThreadsParallelFor(numThreads), isa);
}

Status qgemmW4A16(const float *x, int64_t rows, const PackedWeight &w, float *y,
                  unsigned numThreads, Isa isa) {
  if (rows < 0)
    return Status::failure("the number of rows must be >= 0, got " +
                           std::to_string(rows));
  if (Status s = checkPackedWeight(w); !s.ok())
    return s;
  if (rows > 0 && (!x || !y))
    return Status::failure("gemm operands must not be null");
  return qgemmW4A16(x, rows, w.getView(), nullptr, y,
                    NewThreadsParallelFor(numThreads), isa);
}

} // namespace ost::runtime::kernels

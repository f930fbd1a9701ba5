//===- QuantKernels.cpp - fake quantization, runtime quant, qlinear -------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The quantizer kernels of #ost.qspec: fake quantization for every
// granularity, runtime per-token quantization, dequantization and packed
// weights. The grid arithmetic itself (METHOD §6: scale, zero point,
// round-half-to-even, clamp, clip search) is ost/Numerics/QuantGrid.h and
// ClipSearch.h, shared with lib/Quant and the CPU runtime; this file only
// lays scale groups over tensors.
//
//===----------------------------------------------------------------------===//

#include "ost/Executor/Kernels.h"

#include "KernelUtils.h"
#include "Threading.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::detail;

//===----------------------------------------------------------------------===//
// QuantParams
//===----------------------------------------------------------------------===//

QuantParams QuantParams::fromAttr(QuantSpecAttr spec) {
  QuantParams p;
  p.bits = spec.getBits();
  p.symmetric = spec.getSymmetric();
  p.granularity = spec.getGranularity();
  p.axis = spec.getAxis();
  p.groupSize = spec.getGroupSize();
  p.clipRatio = static_cast<float>(spec.getClipRatioValue());
  return p;
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

using ::ost::numerics::minMax;

namespace {

/// Checks `params` against the shape it quantizes and returns the number of
/// elements of the last dimension per scale group.
llvm::Expected<int64_t> validateLayout(ArrayRef<int64_t> shape,
                                       const QuantParams &params) {
  int64_t rank = shape.size();
  if (params.bits < 2 || params.bits > 8)
    return kernelError("quantization bits must be in [2, 8], got " +
                       Twine(params.bits));
  if (params.granularity != Granularity::PerTensor && rank == 0)
    return kernelError("per_token and per_channel quantization need rank >= 1");
  int64_t last = rank ? shape.back() : 1;
  int64_t group = params.groupSize;
  if (group < 0 || (group > 0 && params.granularity == Granularity::PerTensor))
    return kernelError("invalid group size " + Twine(group));
  if (group > 0 && last % group != 0)
    return kernelError("group size " + Twine(group) +
                       " does not divide the last dimension (" + Twine(last) +
                       ")");
  if (params.granularity == Granularity::PerChannel &&
      (params.axis < 0 || params.axis >= rank))
    return kernelError("per_channel axis " + Twine(params.axis) +
                       " is out of range for rank " + Twine(rank));
  return group > 0 ? group : last;
}

/// Fake-quantizes n contiguous floats with one grid.
void fakeQuantSegment(const float *in, float *out, int64_t n,
                      const QuantParams &params) {
  QuantGrid grid = searchClipGrid(in, n, params);
  for (int64_t i = 0; i < n; ++i)
    out[i] = grid.dequantize(grid.quantize(in[i]));
}

/// Per-channel fake quantization: one grid per (index along `axis`, group of
/// the last dimension), reducing over every other dimension.
void fakeQuantPerChannel(const Tensor &x, Tensor &out, int64_t groupLen,
                         const QuantParams &params, unsigned numThreads) {
  ArrayRef<int64_t> shape = x.getShape();
  int64_t rank = x.getRank(), axis = params.axis;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= shape[d];
  int64_t channels = shape[axis];
  // When the axis is the last dimension each channel lies in one group.
  bool lastAxis = axis == rank - 1;
  int64_t last = shape.back();
  int64_t groups = lastAxis ? 1 : last / groupLen;
  auto groupOf = [&](int64_t i) {
    return lastAxis ? 0 : (i % last) / groupLen;
  };
  const float *in = x.getFloatData();
  float *res = out.getFloatData();
  parallelFor(channels, grainFor(outer * inner), numThreads,
              [&](int64_t begin, int64_t end) {
                std::vector<float> lo(groups), hi(groups);
                std::vector<QuantGrid> grids(groups);
                for (int64_t c = begin; c < end; ++c) {
                  std::fill(lo.begin(), lo.end(),
                            std::numeric_limits<float>::infinity());
                  std::fill(hi.begin(), hi.end(),
                            -std::numeric_limits<float>::infinity());
                  for (int64_t o = 0; o < outer; ++o)
                    for (int64_t i = 0; i < inner; ++i) {
                      float v = in[(o * channels + c) * inner + i];
                      int64_t g = groupOf(i);
                      lo[g] = std::min(lo[g], v);
                      hi[g] = std::max(hi[g], v);
                    }
                  for (int64_t g = 0; g < groups; ++g)
                    grids[g] = QuantGrid::compute(lo[g], hi[g], params);
                  for (int64_t o = 0; o < outer; ++o)
                    for (int64_t i = 0; i < inner; ++i) {
                      int64_t idx = (o * channels + c) * inner + i;
                      const QuantGrid &grid = grids[groupOf(i)];
                      res[idx] =
                          grid.dequantize(grid.quantize(in[idx]));
                    }
                }
              });
}

/// Validates a per_token runtime quantization layout and returns the shape
/// of its scales (x.shape[:-1] + [groups]) and the group length.
llvm::Expected<std::pair<SmallVector<int64_t>, int64_t>>
perTokenLayout(ArrayRef<int64_t> shape, const QuantParams &params) {
  if (params.granularity != Granularity::PerToken)
    return kernelError("runtime quantization must be per_token");
  llvm::Expected<int64_t> groupLen = validateLayout(shape, params);
  if (!groupLen)
    return groupLen.takeError();
  SmallVector<int64_t> scalesShape(shape);
  scalesShape.back() = *groupLen ? shape.back() / *groupLen : 0;
  return std::make_pair(scalesShape, *groupLen);
}

} // namespace

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

KernelResult mlir::ost::fakeQuant(const Tensor &x, const QuantParams &params,
                                  const KernelContext &ctx) {
  if (!x.isFloat())
    return kernelError("the input must be a float tensor");
  llvm::Expected<int64_t> groupLen = validateLayout(x.getShape(), params);
  if (!groupLen)
    return groupLen.takeError();
  Tensor out = Tensor::uninitialized(x.getShape());
  int64_t numel = x.getNumElements();
  if (numel == 0)
    return out;
  const float *in = x.getFloatData();
  float *res = out.getFloatData();
  switch (params.granularity) {
  case Granularity::PerTensor: {
    constexpr int64_t grain = int64_t(1) << 16;
    int64_t chunks = (numel + grain - 1) / grain;
    std::vector<std::pair<float, float>> partial(chunks);
    parallelFor(numel, grain, ctx.numThreads, [&](int64_t begin, int64_t end) {
      partial[begin / grain] = minMax(in + begin, end - begin);
    });
    float lo = std::numeric_limits<float>::infinity();
    float hi = -std::numeric_limits<float>::infinity();
    for (auto [l, h] : partial) {
      lo = std::min(lo, l);
      hi = std::max(hi, h);
    }
    QuantGrid grid = QuantGrid::compute(lo, hi, params);
    parallelFor(numel, grain, ctx.numThreads, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i)
        res[i] = grid.dequantize(grid.quantize(in[i]));
    });
    break;
  }
  case Granularity::PerChannel:
    // A clip search needs contiguous groups; per_channel on axis 0 of a
    // rank-2 weight has them (one row per channel).
    if (!(params.clipSearchNorm > 0.0 && params.axis == 0 &&
          x.getRank() == 2)) {
      fakeQuantPerChannel(x, out, *groupLen, params, ctx.numThreads);
      break;
    }
    [[fallthrough]];
  case Granularity::PerToken: {
    int64_t len = *groupLen;
    parallelFor(numel / len, grainFor(len), ctx.numThreads,
                [&](int64_t begin, int64_t end) {
                  for (int64_t s = begin; s < end; ++s)
                    fakeQuantSegment(in + s * len, res + s * len, len, params);
                });
    break;
  }
  }
  return out;
}

llvm::Expected<QuantizedTensor>
mlir::ost::dynamicQuantize(const Tensor &x, const QuantParams &params,
                           IntFormat levelsFormat, IntFormat zeroPointFormat,
                           const KernelContext &ctx) {
  if (!x.isFloat())
    return kernelError("the input must be a float tensor");
  auto layout = perTokenLayout(x.getShape(), params);
  if (!layout)
    return layout.takeError();
  SmallVector<int64_t> scalesShape = layout->first;
  int64_t len = layout->second;
  if (levelsFormat.dtype == DType::F32 || levelsFormat.width < params.bits)
    return kernelError("the levels need an integer type of at least " +
                       Twine(params.bits) + " bits");
  QuantizedTensor result;
  result.levels = Tensor::uninitialized(x.getShape(), levelsFormat.dtype,
                                        levelsFormat.width);
  result.scales = Tensor::uninitialized(scalesShape);
  if (!params.symmetric) {
    if (zeroPointFormat.dtype == DType::F32)
      return kernelError("zero points need an integer type");
    result.zeroPoints =
        Tensor::uninitialized(scalesShape, zeroPointFormat.dtype,
                              zeroPointFormat.width);
  }
  const float *in = x.getFloatData();
  float *scales = result.scales.getFloatData();
  int64_t segments = len ? x.getNumElements() / len : 0;
  parallelFor(segments, grainFor(len), ctx.numThreads,
              [&](int64_t begin, int64_t end) {
                for (int64_t s = begin; s < end; ++s) {
                  auto [lo, hi] = minMax(in + s * len, len);
                  QuantGrid grid = QuantGrid::compute(lo, hi, params);
                  scales[s] = grid.scale;
                  if (!params.symmetric)
                    result.zeroPoints.setInt(
                        s, static_cast<int64_t>(grid.zeroPoint));
                  for (int64_t i = s * len; i < (s + 1) * len; ++i)
                    result.levels.setInt(i, static_cast<int64_t>(
                                                grid.quantize(in[i])));
                }
              });
  return result;
}

KernelResult mlir::ost::dequantize(const Tensor &levels, const Tensor &scales,
                                   const Tensor *zeroPoints,
                                   const QuantParams &params,
                                   const KernelContext &ctx) {
  if (!levels.isInteger())
    return kernelError("the levels must be an integer tensor");
  if (!scales.isFloat())
    return kernelError("the scales must be a float tensor");
  auto layout = perTokenLayout(levels.getShape(), params);
  if (!layout)
    return layout.takeError();
  SmallVector<int64_t> scalesShape = layout->first;
  int64_t len = layout->second;
  if (scales.getShape() != ArrayRef<int64_t>(scalesShape))
    return kernelError("the scales " + scales.getShapeString() +
                       " do not match the expected " +
                       formatShape(scalesShape));
  if (params.symmetric == (zeroPoints != nullptr))
    return kernelError(params.symmetric
                           ? "symmetric quantization has no zero points"
                           : "asymmetric quantization needs zero points");
  if (zeroPoints && (!zeroPoints->isInteger() ||
                     zeroPoints->getShape() != scales.getShape()))
    return kernelError("the zero points must be integers of the scales' "
                       "shape");
  Tensor out = Tensor::uninitialized(levels.getShape());
  float *res = out.getFloatData();
  const float *s = scales.getFloatData();
  int64_t segments = len ? levels.getNumElements() / len : 0;
  parallelFor(segments, grainFor(len), ctx.numThreads,
              [&](int64_t begin, int64_t end) {
                for (int64_t seg = begin; seg < end; ++seg) {
                  QuantGrid grid;
                  grid.scale = s[seg];
                  grid.zeroPoint =
                      zeroPoints ? float(zeroPoints->getUnsigned(seg)) : 0.0f;
                  for (int64_t i = seg * len; i < (seg + 1) * len; ++i) {
                    int64_t q = params.symmetric ? levels.getInt(i)
                                                 : levels.getUnsigned(i);
                    res[i] = grid.dequantize(static_cast<float>(q));
                  }
                }
              });
  return out;
}

KernelResult mlir::ost::unpackWeight(const Tensor &packed, const Tensor &scales,
                                     const Tensor *zeroPoints,
                                     const QuantParams &wp,
                                     const KernelContext &ctx) {
  if (wp.bits != 2 && wp.bits != 4 && wp.bits != 8)
    return kernelError("packed weights need bits dividing 8 (2, 4 or 8), "
                       "got " +
                       Twine(wp.bits));
  if (packed.getDType() != DType::I8 || packed.getRank() != 2)
    return kernelError("the packed weight must be an i8 matrix, got " +
                       packed.getShapeString());
  int64_t perByte = 8 / wp.bits;
  int64_t n = packed.getDimSize(0), bytes = packed.getDimSize(1);
  int64_t k = bytes * perByte;
  int64_t groupLen = wp.groupSize > 0 ? wp.groupSize : k;
  if (groupLen == 0 || k % groupLen != 0)
    return kernelError("group size " + Twine(wp.groupSize) +
                       " does not divide the input features (" + Twine(k) +
                       ")");
  int64_t groups = k / groupLen;
  if (!scales.isFloat() ||
      scales.getShape() != ArrayRef<int64_t>{n, groups})
    return kernelError("the scales " + scales.getShapeString() +
                       " must be [" + Twine(n) + ", " + Twine(groups) + "]");
  if (wp.symmetric == (zeroPoints != nullptr))
    return kernelError(wp.symmetric ? "symmetric weights take no zero points"
                                    : "asymmetric weights need zero points");
  if (zeroPoints && (!zeroPoints->isInteger() ||
                     zeroPoints->getShape() != scales.getShape()))
    return kernelError("the zero points must be integers of the scales' "
                       "shape");
  Tensor out = Tensor::uninitialized({n, k});
  const uint8_t *q = reinterpret_cast<const uint8_t *>(packed.getI8Data());
  const float *s = scales.getFloatData();
  float *w = out.getFloatData();
  unsigned mask = (1u << wp.bits) - 1u;
  int64_t signBit = int64_t(1) << (wp.bits - 1);
  parallelFor(n, grainFor(k), ctx.numThreads, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row)
      for (int64_t j = 0; j < k; ++j) {
        uint8_t byte = q[row * bytes + j / perByte];
        int64_t level = (byte >> ((j % perByte) * wp.bits)) & mask;
        if (wp.symmetric && level >= signBit)
          level -= int64_t(1) << wp.bits;
        int64_t g = row * groups + j / groupLen;
        float zp = zeroPoints ? float(zeroPoints->getUnsigned(g)) : 0.0f;
        w[row * k + j] = ::ost::numerics::dequantizeLevel(
            static_cast<float>(level), zp, s[g]);
      }
  });
  return out;
}

KernelResult mlir::ost::qlinear(const Tensor &x, const Tensor &packed,
                                const Tensor &scales, const Tensor *zeroPoints,
                                const Tensor *bias,
                                const QuantParams &weightParams,
                                const QuantParams *actParams,
                                const KernelContext &ctx) {
  KernelResult weight =
      unpackWeight(packed, scales, zeroPoints, weightParams, ctx);
  if (!weight)
    return weight.takeError();
  if (!actParams)
    return linear(x, *weight, bias, ctx);
  if (actParams->granularity != Granularity::PerToken)
    return kernelError("the activation quantizer must be per_token");
  KernelResult xq = fakeQuant(x, *actParams, ctx);
  if (!xq)
    return xq.takeError();
  return linear(*xq, *weight, bias, ctx);
}

//===- QuantGradients.cpp - straight-through rule of fake quantization ----===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The gradient PyTorch autograd gives for the reference quantizer of
// METHOD §5.6/§6 with `round_ste` (round(u) = u + (round(u) − u).detach()):
//
//   x̂ = (clamp(round_ste(x/s) + zp, qmin, qmax) − zp)·s,   zp detached,
//
// so per element, with q = round(x/s) + zp:
//   inside  (qmin ≤ q ≤ qmax): ∂x̂/∂x = 1, ∂x̂/∂s = round(u) − u (u = x/s);
//   clamped:                   ∂x̂/∂x = 0, ∂x̂/∂s = q_clamped − zp.
// The scale is a function of the group's first minimum and first maximum
// (QuantGrid::compute), so ∂L/∂s = Σ dy·∂x̂/∂s flows back to those two
// elements, unless the grid was chosen by a clip search (then it is detached
// and only the straight-through term remains). The grid of every group is
// recomputed exactly as the forward kernel computes it.
//
//===----------------------------------------------------------------------===//

#include "ost/Executor/Gradients.h"

#include "KernelUtils.h"
#include "Threading.h"

#include <algorithm>
#include <limits>
#include <vector>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::detail;

namespace {

/// The first minimum and first maximum of a scale group and their flat
/// positions (the elements torch.min/torch.max(dim) would pick).
struct Extremes {
  float lo = std::numeric_limits<float>::infinity();
  float hi = -std::numeric_limits<float>::infinity();
  int64_t argLo = -1, argHi = -1;

  /// Adds element `v` at `pos`; later ties do not replace earlier ones, so
  /// elements must be added in increasing position.
  void add(float v, int64_t pos) {
    if (argLo < 0 || v < lo) {
      lo = v;
      argLo = pos;
    }
    if (argHi < 0 || v > hi) {
      hi = v;
      argHi = pos;
    }
  }
  /// Merges the extremes of a later range of positions.
  void merge(const Extremes &later) {
    if (later.argLo >= 0 && (argLo < 0 || later.lo < lo)) {
      lo = later.lo;
      argLo = later.argLo;
    }
    if (later.argHi >= 0 && (argHi < 0 || later.hi > hi)) {
      hi = later.hi;
      argHi = later.argHi;
    }
  }
};

/// ∂s/∂lo and ∂s/∂hi of QuantGrid::compute(lo, hi, params), following the
/// branches its std::min/std::max calls take.
std::pair<double, double> scaleDerivatives(float lo, float hi,
                                           const QuantParams &params) {
  double clip = params.clipRatio;
  // std::max(hi, 1e-6f) is hi unless hi < 1e-6; std::min(lo, 0) is lo
  // unless lo > 0.
  double dXmax = hi < ::ost::numerics::kRangeFloor ? 0.0 : clip;
  double dXmin = 0.0f < lo ? 0.0 : clip;
  if (!params.symmetric) {
    double levels = static_cast<double>(params.getQMax());
    return {-dXmin / levels, dXmax / levels};
  }
  float negLevels = static_cast<float>(int64_t(1) << (params.bits - 1));
  float xmax = std::max(hi, ::ost::numerics::kRangeFloor) * params.clipRatio;
  float xmin = std::min(lo, 0.0f) * params.clipRatio;
  // std::max(a, b) is a unless a < b.
  if (xmin / -negLevels < xmax / (negLevels - 1.0f))
    return {0.0, dXmax / (double(negLevels) - 1.0)};
  return {-dXmin / double(negLevels), 0.0};
}

/// The straight-through gradient of one element; adds its ∂L/∂s term.
inline float elementBackward(float x, float g, const QuantGrid &grid,
                             double &dscale) {
  float q = grid.unclampedLevel(x);
  if (q >= grid.qmin && q <= grid.qmax) {
    // q − zp is round(u), exactly.
    dscale += double(g) * (double(q - grid.zeroPoint) - double(x / grid.scale));
    return g;
  }
  float clamped = q < grid.qmin ? grid.qmin : grid.qmax;
  dscale += double(g) * double(clamped - grid.zeroPoint);
  return 0.0f;
}

/// Routes ∂L/∂s of a group to its extremes.
void routeScaleGradient(double dscale, const Extremes &ext,
                        const QuantParams &params, float *dx) {
  if (ext.argLo < 0)
    return;
  auto [dLo, dHi] = scaleDerivatives(ext.lo, ext.hi, params);
  dx[ext.argLo] += static_cast<float>(dscale * dLo);
  dx[ext.argHi] += static_cast<float>(dscale * dHi);
}

/// One contiguous group of n elements starting at flat index `base`.
void segmentBackward(const float *x, const float *g, float *dx, int64_t base,
                     int64_t n, const QuantParams &params, bool detached) {
  QuantGrid grid = searchClipGrid(x + base, n, params);
  double dscale = 0.0;
  for (int64_t i = base; i < base + n; ++i)
    dx[i] = elementBackward(x[i], g[i], grid, dscale);
  if (detached)
    return;
  Extremes ext;
  for (int64_t i = base; i < base + n; ++i)
    ext.add(x[i], i);
  routeScaleGradient(dscale, ext, params, dx);
}

/// Per-tensor: one grid, extremes and ∂L/∂s reduced over fixed chunks.
void perTensorBackward(const float *x, const float *g, float *dx, int64_t numel,
                       const QuantParams &params, bool detached,
                       unsigned numThreads) {
  constexpr int64_t grain = int64_t(1) << 16;
  int64_t chunks = (numel + grain - 1) / grain;
  std::vector<Extremes> partial(chunks);
  parallelFor(numel, grain, numThreads, [&](int64_t begin, int64_t end) {
    Extremes &ext = partial[begin / grain];
    for (int64_t i = begin; i < end; ++i)
      ext.add(x[i], i);
  });
  Extremes ext;
  for (const Extremes &p : partial)
    ext.merge(p);
  // The forward's grid: QuantGrid::compute on the tensor's min and max.
  QuantGrid grid = QuantGrid::compute(ext.lo, ext.hi, params);
  std::vector<double> dscales(chunks, 0.0);
  parallelFor(numel, grain, numThreads, [&](int64_t begin, int64_t end) {
    double &ds = dscales[begin / grain];
    for (int64_t i = begin; i < end; ++i)
      dx[i] = elementBackward(x[i], g[i], grid, ds);
  });
  if (detached)
    return;
  double dscale = 0.0;
  for (double d : dscales)
    dscale += d;
  routeScaleGradient(dscale, ext, params, dx);
}

/// Per-channel with non-contiguous groups: one grid per (index along the
/// axis, group of the last dimension), as fakeQuantPerChannel.
void perChannelBackward(const Tensor &x, const float *g, float *dx,
                        int64_t groupLen, const QuantParams &params,
                        bool detached, unsigned numThreads) {
  ArrayRef<int64_t> shape = x.getShape();
  int64_t rank = x.getRank(), axis = params.axis;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= shape[d];
  int64_t channels = shape[axis];
  bool lastAxis = axis == rank - 1;
  int64_t last = shape.back();
  int64_t groups = lastAxis ? 1 : last / groupLen;
  auto groupOf = [&](int64_t i) {
    return lastAxis ? 0 : (i % last) / groupLen;
  };
  const float *in = x.getFloatData();
  parallelFor(channels, grainFor(outer * inner), numThreads,
              [&](int64_t begin, int64_t end) {
                std::vector<Extremes> ext(groups);
                std::vector<QuantGrid> grids(groups);
                std::vector<double> dscales(groups);
                for (int64_t c = begin; c < end; ++c) {
                  std::fill(ext.begin(), ext.end(), Extremes());
                  std::fill(dscales.begin(), dscales.end(), 0.0);
                  // Positions grow with (o, i), so first occurrences win.
                  for (int64_t o = 0; o < outer; ++o)
                    for (int64_t i = 0; i < inner; ++i) {
                      int64_t idx = (o * channels + c) * inner + i;
                      ext[groupOf(i)].add(in[idx], idx);
                    }
                  for (int64_t gi = 0; gi < groups; ++gi)
                    grids[gi] =
                        QuantGrid::compute(ext[gi].lo, ext[gi].hi, params);
                  for (int64_t o = 0; o < outer; ++o)
                    for (int64_t i = 0; i < inner; ++i) {
                      int64_t idx = (o * channels + c) * inner + i;
                      int64_t gi = groupOf(i);
                      dx[idx] = elementBackward(in[idx], g[idx], grids[gi],
                                                dscales[gi]);
                    }
                  if (detached)
                    continue;
                  for (int64_t gi = 0; gi < groups; ++gi)
                    routeScaleGradient(dscales[gi], ext[gi], params, dx);
                }
              });
}

} // namespace

KernelResult mlir::ost::fakeQuantBackward(const Tensor &dy, const Tensor &x,
                                          const QuantParams &params,
                                          const KernelContext &ctx) {
  // The layout checks of the forward kernel.
  if (!x.isFloat())
    return kernelError("the input must be a float tensor");
  if (!dy.isFloat() || dy.getShape() != x.getShape())
    return kernelError("the result gradient " + dy.getShapeString() +
                       " does not match the input " + x.getShapeString());
  if (params.bits < 2 || params.bits > 8)
    return kernelError("quantization bits must be in [2, 8], got " +
                       Twine(params.bits));
  int64_t rank = x.getRank();
  if (params.granularity != Granularity::PerTensor && rank == 0)
    return kernelError("per_token and per_channel quantization need rank >= 1");
  int64_t last = rank ? x.getDimSize(-1) : 1;
  int64_t group = params.groupSize;
  if (group < 0 ||
      (group > 0 && params.granularity == Granularity::PerTensor) ||
      (group > 0 && last % group != 0))
    return kernelError("group size " + Twine(group) +
                       " does not fit the last dimension (" + Twine(last) +
                       ")");
  if (params.granularity == Granularity::PerChannel &&
      (params.axis < 0 || params.axis >= rank))
    return kernelError("per_channel axis " + Twine(params.axis) +
                       " is out of range for rank " + Twine(rank));
  int64_t groupLen = group > 0 ? group : last;

  Tensor dx = Tensor::uninitialized(x.getShape());
  int64_t numel = x.getNumElements();
  if (numel == 0)
    return dx;
  const float *in = x.getFloatData(), *g = dy.getFloatData();
  float *res = dx.getFloatData();
  bool detached = params.clipSearchNorm > 0.0;
  switch (params.granularity) {
  case Granularity::PerTensor:
    perTensorBackward(in, g, res, numel, params, detached, ctx.numThreads);
    break;
  case Granularity::PerChannel:
    // Contiguous rows only when the forward searched them (fakeQuant).
    if (!(detached && params.axis == 0 && rank == 2)) {
      perChannelBackward(x, g, res, groupLen, params, detached, ctx.numThreads);
      break;
    }
    [[fallthrough]];
  case Granularity::PerToken:
    parallelFor(numel / groupLen, grainFor(groupLen), ctx.numThreads,
                [&](int64_t begin, int64_t end) {
                  for (int64_t s = begin; s < end; ++s)
                    segmentBackward(in, g, res, s * groupLen, groupLen, params,
                                    detached);
                });
    break;
  }
  return dx;
}

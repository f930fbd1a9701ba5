//===- SmoothScales.cpp - SmoothQuant scales from activation statistics ---===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Calibration/SmoothScales.h"

#include "ost/Dialect/OST/IR/OSTOps.h"
#include "ost/Dialect/OST/IR/OSTTypes.h"
#include "ost/Dialect/OST/Transforms/WeightConstants.h"
#include "ost/Executor/Executor.h"

#include "llvm/ADT/DenseMap.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::ost;

namespace {

/// Running maxima of |x| per index of the last dimension, over all rows: the
/// channel maxima of an activation [..., D], or the column maxima of a
/// weight [N, K].
void accumulateAbsMax(const Tensor &t, std::vector<double> &max) {
  int64_t d = t.getDimSize(-1);
  if (max.empty())
    max.assign(d, 0.0);
  const float *x = t.getFloatData();
  for (int64_t r = 0, rows = t.getNumRows(); r < rows; ++r)
    for (int64_t j = 0; j < d; ++j)
      max[j] = std::max(max[j], static_cast<double>(std::fabs(x[r * d + j])));
}

} // namespace

LogicalResult mlir::ost::setSmoothQuantScales(
    ModuleOp module, StringRef function, const std::vector<TokenBlock> &blocks,
    double alpha, int64_t batchSize, unsigned numThreads) {
  if (!(alpha >= 0.0 && alpha <= 1.0))
    return emitError(module.getLoc())
           << "smoothquant: alpha must be in [0, 1], got " << alpha;
  // The scales to set: inverse applies of a scale parameter whose result
  // feeds linear layers.
  llvm::DenseMap<Operation *, ParamOp> applies;
  module.walk([&](ApplyOp apply) {
    auto param = apply.getTransform().getDefiningOp<ParamOp>();
    if (!param || !isa<ScaleType>(param.getResult().getType()) ||
        !apply.getInverse())
      return;
    bool feedsLinear = llvm::any_of(apply.getResult().getUsers(), [](Operation *u) {
      return isa<LinearOp>(u);
    });
    if (feedsLinear)
      applies[apply] = param;
  });
  if (applies.empty())
    return emitError(module.getLoc())
           << "smoothquant: no scale parameter is applied to the input of a "
              "linear layer; insert the attn/ffn pairs first "
              "(ost-insert-transforms=pairs=attn,ffn)";
  for (auto &[op, param] : applies) {
    FailureOr<std::vector<float>> v =
        param.getValue() ? getF32Elements(*param.getValue())
                         : FailureOr<std::vector<float>>(failure());
    if (failed(v) || llvm::any_of(*v, [](float s) { return s != 1.0f; }))
      return param.emitError()
             << "smoothquant: scale '" << param.getName()
             << "' must be initialized to ones before measuring";
  }

  llvm::DenseMap<Operation *, std::vector<double>> actMax, weightMax;
  ExecutorOptions execOptions;
  execOptions.numThreads = numThreads;
  Executor exec(module, execOptions);
  exec.setObserver([&](Operation *op, ArrayRef<const Tensor *> operands) {
    if (isa<ApplyOp>(op) && applies.count(op) && operands[1])
      accumulateAbsMax(*operands[1], actMax[op]);
    if (auto linear = dyn_cast<LinearOp>(op)) {
      Operation *producer = linear.getInput().getDefiningOp();
      if (producer && applies.count(producer) && operands[1])
        accumulateAbsMax(*operands[1], weightMax[producer]);
    }
  });
  int64_t len = blocks.empty() ? 0 : static_cast<int64_t>(blocks[0].size());
  for (size_t first = 0; first < blocks.size(); first += batchSize) {
    int64_t batch =
        std::min<int64_t>(batchSize, static_cast<int64_t>(blocks.size() - first));
    Tensor tokens({batch, len}, DType::I64);
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t t = 0; t < len; ++t)
        tokens.setInt(b * len + t, blocks[first + b][t]);
    if (failed(exec.run(function, {tokens})))
      return failure();
  }
  for (auto &[op, param] : applies) {
    std::vector<double> &xs = actMax[op], &ws = weightMax[op];
    if (xs.empty() || ws.size() != xs.size())
      return param.emitError() << "smoothquant: no statistics were recorded "
                                  "for scale '"
                               << param.getName() << "'";
    std::vector<float> s(xs.size());
    for (size_t j = 0; j < xs.size(); ++j) {
      double x = std::max(xs[j], 1e-5), w = std::max(ws[j], 1e-5);
      s[j] = static_cast<float>(
          std::max(std::pow(x, alpha) / std::pow(w, 1.0 - alpha), 1e-5));
    }
    auto type = RankedTensorType::get({static_cast<int64_t>(s.size())},
                                      Float32Type::get(module.getContext()));
    param.setValueAttr(
        createF32Elements(type, s, ("param." + param.getName()).str()));
  }
  return success();
}

//===- QSURAnalysis.h - QSUR of a model's linear inputs ---------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Measures how well the inputs of a model's linear layers fill a
// quantization grid (QSUR, METHOD.md §1, docs/QSUR.md). Runs the model on
// token windows with the executor's op observer and accumulates, per site,
// the float64 mean and covariance of the activation rows and the per-channel
// max |x|; the rows of the site's weights (what the linears actually
// multiply by, after any transform_weight) give a weight-side QSUR.
//
// A site is one SSA value read by ost.linear / ost.lm_head ops (linears
// sharing an input are one site), named by the roles that read it:
//
//   q_proj, k_proj, v_proj  → "qkv"       (a subset: "q", "kv", …)
//   gate_proj, up_proj      → "upgate"    ("gate" or "up" alone)
//   o_proj → "o", down_proj → "down", ost.lm_head → "head" (layer −1)
//   no role                 → "linear"
//
// and keyed by (layer, name); a key met twice gets "#2", "#3", … appended.
//
//===----------------------------------------------------------------------===//

#ifndef OST_ANALYSIS_QSURANALYSIS_H
#define OST_ANALYSIS_QSURANALYSIS_H

#include "ost/Executor/Executor.h"
#include "ost/Support/QSUR.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::ost {

/// Where a group of linears reads its input.
struct QSURSite {
  /// The `layer` attribute of the linears (−1 for the head or none).
  int64_t layer = -1;
  /// "qkv", "upgate", "o", "down", "head", … (see the file comment).
  std::string name;
  /// The input's channel count (last dimension).
  int64_t dim = 0;

  bool operator==(const QSURSite &other) const {
    return layer == other.layer && name == other.name && dim == other.dim;
  }
};

/// QSUR of one site under one variant of the model.
struct QSURSiteStats {
  QSURSite site;
  /// Activation rows (tokens) seen, and weight rows stacked.
  int64_t samples = 0;
  int64_t weightRows = 0;
  /// QSUR of the activations with the analysis's options, and with useMean
  /// set; empty when it could not be computed (see error).
  std::optional<QSURResult> activation;
  std::optional<QSURResult> activationWithMean;
  /// QSUR of the rows of the weights reading this site.
  std::optional<QSURResult> weight;
  /// Why a value above is missing (e.g. an all-zero covariance).
  std::string error;
  /// max |x| per input channel over every row seen.
  std::vector<double> channelAbsMax;
};

/// How to run the model and compute QSUR.
struct QSURAnalysisOptions {
  /// The function run on each window: (tensor<1xTxi64>) -> logits.
  std::string entry = "forward";
  ExecutorOptions executor;
  /// Options of the activation and weight QSUR. The "with mean" value uses
  /// the same options with useMean set.
  QSUROptions qsur;
};

/// The sites of `module` in IR order. Fails with a diagnostic if the module
/// has no ost.linear or ost.lm_head op.
FailureOr<std::vector<QSURSite>> findQSURSites(ModuleOp module);

/// Runs `options.entry` of `module` on every window (the token ids of one
/// sequence each) and returns the statistics of every site, in the order of
/// findQSURSites(). Fails after a diagnostic if a run fails.
FailureOr<std::vector<QSURSiteStats>>
analyzeQSUR(ModuleOp module, ArrayRef<std::vector<int32_t>> windows,
            const QSURAnalysisOptions &options = {});

} // namespace mlir::ost

#endif // OST_ANALYSIS_QSURANALYSIS_H

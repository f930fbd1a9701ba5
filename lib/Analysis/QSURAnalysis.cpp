//===- QSURAnalysis.cpp - QSUR of a model's linear inputs -----------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Finds the sites (the distinct SSA inputs of ost.linear / ost.lm_head),
// runs the model with an executor observer that accumulates each site's
// activation moments, channel maxima and weight rows, and turns the moments
// into QSUR values (ost/Support/QSUR.h).
//
//===----------------------------------------------------------------------===//

#include "ost/Analysis/QSURAnalysis.h"

#include "ost/Dialect/OST/IR/OSTOps.h"
#include "ost/Support/Linalg.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"

#include <cmath>

using namespace mlir;
using namespace mlir::ost;

namespace {

/// The linears reading one SSA value, with their site.
struct SiteGroup {
  Value input;
  SmallVector<Operation *> ops;
  QSURSite site;
};

/// The site name of a group of linear-like ops (file comment of the header).
std::string getSiteName(ArrayRef<Operation *> ops) {
  bool head = false, noRole = false;
  unsigned roles = 0;
  for (Operation *op : ops) {
    if (isa<LMHeadOp>(op)) {
      head = true;
      continue;
    }
    std::optional<LinearRole> role = cast<LinearOp>(op).getRole();
    if (role)
      roles |= 1u << static_cast<unsigned>(*role);
    else
      noRole = true;
  }
  auto has = [&](LinearRole r) {
    return roles & (1u << static_cast<unsigned>(r));
  };
  SmallVector<std::string> parts;
  std::string qkv;
  for (auto [role, letter] :
       {std::pair{LinearRole::QProj, "q"}, std::pair{LinearRole::KProj, "k"},
        std::pair{LinearRole::VProj, "v"}})
    if (has(role))
      qkv += letter;
  if (!qkv.empty())
    parts.push_back(qkv);
  if (has(LinearRole::OProj))
    parts.push_back("o");
  std::string upgate;
  if (has(LinearRole::UpProj))
    upgate += "up";
  if (has(LinearRole::GateProj))
    upgate += "gate";
  if (!upgate.empty())
    parts.push_back(upgate);
  if (has(LinearRole::DownProj))
    parts.push_back("down");
  if (noRole)
    parts.push_back("linear");
  if (head)
    parts.push_back("head");
  return llvm::join(parts, "+");
}

/// The `layer` attribute of a linear (−1 for the head or when absent).
int64_t getLayer(Operation *op) {
  if (auto linear = dyn_cast<LinearOp>(op))
    if (IntegerAttr layer = linear.getLayerAttr())
      return layer.getInt();
  return -1;
}

/// The sites of `module` in IR order (by their first reader).
std::vector<SiteGroup> groupSites(ModuleOp module) {
  std::vector<SiteGroup> groups;
  DenseMap<Value, size_t> byInput;
  module.walk([&](Operation *op) {
    if (!isa<LinearOp, LMHeadOp>(op))
      return;
    Value input = op->getOperand(0);
    auto [it, inserted] = byInput.try_emplace(input, groups.size());
    if (inserted) {
      groups.emplace_back();
      groups.back().input = input;
    }
    groups[it->second].ops.push_back(op);
  });
  llvm::StringMap<unsigned> seen;
  for (SiteGroup &g : groups) {
    g.site.layer = getLayer(g.ops.front());
    g.site.name = getSiteName(g.ops);
    g.site.dim = cast<ShapedType>(g.input.getType()).getShape().back();
    unsigned n = ++seen[std::to_string(g.site.layer) + "/" + g.site.name];
    if (n > 1)
      g.site.name += "#" + std::to_string(n);
  }
  return groups;
}

/// Accumulates the statistics of every site while the executor runs.
class SiteCollector {
public:
  explicit SiteCollector(const std::vector<SiteGroup> &groups) {
    for (auto [i, g] : llvm::enumerate(groups)) {
      states.emplace_back(g.site.dim);
      for (Operation *op : g.ops)
        siteOf[op] = i;
      // The first reader accounts for the shared input.
      primary.insert(g.ops.front());
    }
  }

  void observe(Operation *op, ArrayRef<const Tensor *> operands) {
    auto it = siteOf.find(op);
    if (it == siteOf.end())
      return;
    SiteState &state = states[it->second];
    int64_t dim = state.activations.getDim();
    const Tensor *weight = operands.size() > 1 ? operands[1] : nullptr;
    if (weight && weight->isFloat() && weight->getRank() == 2 &&
        weight->getDimSize(1) == dim && weightDone.insert(op).second) {
      state.weights.addRows(weight->getFloatData(), weight->getDimSize(0));
      state.weightRows += weight->getDimSize(0);
    }
    const Tensor *input = operands.empty() ? nullptr : operands[0];
    if (!primary.contains(op) || !input || !input->isFloat() ||
        input->getRank() == 0 || input->getShape().back() != dim)
      return;
    int64_t rows = input->getNumElements() / dim;
    const float *data = input->getFloatData();
    state.activations.addRows(data, rows);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < dim; ++c)
        state.absMax[c] = std::max(
            state.absMax[c], std::abs(static_cast<double>(data[r * dim + c])));
  }

  /// The statistics of site `i`.
  QSURSiteStats finish(size_t i, const QSURSite &site,
                       const QSUROptions &options) const {
    const SiteState &state = states[i];
    QSURSiteStats stats;
    stats.site = site;
    stats.samples = state.activations.getCount();
    stats.weightRows = state.weightRows;
    stats.channelAbsMax = state.absMax;
    std::vector<std::string> errors;
    if (stats.samples == 0) {
      errors.push_back("no activation rows were seen");
    } else {
      std::vector<double> mean = state.activations.mean();
      std::vector<double> cov = state.activations.covariance();
      QSUROptions withMean = options;
      withMean.useMean = true;
      stats.activation =
          compute(mean, cov, site.dim, options, "activation", errors);
      stats.activationWithMean = compute(mean, cov, site.dim, withMean,
                                         "activation (with mean)", errors);
    }
    if (state.weights.getCount() > 0)
      stats.weight = compute(state.weights.mean(), state.weights.covariance(),
                             site.dim, options, "weight", errors);
    stats.error = llvm::join(errors, "; ");
    return stats;
  }

private:
  struct SiteState {
    explicit SiteState(int64_t dim)
        : activations(dim), weights(dim), absMax(dim, 0.0) {}
    MomentAccumulator activations, weights;
    std::vector<double> absMax;
    int64_t weightRows = 0;
  };

  static std::optional<QSURResult> compute(ArrayRef<double> mean,
                                           ArrayRef<double> cov, int64_t dim,
                                           const QSUROptions &options,
                                           StringRef what,
                                           std::vector<std::string> &errors) {
    llvm::Expected<QSURResult> result = computeQSUR(mean, cov, dim, options);
    if (result)
      return *result;
    errors.push_back(what.str() + ": " + llvm::toString(result.takeError()));
    return std::nullopt;
  }

  std::vector<SiteState> states;
  DenseMap<Operation *, size_t> siteOf;
  DenseSet<Operation *> primary, weightDone;
};

} // namespace

FailureOr<std::vector<QSURSite>> mlir::ost::findQSURSites(ModuleOp module) {
  std::vector<QSURSite> sites;
  for (SiteGroup &g : groupSites(module))
    sites.push_back(g.site);
  if (sites.empty())
    return mlir::emitError(module.getLoc())
           << "qsur: the model has no ost.linear or ost.lm_head op";
  return sites;
}

FailureOr<std::vector<QSURSiteStats>>
mlir::ost::analyzeQSUR(ModuleOp module, ArrayRef<std::vector<int32_t>> windows,
                       const QSURAnalysisOptions &options) {
  std::vector<SiteGroup> groups = groupSites(module);
  if (groups.empty())
    return mlir::emitError(module.getLoc())
           << "qsur: the model has no ost.linear or ost.lm_head op";
  SiteCollector collector(groups);
  Executor exec(module, options.executor);
  exec.setObserver([&](Operation *op, ArrayRef<const Tensor *> operands) {
    collector.observe(op, operands);
  });
  for (const std::vector<int32_t> &ids : windows) {
    SmallVector<int64_t> values(ids.begin(), ids.end());
    Tensor input =
        Tensor::fromInts({1, static_cast<int64_t>(ids.size())}, values);
    if (failed(exec.run(options.entry, {input})))
      return failure();
  }
  std::vector<QSURSiteStats> stats;
  for (auto [i, g] : llvm::enumerate(groups))
    stats.push_back(collector.finish(i, g.site, options.qsur));
  return stats;
}

//===- InsertQuantizers.cpp - insert the fake quantizers of a config ------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Implements ost-insert-quantizers (METHOD.md §6): the sites are found with
// the decoder matcher, looking through the online Hadamards and the
// transform applies, so the same sites are found before and after folding.
// Every site is collected before anything is inserted, so a module that does
// not match is left untouched.
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/Transforms/Passes.h"

#include "DecoderStructure.h"

#include "ost/Dialect/OST/IR/OSTOps.h"
#include "ost/Support/QuantConfig.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <cmath>

namespace mlir::ost {
#define GEN_PASS_DEF_OSTINSERTQUANTIZERSPASS
#include "ost/Dialect/OST/Transforms/Passes.h.inc"

namespace {

/// One activation quantizer to insert: `value` is quantized with `spec` for
/// the given users (other users keep reading the float value).
struct ActivationSite {
  Value value;
  QuantSpecAttr spec;
  SmallVector<Operation *> users;
};

/// Inserts `ost.fake_quant` right after `value` and makes `users` read it.
///
///   %n = ost.rms_norm %x              %n = ost.rms_norm %x
///   %q = ost.linear %n, %w     ->     %nq = ost.fake_quant %n {spec = ...}
///                                     %q = ost.linear %nq, %w
void insertActivationQuantizer(const ActivationSite &site) {
  OpBuilder b(site.value.getContext());
  b.setInsertionPointAfterValue(site.value);
  Value quantized = FakeQuantOp::create(b, site.value.getLoc(), site.value,
                                        site.spec, FloatAttr())
                        .getResult();
  for (Operation *user : site.users)
    user->replaceUsesOfWith(site.value, quantized);
}

/// Makes `linear` read its weight through `ost.fake_quant`.
///
///   %y = ost.linear %x, %w     ->     %wq = ost.fake_quant %w {spec = ...}
///                                     %y = ost.linear %x, %wq
void insertWeightQuantizer(LinearOp linear, QuantSpecAttr spec,
                           FloatAttr clipSearch) {
  OpBuilder b(linear);
  Value weight = linear.getWeight();
  linear.getWeightMutable().set(
      FakeQuantOp::create(b, linear.getLoc(), weight, spec, clipSearch)
          .getResult());
}

class OSTInsertQuantizersPass final
    : public impl::OSTInsertQuantizersPassBase<OSTInsertQuantizersPass> {
public:
  using Base::Base;

  void runOnOperation() override;

private:
  /// Validates the options into `config`.
  LogicalResult parseOptions(QuantConfig &config);
  /// Adds the sites of `func` to `sites` and its projections to `linears`.
  LogicalResult collectSites(func::FuncOp func, const QuantConfig &config,
                             SmallVectorImpl<ActivationSite> &sites,
                             SmallVectorImpl<LinearOp> &linears,
                             bool &foundBlocks);
};

LogicalResult OSTInsertQuantizersPass::parseOptions(QuantConfig &config) {
  ModuleOp module = getOperation();
  llvm::Expected<QuantConfig> parsed = parseQuantConfig(bits);
  if (!parsed)
    return module.emitError()
           << "ost-insert-quantizers: " << llvm::toString(parsed.takeError());
  config = *parsed;
  for (auto [clip, name] : {std::pair{double(actClip), "act-clip"},
                            std::pair{double(kvClip), "kv-clip"}})
    if (!(clip > 0.0 && clip <= 1.0))
      return module.emitError() << "ost-insert-quantizers: " << name
                                << " must be in (0, 1], got " << clip;
  if (!(weightClipSearch >= 0.0) || !std::isfinite(weightClipSearch))
    return module.emitError()
           << "ost-insert-quantizers: weight-clip-search must be a "
              "non-negative error exponent (0: no search), got "
           << static_cast<double>(weightClipSearch);
  return success();
}

LogicalResult OSTInsertQuantizersPass::collectSites(
    func::FuncOp func, const QuantConfig &config,
    SmallVectorImpl<ActivationSite> &sites, SmallVectorImpl<LinearOp> &linears,
    bool &foundBlocks) {
  DecoderMatchOptions options;
  options.lookThroughOnlineOps = true;
  options.action = "insert quantizers around";
  FailureOr<DecoderStructure> structure = matchDecoderStructure(func, options);
  if (failed(structure))
    return failure();
  MLIRContext *ctx = func.getContext();
  auto spec = [&](unsigned b, double clip, int64_t group = 0) {
    return QuantSpecAttr::get(ctx, b, /*symmetric=*/false,
                              Granularity::PerToken, /*axis=*/0, group,
                              llvm::APFloat(clip));
  };
  llvm::SmallPtrSet<Operation *, 32> projections;
  for (AttentionBlock b : structure->attention) {
    foundBlocks = true;
    if (config.quantizesActivations()) {
      sites.push_back(
          {b.input, spec(config.actBits, actClip), {b.q, b.k, b.v}});
      sites.push_back(
          {b.o.getInput(), spec(config.actBits, actClip, b.headDim), {b.o}});
    }
    if (config.quantizesKVCache()) {
      Value key = b.attention.getKey(), value = b.attention.getValue();
      sites.push_back({key, spec(config.kvBits, kvClip), {b.attention}});
      if (value != key)
        sites.push_back({value, spec(config.kvBits, kvClip), {b.attention}});
    }
    for (LinearOp l : {b.q, b.k, b.v, b.o})
      if (projections.insert(l).second)
        linears.push_back(l);
  }
  for (MLPBlock b : structure->mlp) {
    foundBlocks = true;
    if (config.quantizesActivations()) {
      sites.push_back({b.input, spec(config.actBits, actClip), {b.gate, b.up}});
      sites.push_back(
          {b.down.getInput(), spec(config.actBits, actClip), {b.down}});
    }
    for (LinearOp l : {b.gate, b.up, b.down})
      if (projections.insert(l).second)
        linears.push_back(l);
  }
  // Linear quantizers need to know what each linear is.
  bool placesLinearQuantizers =
      config.quantizesActivations() || (weights && config.quantizesWeights());
  if (!placesLinearQuantizers)
    return success();
  LinearOp stray;
  func.walk([&](LinearOp linear) {
    if (projections.contains(linear))
      return WalkResult::advance();
    stray = linear;
    return WalkResult::interrupt();
  });
  if (!stray)
    return success();
  return stray.emitError()
         << "cannot insert quantizers for this ost.linear: it is not a "
            "q/k/v/o projection of a recognized attention block nor a "
            "gate/up/down projection of a SwiGLU MLP";
}

void OSTInsertQuantizersPass::runOnOperation() {
  ModuleOp module = getOperation();
  QuantConfig config;
  if (failed(parseOptions(config)))
    return signalPassFailure();
  FakeQuantOp existing;
  module.walk([&](FakeQuantOp op) {
    existing = op;
    return WalkResult::interrupt();
  });
  if (existing) {
    existing.emitError() << "the module already has fake quantizers; "
                            "ost-insert-quantizers inserts a complete set "
                            "once (run ost-strip-fake-quant to start over)";
    return signalPassFailure();
  }
  bool quantizeWeights = weights && config.quantizesWeights();
  if (!config.quantizesActivations() && !config.quantizesKVCache() &&
      !quantizeWeights)
    return;

  // Collect everything first: a module that does not match stays unchanged.
  SmallVector<ActivationSite> sites;
  SmallVector<LinearOp> linears;
  bool foundBlocks = false;
  for (auto func : module.getOps<func::FuncOp>())
    if (!func.isExternal() &&
        failed(collectSites(func, config, sites, linears, foundBlocks)))
      return signalPassFailure();
  if (!foundBlocks) {
    module.emitError() << "ost-insert-quantizers (" << config.str()
                       << "): no attention block or SwiGLU MLP found in the "
                          "module";
    return signalPassFailure();
  }
  if (config.quantizesKVCache() &&
      llvm::none_of(sites, [](const ActivationSite &s) {
        return isa<AttentionOp>(s.users.front());
      })) {
    module.emitError() << "ost-insert-quantizers (" << config.str()
                       << "): the KV cache is quantized but the module has no "
                          "ost.attention";
    return signalPassFailure();
  }

  for (const ActivationSite &site : sites)
    insertActivationQuantizer(site);
  if (!quantizeWeights)
    return;
  MLIRContext *ctx = module.getContext();
  auto weightSpec = QuantSpecAttr::get(
      ctx, config.weightBits, /*symmetric=*/true, Granularity::PerChannel,
      /*axis=*/0, /*groupSize=*/0, llvm::APFloat(1.0));
  FloatAttr clipSearch;
  if (weightClipSearch > 0.0)
    clipSearch = FloatAttr::get(Float64Type::get(ctx), weightClipSearch);
  for (LinearOp linear : linears)
    insertWeightQuantizer(linear, weightSpec, clipSearch);
}

} // namespace
} // namespace mlir::ost

//===- InitTransforms.cpp - initialize transform parameters ---------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Implements ost-init-transforms: identity, random-sign Hadamard, Haar
// random orthogonal and WOMI (METHOD.md §3) rotations; unit or random
// scales. Values are computed in float64 and stored as float32.
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/Transforms/Passes.h"

#include "ost/Dialect/OST/Transforms/WeightConstants.h"

#include "ost/Dialect/OST/IR/OSTOps.h"
#include "ost/Dialect/OST/IR/OSTTypes.h"
#include "ost/Support/Linalg.h"


#include <cmath>

namespace mlir::ost {
#define GEN_PASS_DEF_OSTINITTRANSFORMSPASS
#include "ost/Dialect/OST/Transforms/Passes.h.inc"

namespace {

/// A weight read through a parameter on its input side: the constant at the
/// bottom of its transform_weight chain, and whether the chain ends in the
/// model head (which WOMI leaves out, as the reference does).
struct InputSideWeight {
  TransformWeightOp use;
  /// Number of query heads each block of the parameter covers (1 unless the
  /// use goes through ost.repeat_heads).
  int64_t repeats = 1;
};

/// Every `side input` use of `param`, also through repeat_heads.
SmallVector<InputSideWeight> findInputSideUses(ParamOp param) {
  SmallVector<InputSideWeight> uses;
  SmallVector<std::pair<Value, int64_t>> worklist{{param.getResult(), 1}};
  while (!worklist.empty()) {
    auto [value, repeats] = worklist.pop_back_val();
    for (Operation *user : value.getUsers()) {
      if (auto repeat = dyn_cast<RepeatHeadsOp>(user))
        worklist.push_back({repeat.getResult(), repeats * repeat.getRepeats()});
      else if (auto tw = dyn_cast<TransformWeightOp>(user);
               tw && tw.getSide() == WeightSide::Input &&
               tw.getTransform() == value)
        uses.push_back({tw, repeats});
    }
  }
  return uses;
}

/// The op that finally consumes a transform_weight chain.
Operation *chainConsumer(TransformWeightOp tw) {
  Value v = tw.getResult();
  while (v.hasOneUse()) {
    auto next = dyn_cast<TransformWeightOp>(*v.user_begin());
    if (!next || next.getWeight() != v)
      return *v.user_begin();
    v = next.getResult();
  }
  return nullptr;
}

/// The constant weight at the bottom of a transform_weight chain.
Value chainBase(TransformWeightOp tw) {
  Value w = tw.getWeight();
  while (auto inner = w.getDefiningOp<TransformWeightOp>())
    w = inner.getWeight();
  return w;
}

/// The seed of block `block` of a parameter with `blocks` blocks: the
/// parameter's own stream, or one per block of a block rotation.
uint64_t blockSeed(ParamOp param, uint64_t paramSeed, int64_t block,
                   int64_t blocks) {
  std::string streamName = param.getName().str();
  if (blocks > 1)
    streamName += "#" + std::to_string(block);
  return deriveSeed(paramSeed, streamName);
}

/// The init method `choice` forces on every rotation; none for `param`.
std::optional<InitMethod> toInitMethod(RotationInit choice) {
  switch (choice) {
  case RotationInit::FromParam: return std::nullopt;
  case RotationInit::Identity: return InitMethod::Identity;
  case RotationInit::Hadamard: return InitMethod::Hadamard;
  case RotationInit::RandomOrthogonal: return InitMethod::RandomOrthogonal;
  case RotationInit::Womi: return InitMethod::Womi;
  }
  llvm_unreachable("unknown RotationInit");
}

class OSTInitTransformsPass final
    : public impl::OSTInitTransformsPassBase<OSTInitTransformsPass> {
public:
  using Base::Base;

  void runOnOperation() override {
    std::optional<InitMethod> forced = toInitMethod(method);
    SmallVector<ParamOp> params;
    getOperation().walk([&](ParamOp p) {
      if (overwrite || !p.getValue())
        params.push_back(p);
    });
    for (ParamOp p : params)
      if (failed(initParam(p, forced)))
        return signalPassFailure();
  }

private:
  LogicalResult initParam(ParamOp param, std::optional<InitMethod> forced);
  FailureOr<std::vector<double>> initBlock(ParamOp param, InitMethod m,
                                           uint64_t paramSeed, int64_t n,
                                           int64_t block, int64_t blocks);
  FailureOr<std::vector<std::vector<double>>>
  womiCovariances(ParamOp param, int64_t blocks, int64_t n);
};

/// Covariance of the input-side weight rows per block of `param` (one block
/// for a rotation): the o_proj columns of each KV head's query group for
/// R_ov, the stacked q/k/v/gate/up rows for R_res.
FailureOr<std::vector<std::vector<double>>>
OSTInitTransformsPass::womiCovariances(ParamOp param, int64_t blocks,
                                       int64_t n) {
  std::vector<MomentAccumulator> acc(blocks, MomentAccumulator(n));
  for (InputSideWeight use : findInputSideUses(param)) {
    if (isa_and_nonnull<LMHeadOp>(chainConsumer(use.use)))
      continue;
    Value base = chainBase(use.use);
    FailureOr<std::vector<float>> w = getF32Constant(base);
    if (failed(w)) {
      InFlightDiagnostic diag =
          param.emitError() << "WOMI for '" << param.getName()
                            << "' needs constant f32 weights";
      diag.attachNote(use.use.getLoc()) << "this weight is not a constant";
      return diag;
    }
    auto type = cast<RankedTensorType>(base.getType());
    int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
    // Column block j of the weight belongs to parameter block j / repeats.
    std::vector<float> slice(rows * n);
    for (int64_t j = 0; j < cols / n; ++j) {
      for (int64_t r = 0; r < rows; ++r)
        std::copy(w->begin() + r * cols + j * n,
                  w->begin() + r * cols + (j + 1) * n, slice.begin() + r * n);
      acc[(j / use.repeats) % blocks].addRows(slice.data(), rows);
    }
  }
  std::vector<std::vector<double>> covs;
  for (MomentAccumulator &a : acc) {
    if (a.getCount() < 2)
      return param.emitError()
             << "WOMI for '" << param.getName()
             << "' found no weights consuming it on their input side";
    covs.push_back(a.covariance());
  }
  return covs;
}

FailureOr<std::vector<double>>
OSTInitTransformsPass::initBlock(ParamOp param, InitMethod m,
                                 uint64_t paramSeed, int64_t n, int64_t block,
                                 int64_t blocks) {
  uint64_t s = blockSeed(param, paramSeed, block, blocks);
  switch (m) {
  case InitMethod::Identity:
  case InitMethod::Ones: {
    std::vector<double> eye(n * n, 0.0);
    for (int64_t i = 0; i < n; ++i)
      eye[i * n + i] = 1.0;
    return eye;
  }
  case InitMethod::RandomOrthogonal:
    return randomOrthogonal(n, s);
  case InitMethod::Hadamard: {
    llvm::Expected<std::vector<double>> h = randomSignHadamard(n, s);
    if (!h)
      return param.emitError()
             << "cannot initialize '" << param.getName()
             << "' with a Hadamard: " << llvm::toString(h.takeError());
    return std::move(*h);
  }
  case InitMethod::Womi:
    break;
  }
  llvm_unreachable("WOMI is initialized from covariances");
}

LogicalResult
OSTInitTransformsPass::initParam(ParamOp param,
                                  std::optional<InitMethod> forced) {
  Type type = param.getResult().getType();
  auto iface = cast<TransformTypeInterface>(type);
  // The pass seed shifts the seed each parameter's init attribute carries.
  uint64_t paramSeed = seed + param.getInit().getSeed();
  std::vector<double> values;
  if (auto scale = dyn_cast<ScaleType>(type)) {
    values.assign(scale.getDimension(), 1.0);
    if (scales == ScaleInit::Random) {
      RandomStream rng(deriveSeed(paramSeed, param.getName()));
      for (double &v : values)
        v = std::exp(0.5 * rng.normal());
    }
  } else {
    int64_t blocks = 1, n = iface.getDim();
    if (auto block = dyn_cast<BlockRotationType>(type)) {
      blocks = block.getBlocks();
      n = block.getBlockSize();
    }
    InitMethod m = forced ? *forced : param.getInit().getMethod();
    std::vector<std::vector<double>> covs;
    if (m == InitMethod::Womi) {
      auto c = womiCovariances(param, blocks, n);
      if (failed(c))
        return failure();
      covs = std::move(*c);
    }
    for (int64_t b = 0; b < blocks; ++b) {
      std::vector<double> block;
      if (m == InitMethod::Womi) {
        llvm::Expected<std::vector<double>> r = womiRotation(
            covs[b], n, blockSeed(param, paramSeed, b, blocks));
        if (!r)
          return param.emitError() << "WOMI for '" << param.getName()
                                   << "' failed: "
                                   << llvm::toString(r.takeError());
        block = std::move(*r);
      } else {
        FailureOr<std::vector<double>> r =
            initBlock(param, m, paramSeed, n, b, blocks);
        if (failed(r))
          return failure();
        block = std::move(*r);
      }
      values.insert(values.end(), block.begin(), block.end());
    }
    param.setInitAttr(InitAttr::get(param.getContext(), m, paramSeed));
  }
  auto storage = RankedTensorType::get(iface.getStorageShape(),
                                       Float32Type::get(param.getContext()));
  param.setValueAttr(createF32Elements(storage, toF32(values),
                                       ("param." + param.getName()).str()));
  return success();
}

} // namespace
} // namespace mlir::ost

//===- ParameterSet.cpp - float64 master copies of ost.param values -------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ParameterSet.h"

#include "ost/Dialect/OST/IR/OSTOps.h"
#include "ost/Dialect/OST/IR/OSTTypes.h"
#include "ost/Dialect/OST/Transforms/WeightConstants.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <map>

using namespace mlir;
using namespace mlir::ost;

Tensor LearnableParameter::toTensor() const {
  std::vector<float> f32 = toF32(value);
  return Tensor::fromFloats(shape, f32);
}

FailureOr<ParameterSet> ParameterSet::collect(ModuleOp module) {
  std::map<std::string, LearnableParameter> byName;
  WalkResult walk = module.walk([&](ParamOp op) -> WalkResult {
    std::string name = op.getName().str();
    Type type = op.getResult().getType();
    auto it = byName.find(name);
    if (it != byName.end()) {
      if (it->second.ops.front().getResult().getType() != type) {
        op.emitError() << "parameter '" << name
                       << "' is declared with two different types";
        return WalkResult::interrupt();
      }
      it->second.ops.push_back(op);
      return WalkResult::advance();
    }
    LearnableParameter p;
    p.name = name;
    p.ops.push_back(op);
    if (auto r = dyn_cast<RotationType>(type)) {
      p.kind = LearnableParameter::Kind::Rotation;
      p.blockSize = r.getDimension();
      p.shape = {p.blockSize, p.blockSize};
    } else if (auto b = dyn_cast<BlockRotationType>(type)) {
      p.kind = LearnableParameter::Kind::BlockRotation;
      p.blocks = b.getBlocks();
      p.blockSize = b.getBlockSize();
      p.shape = {p.blocks, p.blockSize, p.blockSize};
    } else if (auto s = dyn_cast<ScaleType>(type)) {
      p.kind = LearnableParameter::Kind::Scale;
      p.blockSize = s.getDimension();
      p.shape = {p.blockSize};
    } else {
      op.emitError() << "parameter '" << name << "' has a type ("
                     << type << ") that calibration cannot learn";
      return WalkResult::interrupt();
    }
    std::optional<ElementsAttr> valueAttr = op.getValue();
    if (!valueAttr) {
      op.emitError() << "parameter '" << name
                     << "' has no value; run ost-init-transforms first";
      return WalkResult::interrupt();
    }
    FailureOr<std::vector<float>> values = getF32Elements(*valueAttr);
    int64_t expected = 1;
    for (int64_t d : p.shape)
      expected *= d;
    if (failed(values) || static_cast<int64_t>(values->size()) != expected) {
      op.emitError() << "parameter '" << name
                     << "' has an unreadable value or the wrong number of "
                        "elements (expected "
                     << expected << ")";
      return WalkResult::interrupt();
    }
    p.value.assign(values->begin(), values->end());
    p.grad.assign(p.value.size(), 0.0);
    p.states.resize(p.isRotation() ? p.blocks : 1);
    byName.emplace(name, std::move(p));
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  if (byName.empty())
    return emitError(module.getLoc())
           << "calibration: the module has no ost.param to learn; run "
              "ost-insert-transforms and ost-init-transforms first";
  ParameterSet set;
  for (auto &[name, p] : byName)
    set.params.push_back(std::move(p));
  return set;
}

LearnableParameter *ParameterSet::lookup(StringRef name) {
  for (LearnableParameter &p : params)
    if (p.name == name)
      return &p;
  return nullptr;
}

int64_t ParameterSet::getNumValues() const {
  int64_t n = 0;
  for (const LearnableParameter &p : params)
    n += static_cast<int64_t>(p.value.size());
  return n;
}

void ParameterSet::writeBack() {
  for (LearnableParameter &p : params) {
    auto type = RankedTensorType::get(
        p.shape, Float32Type::get(p.ops.front().getContext()));
    ElementsAttr attr =
        createF32Elements(type, toF32(p.value), "param." + p.name);
    for (ParamOp op : p.ops)
      op.setValueAttr(attr);
  }
}

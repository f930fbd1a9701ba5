//===- OSTOpHandlers.cpp - run ost ops on runtime values ------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Reads each op's attributes and operand values and calls the matching
// kernel of Kernels.h.
//
//===----------------------------------------------------------------------===//

#include "ExecutorImpl.h"

#include "ost/Dialect/OST/IR/OSTOps.h"
#include "ost/Dialect/OST/IR/OSTTypes.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::detail;

namespace {

/// Appends the tensor of a successful kernel result.
LogicalResult pushResult(Operation *op, KernelResult result,
                         SmallVectorImpl<RuntimeValue> &results) {
  FailureOr<Tensor> tensor = unwrap(op, std::move(result));
  if (failed(tensor))
    return failure();
  results.push_back(RuntimeValue::ofTensor(std::move(*tensor)));
  return success();
}

/// The runtime transform of a transform type with stored parameters `value`.
Transform makeTransform(Type type, Tensor value) {
  Transform t;
  t.value = std::move(value);
  if (auto rotation = dyn_cast<RotationType>(type)) {
    t.kind = TransformKind::Rotation;
    t.dim = rotation.getDimension();
  } else if (auto block = dyn_cast<BlockRotationType>(type)) {
    t.kind = TransformKind::BlockRotation;
    t.blocks = block.getBlocks();
    t.blockSize = block.getBlockSize();
    t.dim = t.blocks * t.blockSize;
  } else if (auto scale = dyn_cast<ScaleType>(type)) {
    t.kind = TransformKind::Scale;
    t.dim = scale.getDimension();
  } else {
    t.kind = TransformKind::Hadamard;
    t.dim = cast<HadamardType>(type).getDimension();
  }
  return t;
}

LogicalResult runParam(ParamOp op, SmallVectorImpl<RuntimeValue> &results,
                       const OpContext &ctx) {
  Type type = op.getResult().getType();
  auto iface = cast<TransformTypeInterface>(type);
  SmallVector<int64_t> storage = iface.getStorageShape();
  const Tensor *override = nullptr;
  if (ctx.parameters) {
    auto it = ctx.parameters->find(op.getName());
    if (it != ctx.parameters->end())
      override = &it->second;
  }
  Tensor value;
  if (override) {
    value = *override;
  } else if (std::optional<ElementsAttr> attr = op.getValue()) {
    FailureOr<Tensor> loaded = loadElements(*attr, op);
    if (failed(loaded))
      return failure();
    value = std::move(*loaded);
  } else {
    return emitOpError(op) << "parameter '" << op.getName()
                           << "' has no value (run ost-init-transforms "
                              "first)";
  }
  if (!value.isFloat() || value.getShape() != ArrayRef<int64_t>(storage))
    return emitOpError(op) << "parameter '" << op.getName() << "' has shape "
                           << value.getShapeString()
                           << " but its storage shape is "
                           << formatShape(storage);
  results.push_back(RuntimeValue::ofTransform(makeTransform(type, value)));
  return success();
}

LogicalResult runAttention(AttentionOp op, const OperandValues &in,
                           SmallVectorImpl<RuntimeValue> &results,
                           const OpContext &ctx) {
  FailureOr<const Tensor *> q = in.tensor(op.getQuery()),
                            k = in.tensor(op.getKey()),
                            v = in.tensor(op.getValue()),
                            mask = in.optionalTensor(op.getMask());
  if (failed(q) || failed(k) || failed(v) || failed(mask))
    return failure();
  double scale;
  if (std::optional<APFloat> s = op.getScale())
    scale = s->convertToDouble();
  else if ((*q)->getRank() == 4 && (*q)->getDimSize(3) > 0)
    scale = 1.0 / std::sqrt(static_cast<double>((*q)->getDimSize(3)));
  else
    scale = 1.0;
  return pushResult(op,
                    attention(**q, **k, **v, *mask, scale, op.getCausal(),
                              ctx.kernel),
                    results);
}

LogicalResult runDynamicQuantize(DynamicQuantizeOp op, const OperandValues &in,
                                 SmallVectorImpl<RuntimeValue> &results,
                                 const OpContext &ctx) {
  FailureOr<const Tensor *> x = in.tensor(op.getInput());
  if (failed(x))
    return failure();
  IntFormat levels = getIntFormat(op.getResult().getType().getElementType());
  IntFormat zeroPoints;
  if (Value zp = op.getZeroPoints())
    zeroPoints =
        getIntFormat(cast<RankedTensorType>(zp.getType()).getElementType());
  llvm::Expected<QuantizedTensor> q =
      dynamicQuantize(**x, QuantParams::fromAttr(op.getSpec()), levels,
                      zeroPoints, ctx.kernel);
  if (!q) {
    emitOpError(op) << llvm::toString(q.takeError());
    return failure();
  }
  results.push_back(RuntimeValue::ofTensor(std::move(q->levels)));
  results.push_back(RuntimeValue::ofTensor(std::move(q->scales)));
  if (op.getZeroPoints())
    results.push_back(RuntimeValue::ofTensor(std::move(q->zeroPoints)));
  return success();
}

LogicalResult runQLinear(QLinearOp op, const OperandValues &in,
                         SmallVectorImpl<RuntimeValue> &results,
                         const OpContext &ctx) {
  FailureOr<const Tensor *> x = in.tensor(op.getInput()),
                            w = in.tensor(op.getWeight()),
                            s = in.tensor(op.getScales()),
                            zp = in.optionalTensor(op.getZeroPoints()),
                            bias = in.optionalTensor(op.getBias());
  if (failed(x) || failed(w) || failed(s) || failed(zp) || failed(bias))
    return failure();
  QuantParams weightParams = QuantParams::fromAttr(op.getWeightSpec());
  std::optional<QuantParams> actParams;
  if (QuantSpecAttr act = op.getActSpecAttr())
    actParams = QuantParams::fromAttr(act);
  return pushResult(op,
                    qlinear(**x, **w, **s, *zp, *bias, weightParams,
                            actParams ? &*actParams : nullptr, ctx.kernel),
                    results);
}

} // namespace

LogicalResult
mlir::ost::detail::executeOSTOp(Operation *operation,
                                ArrayRef<RuntimeValue> operands,
                                SmallVectorImpl<RuntimeValue> &results,
                                const OpContext &ctx) {
  OperandValues in(operation, operands);
  const KernelContext &kctx = ctx.kernel;
  // Runs `kernel` on the tensors of `values` once they are all available.
  auto withTensors = [&](std::initializer_list<Value> values,
                         auto kernel) -> LogicalResult {
    SmallVector<const Tensor *, 4> tensors;
    for (Value v : values) {
      FailureOr<const Tensor *> t = in.optionalTensor(v);
      if (failed(t))
        return failure();
      tensors.push_back(*t);
    }
    return pushResult(operation, kernel(tensors), results);
  };
  using Tensors = ArrayRef<const Tensor *>;

  return llvm::TypeSwitch<Operation *, LogicalResult>(operation)
      .Case([&](EmbeddingOp op) {
        return withTensors({op.getTable(), op.getIds()}, [&](Tensors t) {
          return embedding(*t[0], *t[1], kctx);
        });
      })
      .Case([&](RMSNormOp op) {
        double eps = op.getEpsilon().convertToDouble();
        return withTensors({op.getInput(), op.getWeight()}, [&](Tensors t) {
          return rmsNorm(*t[0], t[1], eps, kctx);
        });
      })
      .Case([&](LinearOp op) {
        return withTensors({op.getInput(), op.getWeight(), op.getBias()},
                           [&](Tensors t) {
                             return linear(*t[0], *t[1], t[2], kctx);
                           });
      })
      .Case([&](LMHeadOp op) {
        return withTensors({op.getInput(), op.getWeight()}, [&](Tensors t) {
          return linear(*t[0], *t[1], nullptr, kctx);
        });
      })
      .Case([&](RopeOp op) {
        RopeLayout layout = op.getLayout();
        return withTensors({op.getInput(), op.getCos(), op.getSin()},
                           [&](Tensors t) {
                             return rope(*t[0], *t[1], *t[2], layout, kctx);
                           });
      })
      .Case([&](AttentionOp op) { return runAttention(op, in, results, ctx); })
      .Case([&](SiLUOp op) {
        return withTensors({op.getInput()}, [&](Tensors t) {
          return unary(UnaryOp::SiLU, *t[0], kctx);
        });
      })
      .Case([&](MulOp op) {
        return withTensors({op.getLhs(), op.getRhs()}, [&](Tensors t) {
          return binary(BinaryOp::Mul, *t[0], *t[1], kctx);
        });
      })
      .Case([&](AddOp op) {
        return withTensors({op.getLhs(), op.getRhs()}, [&](Tensors t) {
          return binary(BinaryOp::Add, *t[0], *t[1], kctx);
        });
      })
      .Case([&](TransposeOp op) {
        ArrayRef<int64_t> perm = op.getPermutation();
        return withTensors({op.getInput()}, [&](Tensors t) {
          return transpose(*t[0], perm, kctx);
        });
      })
      .Case([&](ParamOp op) { return runParam(op, results, ctx); })
      .Case([&](HadamardOp op) {
        results.push_back(RuntimeValue::ofTransform(
            makeTransform(op.getResult().getType(), Tensor({0}))));
        return success();
      })
      .Case([&](RepeatHeadsOp op) -> LogicalResult {
        FailureOr<const Transform *> t = in.transform(op.getTransform());
        if (failed(t))
          return failure();
        llvm::Expected<Transform> repeated =
            repeatHeads(**t, op.getHeadDim(), op.getRepeats());
        if (!repeated)
          return emitOpError(op) << llvm::toString(repeated.takeError());
        results.push_back(RuntimeValue::ofTransform(std::move(*repeated)));
        return success();
      })
      .Case([&](ApplyOp op) {
        FailureOr<const Transform *> t = in.transform(op.getTransform());
        if (failed(t))
          return failure();
        bool inverse = op.getInverse();
        return withTensors({op.getInput()}, [&](Tensors x) {
          return applyTransform(*x[0], **t, inverse, kctx);
        });
      })
      .Case([&](TransformWeightOp op) {
        FailureOr<const Transform *> t = in.transform(op.getTransform());
        if (failed(t))
          return failure();
        WeightSide side = op.getSide();
        bool inverse = op.getInverse();
        return withTensors({op.getWeight()}, [&](Tensors w) {
          return transformWeight(*w[0], **t, side, inverse, kctx);
        });
      })
      .Case([&](OnlineHadamardOp op) {
        bool transposed = op.getTranspose();
        return withTensors({op.getInput()}, [&](Tensors t) {
          return onlineHadamard(*t[0], transposed, kctx);
        });
      })
      .Case([&](FakeQuantOp op) {
        QuantParams params = QuantParams::fromAttr(op.getSpec());
        if (FloatAttr clip = op.getClipSearchAttr())
          params.clipSearchNorm = clip.getValueAsDouble();
        return withTensors({op.getInput()}, [&](Tensors t) {
          return fakeQuant(*t[0], params, kctx);
        });
      })
      .Case([&](DynamicQuantizeOp op) {
        return runDynamicQuantize(op, in, results, ctx);
      })
      .Case([&](DequantizeOp op) {
        QuantParams params = QuantParams::fromAttr(op.getSpec());
        return withTensors(
            {op.getInput(), op.getScales(), op.getZeroPoints()},
            [&](Tensors t) {
              return dequantize(*t[0], *t[1], t[2], params, kctx);
            });
      })
      .Case([&](QLinearOp op) { return runQLinear(op, in, results, ctx); })
      .Default([&](Operation *op) { return emitUnsupported(op); });
}

//===- SymbolAnnotations.cpp - symbolic shapes written on stage-1 IR ------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The raising patterns prove sizes equal through the importer's symbolic
// shapes (ImporterInternals.h), which a printed `tensor<?x?x64xf32>` does
// not carry. Stage-1 IR printed for the ost-raise-onnx pass therefore holds
// them as attributes:
//
//   func.func @forward(%arg0: tensor<?x?xi64> {onnx.dims = ["B", "T"]})
//   %0 = "onnx.Shape"(%x) {onnx.result_contents = [["B", "T", 64]]}
//   %1 = "onnx.Reshape"(%x, %s) {onnx.result_dims = [["B", "T", 2, 32]]}
//
// A dimension is an integer or a name: the model's `dim_param`, or `?N` for
// a symbol the importer made (equal names are equal sizes; `?N` names are
// local to the module). `unit` stands for a result with nothing recorded.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternals.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringMap.h"

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::importer;

namespace {

bool hasSymbol(ArrayRef<SymDim> dims) {
  return llvm::any_of(dims, [](SymDim d) { return !isStaticDim(d); });
}

Attribute symbolAttr(Builder &b, DimSymbols &dims, SymDim d) {
  if (isStaticDim(d))
    return b.getI64IntegerAttr(d);
  return b.getStringAttr(dims.str(d));
}

ArrayAttr shapeAttr(Builder &b, DimSymbols &dims, ArrayRef<SymDim> shape) {
  SmallVector<Attribute> elems;
  for (SymDim d : shape)
    elems.push_back(symbolAttr(b, dims, d));
  return b.getArrayAttr(elems);
}

ArrayAttr contentsAttr(Builder &b, DimSymbols &dims, ArrayRef<SymInt> values) {
  SmallVector<Attribute> elems;
  for (const SymInt &v : values)
    elems.push_back(v.isSymbol ? b.getStringAttr(dims.str(v.value))
                               : cast<Attribute>(b.getI64IntegerAttr(v.value)));
  return b.getArrayAttr(elems);
}

/// Turns the names of one module back into symbols.
class SymbolReader {
public:
  explicit SymbolReader(ImportContext &ictx) : ictx(ictx) {}

  /// The integer or symbol `attr`; std::nullopt if it is neither.
  std::optional<SymInt> read(Attribute attr) {
    if (auto i = dyn_cast<IntegerAttr>(attr))
      return SymInt::literal(i.getInt());
    auto name = dyn_cast<StringAttr>(attr);
    if (!name || name.getValue().empty())
      return std::nullopt;
    if (!name.getValue().starts_with("?"))
      return SymInt{ictx.getDims().named(name.getValue()), true};
    auto [it, inserted] = fresh.try_emplace(name.getValue(), 0);
    if (inserted)
      it->second = ictx.getDims().fresh();
    return SymInt{it->second, true};
  }

  /// Records `attr` (an array of dims) as the shape of `v`.
  LogicalResult readShape(Value v, Attribute attr, Operation *at,
                          StringRef what) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    auto array = dyn_cast<ArrayAttr>(attr);
    if (!type || !array ||
        array.size() != static_cast<size_t>(type.getRank()))
      return at->emitError("'")
             << what << "' of " << v.getType()
             << " must be an array of one size or name per dimension, got "
             << attr;
    SymShape shape;
    for (auto [i, elem] : llvm::enumerate(array)) {
      std::optional<SymInt> d = read(elem);
      if (!d || (!d->isSymbol && d->value < 0) ||
          (!type.isDynamicDim(i) && (d->isSymbol ||
                                     d->value != type.getDimSize(i))))
        return at->emitError("'")
               << what << "' entry " << i << " (" << elem
               << ") must be a size or a name, and equal the static size of "
               << v.getType();
      shape.push_back(d->value);
    }
    ictx.setShape(v, shape);
    return success();
  }

  /// Records `attr` (an array of integers and names) as the contents of `v`.
  LogicalResult readContents(Value v, Attribute attr, Operation *at) {
    auto array = dyn_cast<ArrayAttr>(attr);
    if (!array)
      return at->emitError("'")
             << kResultContentsAttr << "' entries must be arrays, got " << attr;
    SymInts values;
    for (Attribute elem : array) {
      std::optional<SymInt> x = read(elem);
      if (!x)
        return at->emitError("'")
               << kResultContentsAttr << "' element " << elem
               << " is neither an integer nor a name";
      values.push_back(*x);
    }
    ictx.setContents(v, values);
    return success();
  }

private:
  ImportContext &ictx;
  llvm::StringMap<SymDim> fresh;
};

/// Reads the per-result array attribute `name` of `op` with `readOne`;
/// `unit` entries (nothing recorded for that result) are skipped.
template <typename Fn>
LogicalResult readPerResult(Operation *op, StringRef name, Fn readOne) {
  Attribute attr = op->getAttr(name);
  if (!attr)
    return success();
  op->removeAttr(name);
  auto array = dyn_cast<ArrayAttr>(attr);
  if (!array || array.size() != op->getNumResults())
    return op->emitError("'") << name << "' must hold one entry per result ("
                              << op->getNumResults() << "), got " << attr;
  for (auto [result, entry] : llvm::zip(op->getResults(), array))
    if (!isa<UnitAttr>(entry) && failed(readOne(result, entry)))
      return failure();
  return success();
}

} // namespace

void mlir::ost::importer::annotateSymbols(ModuleOp module,
                                          ImportContext &ictx) {
  Builder b(module.getContext());
  DimSymbols &dims = ictx.getDims();
  module.walk([&](func::FuncOp func) {
    for (BlockArgument arg : func.getArguments())
      if (std::optional<SymShape> shape = ictx.getShape(arg);
          shape && hasSymbol(*shape))
        func.setArgAttr(arg.getArgNumber(), kArgDimsAttr,
                        shapeAttr(b, dims, *shape));
  });
  module.walk([&](Operation *op) {
    if (!isONNXOp(op) || op->getNumResults() == 0)
      return;
    SmallVector<Attribute> shapes, contents;
    bool anyShape = false, anyContents = false;
    for (Value result : op->getResults()) {
      std::optional<SymShape> shape = ictx.getShape(result);
      bool symbolic = shape && hasSymbol(*shape);
      anyShape |= symbolic;
      shapes.push_back(symbolic ? shapeAttr(b, dims, *shape)
                                : cast<Attribute>(b.getUnitAttr()));
      std::optional<SymInts> values = ictx.getContents(result);
      anyContents |= values.has_value();
      contents.push_back(values ? contentsAttr(b, dims, *values)
                                : cast<Attribute>(b.getUnitAttr()));
    }
    if (anyShape)
      op->setAttr(kResultDimsAttr, b.getArrayAttr(shapes));
    if (anyContents)
      op->setAttr(kResultContentsAttr, b.getArrayAttr(contents));
  });
}

LogicalResult mlir::ost::importer::readSymbolAnnotations(ModuleOp module,
                                                         ImportContext &ictx) {
  SymbolReader reader(ictx);
  WalkResult walked = module.walk([&](func::FuncOp func) {
    for (BlockArgument arg : func.getArguments()) {
      Attribute attr = func.getArgAttr(arg.getArgNumber(), kArgDimsAttr);
      if (attr) {
        func.removeArgAttr(arg.getArgNumber(), kArgDimsAttr);
        if (failed(reader.readShape(arg, attr, func, kArgDimsAttr)))
          return WalkResult::interrupt();
        continue;
      }
      // Without onnx.dims, the model's dim_param names (hand-written IR):
      // static sizes from the type, "" for a size of its own.
      auto params =
          func.getArgAttrOfType<ArrayAttr>(arg.getArgNumber(), kDimParamsAttr);
      auto type = dyn_cast<RankedTensorType>(arg.getType());
      if (!params || !type)
        continue;
      if (params.size() != static_cast<size_t>(type.getRank()) ||
          !llvm::all_of(params, llvm::IsaPred<StringAttr>)) {
        func.emitError("'")
            << kDimParamsAttr << "' of argument " << arg.getArgNumber()
            << " must hold one name per dimension of " << type << ", got "
            << params;
        return WalkResult::interrupt();
      }
      SymShape shape;
      for (auto [i, p] : llvm::enumerate(params)) {
        StringRef name = cast<StringAttr>(p).getValue();
        if (!type.isDynamicDim(i))
          shape.push_back(type.getDimSize(i));
        else
          shape.push_back(name.empty() ? ictx.getDims().fresh()
                                       : ictx.getDims().named(name));
      }
      ictx.setShape(arg, shape);
    }
    return WalkResult::advance();
  });
  if (walked.wasInterrupted())
    return failure();
  walked = module.walk([&](Operation *op) {
    auto readShape = [&](Value v, Attribute attr) {
      return reader.readShape(v, attr, op, kResultDimsAttr);
    };
    auto readContents = [&](Value v, Attribute attr) {
      return reader.readContents(v, attr, op);
    };
    if (failed(readPerResult(op, kResultDimsAttr, readShape)) ||
        failed(readPerResult(op, kResultContentsAttr, readContents)))
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return failure(walked.wasInterrupted());
}

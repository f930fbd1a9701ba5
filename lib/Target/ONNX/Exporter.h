//===- Exporter.h - the state of one ONNX export ----------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The map from SSA values to ONNX value names and the per-op emitters
// (ExportModelOps.cpp: model and tensor ops; ExportQuantOps.cpp: packed
// weights, quantizers, online Hadamards). An emitter either maps the op's
// results or reports an error at the op and fails.
//
//===----------------------------------------------------------------------===//

#ifndef OST_LIB_TARGET_ONNX_EXPORTER_H
#define OST_LIB_TARGET_ONNX_EXPORTER_H

#include "GraphBuilder.h"

#include "ost/Dialect/OST/IR/OSTAttrs.h"
#include "ost/Target/ONNX/ONNXExport.h"

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"

namespace mlir::ost::onnxexport {

class Exporter {
public:
  Exporter(GraphBuilder &b, const ONNXExportOptions &options)
      : b(b), options(options) {}

  GraphBuilder &b;
  const ONNXExportOptions &options;

  /// The ONNX name of `v`, or an error at `user` when `v` has none.
  FailureOr<std::string> get(Value v, Operation *user);
  void set(Value v, std::string name) { names[v] = std::move(name); }
  bool has(Value v) const { return names.count(v); }

  /// Emits `op` (any op of a quantized module's forward function).
  LogicalResult emit(Operation *op);

  /// A readable name hint for the results of `op` (`layer3_q_proj` for a
  /// linear with role and layer, else the op name).
  std::string hintFor(Operation *op);

  /// The quantize–dequantize of `x` (rank ≥ 1) with `spec` as float ops,
  /// in the operation order of ost/Numerics/QuantGrid.h; per_token (with
  /// or without groups) and per_tensor.
  FailureOr<std::string> fakeQuant(const std::string &x, int64_t rank,
                                   int64_t lastDim, QuantSpecAttr spec,
                                   Operation *op);

  /// Records a constant; its initializer is written on first use (packed
  /// weights that only an ost.qlinear reads are repacked there instead).
  void deferConstant(Value v, Operation *op) { pending[v] = op; }

private:
  llvm::DenseMap<Value, std::string> names;
  llvm::DenseMap<Value, Operation *> pending;
};

/// The ONNX data type of an f32, i8, i32 or i64 element type.
std::optional<int32_t> getDataType(Type elem);

/// The raw little-endian bytes of a dense or dense_resource constant.
FailureOr<std::vector<char>> getRawBytes(ElementsAttr attr, Operation *op);

// Emitters (ExportModelOps.cpp). emitConstant writes the initializer of a
// deferred constant.
LogicalResult emitConstant(Exporter &e, Operation *op);
LogicalResult emitModelOp(Exporter &e, Operation *op, bool &handled);
LogicalResult emitTensorOp(Exporter &e, Operation *op, bool &handled);
// Emitters (ExportQuantOps.cpp).
LogicalResult emitQuantOp(Exporter &e, Operation *op, bool &handled);

} // namespace mlir::ost::onnxexport

#endif // OST_LIB_TARGET_ONNX_EXPORTER_H

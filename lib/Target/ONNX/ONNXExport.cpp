//===- ONNXExport.cpp - quantized OST IR as an ONNX model -----------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The driver: the module's one function becomes the graph (its arguments
// the inputs, named by `onnx.name` with their `onnx.dim_params`; its results
// the outputs), each op is emitted in order by the emitters of
// Exporter.h, and the ModelProto gets opset 21 and com.microsoft 1, the
// module's `onnx.metadata` and `ost.quantization` as metadata_props, and is
// serialized. Every op that cannot be exported is reported; nothing is
// written then.
//
//===----------------------------------------------------------------------===//

#include "Exporter.h"

#include "ost/Dialect/OST/IR/OSTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <limits>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::onnxexport;

/// ONNX opsets of the exported model: 21 for DequantizeLinear with
/// block_size and INT4, com.microsoft 1 for MatMulNBits.
static constexpr int64_t kOpset = 21;
/// IR version 10 (ONNX 1.16), the first with INT4 and opset 21.
static constexpr int64_t kIRVersion = 10;
/// protobuf's message size limit.
static constexpr uint64_t kMaxProtoBytes = (uint64_t(1) << 31) - 1;

FailureOr<std::string> Exporter::get(Value v, Operation *user) {
  auto it = names.find(v);
  if (it != names.end())
    return it->second;
  auto deferred = pending.find(v);
  if (deferred != pending.end()) {
    Operation *op = deferred->second;
    pending.erase(deferred);
    if (failed(emitConstant(*this, op)))
      return failure();
    return names.find(v)->second;
  }
  InFlightDiagnostic diag = user->emitError("the onnx target cannot export ");
  if (Operation *def = v.getDefiningOp())
    diag << "the operand defined by '" << def->getName() << "'";
  else
    diag << "this operand";
  return failure();
}

std::string Exporter::hintFor(Operation *op) {
  std::string hint;
  if (auto layer = op->getAttrOfType<IntegerAttr>("layer"))
    hint = "layer" + std::to_string(layer.getInt()) + "_";
  if (auto role = op->getAttrOfType<LinearRoleAttr>("role"))
    return hint + stringifyLinearRole(role.getValue()).str();
  return hint + op->getName().stripDialect().str();
}

LogicalResult Exporter::emit(Operation *op) {
  if (isa<arith::ConstantOp>(op)) {
    deferConstant(op->getResult(0), op);
    return success();
  }
  bool handled = false;
  for (auto emitter : {emitModelOp, emitQuantOp, emitTensorOp}) {
    if (failed(emitter(*this, op, handled)))
      return failure();
    if (handled)
      return success();
  }
  return op->emitError("the onnx target cannot export '")
         << op->getName() << "'";
}

namespace {

/// Fills `info` with name, element type and dims (dynamic dims named by
/// `dimNames` where given).
LogicalResult setValueInfo(onnx::ValueInfoProto &info, StringRef name, Type t,
                           ArrayAttr dimNames, Location loc) {
  auto type = dyn_cast<RankedTensorType>(t);
  std::optional<int32_t> elem =
      type ? getDataType(type.getElementType()) : std::nullopt;
  if (!elem || *elem == kInt8)
    return emitError(loc, "the onnx target exports f32, i32 and i64 tensors "
                          "at the function boundary, not ")
           << t;
  info.set_name(name.str());
  onnx::TypeProto_Tensor *tensor = info.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(*elem);
  onnx::TensorShapeProto *shape = tensor->mutable_shape();
  for (auto [i, size] : llvm::enumerate(type.getShape())) {
    onnx::TensorShapeProto_Dimension *dim = shape->add_dim();
    if (!ShapedType::isDynamic(size)) {
      dim->set_dim_value(size);
      continue;
    }
    auto named = dimNames && i < dimNames.size()
                     ? dyn_cast<StringAttr>(dimNames[i])
                     : StringAttr();
    if (named && !named.getValue().empty())
      dim->set_dim_param(named.str());
  }
  return success();
}

func::FuncOp getForward(ModuleOp module) {
  func::FuncOp forward;
  for (auto fn : module.getOps<func::FuncOp>())
    if (!fn.isExternal())
      forward = forward ? func::FuncOp() : fn;
  return forward;
}

} // namespace

LogicalResult mlir::ost::exportONNXModel(ModuleOp module,
                                         const ONNXExportOptions &options,
                                         std::string &bytes) {
  func::FuncOp fn = getForward(module);
  if (!fn)
    return module.emitError("the onnx target exports a module with exactly "
                            "one function");
  onnx::ModelProto model;
  model.set_ir_version(kIRVersion);
  model.set_producer_name("ost-compile");
  model.set_producer_version("1");
  if (!options.description.empty())
    model.set_doc_string(options.description);
  onnx::OperatorSetIdProto *opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOpset);
  onnx::OperatorSetIdProto *ms = model.add_opset_import();
  ms->set_domain("com.microsoft");
  ms->set_version(1);
  auto addMeta = [&](StringRef key, StringRef value) {
    onnx::StringStringEntryProto *p = model.add_metadata_props();
    p->set_key(key.str());
    p->set_value(value.str());
  };
  if (auto meta = module->getAttrOfType<DictionaryAttr>("onnx.metadata"))
    for (NamedAttribute entry : meta)
      if (auto value = dyn_cast<StringAttr>(entry.getValue()))
        addMeta(entry.getName(), value.getValue());
  if (auto q = module->getAttrOfType<StringAttr>("ost.quantization"))
    addMeta("ost.quantization", q.getValue());

  onnx::GraphProto *graph = model.mutable_graph();
  graph->set_name(fn.getName().str());
  GraphBuilder builder(*graph);
  Exporter exporter(builder, options);

  // Boundary names first, so no internal value takes them.
  auto nameOf = [](DictionaryAttr attrs, StringRef fallback) {
    auto name = attrs ? attrs.getAs<StringAttr>("onnx.name") : StringAttr();
    return name ? name.str() : fallback.str();
  };
  std::vector<std::string> outputNames;
  for (unsigned i = 0; i < fn.getNumResults(); ++i) {
    std::string name = nameOf(fn.getResultAttrDict(i),
                              i == 0 ? "logits" : "output" + std::to_string(i));
    builder.reserve(name);
    outputNames.push_back(name);
  }
  for (BlockArgument arg : fn.getArguments()) {
    unsigned i = arg.getArgNumber();
    DictionaryAttr attrs = fn.getArgAttrDict(i);
    std::string name = builder.fresh(nameOf(
        attrs, fn.getNumArguments() == 1 ? "input_ids" : "input" +
                                                              std::to_string(i)));
    ArrayAttr dims = attrs ? attrs.getAs<ArrayAttr>("onnx.dim_params")
                           : ArrayAttr();
    if (failed(setValueInfo(*graph->add_input(), name, arg.getType(), dims,
                            fn.getLoc())))
      return failure();
    exporter.set(arg, name);
  }

  bool ok = true;
  for (Operation &op : fn.getBody().front().without_terminator())
    if (failed(exporter.emit(&op)))
      ok = false; // report every op that cannot be exported
  if (!ok)
    return failure();

  Operation *terminator = fn.getBody().front().getTerminator();
  for (auto [i, result] : llvm::enumerate(terminator->getOperands())) {
    FailureOr<std::string> name = exporter.get(result, terminator);
    if (failed(name))
      return failure();
    // An Identity gives the output its boundary name.
    onnx::NodeProto *id = graph->add_node();
    id->set_op_type("Identity");
    id->set_name(outputNames[i]);
    id->add_input(*name);
    id->add_output(outputNames[i]);
    if (failed(setValueInfo(*graph->add_output(), outputNames[i],
                            result.getType(), ArrayAttr(), fn.getLoc())))
      return failure();
  }
  if (builder.getInitializerBytes() > kMaxProtoBytes - (uint64_t(64) << 20))
    return module.emitError("the onnx target writes the weights inside the "
                            "model file, and ")
           << builder.getInitializerBytes()
           << " bytes exceed protobuf's 2 GiB limit (external data is not "
              "implemented)";
  if (!model.SerializeToString(&bytes))
    return module.emitError("serializing the ONNX model failed");
  return success();
}

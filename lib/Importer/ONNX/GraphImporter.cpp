//===- GraphImporter.cpp - stage 1: mechanical import of the graph --------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Builds one func.func from the main graph: graph inputs become arguments,
// initializers `arith.constant`s (dense_resource above the threshold), and
// every node a generic op `onnx.<OpType>` built by the handler registered for
// its (domain, op type, opset). Result types merge what the model declares
// (value_info after ONNX shape inference, graph outputs) with what the
// handler derives symbolically. Locations are NameLoc(node name) around a
// FileLineColLoc into the model (the node's line for text models, its
// 1-based position in graph.node for binary ones).
//
//===----------------------------------------------------------------------===//

#include "ImporterInternals.h"

#include <cstring>

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/ADT/StringSet.h"

#include "onnx/onnx_pb.h"

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::importer;

//===----------------------------------------------------------------------===//
// OpRegistry
//===----------------------------------------------------------------------===//

static std::string qualify(StringRef domain, StringRef opType) {
  if (domain.empty() || domain == "ai.onnx")
    return opType.str();
  return (domain + "." + opType).str();
}

void OpRegistry::onOp(StringRef domain, StringRef opType, int64_t sinceVersion,
                      NodeHandler fn) {
  handlers[qualify(domain, opType)][sinceVersion] = std::move(fn);
}

const NodeHandler *OpRegistry::lookup(StringRef domain, StringRef opType,
                                      int64_t version,
                                      int64_t *minVersion) const {
  auto it = handlers.find(qualify(domain, opType));
  if (it == handlers.end())
    return nullptr;
  const std::map<int64_t, NodeHandler> &byVersion = it->second;
  auto found = byVersion.upper_bound(version);
  if (found == byVersion.begin()) {
    if (minVersion)
      *minVersion = byVersion.begin()->first;
    return nullptr;
  }
  return &std::prev(found)->second;
}

const OpRegistry &OpRegistry::get() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    registerDefaultDomainHandlers(r);
    registerShapeComputationHandlers(r);
    registerMicrosoftDomainHandlers(r);
    return r;
  }();
  return registry;
}

//===----------------------------------------------------------------------===//
// NodeBinder
//===----------------------------------------------------------------------===//

NodeBinder::NodeBinder(ImportContext &ictx, const ::onnx::NodeProto &node,
                       OpBuilder &builder, Location loc, int64_t opsetVersion)
    : ictx(ictx), node(node), builder(builder), loc(loc),
      opsetVersion(opsetVersion) {
  qualifiedType = qualify(node.domain(), node.op_type());
  opName = (kONNXPrefix + qualifiedType).str();
  results.resize(node.output_size());
  declared.resize(node.output_size());
}

std::optional<SymShape> NodeBinder::getInputShape(unsigned i) {
  Value v = getInput(i);
  return v ? ictx.getShape(v) : std::nullopt;
}

std::optional<SymInts> NodeBinder::getInputContents(unsigned i) {
  Value v = getInput(i);
  return v ? ictx.getContents(v) : std::nullopt;
}

Type NodeBinder::getInputElementType(unsigned i) const {
  Value v = getInput(i);
  if (!v)
    return {};
  auto type = dyn_cast<TensorType>(v.getType());
  if (!type || isa<OpaqueType>(type.getElementType()))
    return {};
  return type.getElementType();
}

void NodeBinder::deriveResult(unsigned i, Type elementType,
                              std::optional<SymShape> shape) {
  if (i >= results.size())
    return;
  if (elementType)
    results[i].elementType = elementType;
  if (shape)
    results[i].shape = std::move(shape);
}

void NodeBinder::setResultContents(unsigned i, ArrayRef<SymInt> contents) {
  if (i < results.size())
    results[i].contents = SymInts(contents.begin(), contents.end());
}

void NodeBinder::setDefaultAttr(StringRef name, Attribute value) {
  if (!attributes.get(name))
    attributes.set(name, value);
}

std::optional<int64_t> NodeBinder::getIntAttr(StringRef name) const {
  if (auto attr = dyn_cast_or_null<IntegerAttr>(attributes.get(name)))
    return attr.getValue().getSExtValue();
  return std::nullopt;
}

int64_t NodeBinder::getIntAttr(StringRef name, int64_t defaultValue) const {
  return getIntAttr(name).value_or(defaultValue);
}

std::optional<double> NodeBinder::getFloatAttr(StringRef name) const {
  if (auto attr = dyn_cast_or_null<FloatAttr>(attributes.get(name)))
    return attr.getValueAsDouble();
  return std::nullopt;
}

std::optional<SmallVector<int64_t>>
NodeBinder::getIntsAttr(StringRef name) const {
  if (auto attr = dyn_cast_or_null<DenseI64ArrayAttr>(attributes.get(name)))
    return SmallVector<int64_t>(attr.asArrayRef());
  return std::nullopt;
}

InFlightDiagnostic NodeBinder::emitError() const {
  StringRef name = cast<NameLoc>(loc).getName().getValue();
  return mlir::emitError(loc)
         << "node '" << name << "' (op " << qualifiedType << "): ";
}

/// Merges the declared and the derived knowledge of a result.
static ResultInfo mergeInfo(DimSymbols &dims, const ResultInfo &declared,
                            const ResultInfo &derived) {
  ResultInfo out;
  out.elementType =
      declared.elementType ? declared.elementType : derived.elementType;
  out.contents = derived.contents;
  if (!declared.shape || !derived.shape ||
      declared.shape->size() != derived.shape->size()) {
    out.shape = declared.shape ? declared.shape : derived.shape;
    return out;
  }
  SymShape shape;
  for (auto [a, b] : llvm::zip(*declared.shape, *derived.shape)) {
    if (isStaticDim(a))
      shape.push_back(a);
    else if (isStaticDim(b) || dims.isNamed(b) || !dims.isNamed(a))
      shape.push_back(b);
    else
      shape.push_back(a);
  }
  out.shape = std::move(shape);
  return out;
}

Type NodeBinder::getResultType(unsigned i) {
  ResultInfo info = mergeInfo(ictx.getDims(), declared[i], results[i]);
  Type elem = info.elementType;
  if (!elem)
    elem = OpaqueType::get(StringAttr::get(getContext(), "onnx"), "unknown");
  if (!info.shape)
    return UnrankedTensorType::get(elem);
  return makeTensorType(*info.shape, elem);
}

LogicalResult NodeBinder::createGenericOp() {
  OperationState state(loc, opName);
  SmallVector<int64_t> inputMap;
  bool gap = false;
  for (Value v : inputs) {
    if (!v) {
      inputMap.push_back(-1);
      gap = true;
      continue;
    }
    inputMap.push_back(state.operands.size());
    state.operands.push_back(v);
  }
  // Trailing absent inputs need no map.
  while (!inputMap.empty() && inputMap.back() < 0)
    inputMap.pop_back();
  if (gap && llvm::any_of(inputMap, [](int64_t x) { return x < 0; }))
    attributes.set(kInputMapAttr, builder.getDenseI64ArrayAttr(inputMap));
  for (unsigned i = 0; i < results.size(); ++i)
    state.types.push_back(getResultType(i));
  state.attributes = attributes;
  createdOp = builder.create(state);
  for (unsigned i = 0; i < results.size(); ++i) {
    ResultInfo info = mergeInfo(ictx.getDims(), declared[i], results[i]);
    Value r = createdOp->getResult(i);
    if (info.shape)
      ictx.setShape(r, *info.shape);
    if (info.contents)
      ictx.setContents(r, *info.contents);
  }
  if (!notes.empty())
    ictx.noteFailure(createdOp, notes.front());
  resultValues.assign(createdOp->result_begin(), createdOp->result_end());
  return success();
}

void NodeBinder::setResultValues(ValueRange values) {
  resultValues.assign(values.begin(), values.end());
}

//===----------------------------------------------------------------------===//
// GraphImporter
//===----------------------------------------------------------------------===//

namespace mlir::ost::importer {

class GraphImporter {
public:
  explicit GraphImporter(ImportContext &ictx)
      : ictx(ictx), ctx(ictx.getContext()), builder(ctx),
        model(ictx.getModel()), graph(model.proto->graph()) {}

  FailureOr<OwningOpRef<ModuleOp>> run();

private:
  Location fileLoc(unsigned line = 0, unsigned col = 0) {
    return FileLineColLoc::get(ctx, model.fileName, line, col);
  }
  Location namedLoc(StringRef name, unsigned line, unsigned col = 0) {
    return NameLoc::get(StringAttr::get(ctx, name), fileLoc(line, col));
  }
  ResultInfo infoFromType(const ::onnx::TypeProto &type);
  FailureOr<Type> convertValueType(const ::onnx::ValueInfoProto &vi,
                                   ResultInfo &info);
  FailureOr<Attribute> convertAttribute(const ::onnx::AttributeProto &attr,
                                        NodeBinder &binder, StringRef nodeName);
  LogicalResult importInitializers();
  LogicalResult importNode(const ::onnx::NodeProto &node, unsigned index);

  ImportContext &ictx;
  MLIRContext *ctx;
  OpBuilder builder;
  LoadedModel &model;
  const ::onnx::GraphProto &graph;
  llvm::StringMap<Value> values;
  llvm::StringMap<const ::onnx::TypeProto *> declaredTypes;
};

} // namespace mlir::ost::importer

ResultInfo GraphImporter::infoFromType(const ::onnx::TypeProto &type) {
  ResultInfo info;
  if (!type.has_tensor_type())
    return info;
  const auto &tt = type.tensor_type();
  if (tt.has_elem_type())
    info.elementType = convertElementType(ctx, tt.elem_type());
  if (!tt.has_shape())
    return info;
  SymShape shape;
  for (const auto &dim : tt.shape().dim()) {
    if (dim.has_dim_value() && dim.dim_value() >= 0)
      shape.push_back(dim.dim_value());
    else if (dim.has_dim_param() && !dim.dim_param().empty())
      shape.push_back(ictx.getDims().named(dim.dim_param()));
    else
      shape.push_back(ictx.getDims().fresh());
  }
  info.shape = std::move(shape);
  return info;
}

FailureOr<Type>
GraphImporter::convertValueType(const ::onnx::ValueInfoProto &vi,
                                ResultInfo &info) {
  Location loc = namedLoc(vi.name(), 0);
  if (!vi.has_type() || !vi.type().has_tensor_type())
    return emitError(loc) << "graph value '" << vi.name()
                          << "' is not a tensor (sequence, map and optional "
                             "values are not supported)",
           failure();
  info = infoFromType(vi.type());
  if (!info.elementType)
    return emitError(loc) << "graph value '" << vi.name()
                          << "' has an unsupported element type "
                          << vi.type().tensor_type().elem_type(),
           failure();
  if (!info.shape)
    return Type(UnrankedTensorType::get(info.elementType));
  return Type(makeTensorType(*info.shape, info.elementType));
}

/// Converts one attribute. A null attribute means "skipped" (the reason is
/// noted on the node); failure means an error was reported.
FailureOr<Attribute>
GraphImporter::convertAttribute(const ::onnx::AttributeProto &attr,
                                NodeBinder &binder, StringRef nodeName) {
  using AP = ::onnx::AttributeProto;
  if (attr.has_ref_attr_name()) {
    binder.noteUnsupported("attribute '" + attr.name() +
                           "' refers to a function attribute");
    return Attribute();
  }
  AP::AttributeType type = attr.type();
  if (type == AP::UNDEFINED) {
    // Models older than IR 2 leave the type out; infer it from the field.
    if (attr.has_f())
      type = AP::FLOAT;
    else if (attr.has_i())
      type = AP::INT;
    else if (attr.has_s())
      type = AP::STRING;
    else if (attr.has_t())
      type = AP::TENSOR;
    else if (attr.has_g())
      type = AP::GRAPH;
    else if (attr.floats_size())
      type = AP::FLOATS;
    else if (attr.ints_size())
      type = AP::INTS;
    else if (attr.strings_size())
      type = AP::STRINGS;
  }
  switch (type) {
  case AP::FLOAT:
    return builder.getF32FloatAttr(attr.f());
  case AP::INT:
    return builder.getI64IntegerAttr(attr.i());
  case AP::STRING:
    return builder.getStringAttr(attr.s());
  case AP::INTS:
    return builder.getDenseI64ArrayAttr(
        SmallVector<int64_t>(attr.ints().begin(), attr.ints().end()));
  case AP::FLOATS:
    return builder.getDenseF32ArrayAttr(
        SmallVector<float>(attr.floats().begin(), attr.floats().end()));
  case AP::STRINGS: {
    SmallVector<Attribute> strings;
    for (const std::string &s : attr.strings())
      strings.push_back(builder.getStringAttr(s));
    return builder.getArrayAttr(strings);
  }
  case AP::TENSOR: {
    const ::onnx::TensorProto &t = attr.t();
    Type elem = convertElementType(ctx, t.data_type());
    std::string what =
        ("attribute '" + attr.name() + "' of node '" + nodeName + "'").str();
    if (!elem) {
      binder.noteUnsupported("attribute '" + attr.name() +
                             "' has an unsupported tensor element type");
      return Attribute();
    }
    FailureOr<TensorBytes> bytes =
        loadTensorBytes(model, t, binder.getLoc(), what);
    if (failed(bytes))
      return failure();
    SmallVector<int64_t> dims(t.dims().begin(), t.dims().end());
    auto tensorType = RankedTensorType::get(dims, elem);
    return Attribute(ictx.createElementsAttr(
        tensorType, bytes->data, t.name().empty() ? nodeName : t.name(),
        bytes->keepAlive));
  }
  default:
    binder.noteUnsupported(
        "attribute '" + attr.name() + "' of kind " +
        (AP::AttributeType_IsValid(type) ? AP::AttributeType_Name(type)
                                         : std::to_string(type)) +
        " is not supported (subgraphs, sparse tensors and types are not "
        "imported)");
    return Attribute();
  }
}

/// Index of the first NaN among `bytes` of element type `elem` (f32, f64,
/// f16, bf16), or -1. (±Inf is legal: causal-mask tables hold -inf.)
static int64_t findNaN(ArrayRef<char> bytes, Type elem) {
  const char *p = bytes.data();
  if (elem.isF32()) {
    for (size_t i = 0, n = bytes.size() / 4; i < n; ++i) {
      float v;
      std::memcpy(&v, p + 4 * i, 4);
      if (v != v)
        return static_cast<int64_t>(i);
    }
  } else if (elem.isF64()) {
    for (size_t i = 0, n = bytes.size() / 8; i < n; ++i) {
      double v;
      std::memcpy(&v, p + 8 * i, 8);
      if (v != v)
        return static_cast<int64_t>(i);
    }
  } else if (elem.isF16() || elem.isBF16()) {
    uint16_t expMask = elem.isF16() ? 0x7C00 : 0x7F80;
    uint16_t manMask = elem.isF16() ? 0x03FF : 0x007F;
    for (size_t i = 0, n = bytes.size() / 2; i < n; ++i) {
      uint16_t v;
      std::memcpy(&v, p + 2 * i, 2);
      if ((v & expMask) == expMask && (v & manMask) != 0)
        return static_cast<int64_t>(i);
    }
  }
  return -1;
}

LogicalResult GraphImporter::importInitializers() {
  for (const ::onnx::TensorProto &init : graph.initializer()) {
    Location loc = namedLoc(init.name(), 0);
    if (init.name().empty())
      return emitError(loc) << "initializer without a name", failure();
    Type elem = convertElementType(ctx, init.data_type());
    if (!elem)
      return emitError(loc)
                 << "initializer '" << init.name()
                 << "' has an unsupported element type " << init.data_type(),
             failure();
    FailureOr<TensorBytes> bytes = loadTensorBytes(
        model, init, loc, ("initializer '" + init.name() + "'"));
    if (failed(bytes))
      return failure();
    if (int64_t bad = findNaN(bytes->data, elem); bad >= 0)
      return emitError(loc) << "initializer '" << init.name()
                            << "' holds NaN at element " << bad
                            << "; the model's weights are corrupt",
             failure();
    // The scan touched every page; mapped weights are re-read when used.
    ictx.adviseDone(bytes->data);
    SmallVector<int64_t> dims(init.dims().begin(), init.dims().end());
    auto type = RankedTensorType::get(dims, elem);
    values[init.name()] = ictx.createConstant(builder, loc, type, bytes->data,
                                              init.name(), bytes->keepAlive);
  }
  if (graph.sparse_initializer_size() != 0)
    return emitError(fileLoc()) << "sparse initializers are not supported",
           failure();
  return success();
}

LogicalResult GraphImporter::importNode(const ::onnx::NodeProto &node,
                                        unsigned index) {
  std::string name = node.name();
  if (name.empty())
    name = node.output_size() && !node.output(0).empty()
               ? node.output(0)
               : (node.op_type() + "_" + std::to_string(index));
  // Text: the node's line and column; binary: its 1-based position.
  auto [line, col] = model.nodeLines.empty()
                         ? std::pair<unsigned, unsigned>(index + 1, 0)
                         : model.nodeLines[index];
  Location loc = namedLoc(name, line, col);
  int64_t version = ictx.getOpsetVersion(node.domain());
  NodeBinder binder(ictx, node, builder, loc, version);

  if (node.op_type().empty())
    return binder.emitError() << "node without an op_type", failure();
  if (node.output_size() == 0)
    return binder.emitError() << "node without outputs", failure();

  SmallVector<Value> inputs;
  for (const std::string &in : node.input()) {
    if (in.empty()) {
      inputs.push_back(Value());
      continue;
    }
    auto it = values.find(in);
    if (it == values.end())
      return binder.emitError()
                 << "input '" << in
                 << "' is not a graph input, an initializer or the output of "
                    "an earlier node",
             failure();
    inputs.push_back(it->second);
  }
  binder.setInputs(std::move(inputs));

  for (int i = 0; i < node.output_size(); ++i) {
    const std::string &out = node.output(i);
    if (out.empty())
      continue;
    auto it = declaredTypes.find(out);
    if (it != declaredTypes.end())
      binder.declared[i] = infoFromType(*it->second);
  }

  for (const ::onnx::AttributeProto &attr : node.attribute()) {
    if (attr.name().empty())
      return binder.emitError() << "attribute without a name", failure();
    FailureOr<Attribute> converted = convertAttribute(attr, binder, name);
    if (failed(converted))
      return failure();
    if (*converted)
      binder.getAttributes().set(attr.name(), *converted);
  }

  int64_t minVersion = 0;
  const NodeHandler *handler =
      OpRegistry::get().lookup(node.domain(), node.op_type(),
                               std::max<int64_t>(version, 1), &minVersion);
  if (!handler && minVersion > 0)
    binder.noteUnsupported("opset " + Twine(version) +
                           " is older than the first supported version (" +
                           Twine(minVersion) + ") of this op");
  if (handler) {
    if (failed((*handler)(binder)))
      return failure();
    if (binder.getResultValues().empty() && failed(binder.createGenericOp()))
      return failure();
  } else if (failed(binder.createGenericOp())) {
    return failure();
  }

  ArrayRef<Value> results = binder.getResultValues();
  if (results.size() != static_cast<size_t>(node.output_size()))
    return binder.emitError() << "internal error: handler produced "
                              << results.size() << " results",
           failure();
  for (int i = 0; i < node.output_size(); ++i) {
    const std::string &out = node.output(i);
    if (out.empty())
      continue;
    if (values.count(out))
      return binder.emitError()
                 << "output '" << out << "' is defined more than once",
             failure();
    values[out] = results[i];
  }
  return success();
}

FailureOr<OwningOpRef<ModuleOp>> GraphImporter::run() {
  const ::onnx::ModelProto &proto = *model.proto;
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc());
  builder.setInsertionPointToEnd(module->getBody());

  // Model-level metadata.
  SmallVector<NamedAttribute> opsetAttrs;
  for (const auto &opset : proto.opset_import()) {
    ictx.setOpsetVersion(opset.domain(), opset.version());
    opsetAttrs.push_back(builder.getNamedAttr(
        opset.domain().empty() ? "ai.onnx" : opset.domain(),
        builder.getI64IntegerAttr(opset.version())));
  }
  (*module)->setAttr("onnx.opset_import",
                     builder.getDictionaryAttr(opsetAttrs));
  (*module)->setAttr("onnx.ir_version",
                     builder.getI64IntegerAttr(proto.ir_version()));
  if (!proto.producer_name().empty())
    (*module)->setAttr(
        "onnx.producer",
        builder.getStringAttr(proto.producer_name() +
                              (proto.producer_version().empty()
                                   ? ""
                                   : " " + proto.producer_version())));
  if (proto.metadata_props_size()) {
    SmallVector<NamedAttribute> meta;
    for (const auto &prop : proto.metadata_props())
      if (!prop.key().empty())
        meta.push_back(builder.getNamedAttr(
            prop.key(), builder.getStringAttr(prop.value())));
    (*module)->setAttr("onnx.metadata", builder.getDictionaryAttr(meta));
  }

  for (const auto &vi : graph.value_info())
    if (vi.has_type())
      declaredTypes[vi.name()] = &vi.type();
  for (const auto &vi : graph.output())
    if (vi.has_type())
      declaredTypes[vi.name()] = &vi.type();

  // Graph inputs that are not initializers are the arguments.
  llvm::StringSet<> initNames;
  for (const auto &init : graph.initializer())
    initNames.insert(init.name());
  SmallVector<Type> argTypes;
  SmallVector<const ::onnx::ValueInfoProto *> args;
  SmallVector<ResultInfo> argInfos;
  for (const auto &vi : graph.input()) {
    if (initNames.contains(vi.name()))
      continue; // IR < 4 lists initializers as inputs: they stay constants.
    ResultInfo info;
    FailureOr<Type> type = convertValueType(vi, info);
    if (failed(type))
      return failure();
    argTypes.push_back(*type);
    args.push_back(&vi);
    argInfos.push_back(info);
  }

  auto func =
      func::FuncOp::create(builder, fileLoc(), ictx.getOptions().functionName,
                           builder.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  builder.setInsertionPointToStart(entry);
  for (auto [i, vi] : llvm::enumerate(args)) {
    BlockArgument arg = entry->getArgument(i);
    if (values.count(vi->name()))
      return emitError(namedLoc(vi->name(), 0))
                 << "graph input '" << vi->name() << "' is listed twice",
             failure();
    values[vi->name()] = arg;
    if (argInfos[i].shape)
      ictx.setShape(arg, *argInfos[i].shape);
    func.setArgAttr(i, "onnx.name", builder.getStringAttr(vi->name()));
    const auto &tt = vi->type().tensor_type();
    if (tt.has_shape() && llvm::any_of(tt.shape().dim(), [](const auto &d) {
          return d.has_dim_param() && !d.has_dim_value();
        })) {
      SmallVector<Attribute> params;
      for (const auto &d : tt.shape().dim())
        params.push_back(
            builder.getStringAttr(d.has_dim_value() ? "" : d.dim_param()));
      func.setArgAttr(i, kDimParamsAttr, builder.getArrayAttr(params));
    }
  }

  if (failed(importInitializers()))
    return failure();
  for (auto [i, node] : llvm::enumerate(graph.node()))
    if (failed(importNode(node, i)))
      return failure();

  SmallVector<Value> results;
  for (const auto &vi : graph.output()) {
    auto it = values.find(vi.name());
    if (it == values.end())
      return emitError(namedLoc(vi.name(), 0))
                 << "graph output '" << vi.name() << "' is never computed",
             failure();
    results.push_back(it->second);
  }
  func::ReturnOp::create(builder, fileLoc(), results);
  func.setFunctionType(
      builder.getFunctionType(argTypes, ValueRange(results).getTypes()));
  for (auto [i, vi] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "onnx.name", builder.getStringAttr(vi.name()));
  return module;
}

FailureOr<OwningOpRef<ModuleOp>>
mlir::ost::importer::importGraph(ImportContext &ictx) {
  GraphImporter importer(ictx);
  return importer.run();
}

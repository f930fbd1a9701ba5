//===- Matchers.cpp - helpers for patterns over generic ONNX ops ----------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Reading generic `onnx.*` ops (inputs by ONNX position, attributes,
// constants), matching the few op kinds that patterns see both before and
// after raising (Mul, Add, Transpose), cleaning up dead producers, and the
// layer/role naming conventions of torch.onnx and HF exports.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternals.h"

#include "ost/Dialect/OST/IR/OSTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Support/Regex.h"

#include <cstring>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::importer;

//===----------------------------------------------------------------------===//
// Generic ops
//===----------------------------------------------------------------------===//

bool mlir::ost::importer::isONNXOp(Operation *op) {
  return op && op->getName().getStringRef().starts_with(kONNXPrefix);
}

bool mlir::ost::importer::isONNXOp(Operation *op, StringRef type) {
  if (!op)
    return false;
  StringRef name = op->getName().getStringRef();
  return name.size() == kONNXPrefix.size() + type.size() &&
         name.starts_with(kONNXPrefix) && name.ends_with(type);
}

Operation *mlir::ost::importer::getONNXDef(Value v, StringRef type) {
  if (!v)
    return nullptr;
  Operation *def = v.getDefiningOp();
  return isONNXOp(def, type) ? def : nullptr;
}

StringRef mlir::ost::importer::getONNXType(Operation *op) {
  return op->getName().getStringRef().drop_front(kONNXPrefix.size());
}

LogicalResult
CommutativeONNXPattern::matchAndRewrite(Operation *op,
                                        PatternRewriter &rewriter) const {
  Value a = getONNXInput(op, 0), b = getONNXInput(op, 1);
  if (!a || !b || op->getNumResults() != 1)
    return failure();
  return success(succeeded(matchOrdered(op, a, b, rewriter)) ||
                 succeeded(matchOrdered(op, b, a, rewriter)));
}

StringRef mlir::ost::importer::getNodeName(Operation *op) {
  if (auto name = dyn_cast<NameLoc>(op->getLoc()))
    return name.getName().getValue();
  return {};
}

unsigned mlir::ost::importer::getNumONNXInputs(Operation *op) {
  if (auto map = op->getAttrOfType<DenseI64ArrayAttr>(kInputMapAttr))
    return map.size();
  return op->getNumOperands();
}

Value mlir::ost::importer::getONNXInput(Operation *op, unsigned i) {
  if (auto map = op->getAttrOfType<DenseI64ArrayAttr>(kInputMapAttr)) {
    if (i >= map.size() || map[i] < 0 ||
        map[i] >= static_cast<int64_t>(op->getNumOperands()))
      return {};
    return op->getOperand(map[i]);
  }
  return i < op->getNumOperands() ? op->getOperand(i) : Value();
}

std::optional<int64_t> mlir::ost::importer::getIntAttr(Operation *op,
                                                       StringRef name) {
  if (auto attr = op->getAttrOfType<IntegerAttr>(name))
    return attr.getValue().getSExtValue();
  return std::nullopt;
}

int64_t mlir::ost::importer::getIntAttr(Operation *op, StringRef name,
                                        int64_t defaultValue) {
  return getIntAttr(op, name).value_or(defaultValue);
}

std::optional<double> mlir::ost::importer::getFloatAttr(Operation *op,
                                                        StringRef name) {
  if (auto attr = op->getAttrOfType<FloatAttr>(name))
    return attr.getValueAsDouble();
  return std::nullopt;
}

std::optional<SmallVector<int64_t>>
mlir::ost::importer::getIntsAttr(Operation *op, StringRef name) {
  if (auto attr = op->getAttrOfType<DenseI64ArrayAttr>(name))
    return SmallVector<int64_t>(attr.asArrayRef());
  return std::nullopt;
}

Value mlir::ost::importer::skipPassThrough(Value v) {
  for (int guard = 0; v && guard < 64; ++guard) {
    Operation *def = v.getDefiningOp();
    if (!isONNXOp(def))
      return v;
    StringRef type = getONNXType(def);
    Value in = getONNXInput(def, 0);
    if (!in)
      return v;
    if (type == "Identity" || (type == "Cast" && in.getType() == v.getType())) {
      v = in;
      continue;
    }
    if (type == "Dropout" && v == def->getResult(0)) {
      Value training = getONNXInput(def, 2);
      std::optional<SmallVector<int64_t>> mode =
          training ? getIntConstant(training) : SmallVector<int64_t>{0};
      if (mode && mode->size() == 1 && (*mode)[0] == 0) {
        v = in;
        continue;
      }
    }
    return v;
  }
  return v;
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

ElementsAttr mlir::ost::importer::getConstantElements(Value v) {
  v = skipPassThrough(v);
  if (!v)
    return {};
  if (auto cst = v.getDefiningOp<arith::ConstantOp>())
    return dyn_cast<ElementsAttr>(cst.getValue());
  return {};
}

FailureOr<ArrayRef<char>>
mlir::ost::importer::getElementsBytes(ElementsAttr attr,
                                      std::vector<char> &storage) {
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return failure();
    return blob->getData();
  }
  auto dense = dyn_cast<DenseElementsAttr>(attr);
  if (!dense)
    return failure();
  Type elem = dense.getElementType();
  if (!elem.isIntOrFloat())
    return failure();
  int64_t numel = dense.getNumElements();
  if (elem.isInteger(1)) {
    storage.clear();
    for (bool b : dense.getValues<bool>())
      storage.push_back(b ? 1 : 0);
    return ArrayRef<char>(storage);
  }
  ArrayRef<char> raw = dense.getRawData();
  if (!dense.isSplat())
    return raw;
  size_t width = elem.getIntOrFloatBitWidth() / 8;
  if (raw.size() < width)
    return failure();
  storage.resize(width * numel);
  for (int64_t i = 0; i < numel; ++i)
    std::memcpy(storage.data() + i * width, raw.data(), width);
  return ArrayRef<char>(storage);
}

FailureOr<std::vector<double>>
mlir::ost::importer::getFloatElements(ElementsAttr attr) {
  auto type = cast<ShapedType>(attr.getType());
  auto ft = dyn_cast<FloatType>(type.getElementType());
  if (!ft)
    return failure();
  std::vector<char> storage;
  FailureOr<ArrayRef<char>> bytes = getElementsBytes(attr, storage);
  if (failed(bytes))
    return failure();
  unsigned width = ft.getWidth() / 8;
  int64_t numel = type.getNumElements();
  if (bytes->size() != static_cast<size_t>(numel) * width)
    return failure();
  std::vector<double> out;
  out.reserve(numel);
  const char *p = bytes->data();
  for (int64_t i = 0; i < numel; ++i, p += width) {
    if (ft.isF32()) {
      float f;
      std::memcpy(&f, p, 4);
      out.push_back(f);
    } else if (ft.isF64()) {
      double d;
      std::memcpy(&d, p, 8);
      out.push_back(d);
    } else if (width == 2) {
      uint16_t bits;
      std::memcpy(&bits, p, 2);
      APFloat f(ft.getFloatSemantics(), APInt(16, bits));
      bool loses;
      f.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &loses);
      out.push_back(f.convertToDouble());
    } else {
      return failure();
    }
  }
  return out;
}

std::optional<double> mlir::ost::importer::getScalarConstant(Value v) {
  ElementsAttr attr = getConstantElements(v);
  if (!attr || cast<ShapedType>(attr.getType()).getNumElements() != 1)
    return std::nullopt;
  if (isa<FloatType>(cast<ShapedType>(attr.getType()).getElementType())) {
    FailureOr<std::vector<double>> values = getFloatElements(attr);
    if (failed(values) || values->size() != 1)
      return std::nullopt;
    return values->front();
  }
  std::optional<SmallVector<int64_t>> ints = getIntConstant(v);
  if (ints && ints->size() == 1)
    return static_cast<double>(ints->front());
  return std::nullopt;
}

std::optional<SmallVector<int64_t>>
mlir::ost::importer::getIntConstant(Value v) {
  ElementsAttr attr = getConstantElements(v);
  if (!attr)
    return std::nullopt;
  auto type = cast<ShapedType>(attr.getType());
  auto it = dyn_cast<IntegerType>(type.getElementType());
  if (!it || type.getNumElements() > (1 << 16))
    return std::nullopt;
  std::vector<char> storage;
  FailureOr<ArrayRef<char>> bytes = getElementsBytes(attr, storage);
  if (failed(bytes))
    return std::nullopt;
  unsigned width = std::max(1u, it.getWidth() / 8);
  if (bytes->size() != static_cast<size_t>(type.getNumElements()) * width)
    return std::nullopt;
  SmallVector<int64_t> out;
  const char *p = bytes->data();
  for (int64_t i = 0; i < type.getNumElements(); ++i, p += width) {
    uint64_t raw = 0;
    std::memcpy(&raw, p, width);
    if (it.isUnsigned() || it.getWidth() == 1)
      out.push_back(static_cast<int64_t>(raw));
    else
      out.push_back(llvm::SignExtend64(raw, width * 8));
  }
  return out;
}

std::optional<SliceParams>
mlir::ost::importer::getSliceParams(ImportContext &ictx, Operation *slice,
                                    int64_t rank) {
  if (!isONNXOp(slice, "Slice"))
    return std::nullopt;
  SliceParams p;
  std::optional<SmallVector<int64_t>> axes, steps;
  if (getNumONNXInputs(slice) >= 3) {
    std::optional<SymInts> starts = ictx.getContents(getONNXInput(slice, 1));
    std::optional<SymInts> ends = ictx.getContents(getONNXInput(slice, 2));
    if (!starts || !ends)
      return std::nullopt;
    p.starts = *starts;
    p.ends = *ends;
    if (Value a = getONNXInput(slice, 3)) {
      axes = getIntConstant(a);
      if (!axes)
        return std::nullopt;
    }
    if (Value st = getONNXInput(slice, 4)) {
      steps = getIntConstant(st);
      if (!steps)
        return std::nullopt;
    }
  } else {
    std::optional<SmallVector<int64_t>> starts = getIntsAttr(slice, "starts");
    std::optional<SmallVector<int64_t>> ends = getIntsAttr(slice, "ends");
    if (!starts || !ends)
      return std::nullopt;
    for (int64_t x : *starts)
      p.starts.push_back(SymInt::literal(x));
    for (int64_t x : *ends)
      p.ends.push_back(SymInt::literal(x));
    axes = getIntsAttr(slice, "axes");
  }
  size_t n = p.starts.size();
  if (p.ends.size() != n || (axes && axes->size() != n) ||
      (steps && steps->size() != n))
    return std::nullopt;
  for (size_t i = 0; i < n; ++i) {
    std::optional<int64_t> axis =
        normalizeAxis(axes ? (*axes)[i] : static_cast<int64_t>(i), rank);
    if (!axis || llvm::is_contained(p.axes, *axis))
      return std::nullopt;
    p.axes.push_back(*axis);
    p.steps.push_back(steps ? (*steps)[i] : 1);
  }
  return p;
}

//===----------------------------------------------------------------------===//
// Op kinds seen before and after raising
//===----------------------------------------------------------------------===//

static bool matchBinary(Value v, StringRef onnxType, Value &a, Value &b,
                        bool isMul) {
  Operation *def = v ? v.getDefiningOp() : nullptr;
  if (!def)
    return false;
  if (isONNXOp(def, onnxType) && getNumONNXInputs(def) == 2) {
    a = getONNXInput(def, 0);
    b = getONNXInput(def, 1);
    return a && b;
  }
  if ((isMul && isa<ost::MulOp, arith::MulFOp>(def)) ||
      (!isMul && isa<ost::AddOp, arith::AddFOp>(def))) {
    a = def->getOperand(0);
    b = def->getOperand(1);
    return true;
  }
  return false;
}

bool mlir::ost::importer::matchMul(Value v, Value &a, Value &b) {
  return matchBinary(v, "Mul", a, b, /*isMul=*/true);
}

bool mlir::ost::importer::matchAdd(Value v, Value &a, Value &b) {
  return matchBinary(v, "Add", a, b, /*isMul=*/false);
}

bool mlir::ost::importer::matchTranspose(Value v, Value &input,
                                         SmallVectorImpl<int64_t> &perm) {
  Operation *def = v ? v.getDefiningOp() : nullptr;
  if (auto t = dyn_cast_or_null<ost::TransposeOp>(def)) {
    input = t.getInput();
    perm.assign(t.getPermutation().begin(), t.getPermutation().end());
    return true;
  }
  if (!isONNXOp(def, "Transpose"))
    return false;
  input = getONNXInput(def, 0);
  auto type = input ? dyn_cast<RankedTensorType>(input.getType()) : nullptr;
  if (!type)
    return false;
  perm.clear();
  if (std::optional<SmallVector<int64_t>> p = getIntsAttr(def, "perm")) {
    perm.assign(p->begin(), p->end());
  } else {
    for (int64_t i = type.getRank() - 1; i >= 0; --i)
      perm.push_back(i);
  }
  if (static_cast<int64_t>(perm.size()) != type.getRank())
    return false;
  SmallVector<bool> seen(perm.size(), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= type.getRank() || seen[p])
      return false;
    seen[p] = true;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Clean-up
//===----------------------------------------------------------------------===//

/// True for ops that may be erased once unused.
static bool isErasableWhenDead(Operation *op) {
  return isONNXOp(op) || wouldOpBeTriviallyDead(op);
}

static void eraseDeadFrom(PatternRewriter &rewriter,
                          SmallVector<Operation *> worklist) {
  // An op can be on the worklist more than once (a producer feeding two
  // operands, or two erased users): `erased` is checked before the op is
  // touched, since after eraseOp it is freed memory.
  llvm::SmallPtrSet<Operation *, 16> erased;
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (!op || erased.contains(op) || !op->use_empty() ||
        !isErasableWhenDead(op) || op->getNumRegions() != 0)
      continue;
    erased.insert(op);
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp())
        worklist.push_back(def);
    rewriter.eraseOp(op);
  }
}

std::optional<SmallVector<int64_t>>
mlir::ost::importer::getNormalizedAxes(Operation *op, int64_t rank) {
  std::optional<SmallVector<int64_t>> axes = getIntsAttr(op, "axes");
  if (!axes)
    if (Value in = getONNXInput(op, 1))
      axes = getIntConstant(in);
  if (!axes)
    return std::nullopt;
  SmallVector<int64_t> out;
  for (int64_t a : *axes) {
    std::optional<int64_t> n = normalizeAxis(a, rank);
    if (!n)
      return std::nullopt;
    out.push_back(*n);
  }
  return out;
}

Value mlir::ost::importer::asVector(OpBuilder &builder, Location loc, Value v,
                                   int64_t n, Type elementType) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || type.getElementType() != elementType || type.getRank() == 0 ||
      type.getShape().back() != n ||
      !llvm::all_of(type.getShape().drop_back(),
                    [](int64_t d) { return d == 1; }))
    return {};
  if (type.getRank() == 1)
    return v;
  ElementsAttr attr = getConstantElements(v);
  ElementsAttr flat = attr ? reshapeElements(attr, {n}) : ElementsAttr();
  return flat ? arith::ConstantOp::create(builder, loc, cast<TypedAttr>(flat))
                    .getResult()
              : Value();
}

void mlir::ost::importer::eraseWithDeadProducers(PatternRewriter &rewriter,
                                                 Operation *op) {
  SmallVector<Operation *> producers;
  for (Value operand : op->getOperands())
    if (Operation *def = operand.getDefiningOp())
      producers.push_back(def);
  rewriter.eraseOp(op);
  eraseDeadFrom(rewriter, std::move(producers));
}

void mlir::ost::importer::replaceAndCleanUp(PatternRewriter &rewriter,
                                            Operation *op, ValueRange values) {
  SmallVector<Operation *> producers;
  for (Value operand : op->getOperands())
    if (Operation *def = operand.getDefiningOp())
      producers.push_back(def);
  rewriter.replaceOp(op, values);
  eraseDeadFrom(rewriter, std::move(producers));
}

LogicalResult mlir::ost::importer::replaceWithCast(PatternRewriter &rewriter,
                                                   Operation *op, Value value) {
  Value result =
      castIfNeeded(rewriter, op->getLoc(), value, op->getResult(0).getType());
  if (!result)
    return failure();
  replaceAndCleanUp(rewriter, op, result);
  return success();
}

void mlir::ost::importer::eraseDeadONNXOps(Operation *root,
                                           ImportContext *ictx) {
  bool changed = true;
  while (changed) {
    changed = false;
    root->walk([&](Block *block) {
      for (Operation &op : llvm::make_early_inc_range(llvm::reverse(*block))) {
        if (!op.use_empty() || op.getNumRegions() != 0 ||
            !isErasableWhenDead(&op))
          continue;
        if (ictx) {
          for (Value v : op.getResults())
            ictx->forget(v);
          ictx->dropFailure(&op);
        }
        op.erase();
        changed = true;
      }
    });
  }
}

//===----------------------------------------------------------------------===//
// Building
//===----------------------------------------------------------------------===//

SmallVector<int64_t>
mlir::ost::importer::toStaticShape(ArrayRef<SymDim> shape) {
  SmallVector<int64_t> out;
  for (SymDim d : shape)
    out.push_back(isStaticDim(d) ? d : ShapedType::kDynamic);
  return out;
}

RankedTensorType mlir::ost::importer::makeTensorType(ArrayRef<SymDim> shape,
                                                     Type elementType) {
  return RankedTensorType::get(toStaticShape(shape), elementType);
}

Value mlir::ost::importer::createDimValue(OpBuilder &builder, Location loc,
                                          Value v, int64_t dim) {
  auto type = cast<RankedTensorType>(v.getType());
  if (!type.isDynamicDim(dim))
    return arith::ConstantIndexOp::create(builder, loc, type.getDimSize(dim));
  return tensor::DimOp::create(builder, loc, v, dim);
}

Value mlir::ost::importer::castIfNeeded(OpBuilder &builder, Location loc,
                                        Value v, Type type) {
  if (v.getType() == type)
    return v;
  if (!tensor::CastOp::areCastCompatible(v.getType(), type))
    return {};
  return tensor::CastOp::create(builder, loc, type, v);
}

ElementsAttr mlir::ost::importer::reshapeElements(ElementsAttr attr,
                                                  ArrayRef<int64_t> shape) {
  auto type = cast<ShapedType>(attr.getType());
  auto newType = RankedTensorType::get(shape, type.getElementType());
  if (newType.getNumElements() != type.getNumElements())
    return {};
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr))
    return DenseResourceElementsAttr::get(newType, resource.getRawHandle());
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    return dense.reshape(newType);
  return {};
}

Value mlir::ost::importer::createTranspose(OpBuilder &builder,
                                           ImportContext &ictx, Location loc,
                                           Value v, ArrayRef<int64_t> perm) {
  bool identity = true;
  for (auto [i, p] : llvm::enumerate(perm))
    identity &= static_cast<int64_t>(i) == p;
  if (identity)
    return v;
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  Value result = ost::TransposeOp::create(builder, loc, resultType, v,
                                          builder.getDenseI64ArrayAttr(perm));
  if (std::optional<SymShape> in = ictx.getShape(v)) {
    SymShape out;
    for (int64_t p : perm)
      out.push_back((*in)[p]);
    ictx.setShape(result, out);
  }
  return result;
}

//===----------------------------------------------------------------------===//
// Naming conventions
//===----------------------------------------------------------------------===//

LayerPosition mlir::ost::importer::parseLayerPosition(StringRef name) {
  LayerPosition pos;
  SmallVector<StringRef> parts;
  for (size_t start = 0; start < name.size();) {
    size_t end = name.find_first_of("/.:", start);
    if (end == StringRef::npos)
      end = name.size();
    if (end > start)
      parts.push_back(name.slice(start, end));
    start = end + 1;
  }
  static const char *const containers[] = {"layers", "layer", "h", "blocks",
                                           "block"};
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (!llvm::is_contained(containers, parts[i]))
      continue;
    int64_t index;
    if (!parts[i + 1].getAsInteger(10, index) && index >= 0) {
      pos.layer = index;
      break;
    }
  }
  static const std::pair<const char *, const char *> roles[] = {
      {"q_proj", "q_proj"},       {"k_proj", "k_proj"},
      {"v_proj", "v_proj"},       {"o_proj", "o_proj"},
      {"gate_proj", "gate_proj"}, {"up_proj", "up_proj"},
      {"down_proj", "down_proj"}};
  // Meta / llama2.c names, only inside a numbered layer.
  static const std::pair<const char *, const char *> metaRoles[] = {
      {"wq", "q_proj"},   {"wk", "k_proj"},    {"wv", "v_proj"},
      {"wo", "o_proj"},   {"w1", "gate_proj"}, {"w3", "up_proj"},
      {"w2", "down_proj"}};
  for (StringRef part : parts) {
    if (part == "lm_head")
      pos.isLMHead = true;
    for (auto [key, role] : roles)
      if (part == key)
        pos.role = role;
    if (pos.layer >= 0 && pos.role.empty())
      for (auto [key, role] : metaRoles)
        if (part == key)
          pos.role = role;
  }
  return pos;
}

//===- RuntimeCalls.cpp - buffers, globals and kernel calls ---------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Helpers of convert-ost-to-cpu: the ABI memref types kernels take, views
// that reshape identity buffers, result allocation, constants as globals and
// the declaration of runtime kernels on first use.
//
//===----------------------------------------------------------------------===//

#include "CPULowering.h"

#include "ost/Support/Hadamard.h"
#include "ost/Support/HadamardSizes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::cpu;

CPUTypeConverter::CPUTypeConverter() {
  addConversion([](Type type) { return type; });
  addConversion([](RankedTensorType type) -> Type {
    return MemRefType::get(type.getShape(), type.getElementType());
  });
}

MemRefType cpu::getABIType(MemRefType type) {
  int64_t rank = type.getRank();
  SmallVector<int64_t> shape(rank, ShapedType::kDynamic);
  SmallVector<int64_t> strides(rank, ShapedType::kDynamic);
  auto layout = StridedLayoutAttr::get(type.getContext(),
                                       ShapedType::kDynamic, strides);
  return MemRefType::get(shape, type.getElementType(), layout);
}

Value cpu::toABI(OpBuilder &b, Location loc, Value value) {
  auto type = cast<MemRefType>(value.getType());
  MemRefType abi = getABIType(type);
  if (type == abi)
    return value;
  return memref::CastOp::create(b, loc, abi, value);
}

/// Collapses dims [0, split) into one and keeps the rest (identity layout).
static Value collapseLeading(OpBuilder &b, Location loc, Value value,
                             int64_t split) {
  auto type = cast<MemRefType>(value.getType());
  int64_t rank = type.getRank();
  if (split <= 1)
    return value;
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices first;
  for (int64_t i = 0; i < split; ++i)
    first.push_back(i);
  groups.push_back(first);
  for (int64_t i = split; i < rank; ++i)
    groups.push_back({i});
  return memref::CollapseShapeOp::create(b, loc, value, groups);
}

Value cpu::toABIRows(OpBuilder &b, Location loc, Value value) {
  int64_t rank = cast<MemRefType>(value.getType()).getRank();
  return toABI(b, loc, collapseLeading(b, loc, value, rank - 1));
}

Value cpu::toABIDropBatch(OpBuilder &b, Location loc, Value value) {
  return toABI(b, loc, collapseLeading(b, loc, value, 2));
}

Value cpu::flatten(OpBuilder &b, Location loc, Value value) {
  int64_t rank = cast<MemRefType>(value.getType()).getRank();
  return collapseLeading(b, loc, value, rank);
}

Value cpu::getTrailingRows(OpBuilder &b, Location loc, Value rows2d,
                          Value count) {
  Value t = memref::DimOp::create(b, loc, rows2d, 0);
  Value d = memref::DimOp::create(b, loc, rows2d, 1);
  Value first = arith::SubIOp::create(b, loc, t, count);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  return memref::SubViewOp::create(b, loc, rows2d,
                                   ArrayRef<OpFoldResult>{first, zero},
                                   ArrayRef<OpFoldResult>{count, d},
                                   ArrayRef<OpFoldResult>{one, one});
}

Value cpu::allocLike(OpBuilder &b, Location loc, MemRefType type, Value like) {
  SmallVector<Value> sizes;
  for (int64_t i = 0, e = type.getRank(); i < e; ++i)
    if (type.isDynamicDim(i))
      sizes.push_back(memref::DimOp::create(b, loc, like, i));
  return memref::AllocOp::create(b, loc, type, sizes);
}

Value cpu::absentOperand(OpBuilder &b, Location loc, Type elementType,
                         int64_t rank) {
  SmallVector<int64_t> shape(rank, 0);
  Value empty =
      memref::AllocaOp::create(b, loc, MemRefType::get(shape, elementType));
  return toABI(b, loc, empty);
}

Value cpu::createI64(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIntOp::create(b, loc, value, 64);
}

Value cpu::createF32(OpBuilder &b, Location loc, double value) {
  return arith::ConstantFloatOp::create(b, loc, b.getF32Type(),
                                        APFloat(static_cast<float>(value)));
}

void cpu::callRuntime(OpBuilder &b, Location loc, ModuleOp module,
                      StringRef name, ValueRange args) {
  FunctionType type = getRuntimeKernelType(b.getContext(), name);
  if (!type)
    llvm::report_fatal_error("convert-ost-to-cpu: '" + name +
                             "' is not a kernel of ModelABI.def");
  if (TypeRange(args) != type.getInputs()) {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << "convert-ost-to-cpu: call of " << name << " with operands (";
    llvm::interleaveComma(TypeRange(args), os,
                          [&](Type t) { t.print(os); });
    os << "), ModelABI.def declares ";
    type.print(os);
    llvm::report_fatal_error(llvm::StringRef(text));
  }
  auto fn = module.lookupSymbol<func::FuncOp>(name);
  if (!fn) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    fn = func::FuncOp::create(b, loc, name, type);
    fn.setPrivate();
    fn->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  }
  func::CallOp::create(b, loc, fn, args);
}

Value cpu::callRowsKernel(OpBuilder &b, Location loc,
                          const LoweringState &state, StringRef name,
                          MemRefType resultType, Value input, ValueRange args) {
  Value out = allocLike(b, loc, resultType, input);
  SmallVector<Value> operands = {state.ctx, toABIRows(b, loc, input)};
  operands.append(args.begin(), args.end());
  operands.push_back(toABIRows(b, loc, out));
  callRuntime(b, loc, state.module, name, operands);
  return out;
}

Value cpu::createGlobalConstant(OpBuilder &b, Location loc,
                                LoweringState &state, StringRef hint,
                                MemRefType type, ArrayRef<char> bytes) {
  int64_t numElements = type.getNumElements();
  auto flatTensor =
      RankedTensorType::get({numElements}, type.getElementType());
  std::string name =
      ("__ost_" + hint + "_" + Twine(state.nextGlobal++)).str();
  auto blob = HeapAsmResourceBlob::allocateAndCopyInferAlign(bytes);
  auto value = DenseResourceElementsAttr::get(flatTensor, name, std::move(blob));
  auto flatType = MemRefType::get({numElements}, type.getElementType());
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(state.module.getBody());
    auto global = memref::GlobalOp::create(
        b, loc, name, b.getStringAttr("private"), flatType, value,
        /*constant=*/true, b.getI64IntegerAttr(64));
    (void)global;
  }
  Value flat = memref::GetGlobalOp::create(b, loc, flatType, name);
  if (type.getRank() == 1)
    return flat;
  ReassociationIndices all;
  for (int64_t i = 0, e = type.getRank(); i < e; ++i)
    all.push_back(i);
  return memref::ExpandShapeOp::create(b, loc, type, flat,
                                       ArrayRef<ReassociationIndices>{all});
}

FailureOr<std::vector<char>> cpu::getElementBytes(ElementsAttr attr) {
  auto type = cast<ShapedType>(attr.getType());
  unsigned bits = type.getElementTypeBitWidth();
  if (bits % 8 != 0)
    return failure();
  size_t elementBytes = bits / 8;
  size_t total = static_cast<size_t>(type.getNumElements()) * elementBytes;
  ArrayRef<char> raw;
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return failure();
    raw = blob->getData();
  } else if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    raw = dense.getRawData();
    if (dense.isSplat()) {
      std::vector<char> out(total);
      for (size_t i = 0; i < total; i += elementBytes)
        std::copy(raw.begin(), raw.begin() + elementBytes, out.begin() + i);
      return out;
    }
  } else {
    return failure();
  }
  if (raw.size() != total)
    return failure();
  return std::vector<char>(raw.begin(), raw.end());
}

FailureOr<Value> cpu::createGlobalConstant(OpBuilder &b, Location loc,
                                           LoweringState &state,
                                           StringRef hint, ElementsAttr value) {
  auto type = cast<ShapedType>(value.getType());
  auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
  // A dense_resource blob is shared, not copied: the global refers to the
  // same handle with a flat type.
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    if (memrefType.getRank() == 0)
      return failure();
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return failure();
    int64_t n = type.getNumElements();
    auto flatTensor = RankedTensorType::get({n}, type.getElementType());
    std::string name =
        ("__ost_" + hint + "_" + Twine(state.nextGlobal++)).str();
    auto flatValue =
        DenseResourceElementsAttr::get(flatTensor, resource.getRawHandle());
    auto flatType = MemRefType::get({n}, type.getElementType());
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToEnd(state.module.getBody());
      memref::GlobalOp::create(b, loc, name, b.getStringAttr("private"),
                               flatType, flatValue, /*constant=*/true,
                               b.getI64IntegerAttr(64));
    }
    Value flat = memref::GetGlobalOp::create(b, loc, flatType, name);
    if (memrefType.getRank() == 1)
      return flat;
    ReassociationIndices all;
    for (int64_t i = 0, e = memrefType.getRank(); i < e; ++i)
      all.push_back(i);
    return Value(memref::ExpandShapeOp::create(
        b, loc, memrefType, flat, ArrayRef<ReassociationIndices>{all}));
  }
  FailureOr<std::vector<char>> bytes = getElementBytes(value);
  if (failed(bytes) || memrefType.getRank() == 0)
    return failure();
  return createGlobalConstant(b, loc, state, hint, memrefType, *bytes);
}

ElementsAttr cpu::getConstantElements(Value value) {
  auto constant = value.getDefiningOp<arith::ConstantOp>();
  if (!constant)
    return nullptr;
  return dyn_cast<ElementsAttr>(constant.getValue());
}

FailureOr<Value> cpu::createHadamardFactor(OpBuilder &b, Location loc,
                                           LoweringState &state, int64_t n) {
  std::optional<int64_t> k = getHadamardFactor(n);
  if (!k)
    return failure();
  const std::vector<int8_t> &matrix = getCachedHadamardMatrix(*k);
  std::vector<char> bytes(matrix.begin(), matrix.end());
  if (*k == 1)
    bytes = {1};
  auto type = MemRefType::get({*k, *k}, b.getI8Type());
  return createGlobalConstant(b, loc, state, "hadamard", type, bytes);
}

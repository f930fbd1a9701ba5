//===- ImportContext.cpp - shared state and symbolic shapes ---------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The import context (side tables of symbolic shapes, element contents and
// failure reasons, kept in sync with rewrites by a listener), constants,
// and the symbolic shape arithmetic: broadcasting, Reshape with 0/-1, and the
// reassociation of a reshape that is a pure expansion or collapse.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternals.h"

#include <sys/mman.h>
#include <unistd.h>

#include "ost/Dialect/OST/IR/OSTOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::importer;

//===----------------------------------------------------------------------===//
// DimSymbols
//===----------------------------------------------------------------------===//

SymDim DimSymbols::named(StringRef name) {
  auto it = byName.find(name);
  if (it != byName.end())
    return it->second;
  names.push_back(name.str());
  SymDim sym = -static_cast<SymDim>(names.size());
  byName[name] = sym;
  return sym;
}

SymDim DimSymbols::fresh() {
  names.push_back("");
  return -static_cast<SymDim>(names.size());
}

std::string DimSymbols::str(SymDim d) const {
  if (isStaticDim(d))
    return std::to_string(d);
  size_t index = static_cast<size_t>(-d - 1);
  if (index < names.size() && !names[index].empty())
    return names[index];
  return "?" + std::to_string(index);
}

bool DimSymbols::isNamed(SymDim d) const {
  size_t index = static_cast<size_t>(-d - 1);
  return !isStaticDim(d) && index < names.size() && !names[index].empty();
}

std::string DimSymbols::str(ArrayRef<SymDim> shape) const {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += ", ";
    s += str(d);
  }
  return s + "]";
}

//===----------------------------------------------------------------------===//
// Symbolic shape arithmetic
//===----------------------------------------------------------------------===//

namespace {

/// A product of dimensions: a static coefficient times a multiset of
/// symbols (kept sorted).
struct SymProduct {
  int64_t coef = 1;
  SmallVector<SymDim, 4> syms;
  /// Set when the coefficient overflowed: the product is unknown.
  bool overflow = false;

  void mul(SymDim d) {
    if (isStaticDim(d)) {
      overflow |= llvm::MulOverflow(coef, d, coef);
      return;
    }
    syms.insert(llvm::upper_bound(syms, d), d);
  }
  bool operator==(const SymProduct &o) const {
    return !overflow && !o.overflow && coef == o.coef && syms == o.syms;
  }
  /// True if `this` can be a factor of `o`.
  bool divides(const SymProduct &o) const {
    if (overflow || o.overflow || coef == 0 || o.coef % coef != 0)
      return false;
    return std::includes(o.syms.begin(), o.syms.end(), syms.begin(),
                         syms.end());
  }
};

SymProduct productOf(ArrayRef<SymDim> dims) {
  SymProduct p;
  for (SymDim d : dims)
    p.mul(d);
  return p;
}

} // namespace

std::optional<int64_t> mlir::ost::importer::normalizeAxis(int64_t axis,
                                                          int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

std::optional<SymShape>
mlir::ost::importer::broadcastShapes(DimSymbols &dims,
                                     ArrayRef<SymShape> shapes) {
  size_t rank = 0;
  for (const SymShape &s : shapes)
    rank = std::max(rank, s.size());
  SymShape out(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    std::optional<SymDim> cur;
    bool unknown = false;
    for (const SymShape &s : shapes) {
      if (i + s.size() < rank)
        continue;
      SymDim d = s[i + s.size() - rank];
      if (d == 1)
        continue;
      if (!cur) {
        cur = d;
      } else if (*cur != d) {
        if (isStaticDim(*cur) && isStaticDim(d))
          return std::nullopt;
        // Two different sizes where one may be 1 at run time: the result
        // is one of them, unknown which.
        unknown = true;
      }
    }
    out[i] = unknown ? dims.fresh() : cur.value_or(1);
  }
  return out;
}

std::optional<SymShape>
mlir::ost::importer::reshapeShape(DimSymbols &dims, ArrayRef<SymDim> input,
                                  ArrayRef<SymInt> target, bool allowZero) {
  SymShape out;
  int64_t inferred = -1;
  for (auto [i, t] : llvm::enumerate(target)) {
    if (t.isLiteral(-1)) {
      if (inferred >= 0)
        return std::nullopt;
      inferred = i;
      out.push_back(1);
    } else if (t.isLiteral(0) && !allowZero) {
      if (i >= input.size())
        return std::nullopt;
      out.push_back(input[i]);
    } else if (std::optional<SymDim> d = t.asDim()) {
      out.push_back(*d);
    } else {
      return std::nullopt;
    }
  }
  if (inferred < 0)
    return out;
  SymProduct total = productOf(input), known = productOf(out);
  if (!known.divides(total)) {
    out[inferred] = dims.fresh();
    return out;
  }
  SymProduct rest;
  rest.coef = total.coef / known.coef;
  std::set_difference(total.syms.begin(), total.syms.end(), known.syms.begin(),
                      known.syms.end(), std::back_inserter(rest.syms));
  if (rest.syms.empty())
    out[inferred] = rest.coef;
  else if (rest.syms.size() == 1 && rest.coef == 1)
    out[inferred] = rest.syms.front();
  else
    out[inferred] = dims.fresh();
  return out;
}

std::optional<SmallVector<SmallVector<int64_t, 2>>>
mlir::ost::importer::reassociationFor(ArrayRef<SymDim> from,
                                      ArrayRef<SymDim> to) {
  SmallVector<SmallVector<int64_t, 2>> groups;
  if (from.size() == to.size()) {
    if (from != to)
      return std::nullopt;
    for (size_t i = 0; i < from.size(); ++i)
      groups.push_back({static_cast<int64_t>(i)});
    return groups;
  }
  ArrayRef<SymDim> small = from.size() < to.size() ? from : to;
  ArrayRef<SymDim> large = from.size() < to.size() ? to : from;
  if (small.empty()) {
    // Everything collapses to a scalar: all large dims must be 1.
    if (!llvm::all_of(large, [](SymDim d) { return d == 1; }))
      return std::nullopt;
    return groups;
  }
  size_t j = 0;
  for (size_t i = 0; i < small.size(); ++i) {
    SymProduct target = productOf(small[i]), prod;
    SmallVector<int64_t, 2> group;
    while (group.empty() || !(prod == target)) {
      if (j >= large.size())
        return std::nullopt;
      prod.mul(large[j]);
      group.push_back(j++);
      if (!prod.divides(target))
        return std::nullopt;
    }
    groups.push_back(std::move(group));
  }
  for (; j < large.size(); ++j) {
    if (large[j] != 1)
      return std::nullopt;
    groups.back().push_back(j);
  }
  return groups;
}

//===----------------------------------------------------------------------===//
// ImportContext
//===----------------------------------------------------------------------===//

ImportContext::ImportContext(MLIRContext *ctx, const ImportOptions &options,
                             LoadedModel *model)
    : ctx(ctx), options(options), model(model), listener(*this) {}

int64_t ImportContext::getOpsetVersion(StringRef domain) const {
  std::string key = domain == "ai.onnx" ? "" : domain.str();
  auto it = opsets.find(key);
  return it == opsets.end() ? 0 : it->second;
}

void ImportContext::setOpsetVersion(StringRef domain, int64_t version) {
  opsets[domain == "ai.onnx" ? "" : domain.str()] = version;
}

void ImportContext::setShape(Value v, ArrayRef<SymDim> shape) {
  shapes[v] = SymShape(shape.begin(), shape.end());
}

void ImportContext::setContents(Value v, ArrayRef<SymInt> values) {
  contents[v] = SymInts(values.begin(), values.end());
}

void ImportContext::forget(Value v) {
  shapes.erase(v);
  contents.erase(v);
}

void ImportContext::noteFailure(Operation *op, const Twine &reason) {
  failures.try_emplace(op, reason.str());
}

StringRef ImportContext::getFailure(Operation *op) const {
  auto it = failures.find(op);
  return it == failures.end() ? StringRef() : StringRef(it->second);
}

/// Shape of a value defined by a raised or upstream op, from its operands.
static std::optional<SymShape> shapeFromDefiningOp(ImportContext &ictx,
                                                   Value v) {
  Operation *def = v.getDefiningOp();
  if (!def)
    return std::nullopt;
  auto sameAsOperand = [&](unsigned i) {
    return ictx.getShape(def->getOperand(i));
  };
  return llvm::TypeSwitch<Operation *, std::optional<SymShape>>(def)
      .Case([&](TransposeOp op) -> std::optional<SymShape> {
        std::optional<SymShape> in = ictx.getShape(op.getInput());
        if (!in || in->size() != op.getPermutation().size())
          return std::nullopt;
        SymShape out;
        for (int64_t p : op.getPermutation())
          out.push_back((*in)[p]);
        return out;
      })
      .Case<RMSNormOp, SiLUOp, MulOp, AddOp, RopeOp, AttentionOp>(
          [&](Operation *) { return sameAsOperand(0); })
      .Case<LinearOp, LMHeadOp>([&](Operation *op) -> std::optional<SymShape> {
        std::optional<SymShape> in = ictx.getShape(op->getOperand(0));
        auto w = cast<RankedTensorType>(op->getOperand(1).getType());
        if (!in || in->empty() || w.isDynamicDim(0))
          return std::nullopt;
        in->back() = w.getDimSize(0);
        return in;
      })
      .Case([&](EmbeddingOp op) -> std::optional<SymShape> {
        std::optional<SymShape> ids = ictx.getShape(op.getIds());
        if (!ids || op.getTable().getType().isDynamicDim(1))
          return std::nullopt;
        ids->push_back(op.getTable().getType().getDimSize(1));
        return ids;
      })
      .Case([&](tensor::ExpandShapeOp op) -> std::optional<SymShape> {
        std::optional<SymShape> in = ictx.getShape(op.getSrc());
        if (!in)
          return std::nullopt;
        ArrayRef<int64_t> outShape = op.getResultType().getShape();
        SymShape out(outShape.size());
        for (auto [i, group] : llvm::enumerate(op.getReassociationIndices())) {
          int64_t dynamic = -1, staticProduct = 1;
          for (int64_t d : group) {
            if (ShapedType::isDynamic(outShape[d])) {
              if (dynamic >= 0)
                dynamic = -2;
              else if (dynamic == -1)
                dynamic = d;
            } else {
              out[d] = outShape[d];
              staticProduct *= outShape[d];
            }
          }
          if (dynamic == -1)
            continue;
          if (dynamic == -2) {
            for (int64_t d : group)
              if (ShapedType::isDynamic(outShape[d]))
                out[d] = ictx.getDims().fresh();
            continue;
          }
          out[dynamic] = staticProduct == 1 ? (*in)[i] : ictx.getDims().fresh();
        }
        return out;
      })
      .Case([&](tensor::CollapseShapeOp op) -> std::optional<SymShape> {
        std::optional<SymShape> in = ictx.getShape(op.getSrc());
        if (!in)
          return std::nullopt;
        SymShape out;
        for (const ReassociationIndices &group : op.getReassociationIndices()) {
          SmallVector<SymDim> nonUnit;
          for (int64_t d : group)
            if ((*in)[d] != 1)
              nonUnit.push_back((*in)[d]);
          if (nonUnit.empty())
            out.push_back(1);
          else if (nonUnit.size() == 1)
            out.push_back(nonUnit.front());
          else if (llvm::all_of(nonUnit, isStaticDim)) {
            int64_t p = 1;
            for (SymDim d : nonUnit)
              p *= d;
            out.push_back(p);
          } else {
            out.push_back(ictx.getDims().fresh());
          }
        }
        return out;
      })
      .Case([&](tensor::ExtractSliceOp op) -> std::optional<SymShape> {
        if (!op.getDroppedDims().none())
          return std::nullopt;
        SymShape out;
        for (OpFoldResult size : op.getMixedSizes()) {
          if (auto attr = dyn_cast<Attribute>(size)) {
            out.push_back(cast<IntegerAttr>(attr).getInt());
            continue;
          }
          auto dim = cast<Value>(size).getDefiningOp<tensor::DimOp>();
          std::optional<int64_t> index =
              dim ? dim.getConstantIndex() : std::nullopt;
          std::optional<SymShape> src =
              dim ? ictx.getShape(dim.getSource()) : std::nullopt;
          if (index && src && *index >= 0 &&
              *index < static_cast<int64_t>(src->size()))
            out.push_back((*src)[*index]);
          else
            out.push_back(ictx.getDims().fresh());
        }
        return out;
      })
      .Default([](Operation *) { return std::nullopt; });
}

std::optional<SymShape> ImportContext::getShape(Value v) {
  if (!v)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type)
    return std::nullopt;
  auto it = shapes.find(v);
  if (it != shapes.end() &&
      it->second.size() == static_cast<size_t>(type.getRank()))
    return it->second;
  std::optional<SymShape> derived = shapeFromDefiningOp(*this, v);
  if (!derived || derived->size() != static_cast<size_t>(type.getRank())) {
    derived = SymShape();
    for (int64_t d : type.getShape())
      derived->push_back(ShapedType::isDynamic(d) ? dims.fresh() : d);
  } else {
    // Static sizes of the type win over the derivation.
    for (auto [i, d] : llvm::enumerate(type.getShape()))
      if (!ShapedType::isDynamic(d))
        (*derived)[i] = d;
  }
  shapes[v] = *derived;
  return derived;
}

std::optional<SymInts> ImportContext::getContents(Value v) {
  if (!v)
    return std::nullopt;
  auto it = contents.find(v);
  if (it != contents.end())
    return it->second;
  if (std::optional<SmallVector<int64_t>> ints = getIntConstant(v)) {
    SymInts values;
    for (int64_t x : *ints)
      values.push_back(SymInt::literal(x));
    return values;
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

ElementsAttr ImportContext::lookupDerived(Attribute source,
                                          StringRef kind) const {
  auto it = derived.find({source.getAsOpaquePointer(), kind.str()});
  return it == derived.end() ? ElementsAttr() : it->second;
}

void ImportContext::recordDerived(Attribute source, StringRef kind,
                                  ElementsAttr result) {
  derived[{source.getAsOpaquePointer(), kind.str()}] = result;
}

ElementsAttr
ImportContext::createElementsAttr(RankedTensorType type, ArrayRef<char> bytes,
                                  StringRef nameHint,
                                  std::shared_ptr<void> keepAlive) {
  int64_t numel = type.getNumElements();
  Type elem = type.getElementType();
  if (numel >= options.resourceThreshold || options.resourceThreshold <= 0) {
    std::string key;
    for (char c : nameHint)
      key.push_back(
          isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' ? c
                                                                         : '_');
    if (key.empty() || isdigit(static_cast<unsigned char>(key.front())))
      key.insert(0, "w_");
    // One alignment for every blob (8, at least the element size), so the
    // printed blobs do not depend on where the bytes came from.
    size_t align = std::max<size_t>(8, elem.getIntOrFloatBitWidth() / 8);
    AsmResourceBlob blob;
    if (keepAlive && reinterpret_cast<uintptr_t>(bytes.data()) % align == 0) {
      // Borrow the bytes (an owned buffer or a mapped external-data file);
      // the blob keeps their owner alive.
      blob = AsmResourceBlob(
          bytes, align,
          [owner = std::move(keepAlive)](void *, size_t, size_t) mutable {
            owner.reset();
          },
          /*dataIsMutable=*/false);
    } else {
      blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, align);
    }
    auto attr = DenseResourceElementsAttr::get(type, key, std::move(blob));
    createdBlobs.push_back(attr.getRawHandle().getKey().str());
    return attr;
  }
  if (elem.isInteger(1)) {
    SmallVector<bool> values;
    for (char c : bytes)
      values.push_back(c != 0);
    return DenseElementsAttr::get(type, values);
  }
  return DenseElementsAttr::getFromRawBuffer(type, bytes);
}

Value ImportContext::createConstant(OpBuilder &builder, Location loc,
                                    RankedTensorType type, ArrayRef<char> bytes,
                                    StringRef nameHint,
                                    std::shared_ptr<void> keepAlive) {
  ElementsAttr attr =
      createElementsAttr(type, bytes, nameHint, std::move(keepAlive));
  Value result =
      arith::ConstantOp::create(builder, loc, type, cast<TypedAttr>(attr));
  setShape(result, SymShape(type.getShape().begin(), type.getShape().end()));
  return result;
}

void ImportContext::adviseDone(ArrayRef<char> bytes) {
  if (bytes.empty() || !model)
    return;
  for (const auto &entry : model->dataFiles) {
    const llvm::MemoryBuffer *file = entry.getValue().get();
    if (!file || file->getBufferKind() != llvm::MemoryBuffer::MemoryBuffer_MMap)
      continue;
    const char *begin = file->getBufferStart(), *end = file->getBufferEnd();
    if (bytes.data() < begin || bytes.data() + bytes.size() > end)
      continue;
    uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    uintptr_t lo = reinterpret_cast<uintptr_t>(bytes.data());
    uintptr_t hi = lo + bytes.size();
    lo = (lo + page - 1) / page * page; // whole pages inside the range only
    hi = hi / page * page;
    if (hi > lo)
      (void)madvise(reinterpret_cast<void *>(lo), hi - lo, MADV_DONTNEED);
    return;
  }
}

void ImportContext::releaseUnusedBlobs(ModuleOp module) {
  llvm::StringSet<> used;
  if (module)
    module->walk([&](Operation *op) {
      op->getAttrDictionary().walk([&](DenseResourceElementsAttr attr) {
        used.insert(attr.getRawHandle().getKey());
      });
    });
  auto &manager = DenseResourceElementsHandle::getManagerInterface(ctx);
  for (const std::string &key : createdBlobs)
    if (!used.contains(key))
      manager.update(key, AsmResourceBlob());
  createdBlobs.clear();
}

//===----------------------------------------------------------------------===//
// ImportListener
//===----------------------------------------------------------------------===//

void ImportListener::notifyOperationReplaced(Operation *op,
                                             ValueRange replacement) {
  for (auto [from, to] : llvm::zip(op->getResults(), replacement)) {
    if (!to)
      continue;
    if (std::optional<SymShape> shape = ictx.getShape(from))
      if (auto type = dyn_cast<RankedTensorType>(to.getType());
          type && type.getRank() == static_cast<int64_t>(shape->size()))
        ictx.setShape(to, *shape);
  }
}

void ImportListener::notifyOperationErased(Operation *op) {
  for (Value v : op->getResults())
    ictx.forget(v);
  ictx.dropFailure(op);
}

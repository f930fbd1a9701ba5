//===- DefaultDomain.cpp - stage-1 handlers of ai.onnx ops ----------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// One handler per (op, sinceVersion) of the default domain that LLaMA
// exports use (the shape computations are in ShapeComputations.cpp). A
// handler materializes the version's default attributes (so the generic op
// says what it means, e.g. Softmax's axis is 1 before opset 13 and -1 after)
// and derives the result's element type and symbolic shape. Handlers never
// fail on odd input: what they cannot derive stays unknown.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternals.h"

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::importer;

namespace {

using B = NodeBinder;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// Result 0 like input 0; contents pass through.
LogicalResult sameAsInput(B &b) {
  b.deriveResult(0, b.getInputElementType(0), b.getInputShape(0));
  if (std::optional<SymInts> c = b.getInputContents(0))
    b.setResultContents(0, *c);
  return b.createGenericOp();
}

/// Elementwise with numpy broadcasting; `boolResult` for comparisons.
LogicalResult broadcastOp(B &b, bool boolResult, unsigned elemFrom = 0) {
  SmallVector<SymShape> shapes;
  bool known = true;
  for (unsigned i = 0; i < b.getNumInputs(); ++i) {
    std::optional<SymShape> s = b.getInputShape(i);
    if (!s) {
      known = false;
      break;
    }
    shapes.push_back(*s);
  }
  std::optional<SymShape> out;
  if (known && !shapes.empty())
    out = broadcastShapes(b.getImportContext().getDims(), shapes);
  Type elem =
      boolResult ? b.getBuilder().getI1Type() : b.getInputElementType(elemFrom);
  b.deriveResult(0, elem, out);
  return b.createGenericOp();
}

/// Integer arithmetic on known contents (shape computations).
LogicalResult intArith(B &b, char op) {
  std::optional<SymInts> x = b.getInputContents(0), y = b.getInputContents(1);
  if (x && y && (x->size() == y->size() || x->size() == 1 || y->size() == 1) &&
      isa_and_nonnull<IntegerType>(b.getInputElementType(0))) {
    size_t n = std::max(x->size(), y->size());
    SymInts out;
    for (size_t i = 0; i < n; ++i) {
      SymInt u = (*x)[x->size() == 1 ? 0 : i], v = (*y)[y->size() == 1 ? 0 : i];
      if (!u.isSymbol && !v.isSymbol) {
        int64_t r;
        bool ok = true;
        switch (op) {
        case '+':
          ok = !llvm::AddOverflow(u.value, v.value, r);
          break;
        case '-':
          ok = !llvm::SubOverflow(u.value, v.value, r);
          break;
        case '*':
          ok = !llvm::MulOverflow(u.value, v.value, r);
          break;
        default: // Integer Div truncates toward zero (C semantics).
          ok = v.value != 0 && !(u.value == INT64_MIN && v.value == -1);
          r = ok ? u.value / v.value : 0;
          break;
        }
        if (!ok) {
          out.clear();
          break;
        }
        out.push_back(SymInt::literal(r));
      } else if ((op == '*' || op == '/') && v.isLiteral(1)) {
        out.push_back(u);
      } else if (op == '*' && u.isLiteral(1)) {
        out.push_back(v);
      } else if ((op == '+' || op == '-') && v.isLiteral(0)) {
        out.push_back(u);
      } else if (op == '+' && u.isLiteral(0)) {
        out.push_back(v);
      } else {
        out.push_back(SymInt::ofDim(b.getImportContext().getDims().fresh()));
      }
    }
    if (out.size() == n)
      b.setResultContents(0, out);
  }
  return broadcastOp(b, /*boolResult=*/false);
}

//===----------------------------------------------------------------------===//
// Tensor and math ops
//===----------------------------------------------------------------------===//

LogicalResult transposeOp(B &b) {
  std::optional<SymShape> in = b.getInputShape(0);
  std::optional<SymShape> out;
  if (in) {
    SmallVector<int64_t> perm;
    if (std::optional<SmallVector<int64_t>> p = b.getIntsAttr("perm")) {
      perm = *p;
    } else {
      for (int64_t i = in->size() - 1; i >= 0; --i)
        perm.push_back(i);
      b.setDefaultAttr("perm", b.getBuilder().getDenseI64ArrayAttr(perm));
    }
    SmallVector<bool> seen(in->size(), false);
    bool ok = perm.size() == in->size();
    for (int64_t p : perm) {
      ok = ok && p >= 0 && p < static_cast<int64_t>(in->size()) && !seen[p];
      if (ok)
        seen[p] = true;
    }
    if (ok) {
      out = SymShape();
      for (int64_t p : perm)
        out->push_back((*in)[p]);
    } else {
      b.noteUnsupported("perm is not a permutation of the input's dimensions");
    }
  }
  b.deriveResult(0, b.getInputElementType(0), out);
  return b.createGenericOp();
}

LogicalResult matMulOp(B &b) {
  std::optional<SymShape> a = b.getInputShape(0), c = b.getInputShape(1);
  std::optional<SymShape> out;
  if (a && c && !a->empty() && !c->empty()) {
    SymShape x = *a, y = *c;
    bool vecA = x.size() == 1, vecB = y.size() == 1;
    if (vecA)
      x.insert(x.begin(), 1);
    if (vecB)
      y.push_back(1);
    SymShape bx(x.begin(), x.end() - 2), by(y.begin(), y.end() - 2);
    std::optional<SymShape> batch =
        broadcastShapes(b.getImportContext().getDims(), {bx, by});
    SymDim k1 = x.back(), k2 = y[y.size() - 2];
    bool kOk = !(isStaticDim(k1) && isStaticDim(k2) && k1 != k2);
    if (batch && kOk) {
      out = *batch;
      if (!vecA)
        out->push_back(x[x.size() - 2]);
      if (!vecB)
        out->push_back(y.back());
    }
  }
  b.deriveResult(0, b.getInputElementType(0), out);
  return b.createGenericOp();
}

LogicalResult gemmOp(B &b) {
  Builder &builder = b.getBuilder();
  b.setDefaultAttr("alpha", builder.getF32FloatAttr(1.0f));
  b.setDefaultAttr("beta", builder.getF32FloatAttr(1.0f));
  b.setDefaultAttr("transA", builder.getI64IntegerAttr(0));
  b.setDefaultAttr("transB", builder.getI64IntegerAttr(0));
  std::optional<SymShape> a = b.getInputShape(0), c = b.getInputShape(1);
  std::optional<SymShape> out;
  if (a && c && a->size() == 2 && c->size() == 2) {
    SymDim m = b.getIntAttr("transA", 0) ? (*a)[1] : (*a)[0];
    SymDim n = b.getIntAttr("transB", 0) ? (*c)[0] : (*c)[1];
    out = SymShape{m, n};
  }
  b.deriveResult(0, b.getInputElementType(0), out);
  return b.createGenericOp();
}

/// ReduceX: axes from an attribute or (from `inputVersion` on) an input.
LogicalResult reduceOp(B &b, bool axesFromInput) {
  Builder &builder = b.getBuilder();
  b.setDefaultAttr("keepdims", builder.getI64IntegerAttr(1));
  if (axesFromInput)
    b.setDefaultAttr("noop_with_empty_axes", builder.getI64IntegerAttr(0));
  std::optional<SymShape> in = b.getInputShape(0);
  std::optional<SymShape> out;
  bool keep = b.getIntAttr("keepdims", 1) != 0;
  if (in) {
    bool hasAxes = axesFromInput ? static_cast<bool>(b.getInput(1))
                                 : static_cast<bool>(b.getIntsAttr("axes"));
    std::optional<SmallVector<int64_t>> axes;
    if (hasAxes) {
      if (std::optional<SmallVector<int64_t>> raw = axesOf(b, axesFromInput, 1))
        axes = normalizeAxes(*raw, in->size());
    }
    if (hasAxes && axes && axes->empty() &&
        b.getIntAttr("noop_with_empty_axes", 0)) {
      out = *in;
    } else if (!hasAxes || axes) {
      out = SymShape();
      for (auto [i, d] : llvm::enumerate(*in)) {
        bool reduced = !hasAxes || axes->empty() ||
                       llvm::is_contained(*axes, static_cast<int64_t>(i));
        if (!reduced)
          out->push_back(d);
        else if (keep)
          out->push_back(1);
      }
    }
  }
  b.deriveResult(0, b.getInputElementType(0), out);
  return b.createGenericOp();
}

LogicalResult softmaxOp(B &b, int64_t defaultAxis) {
  b.setDefaultAttr("axis", b.getBuilder().getI64IntegerAttr(defaultAxis));
  return sameAsInput(b);
}

LogicalResult dropoutOp(B &b) {
  b.deriveResult(0, b.getInputElementType(0), b.getInputShape(0));
  if (b.getNumResults() > 1)
    b.deriveResult(1, b.getBuilder().getI1Type(), b.getInputShape(0));
  return b.createGenericOp();
}

/// Normalizations whose output 0 has the input's shape (LayerNormalization,
/// RMSNormalization, SimplifiedLayerNormalization); the statistics outputs
/// reduce from `axis` on.
LogicalResult normalizationOp(B &b) {
  Builder &builder = b.getBuilder();
  b.setDefaultAttr("axis", builder.getI64IntegerAttr(-1));
  b.setDefaultAttr("epsilon", builder.getF32FloatAttr(1e-5f));
  b.setDefaultAttr("stash_type", builder.getI64IntegerAttr(1));
  std::optional<SymShape> in = b.getInputShape(0);
  b.deriveResult(0, b.getInputElementType(0), in);
  if (in)
    if (std::optional<int64_t> axis =
            normalizeAxis(b.getIntAttr("axis", -1), in->size()))
      for (unsigned i = 1; i < b.getNumResults(); ++i) {
        SymShape s = *in;
        for (size_t d = *axis; d < s.size(); ++d)
          s[d] = 1;
        b.deriveResult(i, builder.getF32Type(), s);
      }
  return b.createGenericOp();
}

} // namespace

void mlir::ost::importer::registerDefaultDomainHandlers(OpRegistry &r) {
  auto on = [&](StringRef op, int64_t since, NodeHandler fn) {
    r.onOp("", op, since, std::move(fn));
  };
  on("Transpose", 1, transposeOp);
  on("MatMul", 1, matMulOp);
  on("Gemm", 1, gemmOp);
  on("Softmax", 1, [](B &b) { return softmaxOp(b, 1); });
  on("Softmax", 13, [](B &b) { return softmaxOp(b, -1); });
  on("Dropout", 1, dropoutOp);
  for (StringRef op : {"ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd",
                       "ReduceL2", "ReduceSumSquare", "ReduceLogSumExp"}) {
    on(op, 1, [](B &b) { return reduceOp(b, false); });
    on(op, 18, [](B &b) { return reduceOp(b, true); });
  }
  on("ReduceSum", 1, [](B &b) { return reduceOp(b, false); });
  on("ReduceSum", 13, [](B &b) { return reduceOp(b, true); });
  for (StringRef op :
       {"Identity",    "Neg",       "Sqrt",     "Reciprocal", "Sigmoid",
        "Relu",        "Tanh",      "Exp",      "Log",        "Abs",
        "Erf",         "Cos",       "Sin",      "Floor",      "Ceil",
        "Round",       "Gelu",      "Softplus", "Elu",        "LeakyRelu",
        "HardSigmoid", "HardSwish", "Mish",     "Sign",       "Trilu",
        "LogSoftmax",  "Not",       "Softsign"})
    on(op, 1, sameAsInput);
  for (StringRef op : {"IsNaN", "IsInf"})
    on(op, 1, [](B &b) {
      b.deriveResult(0, b.getBuilder().getI1Type(), b.getInputShape(0));
      return b.createGenericOp();
    });
  on("Add", 1, [](B &b) { return intArith(b, '+'); });
  on("Sub", 1, [](B &b) { return intArith(b, '-'); });
  on("Mul", 1, [](B &b) { return intArith(b, '*'); });
  on("Div", 1, [](B &b) { return intArith(b, '/'); });
  for (StringRef op : {"Pow", "Max", "Min", "Mod", "PRelu", "Sum", "Mean"})
    on(op, 1, [](B &b) { return broadcastOp(b, false); });
  for (StringRef op : {"Equal", "Less", "Greater", "LessOrEqual",
                       "GreaterOrEqual", "And", "Or", "Xor"})
    on(op, 1, [](B &b) { return broadcastOp(b, true); });
  on("Where", 9, [](B &b) { return broadcastOp(b, false, /*elemFrom=*/1); });
  on("LayerNormalization", 17, normalizationOp);
  // Opset 23's RMSNormalization, accepted in any opset for forward
  // compatibility; ORT registers SimplifiedLayerNormalization in the default
  // domain too.
  on("RMSNormalization", 1, normalizationOp);
  on("SimplifiedLayerNormalization", 1, normalizationOp);
}

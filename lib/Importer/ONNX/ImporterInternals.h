//===- ImporterInternals.h - shared state of the ONNX importer --*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Private to lib/Importer/ONNX. The import context shared by the three
// stages (model reading, mechanical import, raising), the op handler
// registry of stage 1 (`onOp(domain, name, sinceVersion, fn)`), symbolic
// shapes, and the matchers the raising patterns are written with.
//
// Symbolic shapes: every dimension is either a static size (>= 0) or a
// symbol (< 0). A `dim_param` name is one symbol wherever it appears; sizes
// the importer cannot name get fresh symbols. Two equal symbols are equal at
// run time, so patterns can prove that e.g. the sequence length a RoPE table
// is sliced to is the query's sequence length although both are `?` in the
// IR types.
//
//===----------------------------------------------------------------------===//

#ifndef OST_LIB_IMPORTER_ONNX_IMPORTERINTERNALS_H
#define OST_LIB_IMPORTER_ONNX_IMPORTERINTERNALS_H

#include "ost/Importer/ONNX/ONNXImporter.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace onnx {
class ModelProto;
class NodeProto;
class TensorProto;
class TypeProto;
class AttributeProto;
} // namespace onnx

namespace mlir::ost::importer {

//===----------------------------------------------------------------------===//
// Symbolic shapes
//===----------------------------------------------------------------------===//

/// A dimension size: >= 0 is a static size, < 0 a symbol.
using SymDim = int64_t;
/// The symbolic shape of a ranked tensor.
using SymShape = SmallVector<SymDim, 4>;

inline bool isStaticDim(SymDim d) { return d >= 0; }

/// An integer known at import time: a literal, or a dimension size named by
/// a symbol (the elements of shape computations like Shape/Gather/Concat).
struct SymInt {
  /// The literal, or the symbol (< 0) when `isSymbol`.
  int64_t value = 0;
  bool isSymbol = false;

  static SymInt literal(int64_t v) { return {v, false}; }
  /// The size `d`: a literal when static.
  static SymInt ofDim(SymDim d) {
    return isStaticDim(d) ? literal(d) : SymInt{d, true};
  }
  bool isLiteral(int64_t v) const { return !isSymbol && value == v; }
  /// As a dimension size; std::nullopt for negative literals.
  std::optional<SymDim> asDim() const {
    if (isSymbol)
      return value;
    if (value < 0)
      return std::nullopt;
    return value;
  }
  bool operator==(const SymInt &o) const {
    return value == o.value && isSymbol == o.isSymbol;
  }
};
using SymInts = SmallVector<SymInt, 4>;

/// Symbols for dimension sizes: one per `dim_param` name, and fresh ones for
/// sizes nobody named.
class DimSymbols {
public:
  /// The symbol of `dim_param` `name`.
  SymDim named(StringRef name);
  /// A symbol different from every other.
  SymDim fresh();
  /// `64`, `batch` or `?3` (for messages).
  std::string str(SymDim d) const;
  /// `[batch, seq, 64]`.
  std::string str(ArrayRef<SymDim> shape) const;
  /// True for symbols with a name (from the model), false for fresh ones.
  bool isNamed(SymDim d) const;

private:
  llvm::StringMap<SymDim> byName;
  std::vector<std::string> names;
};

//===----------------------------------------------------------------------===//
// The model as read (ModelReader.cpp)
//===----------------------------------------------------------------------===//

/// Little-endian bytes of a tensor, owned or borrowed from a mapped file;
/// `keepAlive` owns whatever `data` points into.
struct TensorBytes {
  ArrayRef<char> data;
  std::shared_ptr<void> keepAlive;
};

/// A parsed model and what is needed to find its external data.
struct LoadedModel {
  LoadedModel();
  ~LoadedModel();
  std::unique_ptr<::onnx::ModelProto> proto;
  /// The file name used in locations.
  std::string fileName;
  /// The folder external-data locations are relative to.
  std::string dataDir;
  /// Whether the model was written in the textual syntax.
  bool isText = false;
  /// For text models: the 1-based line and column of every top-level graph
  /// node.
  std::vector<std::pair<unsigned, unsigned>> nodeLines;
  /// External-data files mapped so far, by resolved path.
  llvm::StringMap<std::shared_ptr<llvm::MemoryBuffer>> dataFiles;
};

/// Parses `buffer` (binary or text) named `name`, applies the dim overrides
/// and runs ONNX shape inference. Reports errors at `errorLoc`.
FailureOr<std::unique_ptr<LoadedModel>> readModel(StringRef buffer,
                                                  StringRef name,
                                                  const ImportOptions &options,
                                                  Location errorLoc);

/// The bytes of `tensor` (raw_data, typed fields or external data), checked
/// against its element type and shape. `what` names the tensor in errors.
FailureOr<TensorBytes> loadTensorBytes(LoadedModel &model,
                                       const ::onnx::TensorProto &tensor,
                                       Location loc, StringRef what);

/// MLIR element type of an ONNX TensorProto data type; null if unsupported.
Type convertElementType(MLIRContext *ctx, int32_t onnxType);
/// Size in bytes of one element of ONNX data type `onnxType` (0: unsupported).
unsigned elementByteWidth(int32_t onnxType);

//===----------------------------------------------------------------------===//
// The import context
//===----------------------------------------------------------------------===//

class ImportContext;

/// Keeps the context's side tables in sync while patterns rewrite the IR:
/// replaced values pass their symbolic shape on, erased ops lose theirs.
class ImportListener : public RewriterBase::Listener {
public:
  explicit ImportListener(ImportContext &ictx) : ictx(ictx) {}
  void notifyOperationReplaced(Operation *op, ValueRange replacement) override;
  void notifyOperationErased(Operation *op) override;

private:
  ImportContext &ictx;
};

/// State shared by all stages of one import.
class ImportContext {
public:
  /// `model` is the model being imported; null when raising IR that was
  /// imported earlier (the ost-raise-onnx pass): then there are no mapped
  /// external-data files and no blobs of this context to release.
  ImportContext(MLIRContext *ctx, const ImportOptions &options,
                LoadedModel *model);

  MLIRContext *getContext() const { return ctx; }
  const ImportOptions &getOptions() const { return options; }
  /// The model being imported (stage 1 only; asserts that there is one).
  LoadedModel &getModel() {
    assert(model && "no model: raising IR, not importing");
    return *model;
  }
  DimSymbols &getDims() { return dims; }
  ImportListener &getListener() { return listener; }

  /// The opset version the model imports for `domain` ("" or "ai.onnx" is
  /// the default domain); 0 if none.
  int64_t getOpsetVersion(StringRef domain) const;
  void setOpsetVersion(StringRef domain, int64_t version);

  /// The symbolic shape of `v`; std::nullopt for unranked values. Values
  /// without a recorded shape get one from their defining op (raised and
  /// upstream ops) or their type (fresh symbols for `?`), memoized.
  std::optional<SymShape> getShape(Value v);
  void setShape(Value v, ArrayRef<SymDim> shape);
  /// The element values of a small integer tensor known at import time up to
  /// symbols (shape computations: Shape, Gather, Concat, constants ...).
  std::optional<SymInts> getContents(Value v);
  void setContents(Value v, ArrayRef<SymInt> contents);
  /// Forgets everything recorded about `v`.
  void forget(Value v);

  /// Records why `op` was not raised although a pattern recognized it; the
  /// stage-3 diagnostic of the node uses it. The first reason wins.
  void noteFailure(Operation *op, const Twine &reason);
  /// The recorded reason, or empty.
  StringRef getFailure(Operation *op) const;
  void dropFailure(Operation *op) { failures.erase(op); }

  /// A constant of `type` holding `bytes` (little-endian, densely packed):
  /// `dense_resource` at or above the resource threshold, else `dense`.
  /// `keepAlive`, if given, owns `bytes`; a blob may then borrow them
  /// instead of copying.
  Value createConstant(OpBuilder &builder, Location loc, RankedTensorType type,
                       ArrayRef<char> bytes, StringRef nameHint,
                       std::shared_ptr<void> keepAlive = nullptr);
  /// Constants derived from others (transposed weights, RoPE half tables)
  /// by `kind`, so that a table shared by several ops is converted once.
  ElementsAttr lookupDerived(Attribute source, StringRef kind) const;
  void recordDerived(Attribute source, StringRef kind, ElementsAttr result);

  /// The attribute createConstant would use.
  ElementsAttr createElementsAttr(RankedTensorType type, ArrayRef<char> bytes,
                                  StringRef nameHint,
                                  std::shared_ptr<void> keepAlive = nullptr);
  /// Tells the kernel that `bytes` will not be read again soon: when they lie
  /// in a memory-mapped external-data file, the page-aligned interior is
  /// dropped from memory (MADV_DONTNEED; read-only file pages come back from
  /// the file if touched). Called after a weight was converted (e.g.
  /// transposed), so peak memory stays near one copy of the weights. Does
  /// nothing for heap data.
  void adviseDone(ArrayRef<char> bytes);
  /// Frees the data of the blobs this import created that `module` no longer
  /// references (weights replaced by their transposes, full RoPE tables,
  /// unused initializers), so that they do not stay in the context. A null
  /// module (failed import) releases them all.
  void releaseUnusedBlobs(ModuleOp module);

private:
  MLIRContext *ctx;
  const ImportOptions &options;
  LoadedModel *model;
  DimSymbols dims;
  ImportListener listener;
  std::map<std::string, int64_t> opsets;
  DenseMap<Value, SymShape> shapes;
  DenseMap<Value, SymInts> contents;
  DenseMap<Operation *, std::string> failures;
  std::map<std::pair<const void *, std::string>, ElementsAttr> derived;
  std::vector<std::string> createdBlobs;
};

//===----------------------------------------------------------------------===//
// Stage 1: op handlers
//===----------------------------------------------------------------------===//

/// What is known about one result of a node before its op is built.
struct ResultInfo {
  /// Element type; null if unknown.
  Type elementType;
  /// Symbolic shape; std::nullopt if the rank is unknown.
  std::optional<SymShape> shape;
  /// Symbolic element values (small integer tensors).
  std::optional<SymInts> contents;
};

/// Gives a handler access to one node and builds its op.
class NodeBinder {
public:
  NodeBinder(ImportContext &ictx, const ::onnx::NodeProto &node,
             OpBuilder &builder, Location loc, int64_t opsetVersion);

  const ::onnx::NodeProto &getNode() const { return node; }
  ImportContext &getImportContext() { return ictx; }
  OpBuilder &getBuilder() { return builder; }
  Location getLoc() const { return loc; }
  MLIRContext *getContext() const { return ictx.getContext(); }
  /// The opset version of the node's domain imported by the model.
  int64_t getOpsetVersion() const { return opsetVersion; }
  /// `onnx.Mul`, `onnx.com.microsoft.RotaryEmbedding`.
  StringRef getOpName() const { return opName; }
  /// `Mul`, `com.microsoft.RotaryEmbedding`.
  StringRef getQualifiedType() const { return qualifiedType; }

  /// Inputs by ONNX position; absent optional inputs are null.
  unsigned getNumInputs() const { return inputs.size(); }
  Value getInput(unsigned i) const {
    return i < inputs.size() ? inputs[i] : Value();
  }
  void setInputs(SmallVector<Value> values) { inputs = std::move(values); }
  std::optional<SymShape> getInputShape(unsigned i);
  std::optional<SymInts> getInputContents(unsigned i);
  /// Element type of input `i`, null if absent or unknown.
  Type getInputElementType(unsigned i) const;

  unsigned getNumResults() const { return results.size(); }
  ResultInfo &getResult(unsigned i) { return results[i]; }
  /// Sets what the handler derived about result `i`; it is merged with the
  /// model's declared/inferred type when the op is built.
  void deriveResult(unsigned i, Type elementType,
                    std::optional<SymShape> shape);
  void setResultContents(unsigned i, ArrayRef<SymInt> contents);

  /// Attributes of the node as MLIR attributes (converted by the importer).
  NamedAttrList &getAttributes() { return attributes; }
  /// Adds `name = value` unless the node sets `name`.
  void setDefaultAttr(StringRef name, Attribute value);
  std::optional<int64_t> getIntAttr(StringRef name) const;
  int64_t getIntAttr(StringRef name, int64_t defaultValue) const;
  std::optional<double> getFloatAttr(StringRef name) const;
  std::optional<SmallVector<int64_t>> getIntsAttr(StringRef name) const;

  /// Records a reason the node cannot be raised (reported at stage 3).
  void noteUnsupported(const Twine &reason) { notes.push_back(reason.str()); }
  /// Emits an error about a malformed node: "node 'n' (op T): ...".
  InFlightDiagnostic emitError() const;

  /// Builds the generic `onnx.*` op with the inputs, attributes and result
  /// types, and records the results. Handlers call this unless they build
  /// something else and call setResultValues().
  LogicalResult createGenericOp();
  void setResultValues(ValueRange values);
  ArrayRef<Value> getResultValues() const { return resultValues; }

  /// Result types as built: the derived info merged with the declared one.
  Type getResultType(unsigned i);

private:
  ImportContext &ictx;
  const ::onnx::NodeProto &node;
  OpBuilder &builder;
  Location loc;
  int64_t opsetVersion;
  std::string opName, qualifiedType;
  SmallVector<Value> inputs;
  SmallVector<ResultInfo> results;
  SmallVector<ResultInfo> declared;
  NamedAttrList attributes;
  SmallVector<std::string> notes;
  SmallVector<Value> resultValues;
  Operation *createdOp = nullptr;

  friend class GraphImporter;
};

/// A stage-1 handler: validates the node, derives result types and default
/// attributes, and builds the op (usually NodeBinder::createGenericOp).
using NodeHandler = std::function<LogicalResult(NodeBinder &)>;

/// Handlers keyed by (domain, op type, sinceVersion), à la torch-mlir's
/// `onOp(name, sinceVersion, fn)`: a node uses the handler with the largest
/// sinceVersion not above the model's opset for its domain.
class OpRegistry {
public:
  /// Registers `fn` for `opType` of `domain` from opset `sinceVersion` on.
  void onOp(StringRef domain, StringRef opType, int64_t sinceVersion,
            NodeHandler fn);
  /// The handler for a node of `domain`/`opType` under opset `version`;
  /// null if none applies. `minVersion` is set to the lowest registered
  /// version when handlers exist but all are newer than `version`.
  const NodeHandler *lookup(StringRef domain, StringRef opType, int64_t version,
                            int64_t *minVersion) const;

  /// The registry with every handler of the importer.
  static const OpRegistry &get();

private:
  std::map<std::string, std::map<int64_t, NodeHandler>> handlers;
};

/// Handler groups, one per file.
void registerDefaultDomainHandlers(OpRegistry &registry);
void registerShapeComputationHandlers(OpRegistry &registry);
void registerMicrosoftDomainHandlers(OpRegistry &registry);

/// Helpers of the handlers (ShapeComputations.cpp).
/// Literal integers of input `i` (a constant or symbolically known
/// literals); std::nullopt if unknown or symbolic.
std::optional<SmallVector<int64_t>> literalInput(NodeBinder &b, unsigned i);
/// Axes from the `axes` attribute (old opsets) or input `inputIndex` (new
/// ones).
std::optional<SmallVector<int64_t>> axesOf(NodeBinder &b, bool fromInput,
                                           unsigned inputIndex);
/// Normalizes every axis against `rank`; std::nullopt if one is invalid or
/// repeated.
std::optional<SmallVector<int64_t>> normalizeAxes(ArrayRef<int64_t> axes,
                                                  int64_t rank);

/// Stage 1: builds the module from the loaded model.
FailureOr<OwningOpRef<ModuleOp>> importGraph(ImportContext &ictx);

/// Symbolic shape helpers shared by the handlers.
/// Numpy broadcasting; std::nullopt if incompatible static sizes.
std::optional<SymShape> broadcastShapes(DimSymbols &dims,
                                        ArrayRef<SymShape> shapes);
/// The shape `input` reshaped by `target` (Reshape semantics: 0 copies a
/// dimension unless allowZero, -1 is inferred). std::nullopt if invalid.
std::optional<SymShape> reshapeShape(DimSymbols &dims, ArrayRef<SymDim> input,
                                     ArrayRef<SymInt> target, bool allowZero);
/// Normalizes an axis in [-rank, rank); std::nullopt when out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);
/// The `axes` of a generic op (Reduce*, Unsqueeze, Squeeze): the attribute,
/// or the constant input 1 of newer opsets, each normalized against `rank`;
/// std::nullopt when absent, not constant or out of range.
std::optional<SmallVector<int64_t>> getNormalizedAxes(Operation *op,
                                                      int64_t rank);
/// Reassociation of a pure expansion (from `small` to `large` rank) or
/// collapse, by symbolic products; std::nullopt if it is neither.
std::optional<SmallVector<SmallVector<int64_t, 2>>>
reassociationFor(ArrayRef<SymDim> from, ArrayRef<SymDim> to);

//===----------------------------------------------------------------------===//
// Stage 2: raising
//===----------------------------------------------------------------------===//

/// Phase 0: pass-through ops (Identity, inference Dropout, same-type Cast).
void populateTrivialPatterns(RewritePatternSet &patterns, ImportContext &ictx);
/// Phase 1: the model structure.
void populateNormPatterns(RewritePatternSet &patterns, ImportContext &ictx);
void populateLinearPatterns(RewritePatternSet &patterns, ImportContext &ictx);
void populateRopePatterns(RewritePatternSet &patterns, ImportContext &ictx);
void populateAttentionPatterns(RewritePatternSet &patterns,
                               ImportContext &ictx);
void populateActivationPatterns(RewritePatternSet &patterns,
                                ImportContext &ictx);
void populateFusedOpPatterns(RewritePatternSet &patterns, ImportContext &ictx);
/// Phase 2: what remains of reshapes, transposes and elementwise math.
void populateShapePatterns(RewritePatternSet &patterns, ImportContext &ictx);
void populateElementwisePatterns(RewritePatternSet &patterns,
                                 ImportContext &ictx);

/// Base of the raising patterns: a RewritePattern rooted at the generic op
/// `onnx.<type>`, with access to the import context.
class ONNXRewritePattern : public RewritePattern {
public:
  ONNXRewritePattern(StringRef onnxType, ImportContext &ictx,
                     PatternBenefit benefit = 1)
      : RewritePattern((kONNXPrefixStr + onnxType).str(), benefit,
                       ictx.getContext()),
        ictx(ictx) {}

protected:
  static constexpr StringLiteral kONNXPrefixStr = "onnx.";
  ImportContext &ictx;
};

/// A pattern on a commutative binary op (Add, Mul) with one result: tries
/// matchOrdered(op, a, b) with the operands in both orders, first as given.
class CommutativeONNXPattern : public ONNXRewritePattern {
public:
  using ONNXRewritePattern::ONNXRewritePattern;

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const final;

protected:
  /// Matches and rewrites `op` with `a` taken as its first operand and `b`
  /// as its second; failure leaves the IR unchanged.
  virtual LogicalResult matchOrdered(Operation *op, Value a, Value b,
                                     PatternRewriter &rewriter) const = 0;
};

/// RoPE helpers shared by the decomposed and the fused forms
/// (RaiseRope.cpp). The half table [N, Dh/2] of a rotate-half table
/// [1.., N, Dh] (the first half of every row), or of an interleaved one (its
/// even columns); null if unreadable.
Value createHalfTable(PatternRewriter &rewriter, ImportContext &ictx,
                      Location loc, ElementsAttr full, StringRef name,
                      bool interleaved = false);
/// The ost.rope table of `x : [B, T, H, Dh]` from a half table [N, Dh/2]:
/// rows [0, T) (tensor.extract_slice, or the table itself when N = T), or
/// the rows of position ids `ids : [B, T]` (ost.embedding).
Value createRopeTable(PatternRewriter &rewriter, ImportContext &ictx,
                      Location loc, Value half, Value x, Value ids);

/// The ost.attention form of an additive attention mask for query length
/// `t` and key length `s` (RaiseAttention.cpp): `causal` for a constant
/// causal mask sliced to [t, s] with t = s, else `operand` ([T, S] or
/// [B, 1, T, S]). Fails with `why` for masks that broadcast.
LogicalResult resolveAttentionMask(PatternRewriter &rewriter,
                                   ImportContext &ictx, Location loc,
                                   Value mask, SymDim batch, SymDim t, SymDim s,
                                   Type elementType, bool &causal,
                                   Value &operand, std::string &why);

/// Runs stage 2 on `module`.
LogicalResult raiseToOST(ModuleOp module, ImportContext &ictx);
/// Stage 3: one error per op still named `onnx.*` (the node, its op type and
/// why it was not raised); fails if there is any.
LogicalResult reportLeftovers(ModuleOp module, ImportContext &ictx);

//===----------------------------------------------------------------------===//
// Symbolic shapes on stage-1 IR (SymbolAnnotations.cpp)
//===----------------------------------------------------------------------===//

/// Attribute names of the annotations: `onnx.dims` on a function argument
/// and `onnx.result_dims` / `onnx.result_contents` on an op (one array per
/// result). A dimension or element is an integer or a symbol's name: the
/// model's `dim_param` name, or `?N` for a symbol the importer made.
inline constexpr StringLiteral kArgDimsAttr = "onnx.dims";
inline constexpr StringLiteral kResultDimsAttr = "onnx.result_dims";
inline constexpr StringLiteral kResultContentsAttr = "onnx.result_contents";
/// The model's `dim_param` names of a graph input ("" for static sizes and
/// sizes without a name); read when an argument has no `onnx.dims`.
inline constexpr StringLiteral kDimParamsAttr = "onnx.dim_params";

/// Writes what `ictx` knows of the symbolic shapes and contents of the
/// values of stage-1 IR onto it: only where a shape has symbols (a type's
/// `?` alone would lose which sizes are equal) and for the contents of
/// non-constant ops, so that raising the printed IR later sees what raising
/// it now would.
void annotateSymbols(ModuleOp module, ImportContext &ictx);
/// Reads the annotations back into `ictx` and removes them. Fails on a
/// malformed annotation (wrong rank, neither integer nor name).
LogicalResult readSymbolAnnotations(ModuleOp module, ImportContext &ictx);

/// Erases `onnx.*` ops and side-effect free ops without uses, transitively,
/// and forgets their values in `ictx` (if given).
void eraseDeadONNXOps(Operation *root, ImportContext *ictx = nullptr);

//===----------------------------------------------------------------------===//
// Matchers over generic ONNX ops (Matchers.cpp)
//===----------------------------------------------------------------------===//

/// The prefix of every generic op of stage 1.
inline constexpr StringLiteral kONNXPrefix = "onnx.";
/// Operand-of-input map attribute (only when a middle input is absent).
inline constexpr StringLiteral kInputMapAttr = "onnx.input_map";

/// True for generic ONNX ops.
bool isONNXOp(Operation *op);
/// True if `op` is `onnx.<type>` (`type` may carry a domain:
/// "com.microsoft.RotaryEmbedding").
bool isONNXOp(Operation *op, StringRef type);
/// The defining op of `v` if it is `onnx.<type>`, else null.
Operation *getONNXDef(Value v, StringRef type);
/// `Mul`, `com.microsoft.Attention` for a generic op.
StringRef getONNXType(Operation *op);
/// The node name recorded in the op's location (NameLoc), or empty.
StringRef getNodeName(Operation *op);
/// ONNX input `i` of a generic op (null if absent).
Value getONNXInput(Operation *op, unsigned i);
/// Number of ONNX inputs of a generic op (including absent ones).
unsigned getNumONNXInputs(Operation *op);

std::optional<int64_t> getIntAttr(Operation *op, StringRef name);
int64_t getIntAttr(Operation *op, StringRef name, int64_t defaultValue);
std::optional<double> getFloatAttr(Operation *op, StringRef name);
std::optional<SmallVector<int64_t>> getIntsAttr(Operation *op, StringRef name);

/// Looks through pass-through ops (Identity, same-type Cast, inference
/// Dropout) above `v`.
Value skipPassThrough(Value v);

/// The elements of a constant (arith.constant or onnx.Constant), looking
/// through pass-through ops; null otherwise.
ElementsAttr getConstantElements(Value v);
/// The value of a constant with exactly one element, as a double.
std::optional<double> getScalarConstant(Value v);
/// Integer constants (any shape, small).
std::optional<SmallVector<int64_t>> getIntConstant(Value v);
/// Little-endian bytes of a dense or dense_resource elements attribute
/// (splats expanded into `storage`); failure for other attributes.
FailureOr<ArrayRef<char>> getElementsBytes(ElementsAttr attr,
                                           std::vector<char> &storage);
/// Float elements of a constant converted to double (f16/bf16/f32/f64).
FailureOr<std::vector<double>> getFloatElements(ElementsAttr attr);

/// The parameters of an onnx.Slice (inputs from opset 10, attributes
/// before), with axes normalized against `rank` and default axes/steps.
struct SliceParams {
  SymInts starts, ends;
  SmallVector<int64_t> axes, steps;
};
std::optional<SliceParams> getSliceParams(ImportContext &ictx, Operation *slice,
                                          int64_t rank);

/// `a * b` through onnx.Mul, ost.mul or arith.mulf; operands in order.
bool matchMul(Value v, Value &a, Value &b);
/// Same for Add.
bool matchAdd(Value v, Value &a, Value &b);
/// A transpose (onnx.Transpose or ost.transpose): its input and permutation.
bool matchTranspose(Value v, Value &input, SmallVectorImpl<int64_t> &perm);

/// Erases `op` and, transitively, the generic ONNX ops and constants that
/// fed only it. For patterns: keeps use counts honest within one driver run.
void eraseWithDeadProducers(PatternRewriter &rewriter, Operation *op);
/// Replaces `op` with `values` and erases what became dead above it.
void replaceAndCleanUp(PatternRewriter &rewriter, Operation *op,
                       ValueRange values);

/// Replaces the single result of `op` by `value`, cast to the result's type
/// (castIfNeeded), and erases what became dead above `op`. Fails without
/// changing anything when the types are not cast-compatible.
LogicalResult replaceWithCast(PatternRewriter &rewriter, Operation *op,
                              Value value);

/// Static sizes of a symbolic shape as an MLIR shape (`?` for symbols).
SmallVector<int64_t> toStaticShape(ArrayRef<SymDim> shape);
/// A ranked tensor type of `shape` (symbols become `?`).
RankedTensorType makeTensorType(ArrayRef<SymDim> shape, Type elementType);
/// The size of dimension `dim` of `v` as an index value (a constant or
/// tensor.dim).
Value createDimValue(OpBuilder &builder, Location loc, Value v, int64_t dim);
/// `v` itself if it has type `type`, else a tensor.cast to it (null when the
/// types are not cast-compatible).
Value castIfNeeded(OpBuilder &builder, Location loc, Value v, Type type);
/// A constant like `attr` (dense or resource) with shape `shape` (same
/// number of elements), sharing its data.
ElementsAttr reshapeElements(ElementsAttr attr, ArrayRef<int64_t> shape);
/// `v` as a 1-D vector of `n` elements of `elementType`: `v` itself when it
/// is one, a reshaped constant when it is a constant [1, ..., 1, n]; null
/// otherwise. Callers check that `n` is static (a size-1 or dynamic last
/// dimension would broadcast in ONNX).
Value asVector(OpBuilder &builder, Location loc, Value v, int64_t n,
               Type elementType);
/// ost.transpose of `v` by `perm` (nothing if `perm` is the identity), with
/// its symbolic shape recorded.
Value createTranspose(OpBuilder &builder, ImportContext &ictx, Location loc,
                      Value v, ArrayRef<int64_t> perm);

/// The (role, layer) a node name like `/model/layers.3/self_attn/q_proj/MatMul`
/// or a weight name like `layers.0.mlp.down_proj.weight` tells; -1 layer or
/// empty role when it does not.
struct LayerPosition {
  std::string role;
  int64_t layer = -1;
  bool isLMHead = false;
};
LayerPosition parseLayerPosition(StringRef name);

} // namespace mlir::ost::importer

#endif // OST_LIB_IMPORTER_ONNX_IMPORTERINTERNALS_H

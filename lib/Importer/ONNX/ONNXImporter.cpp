//===- ONNXImporter.cpp - the ONNX importer's pipeline and entry points ---===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// read model -> stage 1 (GraphImporter) -> stage 2 (raising in three
// pattern phases) -> dead-code removal -> stage 3 (one diagnostic per node
// left in the ONNX dialect) -> canonicalize + CSE -> verify. Also the
// `--import-onnx` translation.
//
//===----------------------------------------------------------------------===//

#include "ost/Importer/ONNX/ONNXImporter.h"

#include "ImporterInternals.h"

#include "ost/Dialect/OST/IR/OSTDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::importer;

//===----------------------------------------------------------------------===//
// Stage 2
//===----------------------------------------------------------------------===//

LogicalResult mlir::ost::importer::raiseToOST(ModuleOp module,
                                              ImportContext &ictx) {
  MLIRContext *ctx = module.getContext();
  GreedyRewriteConfig config;
  config.setListener(&ictx.getListener());
  config.setMaxIterations(32);
  using Populate = void (*)(RewritePatternSet &, ImportContext &);
  // Phase 0 strips pass-through ops so that phase 1 sees the structure;
  // phase 1 raises the model structure (norms, linears, RoPE, attention,
  // activations, fused ops); phase 2 raises what is left of reshapes,
  // transposes and elementwise math.
  SmallVector<SmallVector<Populate>> phases = {
      {populateTrivialPatterns},
      {populateNormPatterns, populateLinearPatterns, populateRopePatterns,
       populateAttentionPatterns, populateActivationPatterns,
       populateFusedOpPatterns},
      {populateShapePatterns, populateElementwisePatterns}};
  for (ArrayRef<Populate> phase : phases) {
    eraseDeadONNXOps(module, &ictx);
    RewritePatternSet patterns(ctx);
    for (Populate populate : phase)
      populate(patterns, ictx);
    FrozenRewritePatternSet frozen(std::move(patterns));
    // Not converging within the iteration limit only leaves work undone,
    // which stage 3 reports.
    (void)applyPatternsGreedily(module, frozen, config);
  }
  eraseDeadONNXOps(module, &ictx);
  return success();
}

//===----------------------------------------------------------------------===//
// Stage 3
//===----------------------------------------------------------------------===//

/// Why an op of this type may be left over, when no pattern said more.
static StringRef defaultReason(StringRef type) {
  if (llvm::is_contained({"Pow", "ReduceMean", "Sqrt", "Reciprocal"}, type))
    return "not part of a recognized RMSNorm pattern";
  if (type == "Softmax")
    return "not part of a recognized attention pattern";
  if (type == "MatMul" || type == "Gemm")
    return "not a linear layer with a constant 2-D weight nor part of a "
           "recognized attention pattern";
  if (type == "Gather")
    return "not an embedding lookup (constant 2-D table, axis 0) nor part of "
           "a recognized RoPE or attention pattern";
  if (type == "Sigmoid")
    return "not part of a SiLU (x * sigmoid(x))";
  if (llvm::is_contained({"Neg", "Slice", "Concat", "Split"}, type))
    return "not part of a recognized rotate_half RoPE pattern";
  if (llvm::is_contained({"Add", "Mul", "Sub", "Div"}, type))
    return "not part of a recognized pattern, and its operands differ in "
           "shape or type (only same-shape float tensors become "
           "elementwise OST/arith ops)";
  if (llvm::is_contained({"Shape", "Unsqueeze", "Squeeze", "Expand",
                          "ConstantOfShape", "Range", "Cast", "Equal", "Where",
                          "Trilu"},
                         type))
    return "not part of a recognized pattern, and its value is still used";
  return "unsupported op";
}

LogicalResult mlir::ost::importer::reportLeftovers(ModuleOp module,
                                                  ImportContext &ictx) {
  const OpRegistry &registry = OpRegistry::get();
  bool failedAny = false;
  module.walk([&](Operation *op) {
    if (!isONNXOp(op))
      return;
    failedAny = true;
    StringRef type = getONNXType(op);
    StringRef reason = ictx.getFailure(op);
    std::string fallback;
    if (reason.empty()) {
      StringRef domain, opType = type;
      if (size_t dot = type.rfind('.'); dot != StringRef::npos) {
        domain = type.take_front(dot);
        opType = type.drop_front(dot + 1);
      }
      bool known =
          registry.lookup(domain, opType, INT64_MAX, nullptr) != nullptr;
      fallback = known ? defaultReason(opType).str() : "unsupported op";
      reason = fallback;
    }
    emitError(op->getLoc())
        << "node '" << getNodeName(op) << "' (op " << type << "): " << reason;
  });
  return failure(failedAny);
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

void mlir::ost::registerONNXImporterDialects(DialectRegistry &registry) {
  registry.insert<OSTDialect, func::FuncDialect, arith::ArithDialect,
                  math::MathDialect, tensor::TensorDialect>();
}

FailureOr<OwningOpRef<ModuleOp>>
mlir::ost::importONNXBuffer(StringRef buffer, StringRef bufferName,
                            MLIRContext &context,
                            const ImportOptions &options) {
  context.loadDialect<OSTDialect, func::FuncDialect, arith::ArithDialect,
                      math::MathDialect, tensor::TensorDialect>();
  bool allowedUnregistered = context.allowsUnregisteredDialects();
  context.allowUnregisteredDialects(true);
  llvm::scope_exit restore(
      [&] { context.allowUnregisteredDialects(allowedUnregistered); });
  Location fileLoc = FileLineColLoc::get(&context, bufferName, 0, 0);

  FailureOr<std::unique_ptr<LoadedModel>> model =
      readModel(buffer, bufferName, options, fileLoc);
  if (failed(model))
    return failure();
  ImportContext ictx(&context, options, model->get());
  FailureOr<OwningOpRef<ModuleOp>> module = importGraph(ictx);
  // Blobs the result does not reference (all of them on failure) are freed
  // before returning.
  auto fail = [&]() -> FailureOr<OwningOpRef<ModuleOp>> {
    ictx.releaseUnusedBlobs(ModuleOp());
    return failure();
  };
  if (failed(module))
    return fail();

  if (!options.raise) {
    // The generic ops need unregistered dialects to verify and print.
    restore.release();
    annotateSymbols(**module, ictx);
    if (failed(verify(**module)))
      return fail();
    ictx.releaseUnusedBlobs(**module);
    return module;
  }

  if (failed(raiseToOST(**module, ictx)) ||
      failed(reportLeftovers(**module, ictx)))
    return fail();

  PassManager pm(&context, ModuleOp::getOperationName());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (failed(pm.run(**module)) || failed(verify(**module)))
    return fail();
  ictx.releaseUnusedBlobs(**module);
  return module;
}

FailureOr<OwningOpRef<ModuleOp>>
mlir::ost::importONNXFile(StringRef path, MLIRContext &context,
                          const ImportOptions &options) {
  auto buffer =
      llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buffer)
    return emitError(FileLineColLoc::get(&context, path, 0, 0))
               << "cannot open ONNX model '" << path
               << "': " << buffer.getError().message(),
           failure();
  return importONNXBuffer((*buffer)->getBuffer(), path, context, options);
}

void mlir::ost::registerImportONNXTranslation(
    std::function<ImportOptions()> getOptions,
    std::function<void(DialectRegistry &)> registerDialects) {
  static bool registered = false;
  if (registered)
    return;
  registered = true;
  static TranslateToMLIRRegistration registration(
      "import-onnx",
      "import an ONNX model (binary ModelProto or .onnxtext) into the OST "
      "dialect",
      [getOptions](llvm::SourceMgr &sourceMgr,
                   MLIRContext *context) -> OwningOpRef<Operation *> {
        ImportOptions options = getOptions ? getOptions() : ImportOptions();
        const llvm::MemoryBuffer *buffer =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        FailureOr<OwningOpRef<ModuleOp>> module =
            importONNXBuffer(buffer->getBuffer(), buffer->getBufferIdentifier(),
                             *context, options);
        if (failed(module))
          return {};
        return OwningOpRef<Operation *>(module->release());
      },
      [registerDialects](DialectRegistry &registry) {
        registerONNXImporterDialects(registry);
        if (registerDialects)
          registerDialects(registry);
      });
}

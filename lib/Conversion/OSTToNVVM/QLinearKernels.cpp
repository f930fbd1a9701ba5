//===- QLinearKernels.cpp - which kernel an ost.qlinear gets --------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Classifies every ost.qlinear (W4A4 GEMM or W4A16 GEMV), checks the forms
// the kernels support, emits one kernel per distinct configuration into the
// kernel module and records its symbol on the linear:
//
//   IN   %y = ost.qlinear %h, %w, %s {act_spec = #ost.qspec<4, asym, per_token>,
//                                     weight_spec = #ost.qspec<4, sym, per_channel>}
//            : tensor<1x?x256xf32>, tensor<128x128xi8>, tensor<128x1xf32> -> ...
//   OUT  the same op with {ost.gpu_kernel = @ost_kernels::@w4a4_gemm_n128_k256},
//        and gpu.func @w4a4_gemm_n128_k256 in gpu.module @ost_kernels.
//
//===----------------------------------------------------------------------===//

#include "QLinearKernels.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::ost;
using namespace mlir::ost::nvvm;

namespace {

/// True for the activation spec the W4A4 kernel quantizes with.
bool isInt4ActivationSpec(QuantSpecAttr spec) {
  return spec && spec.getBits() == 4 && !spec.getSymmetric() &&
         spec.getGranularity() == Granularity::PerToken;
}

/// True if `op` feeds only W4A4 linears, as their input: the kernels then
/// apply it in their prologue.
bool isFusedIntoKernels(OnlineHadamardOp op) {
  if (op->use_empty())
    return false;
  return llvm::all_of(op->getUses(), [](OpOperand &use) {
    auto linear = dyn_cast<QLinearOp>(use.getOwner());
    return linear && use.getOperandNumber() == 0 &&
           isInt4ActivationSpec(linear.getActSpecAttr());
  });
}

} // namespace

QLinearKernels::QLinearKernels(ModuleOp module, const TargetInfo &target,
                               Type elementType)
    : module(module), target(target), elementType(elementType) {}

gpu::GPUModuleOp QLinearKernels::getKernelModule() {
  if (kernelModule)
    return kernelModule;
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  kernelModule =
      gpu::GPUModuleOp::create(b, module.getLoc(), kKernelModuleName);
  b.setInsertionPointToStart(kernelModule.getBody());
  // The kernels' dynamic shared memory (see KernelBuilder.cpp).
  auto array = LLVM::LLVMArrayType::get(b.getI8Type(), 0);
  LLVM::GlobalOp::create(b, module.getLoc(), array, /*isConstant=*/false,
                         LLVM::Linkage::External, kSharedMemoryName,
                         Attribute(), /*alignment=*/16, /*addrSpace=*/3);
  module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                  b.getUnitAttr());
  return kernelModule;
}

/// Emits (once) the kernel `name` with `emit` and returns its symbol.
SymbolRefAttr QLinearKernels::getOrEmit(
    StringRef name, function_ref<void(OpBuilder &, Location)> emit) {
  gpu::GPUModuleOp kernels = getKernelModule();
  if (!kernels.lookupSymbol(name)) {
    OpBuilder b = OpBuilder::atBlockEnd(kernels.getBody());
    emit(b, module.getLoc());
  }
  return SymbolRefAttr::get(
      kernels.getNameAttr(),
      {FlatSymbolRefAttr::get(module.getContext(), name)});
}

LogicalResult QLinearKernels::lower(QLinearOp op) {
  QuantSpecAttr weightSpec = op.getWeightSpec();
  if (weightSpec.getBits() != 4 || !weightSpec.getSymmetric() ||
      weightSpec.getGranularity() != Granularity::PerChannel ||
      weightSpec.getGroupSize() != 0 || op.getZeroPoints())
    return op.emitOpError("the nvvm target runs 4-bit symmetric per-channel "
                          "weights only, got ")
           << weightSpec;
  auto weightType = cast<RankedTensorType>(op.getWeight().getType());
  auto scalesType = cast<RankedTensorType>(op.getScales().getType());
  int64_t n = weightType.getDimSize(0), k = weightType.getDimSize(1) * 2;
  if (ShapedType::isDynamic(n) || ShapedType::isDynamic(k))
    return op.emitOpError("needs a static weight shape");
  if (scalesType.getDimSize(1) != 1 || !scalesType.getElementType().isF32())
    return op.emitOpError("needs f32 scales with one scale per channel");
  if (n % 8 != 0)
    return op.emitOpError("the nvvm kernels need N to be a multiple of 8, "
                          "got ")
           << n;
  bool bias = static_cast<bool>(op.getBias());

  QuantSpecAttr act = op.getActSpecAttr();
  if (act && !isInt4ActivationSpec(act))
    return op.emitOpError("the nvvm target quantizes activations to 4 bits "
                          "asymmetric per token only, got ")
           << act;
  SymbolRefAttr kernel;
  if (act) {
    if (act.getGroupSize() != 0)
      return op.emitOpError("the nvvm target quantizes activations per "
                            "token without groups only, got ")
             << act;
    if (k % kGemmKStep != 0)
      return op.emitOpError("the W4A4 kernel needs K to be a multiple of ")
             << kGemmKStep << ", got " << k;
    W4A4GemmConfig config;
    config.n = n;
    config.k = k;
    config.bias = bias;
    config.clip = act.getClipRatioValue();
    config.elementType = elementType;
    auto hadamard = op.getInput().getDefiningOp<OnlineHadamardOp>();
    if (hadamard && isFusedIntoKernels(hadamard)) {
      if (!llvm::isPowerOf2_64(k))
        return op.emitOpError("the fused Hadamard of the W4A4 kernel needs "
                              "a power-of-two size, got ")
               << k;
      config.hadamard = true;
    }
    config.rows = chooseGemmRows(config, target);
    if (config.rows == 0)
      return op.emitOpError("K = ")
             << k << " needs more shared memory than " << target.getChip()
             << " has for the fused prologue";
    std::string name = ("w4a4_gemm_n" + Twine(n) + "_k" + Twine(k)).str();
    if (config.hadamard)
      name += "_had";
    if (bias)
      name += "_bias";
    if (config.clip != 1.0)
      name += ("_clip" + Twine(static_cast<int64_t>(config.clip * 1e4))).str();
    kernel = getOrEmit(name, [&](OpBuilder &b, Location loc) {
      emitW4A4Gemm(b, loc, name, config, target);
    });
  } else {
    if (k % 32 != 0)
      return op.emitOpError("the W4A16 kernel needs K to be a multiple of 32, "
                            "got ")
             << k;
    W4A16GemvConfig config;
    config.n = n;
    config.k = k;
    config.bias = bias;
    config.elementType = elementType;
    std::string name = ("w4a16_gemv_n" + Twine(n) + "_k" + Twine(k)).str();
    if (bias)
      name += "_bias";
    kernel = getOrEmit(name, [&](OpBuilder &b, Location loc) {
      emitW4A16Gemv(b, loc, name, config);
    });
  }
  op->setAttr(kKernelAttrName, kernel);
  return success();
}

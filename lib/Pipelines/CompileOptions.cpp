//===- CompileOptions.cpp - method and phase names, option checks ---------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Pipelines/CompileOptions.h"

#include "ost/Support/QuantConfig.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir::ost;

namespace {

struct MethodInfo {
  Method method;
  llvm::StringLiteral name;
};

constexpr MethodInfo kMethodInfo[] = {
    {Method::None, "none"},           {Method::RTN, "rtn"},
    {Method::SmoothQuant, "smoothquant"}, {Method::GPTQ, "gptq"},
    {Method::QuaRot, "quarot"},       {Method::QuaRotRTN, "quarot-rtn"},
    {Method::SpinQuant, "spinquant"}, {Method::OSTQuant, "ostquant"}};

constexpr Method kMethods[] = {
    Method::None,   Method::RTN,       Method::SmoothQuant, Method::GPTQ,
    Method::QuaRot, Method::QuaRotRTN, Method::SpinQuant,   Method::OSTQuant};

struct PhaseInfo {
  Phase phase;
  llvm::StringLiteral name;
};

constexpr PhaseInfo kPhaseInfo[] = {
    {Phase::Quantized, "quantized"}, {Phase::CPU, "cpu"},
    {Phase::LLVM, "llvm"},           {Phase::LLVMIR, "llvmir"},
    {Phase::Object, "object"},       {Phase::Binary, "binary"},
    {Phase::CUDA, "cuda"},           {Phase::ONNX, "onnx"}};

llvm::Error optionError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The implemented phases, comma-separated.
std::string getImplementedPhaseList() {
  llvm::SmallVector<llvm::StringRef> names;
  for (const PhaseInfo &info : kPhaseInfo)
    if (isPhaseImplemented(info.phase))
      names.push_back(info.name);
  return llvm::join(names, ", ");
}

} // namespace

llvm::ArrayRef<Method> mlir::ost::getMethods() { return kMethods; }

llvm::StringRef mlir::ost::getMethodName(Method method) {
  for (const MethodInfo &info : kMethodInfo)
    if (info.method == method)
      return info.name;
  llvm_unreachable("unknown method");
}

std::optional<Method> mlir::ost::parseMethod(llvm::StringRef name) {
  for (const MethodInfo &info : kMethodInfo)
    if (info.name == name)
      return info.method;
  return std::nullopt;
}

bool mlir::ost::methodNeedsCalibrationData(Method method) {
  return method != Method::None && method != Method::RTN &&
         method != Method::QuaRotRTN;
}

llvm::StringRef mlir::ost::getPhaseName(Phase phase) {
  for (const PhaseInfo &info : kPhaseInfo)
    if (info.phase == phase)
      return info.name;
  llvm_unreachable("unknown phase");
}

std::optional<Phase> mlir::ost::parsePhase(llvm::StringRef name) {
  for (const PhaseInfo &info : kPhaseInfo)
    if (info.name == name)
      return info.phase;
  return std::nullopt;
}

bool mlir::ost::isPhaseImplemented(Phase phase) {
  return phase != Phase::CUDA && phase != Phase::ONNX;
}

llvm::Error mlir::ost::verifyMethodOptions(const CompileOptions &o) {
  llvm::Expected<QuantConfig> config = parseQuantConfig(o.bits);
  if (!config)
    return config.takeError();
  if (methodNeedsCalibrationData(o.method) &&
      (o.calib.empty() || o.tokenizer.empty()))
    return optionError("method '" + getMethodName(o.method) +
                       "' needs calibration text and a tokenizer "
                       "(--calib, --tokenizer)");
  if (o.rotationLr < 0.0 || o.scaleLr < 0.0 || o.steps < 0 || o.batch <= 0 ||
      o.seqLen <= 1 || o.samples < 0)
    return optionError("learning rates and steps must be >= 0, batch > 0, "
                       "seq-len > 1 and samples >= 0");
  return llvm::Error::success();
}

llvm::Error mlir::ost::verifyCompileOptions(const CompileOptions &o) {
  llvm::StringRef phase = getPhaseName(o.phase);
  if (!isPhaseImplemented(o.phase))
    return optionError("--compile-to=" + phase +
                       " is not implemented yet (implemented phases: " +
                       getImplementedPhaseList() + ")");
  if (o.phase > Phase::Quantized && o.target != Target::CPU)
    return optionError("--compile-to=" + phase + " needs --target=cpu");
  if (o.resume && o.checkpoint.empty())
    return optionError("--resume needs --checkpoint");
  return verifyMethodOptions(o);
}

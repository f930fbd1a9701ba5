//===- CompileOptions.h - what an ost compilation is asked to do -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// One options struct for every pipeline ost builds: the quantization method,
// its bit configuration, the calibration data and schedule, the phase to
// stop after and the code generation target. `ost-compile` maps its flags
// onto it, `ost-opt --ost-method-<name>` its pipeline options; the builders
// in Pipelines.h read nothing else. The `Method` and `Phase` enums carry the
// names the command line spells.
//
//===----------------------------------------------------------------------===//

#ifndef OST_PIPELINES_COMPILEOPTIONS_H
#define OST_PIPELINES_COMPILEOPTIONS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir::ost {

/// The quantization methods (docs/Calibration.md), in table order.
enum class Method {
  /// The float model as imported; `bits` is ignored.
  None,
  /// Round-to-nearest weights, no transforms.
  RTN,
  /// SmoothQuant attn/ffn scales (α = 0.5), RTN weights.
  SmoothQuant,
  /// GPTQ weights, no transforms.
  GPTQ,
  /// Random-Hadamard R_res and per-head R_ov, GPTQ weights.
  QuaRot,
  /// QuaRot's rotations with RTN weights (no calibration text).
  QuaRotRTN,
  /// Rotations learned with Cayley SGD on cross-entropy, GPTQ weights.
  SpinQuant,
  /// All transform pairs learned with KL-Top and Riemannian Adam, GPTQ.
  OSTQuant,
};

/// How far a compilation goes. The implemented phases are ordered: each
/// includes the ones before it.
enum class Phase {
  /// OST IR with packed `ost.qlinear` weights (the method pipeline).
  Quantized,
  /// convert-ost-to-cpu: the step function on memrefs.
  CPU,
  /// The LLVM dialect.
  LLVM,
  /// LLVM IR with the model's C API (translation, no passes).
  LLVMIR,
  /// An object file.
  Object,
  /// An executable (and with EmitKind::Shared a shared library).
  Binary,
  /// Not implemented yet: refused by verifyCompileOptions.
  CUDA,
  /// Not implemented yet: refused by verifyCompileOptions.
  ONNX,
};

/// Code generation targets.
enum class Target { None, CPU, ONNX };

/// What `--compile-to=binary` writes.
enum class EmitKind { Executable, Shared };

/// Everything a compilation is configured with.
struct CompileOptions {
  Method method = Method::OSTQuant;
  /// W<b>A<b>[KV<b>], e.g. W4A4KV4.
  std::string bits = "W4A4KV4";
  /// The last phase run.
  Phase phase = Phase::Quantized;
  Target target = Target::None;

  /// Calibration text, documents A:B of it, tokenizer, model function.
  std::string calib, docs, tokenizer;
  std::string function = "forward";
  /// Transform calibration: steps of `batch` sequences of `seqLen` tokens.
  int64_t steps = 100, batch = 4, seqLen = 256;
  /// Learning rates of rotations and scales; 0 keeps the method's own
  /// (OSTQuant 0.0169 / 0.00179, SpinQuant 1.5 with Cayley SGD).
  double rotationLr = 0.0, scaleLr = 0.0;
  uint64_t seed = 42;
  /// Calibration blocks GPTQ and SmoothQuant measure.
  int64_t samples = 128;
  std::string checkpoint;
  bool resume = false;
  /// Executor threads (0: all cores).
  unsigned threads = 0;
  bool progress = true;

  /// Code generation (after the passes): "native" or an LLVM CPU name,
  /// the C API prefix (empty: from the output name), what is linked.
  std::string cpu = "native";
  std::string symbolPrefix;
  EmitKind emit = EmitKind::Executable;
};

/// Every method, in table order.
llvm::ArrayRef<Method> getMethods();
/// The command-line spelling of `method` ("quarot-rtn", ...).
llvm::StringRef getMethodName(Method method);
/// The method spelled `name`, if any.
std::optional<Method> parseMethod(llvm::StringRef name);
/// True if `method` reads calibration text.
bool methodNeedsCalibrationData(Method method);

/// The `--compile-to` spelling of `phase`.
llvm::StringRef getPhaseName(Phase phase);
/// The phase spelled `name`, if any (implemented or not).
std::optional<Phase> parsePhase(llvm::StringRef name);
/// False for phases that are named but not built yet (cuda, onnx).
bool isPhaseImplemented(Phase phase);

/// Checks the method settings: the bit configuration, calibration data for
/// methods that need it, and the ranges of steps, rates and sizes. The
/// error names the bad setting.
llvm::Error verifyMethodOptions(const CompileOptions &options);

/// verifyMethodOptions plus the phase (implemented, reachable without a
/// target) and the checkpoint settings.
llvm::Error verifyCompileOptions(const CompileOptions &options);

} // namespace mlir::ost

#endif // OST_PIPELINES_COMPILEOPTIONS_H

//===- MethodPipelines.h - quantization methods as pass pipelines -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Every method `ost-compile --method=…` offers is a pipeline of the same
// passes (docs/Calibration.md lists them):
//
//   rtn          fold norms → activation quantizers → RTN weights
//   smoothquant  + attn/ffn scales from activation statistics (α = 0.5)
//   gptq         fold norms → activation quantizers → GPTQ weights
//   quarot       random-Hadamard R_res, per-head Hadamard R_ov, online
//                Hadamards (down; Q/K when KV < 16) → GPTQ
//   spinquant    R_res + per-layer R_ov shared by the heads, learned with
//                Cayley SGD on cross-entropy (cosine lr) → GPTQ
//   ostquant     all pairs, WOMI (W4A4) or Hadamard init, KL-Top +
//                Riemannian Adam → GPTQ
//
// A pipeline is built as pass-pipeline text, so `ost-compile
// --print-pipeline` shows exactly what runs and `ost-opt` can replay it.
//
//===----------------------------------------------------------------------===//

#ifndef OST_CALIBRATION_METHODPIPELINES_H
#define OST_CALIBRATION_METHODPIPELINES_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace mlir::ost {

/// The settings shared by every method pipeline.
struct MethodSettings {
  /// rtn, smoothquant, gptq, quarot, spinquant or ostquant.
  std::string method = "ostquant";
  /// W<b>A<b>[KV<b>], e.g. W4A4KV4.
  std::string bits = "W4A4KV4";
  /// Calibration text, documents A:B, tokenizer.
  std::string calib, docs, tokenizer;
  /// The model function.
  std::string function = "forward";
  /// Transform calibration.
  int64_t steps = 100, batch = 4, seqLen = 256;
  /// Learning rates of rotations and scales; 0 keeps the method's own
  /// (OSTQuant 0.0169 / 0.00179, SpinQuant 1.5 with Cayley SGD).
  double rotationLr = 0.0, scaleLr = 0.0;
  uint64_t seed = 42;
  /// Calibration blocks GPTQ and SmoothQuant measure.
  int64_t samples = 128;
  std::string checkpoint;
  bool resume = false;
  unsigned threads = 0;
  bool progress = true;
};

/// The names of the methods, in table order.
llvm::ArrayRef<llvm::StringRef> getMethodNames();

/// The pass pipeline text of `settings.method`, or an error naming the bad
/// setting (unknown method or bit configuration, missing calibration data
/// for a method that needs it).
llvm::Expected<std::string> buildMethodPipeline(const MethodSettings &settings);

/// True if `method` reads calibration text.
bool methodNeedsCalibrationData(llvm::StringRef method);

} // namespace mlir::ost

#endif // OST_CALIBRATION_METHODPIPELINES_H

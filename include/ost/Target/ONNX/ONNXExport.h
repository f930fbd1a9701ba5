//===- ONNXExport.h - quantized OST IR as an ONNX model ---------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// `ost-compile ... --target=onnx -o m.onnx` writes the quantized module (the
// output of the method pipeline: packed `ost.qlinear` weights, runtime
// activation and KV quantizers, online Hadamards) as an ONNX model that ONNX
// Runtime runs: input_ids [batch, seq] → logits [batch, seq, vocab], the
// whole sequence at once (no KV cache inputs). docs/ONNXExport.md has the
// op mapping.
//
//===----------------------------------------------------------------------===//

#ifndef OST_TARGET_ONNX_ONNXEXPORT_H
#define OST_TARGET_ONNX_ONNXEXPORT_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <string>

namespace mlir::ost {

/// How packed 4-bit weights are written.
enum class ONNXWeightFormat {
  /// com.microsoft.MatMulNBits (ONNX Runtime's 4-bit weight-only GEMM).
  MatMulNBits,
  /// Standard QDQ: an INT4 initializer, DequantizeLinear with block_size
  /// (opset 21), MatMul.
  QDQ,
};

struct ONNXExportOptions {
  ONNXWeightFormat weightFormat = ONNXWeightFormat::MatMulNBits;
  /// The block size of per-channel weights (0: the smallest power of two
  /// ≥ K, between 16 and 128). Every block of a channel gets the channel's
  /// scale, so any valid block size is exact. Grouped weights use their
  /// group size.
  int64_t blockSize = 0;
  /// Recorded as the model's doc string and `ost.quantization` metadata.
  std::string description;
};

/// Serializes the quantized `module` (one func.func @forward) as an ONNX
/// ModelProto into `bytes`. Every op the export cannot express is reported
/// at the op (an error diagnostic) and the result is failure.
LogicalResult exportONNXModel(ModuleOp module, const ONNXExportOptions &options,
                              std::string &bytes);

} // namespace mlir::ost

#endif // OST_TARGET_ONNX_ONNXEXPORT_H

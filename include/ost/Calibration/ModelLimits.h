//===- ModelLimits.h - what inputs a model function accepts -----*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Checks made before a data-driven pass runs a model on calibration text, so
// that a too long sequence is reported as such instead of as an
// out-of-bounds slice deep inside the model.
//
//===----------------------------------------------------------------------===//

#ifndef OST_CALIBRATION_MODELLIMITS_H
#define OST_CALIBRATION_MODELLIMITS_H

#include "mlir/IR/BuiltinOps.h"

#include <optional>

namespace mlir::ost {

/// The longest sequence the RoPE tables of `module` cover: the static row
/// count of the cos tables the `ost.rope` ops read (directly, or through a
/// `tensor.extract_slice` of a constant table). std::nullopt when the
/// module has no RoPE or its tables are not static.
std::optional<int64_t> getMaxSequenceLength(ModuleOp module);

/// Fails with an error naming `pass` if `seqLen` tokens exceed
/// getMaxSequenceLength(module).
LogicalResult checkSequenceLength(ModuleOp module, int64_t seqLen,
                                  StringRef pass);

} // namespace mlir::ost

#endif // OST_CALIBRATION_MODELLIMITS_H

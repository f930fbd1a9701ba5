//===- QSURVariants.h - model variants a QSUR report compares --*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// A variant is the base model after a textual pass pipeline (run on a clone),
// or another model file (e.g. a calibrated checkpoint). On the command line:
//
//   NAME=PIPELINE     e.g. fold=ost-fold-norm-weights   (NAME= : no passes)
//   NAME=@PATH        e.g. ost=@calibrated.mlir
//
//===----------------------------------------------------------------------===//

#ifndef OST_ANALYSIS_QSURVARIANTS_H
#define OST_ANALYSIS_QSURVARIANTS_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/LLVM.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mlir::ost {

struct QSURVariant {
  std::string name;
  /// Pass pipeline run on a clone of the base model; empty: none. Either a
  /// list of passes ("ost-fold-norm-weights,canonicalize") nested on the
  /// module, or an anchored "builtin.module(...)".
  std::string pipeline;
  /// If set, this model file is loaded instead (pipeline is ignored).
  std::string modelPath;
};

/// Parses "NAME=PIPELINE" or "NAME=@PATH". NAME is letters, digits, '_',
/// '-' and '.'.
llvm::Expected<QSURVariant> parseQSURVariant(StringRef spec);

/// The default comparison (docs/QSUR.md): original, hadamard and womi (norm
/// folding, the residual and O/V rotations with a down-projection Hadamard,
/// initialized by `method`, folded into the weights).
std::vector<QSURVariant> getDefaultQSURVariants(uint64_t seed);

/// The module of `variant`: a clone of `base` after its pipeline, or the
/// loaded model file. Fails with an error naming the variant (pipelines
/// that do not parse, failing passes, unreadable files); the passes' and the
/// loader's own diagnostics go through the context's handlers first.
llvm::Expected<OwningOpRef<ModuleOp>>
buildQSURVariant(ModuleOp base, const QSURVariant &variant);

} // namespace mlir::ost

#endif // OST_ANALYSIS_QSURVARIANTS_H

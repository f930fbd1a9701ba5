//===- InitChoices.h - values of ost-init-transforms' options ---*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The `method` and `scales` options of ost-init-transforms (and of the
// pipelines that run it) as enums with their command-line spellings, so a
// misspelled value is refused when the pipeline is parsed.
//
//===----------------------------------------------------------------------===//

#ifndef OST_DIALECT_OST_TRANSFORMS_INITCHOICES_H
#define OST_DIALECT_OST_TRANSFORMS_INITCHOICES_H

#include "llvm/Support/CommandLine.h"

namespace mlir::ost {

/// How rotations are initialized.
enum class RotationInit {
  /// Each parameter's own `init` attribute.
  FromParam,
  Identity,
  Hadamard,
  RandomOrthogonal,
  Womi,
};

/// How scales are initialized.
enum class ScaleInit { Ones, Random };

/// The spellings of RotationInit (`random_orthogonal` is accepted too).
inline auto getRotationInitValues() {
  return llvm::cl::values(
      clEnumValN(RotationInit::FromParam, "param",
                 "each parameter's init attribute"),
      clEnumValN(RotationInit::Identity, "identity", "the identity"),
      clEnumValN(RotationInit::Hadamard, "hadamard",
                 "a random-sign Hadamard matrix"),
      clEnumValN(RotationInit::RandomOrthogonal, "random-orthogonal",
                 "a Haar-random orthogonal matrix"),
      clEnumValN(RotationInit::RandomOrthogonal, "random_orthogonal",
                 "same as random-orthogonal"),
      clEnumValN(RotationInit::Womi, "womi",
                 "weight-outlier minimizing init (METHOD.md §3)"));
}

/// The spellings of ScaleInit.
inline auto getScaleInitValues() {
  return llvm::cl::values(
      clEnumValN(ScaleInit::Ones, "ones", "all ones"),
      clEnumValN(ScaleInit::Random, "random",
                 "log-normal, exp(0.5 N(0,1)) (for equivalence tests)"));
}

} // namespace mlir::ost

#endif // OST_DIALECT_OST_TRANSFORMS_INITCHOICES_H

//===- ExactDouble.h - a double pass option that prints exactly -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// MLIR prints `double` pass options with six significant digits
// (`rotation-lr=1.689753e-02`), so a printed pipeline replayed with
// `ost-opt --pass-pipeline` would run with different values. Pass options
// of type `::mlir::ost::ExactDouble` behave like a double in C++ and print
// the shortest text that parses back to the same value:
//
//   Option<"rotationLr", "rotation-lr", "::mlir::ost::ExactDouble",
//          "0.01689753172873217", "Learning rate of rotations">,
//
//===----------------------------------------------------------------------===//

#ifndef OST_SUPPORT_EXACTDOUBLE_H
#define OST_SUPPORT_EXACTDOUBLE_H

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace mlir::ost {

/// A double that a pass option prints without rounding.
struct ExactDouble {
  ExactDouble(double value = 0.0) : value(value) {}
  operator double() const { return value; }
  double value;
};

/// The shortest %g text (up to 17 digits) that parses back to `v.value`,
/// without an exponent for integral parts up to 17 digits (100, not 1e+02).
inline llvm::raw_ostream &operator<<(llvm::raw_ostream &os, ExactDouble v) {
  char text[32];
  int digits = 1;
  for (; digits < 17; ++digits) {
    std::snprintf(text, sizeof(text), "%.*g", digits, v.value);
    if (std::strtod(text, nullptr) == v.value)
      break;
  }
  double magnitude = std::fabs(v.value);
  if (magnitude >= 1.0 && magnitude < 1e17)
    digits = std::max(digits,
                      static_cast<int>(std::floor(std::log10(magnitude))) + 1);
  std::snprintf(text, sizeof(text), "%.*g", digits, v.value);
  return os << text;
}

} // namespace mlir::ost

namespace llvm::cl {

/// Parses ExactDouble options like double ones.
template <>
class parser<mlir::ost::ExactDouble>
    : public basic_parser<mlir::ost::ExactDouble> {
public:
  parser(Option &option) : basic_parser(option) {}

  /// True on error.
  bool parse(Option &option, StringRef, StringRef arg,
             mlir::ost::ExactDouble &value) {
    if (llvm::to_float(arg, value.value))
      return false;
    return option.error("'" + arg +
                        "' value invalid for floating point argument!");
  }

  StringRef getValueName() const override { return "number"; }

  void printOptionDiff(const Option &option, mlir::ost::ExactDouble value,
                       const OptVal &, size_t globalWidth) const {
    printOptionName(option, globalWidth);
    outs() << "= " << value << "\n";
  }
};

} // namespace llvm::cl

#endif // OST_SUPPORT_EXACTDOUBLE_H

//===- Interrupt.h - stop long passes cleanly on SIGINT/SIGTERM -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Calibration and GPTQ run for minutes. While an InterruptScope lives, the
// first SIGINT or SIGTERM is only recorded (with a one-line note on stderr
// that the run stops after the current unit of work); the pass polls
// `signal()` between steps or layer groups, ends with an error that names
// the signal and what was kept, and the tool writes no output. A second
// signal ends the process at once. The handlers the scope replaced (LLVM's,
// which remove temporary output files) are restored when it ends.
//
//===----------------------------------------------------------------------===//

#ifndef OST_SUPPORT_INTERRUPT_H
#define OST_SUPPORT_INTERRUPT_H

#include "llvm/ADT/StringRef.h"

#include <csignal>

namespace mlir::ost {

class InterruptScope {
public:
  /// The note printed on the first signal is "<what>: interrupted; stopping
  /// <when> (again to abort)" (each at most 63 characters).
  InterruptScope(llvm::StringRef what, llvm::StringRef when);
  ~InterruptScope();
  InterruptScope(const InterruptScope &) = delete;
  InterruptScope &operator=(const InterruptScope &) = delete;

  /// The signal received (SIGINT or SIGTERM), or 0.
  int signal() const;
  /// "SIGINT" or "SIGTERM" (for messages; "" before any signal).
  llvm::StringRef signalName() const;

private:
  struct sigaction oldInt = {}, oldTerm = {};
};

} // namespace mlir::ost

#endif // OST_SUPPORT_INTERRUPT_H

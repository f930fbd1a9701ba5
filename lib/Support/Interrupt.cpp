//===- Interrupt.cpp - stop long passes cleanly on SIGINT/SIGTERM ---------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Support/Interrupt.h"

#include <algorithm>
#include <cstring>
#include <unistd.h>

using namespace mlir::ost;

namespace {

volatile std::sig_atomic_t received = 0;
/// The note the handler writes (async-signal-safe: a fixed buffer).
char note[256];
size_t noteSize = 0;

extern "C" void onInterrupt(int sig) {
  received = sig;
  (void)!::write(2, note, noteSize);
  std::signal(sig, SIG_DFL); // a second signal ends the process at once
}

} // namespace

InterruptScope::InterruptScope(llvm::StringRef what, llvm::StringRef when) {
  received = 0;
  noteSize = 0;
  auto append = [](llvm::StringRef text) {
    size_t n = std::min<size_t>(text.size(), 63);
    std::memcpy(note + noteSize, text.data(), n);
    noteSize += n;
  };
  append("\n");
  append(what);
  append(": interrupted; stopping ");
  append(when);
  append(" (again to abort)\n");
  struct sigaction action = {};
  action.sa_handler = onInterrupt;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &oldInt);
  sigaction(SIGTERM, &action, &oldTerm);
}

InterruptScope::~InterruptScope() {
  sigaction(SIGINT, &oldInt, nullptr);
  sigaction(SIGTERM, &oldTerm, nullptr);
}

int InterruptScope::signal() const { return received; }

llvm::StringRef InterruptScope::signalName() const {
  return received == SIGTERM ? "SIGTERM" : received ? "SIGINT" : "";
}

//===- ModelMain.cpp - main of the executables ost-compile emits ----------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// `ost-compile M.onnx ... --target=cpu -o NAME` links the compiled model
// (which defines `ost_main_model_info`) with this main (library ostmain).
// The subcommands are in Dispatch.cpp.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

/// Defined by the compiled model object (ost-compile --target=cpu).
extern "C" const ostrt_model_info *ost_main_model_info(void);

int main(int argc, char **argv) {
  return ost::runtime::runExecutable(ost_main_model_info(), argc, argv);
}

//===- ost-opt.cpp - ost's optimizer driver --------------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// mlir-opt with the OST dialect and passes, every upstream dialect, pass and
// extension, and the LLVM IR translations (needed by gpu-module-to-binary).
//
//===----------------------------------------------------------------------===//

#include "ost/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::ost::registerAllPasses();
  mlir::DialectRegistry registry;
  mlir::ost::registerAllDialects(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "ost optimizer driver\n", registry));
}

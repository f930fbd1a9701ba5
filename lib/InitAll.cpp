//===- InitAll.cpp - register everything ost provides ---------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/InitAll.h"

#include "ost/Calibration/Passes.h"
#include "ost/Conversion/Passes.h"
#include "ost/Dialect/OST/IR/OSTDialect.h"
#include "ost/Dialect/OST/Transforms/Passes.h"
#include "ost/Importer/ONNX/Passes.h"
#include "ost/Pipelines/NamedPipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"

void mlir::ost::registerAllDialects(DialectRegistry &registry) {
  registry.insert<OSTDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
}

void mlir::ost::registerAllPasses() {
  registerOSTPasses();
  registerOSTPipelines();
  registerOSTCalibrationPasses();
  registerOSTConversionPasses();
  registerOSTImporterONNXPasses();
}

//===- ONNXImportFuzzer.cpp - libFuzzer target of the ONNX importer -------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Any bytes, read as a binary ModelProto or (starting with '<') as ONNX
// text, go through the whole import: reading, stage 1, raising, the
// leftover check and the verifier. Diagnostics are the expected outcome for
// almost every input; a crash, a sanitizer report or a module that fails to
// verify after a successful import is a bug.
//
//===----------------------------------------------------------------------===//

#include "ost/Importer/ONNX/ONNXImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstdint>
#include <cstdlib>

using namespace mlir;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // One context for the whole run: creating one per input would dominate.
  static MLIRContext *context = [] {
    DialectRegistry registry;
    ost::registerONNXImporterDialects(registry);
    auto *ctx = new MLIRContext(registry);
    ctx->loadAllAvailableDialects();
    return ctx;
  }();
  ScopedDiagnosticHandler quiet(context, [](Diagnostic &) { return success(); });
  ost::ImportOptions options;
  // No external data: a fuzzed location must not read files.
  options.externalDataDir = "/nonexistent-ost-fuzz";
  StringRef buffer(reinterpret_cast<const char *>(data), size);
  FailureOr<OwningOpRef<ModuleOp>> module =
      ost::importONNXBuffer(buffer, "fuzz.onnx", *context, options);
  if (succeeded(module) && failed(verify(**module)))
    std::abort(); // an import that succeeds must verify
  return 0;
}

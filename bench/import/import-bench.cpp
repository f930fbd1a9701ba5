//===- import-bench.cpp - time and memory of importing one ONNX model -----===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//   ost-import-bench MODEL.onnx
//
// Imports the model in process (no printing: printing a multi-GB module as
// text costs more than importing it) and prints `<figure>: <value>` lines:
// wall time, peak RSS, the bytes of every weight blob in the module and
// their ratio. Used for issue 3's acceptance figure (peak RSS < 1.5x weight
// bytes on a LLaMA-2-7B-shaped model with external data).
//
//===----------------------------------------------------------------------===//

#include "ost/Importer/ONNX/ONNXImporter.h"
#include "ost/InitAll.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <sys/resource.h>

using namespace mlir;

int main(int argc, char **argv) {
  if (argc != 2) {
    llvm::errs() << "usage: ost-import-bench MODEL.onnx\n";
    return 1;
  }
  DialectRegistry registry;
  ost::registerAllDialects(registry);
  MLIRContext context(registry);
  auto start = std::chrono::steady_clock::now();
  FailureOr<OwningOpRef<ModuleOp>> module =
      ost::importONNXFile(argv[1], context, ost::ImportOptions());
  double secs = std::chrono::duration<double>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  if (failed(module))
    return 1;
  uint64_t weightBytes = 0, inlineBytes = 0;
  llvm::DenseSet<void *> seen;
  (*module)->walk([&](Operation *op) {
    for (NamedAttribute attr : op->getAttrs()) {
      if (auto res = dyn_cast<DenseResourceElementsAttr>(attr.getValue())) {
        AsmResourceBlob *blob = res.getRawHandle().getBlob();
        if (blob && seen.insert(res.getRawHandle().getResource()).second)
          weightBytes += blob->getData().size();
      } else if (auto dense = dyn_cast<DenseElementsAttr>(attr.getValue())) {
        inlineBytes += dense.getRawData().size();
      }
    }
  });
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  double peak = usage.ru_maxrss * 1024.0; // kilobytes on Linux
  llvm::outs() << llvm::format("import_seconds: %.2f\n", secs)
               << llvm::format("weight_bytes: %llu\n",
                               static_cast<unsigned long long>(weightBytes))
               << llvm::format("inline_constant_bytes: %llu\n",
                               static_cast<unsigned long long>(inlineBytes))
               << llvm::format("peak_rss_bytes: %.0f\n", peak)
               << llvm::format("peak_rss_over_weights: %.3f\n",
                               weightBytes ? peak / weightBytes : 0.0);
  return 0;
}

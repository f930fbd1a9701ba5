//===- ost-translate.cpp - ost's translation driver -----------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// mlir-translate with ost's translations: `--import-onnx` turns an ONNX model
// (binary ModelProto or .onnxtext) into the OST dialect. The importer's
// options are flags of this tool, mapped onto ImportOptions.
//
//===----------------------------------------------------------------------===//

#include "ost/Importer/ONNX/ONNXImporter.h"
#include "ost/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "llvm/Support/CommandLine.h"

using namespace mlir;

namespace {

llvm::cl::OptionCategory importCategory("ONNX import options");

llvm::cl::opt<bool>
    noRaise("import-onnx-no-raise",
            llvm::cl::desc("Stop after the mechanical import: keep the generic "
                           "onnx.* ops (for debugging the raising patterns)"),
            llvm::cl::init(false), llvm::cl::cat(importCategory));

llvm::cl::opt<int64_t> resourceThreshold(
    "import-onnx-resource-threshold",
    llvm::cl::desc("Tensors with at least this many elements become "
                   "dense_resource blobs (default 64)"),
    llvm::cl::init(64), llvm::cl::cat(importCategory));

llvm::cl::list<std::string> dimOverrides(
    "import-onnx-dim",
    llvm::cl::desc("Give a symbolic dimension a size: name=size (repeatable, "
                   "or comma-separated)"),
    llvm::cl::CommaSeparated, llvm::cl::cat(importCategory));

llvm::cl::opt<std::string> externalDataDir(
    "import-onnx-external-data-dir",
    llvm::cl::desc("Folder of the external-data files (default: the model's)"),
    llvm::cl::init(""), llvm::cl::cat(importCategory));

llvm::cl::opt<std::string> functionName(
    "import-onnx-function",
    llvm::cl::desc("Name of the imported function (default: forward)"),
    llvm::cl::init("forward"), llvm::cl::cat(importCategory));

/// The command line as ImportOptions; malformed --import-onnx-dim entries
/// are reported and skipped.
ost::ImportOptions getImportOptions() {
  ost::ImportOptions options;
  options.raise = !noRaise;
  options.resourceThreshold = resourceThreshold;
  options.externalDataDir = externalDataDir;
  options.functionName = functionName;
  for (const std::string &entry : dimOverrides) {
    StringRef name, size;
    std::tie(name, size) = StringRef(entry).split('=');
    int64_t value;
    if (name.trim().empty() || size.trim().getAsInteger(10, value) ||
        value < 0) {
      llvm::errs() << "ost-translate: ignoring --import-onnx-dim='" << entry
                   << "': expected name=size\n";
      continue;
    }
    options.dimOverrides[name.trim().str()] = value;
  }
  return options;
}

} // namespace

int main(int argc, char **argv) {
  ost::registerImportONNXTranslation(getImportOptions,
                                     ost::registerAllDialects);
  return failed(mlirTranslateMain(argc, argv, "ost translation driver\n")) ? 1
                                                                           : 0;
}

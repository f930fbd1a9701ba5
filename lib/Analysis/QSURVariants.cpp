//===- QSURVariants.cpp - the model variants a QSUR report compares -------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Analysis/QSURVariants.h"

#include "ost/Tools/ModelLoader.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::ost;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Expected<QSURVariant> mlir::ost::parseQSURVariant(StringRef spec) {
  auto [name, rest] = spec.split('=');
  if (spec.find('=') == StringRef::npos || name.empty())
    return makeError("--variant must be NAME=PIPELINE or NAME=@MODEL, got '" +
                     spec + "'");
  if (!llvm::all_of(name, [](char c) {
        return llvm::isAlnum(c) || c == '_' || c == '-' || c == '.';
      }))
    return makeError("--variant name '" + name +
                     "' may only hold letters, digits, '_', '-' and '.'");
  QSURVariant variant;
  variant.name = name.str();
  rest = rest.trim();
  if (rest.consume_front("@")) {
    if (rest.empty())
      return makeError("--variant " + name + "=@ names no model file");
    variant.modelPath = rest.str();
  } else {
    variant.pipeline = rest.str();
  }
  return variant;
}

std::vector<QSURVariant> mlir::ost::getDefaultQSURVariants(uint64_t seed) {
  auto transformed = [&](StringRef method) {
    return llvm::formatv(
               "ost-fold-norm-weights,"
               "ost-insert-transforms{{pairs=res,ov down-hadamard=true},"
               "ost-init-transforms{{method={0} seed={1}},"
               "ost-fold-transforms",
               method, seed)
        .str();
  };
  return {{"original", "", ""},
          {"hadamard", transformed("hadamard"), ""},
          {"womi", transformed("womi"), ""}};
}

llvm::Expected<OwningOpRef<ModuleOp>>
mlir::ost::buildQSURVariant(ModuleOp base, const QSURVariant &variant) {
  MLIRContext *context = base->getContext();
  if (!variant.modelPath.empty()) {
    OwningOpRef<ModuleOp> loaded = loadModel(variant.modelPath, *context);
    if (!loaded)
      return makeError("variant '" + variant.name + "': cannot load " +
                       variant.modelPath);
    return std::move(loaded);
  }
  OwningOpRef<ModuleOp> module(cast<ModuleOp>(base->clone()));
  StringRef pipeline = StringRef(variant.pipeline).trim();
  if (pipeline.empty())
    return std::move(module);
  // Accept both "a,b" and the anchored "builtin.module(a,b)".
  StringRef passes = pipeline;
  if (passes.consume_front("builtin.module(") && passes.consume_back(")"))
    passes = passes.trim();
  else
    passes = pipeline;
  PassManager pm(context, ModuleOp::getOperationName());
  std::string parseError;
  llvm::raw_string_ostream errorStream(parseError);
  if (failed(parsePassPipeline(passes, pm, errorStream)))
    return makeError("variant '" + variant.name +
                     "': cannot parse the pass pipeline '" + pipeline +
                     "': " + StringRef(parseError).trim());
  if (failed(pm.run(*module)))
    return makeError("variant '" + variant.name + "': the pass pipeline '" +
                     pipeline + "' failed");
  return std::move(module);
}

//===- HFInput.h - Hugging Face directories and GGUF files as inputs -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// ost-compile accepts a Hugging Face model directory (config.json + weights)
// or a GGUF file directly: it runs the project's exporter
// (`python -m ost.export.hf`, on the interpreter CMake recorded, or
// $OST_PYTHON) and compiles the ONNX it writes. The export is cached in
// OUTPUT.hf/ (model.onnx, tokenizer.json, export.log, source.stamp) and reused
// while the source's files keep their sizes and modification times.
//
//===----------------------------------------------------------------------===//

#ifndef OST_TOOLS_OSTCOMPILE_HFINPUT_H
#define OST_TOOLS_OSTCOMPILE_HFINPUT_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace ost::compile {

enum class HFSourceKind { None, Directory, GGUF };

/// What `path` is: a directory with config.json, a file starting with the
/// GGUF magic, or neither (any other input: .onnx, .mlir, ...).
HFSourceKind getHFSourceKind(llvm::StringRef path);

/// Where the export of a source compiled to `outputPath` is cached.
std::string getHFCacheDir(llvm::StringRef outputPath);

/// Exports `source` into `cacheDir` unless the cache is current; returns
/// the path of the ONNX model. Progress lines go to stderr unless `quiet`.
/// Errors name the source, the interpreter and the exporter's last lines.
llvm::Expected<std::string> exportHFSource(llvm::StringRef source,
                                           llvm::StringRef cacheDir,
                                           bool quiet);

} // namespace ost::compile

#endif // OST_TOOLS_OSTCOMPILE_HFINPUT_H

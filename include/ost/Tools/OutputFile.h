//===- OutputFile.h - all-or-nothing output files for the tools -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// What ost-compile and ost-run write (modules, LLVM IR, headers, logits,
// reports) goes through writeOutputFile: the bytes go to a temporary file
// beside the output, which replaces it only when everything was written. A
// full disk, an unwritable folder or an interrupt leave the previous file
// (or nothing) in place, never a truncated one, and the error names the
// path. `-` is stdout; a path that exists and is not a regular file
// (/dev/null, a pipe) is written in place.
//
//===----------------------------------------------------------------------===//

#ifndef OST_TOOLS_OUTPUTFILE_H
#define OST_TOOLS_OUTPUTFILE_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::ost {

/// Writes what `write` prints to `path`, all or nothing (see above).
/// `write` may return an error of its own (e.g. a bytecode writer failure),
/// which is returned after the temporary file is removed.
llvm::Error
writeOutputFile(llvm::StringRef path,
                llvm::function_ref<llvm::Error(llvm::raw_ostream &)> write);

/// Checks, before long work, that `path` can be written: its folder exists
/// and a file can be created in it. Creates nothing that stays.
llvm::Error checkOutputWritable(llvm::StringRef path);

} // namespace mlir::ost

#endif // OST_TOOLS_OUTPUTFILE_H

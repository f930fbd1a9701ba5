//===- Tokenize.h - `ost-run tokenize` --------------------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#ifndef OST_TOOLS_OST_RUN_TOKENIZE_H
#define OST_TOOLS_OST_RUN_TOKENIZE_H

/// True when the command line chose the `tokenize` subcommand.
bool isTokenizeCommand();
/// Runs it; returns the exit status.
int runTokenize();

#endif // OST_TOOLS_OST_RUN_TOKENIZE_H

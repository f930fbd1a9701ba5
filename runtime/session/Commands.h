//===- Commands.h - subcommands of the compiled executables -----*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Internal to ostmain: each subcommand of an executable ost-compile emits
// (ModelMain.cpp) takes the model and its parsed options and returns the
// exit status (0, or 1 after printing `NAME: message`).
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_SESSION_COMMANDS_H
#define OST_RUNTIME_SESSION_COMMANDS_H

#include "CommandLine.h"

namespace ost::runtime {

/// ost-run's perplexity protocol and output (Corpus.h).
int runPerplexity(const ostrt_model_info &info, const Options &options);
/// Greedy generation: one prefill, then one decode step per token.
int runGenerate(const ostrt_model_info &info, const Options &options);
/// Logits of every row, by one forward or (--decode) token by token.
int runLogits(const ostrt_model_info &info, const Options &options);
/// Prefill and decode throughput against the memory bandwidth.
int runBench(const ostrt_model_info &info, const Options &options);

/// The whole command line of an executable: argv[1] names the subcommand
/// (perplexity, generate, logits, bench, info, help). Returns the exit
/// status. `info` may be null (an error).
int runExecutable(const ostrt_model_info *info, int argc, char **argv);

} // namespace ost::runtime

#endif // OST_RUNTIME_SESSION_COMMANDS_H

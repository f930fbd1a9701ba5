//===- CommandLine.h - argv parsing of the compiled executables -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Internal to ostmain (ModelMain.cpp): plain argv parsing without LLVM, the
// error convention (`NAME: message` on stderr, exit status 1), and the
// session as an owning pointer.
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_SESSION_COMMANDLINE_H
#define OST_RUNTIME_SESSION_COMMANDLINE_H

#include "ost/runtime/Session.h"

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace ost::runtime {

/// The executable's name (basename of argv[0]), the prefix of every message.
extern std::string programName;

/// Prints `NAME: message` on stderr; returns 1 (the exit status).
int reportError(const std::string &message);

/// The options of one subcommand: `--name value`, `--name=value`, `--flag`.
class Options {
public:
  /// Parses argv[first, argc) against the option names a subcommand takes
  /// (without the dashes). False with `error` set on an unknown option, a
  /// missing value, a repeated option or a positional argument.
  bool parse(int argc, char **argv, int first,
             const std::vector<std::string> &valueNames,
             const std::vector<std::string> &flagNames, std::string &error);

  bool has(const std::string &name) const {
    return values.count(name) || flags.count(name);
  }
  std::string get(const std::string &name,
                  const std::string &fallback = "") const;
  /// The integer value of --name (or `fallback` when absent); false with a
  /// message printed when it is not an integer in [min, max].
  bool getInt(const std::string &name, int64_t fallback, int64_t min,
              int64_t max, int64_t &out) const;

private:
  std::map<std::string, std::string> values;
  std::set<std::string> flags;
};

struct SessionDeleter {
  void operator()(ostrt_context *session) const {
    ostrt_session_destroy(session);
  }
};
using SessionPtr = std::unique_ptr<ostrt_context, SessionDeleter>;

/// A session of `info` (cache of `maxTokens` positions, 0: all); null after
/// printing the error.
SessionPtr openSession(const ostrt_model_info &info, int64_t numThreads,
                       int64_t maxTokens = 0);

/// Runs `count` tokens; false after printing the session's error.
bool forward(ostrt_context *session, const int32_t *tokens, int64_t count,
             float *logits, bool allRows);

/// The index of the largest of `n` values (the first on ties).
int64_t argmax(const float *values, int64_t n);

} // namespace ost::runtime

#endif // OST_RUNTIME_SESSION_COMMANDLINE_H

//===- CommandLine.cpp - argv parsing of the compiled executables ---------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "CommandLine.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace ost::runtime {

std::string programName = "model";

int reportError(const std::string &message) {
  std::fprintf(stderr, "%s: %s\n", programName.c_str(), message.c_str());
  return 1;
}

bool Options::parse(int argc, char **argv, int first,
                    const std::vector<std::string> &valueNames,
                    const std::vector<std::string> &flagNames,
                    std::string &error) {
  auto contains = [](const std::vector<std::string> &names,
                     const std::string &name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      error = "unexpected argument '" + arg + "'";
      return false;
    }
    std::string name = arg.substr(2), value;
    size_t eq = name.find('=');
    bool inlineValue = eq != std::string::npos;
    if (inlineValue) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (has(name)) {
      error = "--" + name + " is given twice";
      return false;
    }
    if (contains(flagNames, name) && !inlineValue) {
      flags.insert(name);
      continue;
    }
    if (!contains(valueNames, name)) {
      error = "unknown option '" + arg + "'";
      return false;
    }
    if (!inlineValue) {
      if (i + 1 >= argc) {
        error = "--" + name + " needs a value";
        return false;
      }
      value = argv[++i];
    }
    values[name] = value;
  }
  return true;
}

std::string Options::get(const std::string &name,
                         const std::string &fallback) const {
  auto it = values.find(name);
  return it == values.end() ? fallback : it->second;
}

bool Options::getInt(const std::string &name, int64_t fallback, int64_t min,
                     int64_t max, int64_t &out) const {
  auto it = values.find(name);
  if (it == values.end()) {
    out = fallback;
    return true;
  }
  const std::string &text = it->second;
  char *end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE || v < min || v > max) {
    reportError("--" + name + " must be an integer in [" +
                std::to_string(min) + ", " + std::to_string(max) +
                "], got '" + text + "'");
    return false;
  }
  out = v;
  return true;
}

SessionPtr openSession(const ostrt_model_info &info, int64_t numThreads,
                       int64_t maxTokens) {
  char error[512];
  SessionPtr session(ostrt_session_create(&info,
                                          static_cast<int32_t>(numThreads),
                                          maxTokens, error, sizeof(error)));
  if (!session)
    reportError(error);
  return session;
}

bool forward(ostrt_context *session, const int32_t *tokens, int64_t count,
             float *logits, bool allRows) {
  if (ostrt_session_forward(session, tokens, count, logits, allRows) == 0)
    return true;
  reportError(ostrt_session_error(session));
  return false;
}

int64_t argmax(const float *values, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (values[i] > values[best])
      best = i;
  return best;
}

} // namespace ost::runtime
